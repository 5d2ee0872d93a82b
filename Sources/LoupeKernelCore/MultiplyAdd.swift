/// How a kernel computes `accumulator + a * b` on SIMD vectors.
///
/// Kernels are written once, generic over this policy, and specialised in modules compiled
/// for a given CPU: a fused multiply-add is one instruction where the CPU has FMA, but a
/// library call per lane where it does not, so the portable build multiplies then adds. Each
/// CPU-specific module defines its own fused policy type (`AVX2MultiplyAdd`,
/// `AVX512MultiplyAdd`) so that its specialisations carry symbol names of their own.
@usableFromInline package protocol MultiplyAdd {
    static func multiplyAdd(
        _ accumulator: SIMD16<Float>, _ a: SIMD16<Float>, _ b: SIMD16<Float>
    ) -> SIMD16<Float>
}

/// Separate multiply and add (two roundings); portable to any SIMD instruction set.
@usableFromInline package enum SeparateMultiplyAdd: MultiplyAdd {
    @inlinable @inline(__always)
    package static func multiplyAdd(
        _ accumulator: SIMD16<Float>, _ a: SIMD16<Float>, _ b: SIMD16<Float>
    ) -> SIMD16<Float> {
        accumulator + a * b
    }
}
