import LoupeKernelCore
import LoupeKernelsAVX2
import LoupeKernelsAVX512

/// Writes the transpose of the `rows x columns` source into the destination
/// (`MatrixTranspose` on `path`; every path moves the same values), prefetching the next rows
/// as it goes with `prefetchesNextRows` (for a source that is not in cache).
package func transpose(
    _ source: UnsafePointer<Float>, rows: Int, columns: Int, sourceStride: Int,
    into destination: UnsafeMutablePointer<Float>, destinationStride: Int, path: KernelPath,
    prefetchesNextRows: Bool = false
) {
    switch path {
    case .avx512:
        avx512Transpose(
            source, rows: rows, columns: columns, sourceStride: sourceStride, into: destination,
            destinationStride: destinationStride, prefetchesNextRows: prefetchesNextRows)
    case .avx2:
        avx2Transpose(
            source, rows: rows, columns: columns, sourceStride: sourceStride, into: destination,
            destinationStride: destinationStride, prefetchesNextRows: prefetchesNextRows)
    case .generic:
        MatrixTranspose<SeparateMultiplyAdd>.transpose(
            source, rows: rows, columns: columns, sourceStride: sourceStride, into: destination,
            destinationStride: destinationStride, wideBlocks: false, prefetchesNextRows: prefetchesNextRows)
    }
}
