import LoupeSupport
import XCTest

@testable import LoupeData

final class GzipTests: XCTestCase {
    func testDecompressesWhatGzipCompressed() throws {
        let original = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 * 7 / 3) }
        XCTAssertEqual(try Gzip.decompress(try gzipped(original), file: "x.gz"), original)
    }

    /// `cat a.gz b.gz` is a valid gzip file whose content is a's then b's (gzip -dc gives that).
    func testConcatenatedMembersDecompressToTheirConcatenation() throws {
        let first = (0..<50_000).map { UInt8(truncatingIfNeeded: $0 * 7 / 3) }
        let second = (0..<30_000).map { UInt8(truncatingIfNeeded: $0 * 13) }
        let both = try gzipped(first) + gzipped(second)
        XCTAssertEqual(try Gzip.decompress(both, file: "x.gz"), first + second)
        // The same when zlib is handed the input a few bytes at a time, across the members' seam.
        for piece in [1, 7, 4096] {
            XCTAssertEqual(try Gzip.decompress(both, file: "x.gz", inputPiece: piece), first + second)
        }
    }

    func testTrailingBytesAfterTheStreamThrow() throws {
        let compressed = try gzipped([UInt8](repeating: 3, count: 1000))
        assertInputError(
            try Gzip.decompress(compressed + [0, 1, 2], file: "x.gz"), file: "x.gz",
            problem: "3 bytes of trailing data after the compressed stream")
        assertInputError(
            try Gzip.decompress(compressed + [0x1f], file: "x.gz", inputPiece: 5), file: "x.gz",
            problem: "1 bytes of trailing data after the compressed stream")
    }

    func testTheCRCOfAnySliceMatchesZlibsInOnePiece() {
        // 0xCBF43926 is the CRC-32 check value of "123456789" (the standard's test vector).
        XCTAssertEqual(Gzip.crc32(ArraySlice(Array("123456789".utf8))), 0xCBF4_3926)
        XCTAssertEqual(Gzip.crc32([]), 0)
    }

    func testTruncatedStreamThrows() throws {
        let compressed = try gzipped((0..<10_000).map { UInt8(truncatingIfNeeded: $0 * 31) })
        assertInputError(
            try Gzip.decompress(Array(compressed.prefix(compressed.count / 2)), file: "x.gz"),
            file: "x.gz", problem: "truncated compressed data")
    }

    func testCorruptStreamThrows() throws {
        var compressed = try gzipped((0..<10_000).map { UInt8(truncatingIfNeeded: $0 * 31) })
        for index in 20..<40 { compressed[index] ^= 0xA5 }
        assertInputError(
            try Gzip.decompress(compressed, file: "x.gz"), file: "x.gz",
            problem: "corrupt compressed data")
    }

    func testOutputBeyondTheMemoryBudgetThrows() throws {
        let bomb = try gzipped([UInt8](repeating: 0, count: 5_000_000))
        assertInputError(
            try Gzip.decompress(bomb, budget: MemoryBudget(bytes: 1 << 20), file: "bomb.gz"), file: "bomb.gz",
            problem: "decompresses to more than 1.0 MiB, over the memory budget of 1.0 MiB (set LOUPE_MEMORY_BUDGET")
    }

    func testOutputBeyondTheClaimedSizeThrows() throws {
        let member = try gzipped([UInt8](repeating: 7, count: 3_000_000))
        assertInputError(
            try Gzip.decompress(member, claimedSize: 1_000, file: "a.npz (x.npy)"), file: "a.npz (x.npy)",
            problem: "decompresses to more than the 1000 bytes it claims")
    }

    func testAClaimedSizeOverTheBudgetIsRefusedBeforeInflating() throws {
        assertInputError(
            try Gzip.decompress([1, 2, 3], claimedSize: 1 << 40, budget: MemoryBudget(bytes: 1 << 30), file: "a.npz"),
            file: "a.npz", problem: "claims 1.0 TiB decompressed, over the memory budget of 1.0 GiB")
    }

    /// The default budget is the one in force (LOUPE_MEMORY_BUDGET), not a fixed cap.
    func testTheDefaultLimitIsTheCurrentMemoryBudget() throws {
        setenv("LOUPE_MEMORY_BUDGET", "1M", 1)
        defer { unsetenv("LOUPE_MEMORY_BUDGET") }
        let bomb = try gzipped([UInt8](repeating: 0, count: 2_000_000))
        assertInputError(
            try Gzip.decompress(bomb, file: "bomb.gz"), file: "bomb.gz", problem: "over the memory budget of 1.0 MiB")
    }
}
