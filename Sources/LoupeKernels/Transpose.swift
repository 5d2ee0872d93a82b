import LoupeKernelCore
import LoupeKernelsAVX2
import LoupeKernelsAVX512

/// Writes the transpose of the `rows x columns` source into the destination
/// (`MatrixTranspose` on `path`; every path moves the same values).
package func transpose(
    _ source: UnsafePointer<Float>, rows: Int, columns: Int, sourceStride: Int,
    into destination: UnsafeMutablePointer<Float>, destinationStride: Int, path: KernelPath
) {
    switch path {
    case .avx512:
        avx512Transpose(
            source, rows: rows, columns: columns, sourceStride: sourceStride, into: destination,
            destinationStride: destinationStride)
    case .avx2:
        avx2Transpose(
            source, rows: rows, columns: columns, sourceStride: sourceStride, into: destination,
            destinationStride: destinationStride)
    case .generic:
        MatrixTranspose<SeparateMultiplyAdd>.transpose(
            source, rows: rows, columns: columns, sourceStride: sourceStride, into: destination,
            destinationStride: destinationStride, wideBlocks: false)
    }
}
