import LoupeKernelCore

/// The CSR-times-feature-major product specialised for AVX-512F (this module is compiled
/// with that flag). Call only after checking the CPU supports it.
package func avx512SparseRowProduct(
    rows: Range<Int>, segmentOffsets: UnsafePointer<Int>, columnBlocks: Int, columnIndices: UnsafePointer<Int32>,
    values: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
    input: UnsafePointer<Float>, inputStride: Int, lanes: Int,
    output: UnsafeMutablePointer<Float>, outputStride: Int, rectify: Bool
) {
    SparseRowProduct<AVX512MultiplyAdd>.multiply(
        rows: rows, segmentOffsets: segmentOffsets, columnBlocks: columnBlocks, columnIndices: columnIndices,
        values: values, bias: bias,
        input: input, inputStride: inputStride, lanes: lanes, output: output, outputStride: outputStride,
        rectify: rectify, doubleTiles: true)
}
