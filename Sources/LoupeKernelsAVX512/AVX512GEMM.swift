import LoupeKernelCore

/// The packed GEMM with the 8 x 32 tile, specialised for AVX-512F (this module is compiled
/// with that flag). Call only after checking the CPU supports it.
package func avx512Multiply(
    m: Int, n: Int, k: Int, alpha: Float, a: MatrixOperand, b: MatrixOperand,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, workspace: UnsafeMutablePointer<Float>,
    packedA: UnsafePointer<Float>?, packedB: UnsafePointer<Float>?
) {
    WidePackedGEMM<AVX512MultiplyAdd>.multiply(
        m: m, n: n, k: k, alpha: alpha, a: a, b: b, beta: beta, c: c, ldc: ldc, workspace: workspace,
        packedA: packedA, packedB: packedB)
}

/// `packWholeA` of the kernel `avx512Multiply` uses, compiled for AVX-512F.
package func avx512PackWholeA(
    _ a: MatrixOperand, m: Int, k: Int, into packed: UnsafeMutablePointer<Float>, slices: Range<Int>? = nil
) {
    WidePackedGEMM<AVX512MultiplyAdd>.packWholeA(a, m: m, k: k, into: packed, slices: slices)
}

/// `packWholeB` of the kernel `avx512Multiply` uses, compiled for AVX-512F.
package func avx512PackWholeB(
    _ b: MatrixOperand, k: Int, n: Int, into packed: UnsafeMutablePointer<Float>, slices: Range<Int>? = nil
) {
    WidePackedGEMM<AVX512MultiplyAdd>.packWholeB(b, k: k, n: n, into: packed, slices: slices)
}

/// `ShallowWeightGradient.accumulate` compiled for AVX-512F.
package func avx512AccumulateShallowWeightGradient(
    outputs: Int, taps: Int, positions: Int, gradient: UnsafePointer<Float>, gradientStride: Int,
    image: UnsafePointer<Float>, offsets: UnsafePointer<Int>, into weights: UnsafeMutablePointer<Float>,
    weightStride: Int
) {
    ShallowWeightGradient<AVX512MultiplyAdd>.accumulate(
        outputs: outputs, taps: taps, positions: positions, gradient: gradient, gradientStride: gradientStride,
        image: image, offsets: offsets, into: weights, weightStride: weightStride)
}

/// `multiplyAddChains` compiled for AVX-512F, with twelve chains: one 16-wide register each.
package func avx512MultiplyAddChains(iterations: Int) -> Float {
    multiplyAddChains(AVX512MultiplyAdd.self, iterations: iterations, chains: 12)
}
