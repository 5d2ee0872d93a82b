import LoupeKernelCore

/// `MatrixTranspose.transpose` compiled for AVX-512F, in 16 x 16 blocks.
package func avx512Transpose(
    _ source: UnsafePointer<Float>, rows: Int, columns: Int, sourceStride: Int,
    into destination: UnsafeMutablePointer<Float>, destinationStride: Int, prefetchesNextRows: Bool
) {
    MatrixTranspose<AVX512MultiplyAdd>.transpose(
        source, rows: rows, columns: columns, sourceStride: sourceStride, into: destination,
        destinationStride: destinationStride, wideBlocks: true, prefetchesNextRows: prefetchesNextRows)
}
