import LoupeRandom
import XCTest

final class BoundedDrawTests: XCTestCase {
    func testMatchesIndependentImplementation() {
        // Lemire's method in the same Python as SeededGeneratorTests.
        var generator = SeededGenerator(seed: 7)
        let bounds = [10, 3, 1000, (1 << 62) + 5, 7]
        XCTAssertEqual(bounds.map { generator.nextInt(below: $0) }, [7, 0, 839, 4_524_514_661_162_294_420, 6])
    }

    func testEqualsTheStandardLibraryOnThisToolchain() {
        // The equality the written-out draw stands for: on every bound, including ones with
        // frequent rejections (just above a power of two, near 2^63), the same values and the
        // same number of generator steps as `next(upperBound:)`.
        let bounds = [1, 2, 3, 5, 6, 7, 10, 100, 257, 1000, 65_537, 1 << 40 | 1, Int.max / 3 * 2, Int.max]
        for seed in 0..<20 {
            var ours = SeededGenerator(seed: UInt64(seed))
            var standard = SeededGenerator(seed: UInt64(seed))
            for _ in 0..<200 {
                for bound in bounds {
                    XCTAssertEqual(ours.nextInt(below: bound), Int(standard.next(upperBound: UInt64(bound))))
                }
            }
            XCTAssertEqual(ours.next(), standard.next())
        }
    }
}
