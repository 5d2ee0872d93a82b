import LoupeRandom
import XCTest

final class SplitMix64Tests: XCTestCase {
    func testMatchesReferenceSequence() {
        // The first outputs of SplitMix64 seeded with 0 (Vigna's reference splitmix64.c).
        var generator = SplitMix64(seed: 0)
        XCTAssertEqual(generator.next(), 0xE220_A839_7B1D_CDAF)
        XCTAssertEqual(generator.next(), 0x6E78_9E6A_A1B9_65F4)
        XCTAssertEqual(generator.next(), 0x06C4_5D18_8009_454F)
    }

    func testSampleIsDistinctSortedAndInRange() {
        var generator = SplitMix64(seed: 42)
        let sample = generator.sample(30, from: 100)
        XCTAssertEqual(sample.count, 30)
        XCTAssertEqual(Set(sample).count, 30)
        XCTAssertEqual(sample, sample.sorted())
        XCTAssertTrue(sample.allSatisfy { (0..<100).contains($0) })
        var whole = SplitMix64(seed: 1)
        XCTAssertEqual(whole.sample(5, from: 5), [0, 1, 2, 3, 4])
    }

    func testSampleIsThePartialWalkItWasFirstWrittenAs() {
        // The loop `sample` had before it used the shared shuffle: `count` swaps from the start.
        for (count, population) in [(0, 0), (0, 7), (3, 10), (9, 10), (10, 10), (40, 1000)] {
            var old = SplitMix64(seed: UInt64(count * 31 + population))
            var positions = Array(0..<population)
            for i in 0..<count { positions.swapAt(i, i + old.nextInt(below: population - i)) }
            var new = SplitMix64(seed: UInt64(count * 31 + population))
            XCTAssertEqual(new.sample(count, from: population), positions[0..<count].sorted())
        }
    }

    func testBoundedDrawsCoverTheRangeRoughlyUniformly() {
        var generator = SplitMix64(seed: 7)
        var counts = [Int](repeating: 0, count: 6)
        for _ in 0..<60_000 { counts[generator.nextInt(below: 6)] += 1 }
        for count in counts { XCTAssertEqual(Double(count), 10_000, accuracy: 400) }
    }
}
