import XCTest

@testable import LoupeSupport

final class ClaimedShapeTests: XCTestCase {
    func testBytesOfAShapeWithinTheBudget() throws {
        XCTAssertEqual(try CheckedSize.claimedBytes([3, 28, 28], bytesPerElement: 4, for: "x.npy"), 9408)
        XCTAssertEqual(try CheckedSize.claimedBytes([0, 784], bytesPerElement: 1, for: "x.npy"), 0)
        XCTAssertEqual(try CheckedSize.claimedBytes([], bytesPerElement: 8, for: "x.npy"), 8)
    }

    /// A zero extent makes the array empty but does not hide what the others claim.
    func testZeroExtentDoesNotHideOverflowOrBudget() {
        XCTAssertThrowsError(try CheckedSize.claimedBytes([0, 1 << 62, 8], bytesPerElement: 4, for: "z.npy")) {
            XCTAssertEqual("\($0)", "z.npy: shape [0, 4611686018427387904, 8] is negative or overflows")
        }
        XCTAssertThrowsError(
            try CheckedSize.claimedBytes(
                [0, 1 << 20], bytesPerElement: 1, for: "b.npy", budget: MemoryBudget(bytes: 1024))
        ) {
            XCTAssertEqual(
                "\($0)",
                "b.npy: shape [0, 1048576] claims extents of 1.0 MiB, over the memory budget of 1.0 KiB (set LOUPE_MEMORY_BUDGET to raise it)"
            )
        }
        XCTAssertThrowsError(try CheckedSize.claimedBytes([2, -1], bytesPerElement: 1, for: "n.npy"))
    }
}
