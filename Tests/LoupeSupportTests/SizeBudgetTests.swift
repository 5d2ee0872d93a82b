import XCTest

@testable import LoupeSupport

final class SizeBudgetTests: XCTestCase {
    /// A zero factor must not hide an overflowing product of the others (the NPY shape
    /// `(0, 2^62, 8)` passed a left-to-right check).
    func testProductRejectsOverflowBehindAZero() {
        XCTAssertEqual(CheckedSize.product([2, 3, 4]), 24)
        XCTAssertEqual(CheckedSize.product([0, 5]), 0)
        XCTAssertEqual(CheckedSize.product([Int]()), 1)
        XCTAssertNil(CheckedSize.product([0, 1 << 62, 8]))
        XCTAssertNil(CheckedSize.product([1 << 62, 8, 0]))
        XCTAssertNil(CheckedSize.product([3, -1]))
        XCTAssertEqual(CheckedSize.product(Int.max, 1), Int.max)
        XCTAssertNil(CheckedSize.product(Int.max, 2))
    }

    func testSum() {
        XCTAssertEqual(CheckedSize.sum([1, 2, 3]), 6)
        XCTAssertNil(CheckedSize.sum([Int.max, 1]))
        XCTAssertNil(CheckedSize.sum([1, -1]))
    }

    /// Bytes are checked against the budget before anything is allocated, with an error that
    /// names the subject and the limit.
    func testBytesAgainstBudget() throws {
        let budget = MemoryBudget(bytes: 1 << 20)
        XCTAssertEqual(try CheckedSize.bytes([256, 1024], bytesPerElement: 4, for: "x", budget: budget), 1 << 20)
        XCTAssertThrowsError(try CheckedSize.bytes([256, 1025], bytesPerElement: 4, for: "fc1.weight", budget: budget))
        {
            let message = "\($0)"
            XCTAssertTrue(message.hasPrefix("fc1.weight: needs 1.0 MiB"), message)
            XCTAssertTrue(message.contains("LOUPE_MEMORY_BUDGET"), message)
        }
        XCTAssertThrowsError(
            try CheckedSize.bytes([1 << 40, 1 << 30], bytesPerElement: 4, for: "shape", budget: budget)
        ) {
            XCTAssertEqual("\($0)", "shape: size [1099511627776, 1073741824] is negative or overflows")
        }
    }

    func testBudgetParsing() {
        XCTAssertEqual(MemoryBudget.parse("123"), 123)
        XCTAssertEqual(MemoryBudget.parse("64k"), 64 << 10)
        XCTAssertEqual(MemoryBudget.parse("16G"), 16 << 30)
        XCTAssertEqual(MemoryBudget.parse(" 2T "), 2 << 40)
        for bad in ["", "G", "-1", "0", "1.5G", "12X", "99999999999T"] { XCTAssertNil(MemoryBudget.parse(bad), bad) }
        XCTAssertEqual(MemoryBudget.describe(3 << 29), "1.5 GiB")
        XCTAssertEqual(MemoryBudget.describe(100), "100 bytes")
    }
}
