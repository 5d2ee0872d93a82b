import LoupeKernels
import XCTest

/// `transpose` on every kernel path against a naive loop: 16-wide matrices either way, wider
/// ones, ragged edges, and strides wider than the rows, with the destination's gaps left
/// alone; prefetching the next rows or not.
final class TransposeTests: XCTestCase {
    func testEveryShapeMatchesTheNaiveTranspose() {
        let shapes: [(rows: Int, columns: Int)] = [
            (16, 1024), (1024, 16), (16, 40), (40, 16), (17, 16), (16, 23), (32, 256), (256, 32), (64, 64), (24, 16),
            (16, 8), (8, 16), (7, 5), (1, 1),
        ]
        for path in KernelPath.allCases where path <= KernelPath.supported {
            for (rows, columns) in shapes {
                for prefetches in [false, true] {
                    let (sourceStride, destinationStride) = (columns + 3, rows + 5)
                    let source = (0..<(rows * sourceStride)).map { Float($0) }
                    var destination = [Float](repeating: -1, count: columns * destinationStride)
                    transpose(
                        source, rows: rows, columns: columns, sourceStride: sourceStride, into: &destination,
                        destinationStride: destinationStride, path: path, prefetchesNextRows: prefetches)
                    var want = [Float](repeating: -1, count: columns * destinationStride)
                    for r in 0..<rows {
                        for c in 0..<columns { want[c * destinationStride + r] = source[r * sourceStride + c] }
                    }
                    XCTAssertEqual(destination, want, "\(path) \(rows) x \(columns), prefetching \(prefetches)")
                }
            }
        }
    }
}
