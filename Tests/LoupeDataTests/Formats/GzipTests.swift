import LoupeSupport
import XCTest

@testable import LoupeData

final class GzipTests: XCTestCase {
    func testDecompressesWhatGzipCompressed() throws {
        let original = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 * 7 / 3) }
        XCTAssertEqual(try Gzip.decompress(try gzipped(original), file: "x.gz"), original)
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
