import LoupeKernelCore

/// The CSR-times-feature-major product specialised for AVX2 + FMA (this module is compiled
/// with those flags). Call only after checking the CPU supports them.
package func avx2SparseRowProduct(
    rows: Range<Int>, segmentOffsets: UnsafePointer<Int>, columnBlocks: Int, columnIndices: UnsafePointer<Int32>,
    values: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
    input: UnsafePointer<Float>, inputStride: Int, lanes: Int,
    output: UnsafeMutablePointer<Float>, outputStride: Int, rectify: Bool
) {
    SparseRowProduct<AVX2MultiplyAdd>.multiply(
        rows: rows, segmentOffsets: segmentOffsets, columnBlocks: columnBlocks, columnIndices: columnIndices,
        values: values, bias: bias,
        input: input, inputStride: inputStride, lanes: lanes, output: output, outputStride: outputStride,
        rectify: rectify)
}
