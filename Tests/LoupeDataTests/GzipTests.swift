import XCTest

@testable import LoupeData

final class GzipTests: XCTestCase {
    func testDecompressesWhatGzipCompressed() throws {
        let original = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 * 7 / 3) }
        XCTAssertEqual(try Gzip.decompress(try gzipped(original), file: "x.gz"), original)
    }

    func testTruncatedStreamThrows() throws {
        let compressed = try gzipped((0..<10_000).map { UInt8(truncatingIfNeeded: $0 * 31) })
        assertDataError(
            try Gzip.decompress(Array(compressed.prefix(compressed.count / 2)), file: "x.gz"),
            file: "x.gz", problem: "truncated compressed data")
    }

    func testCorruptStreamThrows() throws {
        var compressed = try gzipped((0..<10_000).map { UInt8(truncatingIfNeeded: $0 * 31) })
        for index in 20..<40 { compressed[index] ^= 0xA5 }
        assertDataError(
            try Gzip.decompress(compressed, file: "x.gz"), file: "x.gz",
            problem: "corrupt compressed data")
    }

    func testOutputBeyondLimitThrows() throws {
        let bomb = try gzipped([UInt8](repeating: 0, count: 5_000_000))
        assertDataError(
            try Gzip.decompress(bomb, limit: 1_000_000, file: "bomb.gz"), file: "bomb.gz",
            problem: "decompresses to more than 1000000 bytes")
    }
}
