import LoupeKernelCore

/// The packed GEMM specialised for AVX2 + FMA (this module is compiled with those flags).
/// Call only after checking the CPU supports them.
package func avx2Multiply(
    m: Int, n: Int, k: Int, alpha: Float, a: MatrixOperand, b: MatrixOperand,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, workspace: UnsafeMutablePointer<Float>,
    packedA: UnsafePointer<Float>?, packedB: UnsafePointer<Float>?
) {
    PackedGEMM<AVX2MultiplyAdd>.multiply(
        m: m, n: n, k: k, alpha: alpha, a: a, b: b, beta: beta, c: c, ldc: ldc, workspace: workspace,
        packedA: packedA, packedB: packedB)
}

/// `packWholeA` of the kernel `avx2Multiply` uses, compiled for AVX2.
package func avx2PackWholeA(
    _ a: MatrixOperand, m: Int, k: Int, into packed: UnsafeMutablePointer<Float>, slices: Range<Int>? = nil
) {
    PackedGEMM<AVX2MultiplyAdd>.packWholeA(a, m: m, k: k, into: packed, slices: slices)
}

/// `packWholeB` of the kernel `avx2Multiply` uses, compiled for AVX2.
package func avx2PackWholeB(
    _ b: MatrixOperand, k: Int, n: Int, into packed: UnsafeMutablePointer<Float>, slices: Range<Int>? = nil
) {
    PackedGEMM<AVX2MultiplyAdd>.packWholeB(b, k: k, n: n, into: packed, slices: slices)
}

/// `ShallowWeightGradient.accumulate` compiled for AVX2, in blocks of two outputs by three taps.
package func avx2AccumulateShallowWeightGradient(
    outputs: Int, taps: Int, positions: Int, gradient: UnsafePointer<Float>, gradientStride: Int,
    image: UnsafePointer<Float>, offsets: UnsafePointer<Int>, into weights: UnsafeMutablePointer<Float>,
    weightStride: Int
) {
    ShallowWeightGradient<AVX2MultiplyAdd>.accumulate(
        outputs: outputs, taps: taps, positions: positions, gradient: gradient, gradientStride: gradientStride,
        image: image, offsets: offsets, into: weights, weightStride: weightStride, pairedBlocks: true)
}

/// `multiplyAddChains` compiled for AVX2 + FMA.
package func avx2MultiplyAddChains(iterations: Int) -> Float {
    multiplyAddChains(AVX2MultiplyAdd.self, iterations: iterations)
}
