import LoupeKernelCore

/// Fused multiply-add as compiled in this module (AVX2 + FMA).
///
/// A type of this module's own, not `FusedMultiplyAdd`: the generic kernels specialised for
/// it get symbol names of their own, so the linker cannot merge them with the AVX-512 module's
/// specialisations and run AVX-512 code on a CPU without it (or the other way round).
public enum AVX2MultiplyAdd: MultiplyAdd {
    @inlinable @inline(__always)
    public static func multiplyAdd(
        _ accumulator: SIMD16<Float>, _ a: SIMD16<Float>, _ b: SIMD16<Float>
    ) -> SIMD16<Float> {
        accumulator.addingProduct(a, b)
    }
}
