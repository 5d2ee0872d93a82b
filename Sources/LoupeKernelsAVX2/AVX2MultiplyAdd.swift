import LoupeKernelCore

/// Fused multiply-add as compiled in this module (AVX2 + FMA).
///
/// A type of this module's own, not one shared with the AVX-512 module: the generic kernels
/// specialised for it get symbol names of their own, so the linker cannot merge the two
/// modules' specialisations and run AVX-512 code on a CPU without it.
package enum AVX2MultiplyAdd: MultiplyAdd {
    @inlinable @inline(__always)
    package static func multiplyAdd(
        _ accumulator: SIMD16<Float>, _ a: SIMD16<Float>, _ b: SIMD16<Float>
    ) -> SIMD16<Float> {
        accumulator.addingProduct(a, b)
    }
}
