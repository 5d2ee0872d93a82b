import LoupeKernelCore

/// `MatrixTranspose.transpose` compiled for AVX2 + FMA, in 8 x 8 blocks.
package func avx2Transpose(
    _ source: UnsafePointer<Float>, rows: Int, columns: Int, sourceStride: Int,
    into destination: UnsafeMutablePointer<Float>, destinationStride: Int, prefetchesNextRows: Bool
) {
    MatrixTranspose<AVX2MultiplyAdd>.transpose(
        source, rows: rows, columns: columns, sourceStride: sourceStride, into: destination,
        destinationStride: destinationStride, wideBlocks: false, prefetchesNextRows: prefetchesNextRows)
}
