import LoupeRandom
import XCTest

final class FisherYatesTests: XCTestCase {
    func testWalksMatchIndependentImplementation() {
        // Both walks over 0..<10 with SeededGenerator(seed: 2024), in the same Python as
        // SeededGeneratorTests.
        var generator = SeededGenerator(seed: 2024)
        var fromEnd = Array(0..<10)
        fromEnd.fisherYatesShuffle(using: &generator)
        XCTAssertEqual(fromEnd, [2, 3, 8, 5, 6, 4, 1, 9, 7, 0])
        generator = SeededGenerator(seed: 2024)
        var fromStart = Array(0..<10)
        fromStart.fisherYatesShuffle(using: &generator, walk: .fromStart)
        XCTAssertEqual(fromStart, [0, 8, 2, 4, 1, 6, 7, 5, 9, 3])
    }

    func testFromStartEqualsTheStandardLibraryOnThisToolchain() {
        // Confident learning's folds were made with `shuffled(using:)`: the walk from the start
        // gives the same permutation and leaves the generator in the same state.
        for count in Array(0...40) + [63, 64, 65, 1000, 4096] {
            for seed in 0..<25 {
                var ours = SeededGenerator(seed: UInt64(seed))
                var standard = SeededGenerator(seed: UInt64(seed))
                var shuffled = Array(0..<count)
                shuffled.fisherYatesShuffle(using: &ours, walk: .fromStart)
                XCTAssertEqual(shuffled, Array(0..<count).shuffled(using: &standard), "count \(count) seed \(seed)")
                XCTAssertEqual(ours.next(), standard.next())
            }
        }
    }

    func testFromEndIsTheWalkLoupeTrainedWith() {
        // The loop Dataset, MagnitudePruner and RandomRankingControl each had before.
        for count in [0, 1, 2, 3, 17, 500] {
            var old = SeededGenerator(seed: UInt64(count))
            var expected = Array(0..<count)
            for index in stride(from: count - 1, to: 0, by: -1) {
                expected.swapAt(index, Int(old.next(upperBound: UInt64(index + 1))))
            }
            var new = SeededGenerator(seed: UInt64(count))
            var shuffled = Array(0..<count)
            shuffled.fisherYatesShuffle(using: &new)
            XCTAssertEqual(shuffled, expected)
        }
    }

    func testShufflesArePermutationsAndDeterministic() {
        for walk in [FisherYatesWalk.fromEnd, .fromStart] {
            var seen = Set<[Int]>()
            for seed in 0..<200 {
                var (a, b) = (SeededGenerator(seed: UInt64(seed)), SeededGenerator(seed: UInt64(seed)))
                var (x, y) = (Array(0..<6), Array(0..<6))
                x.fisherYatesShuffle(using: &a, walk: walk)
                y.fisherYatesShuffle(using: &b, walk: walk)
                XCTAssertEqual(x, y)
                XCTAssertEqual(x.sorted(), Array(0..<6))
                seen.insert(x)
            }
            XCTAssertGreaterThan(seen.count, 150)  // of 720 permutations, 200 draws
        }
    }

    func testShufflesASliceInPlace() {
        var generator = SeededGenerator(seed: 3)
        var values = Array(0..<12)
        values[4..<10].fisherYatesShuffle(using: &generator)
        XCTAssertEqual(Array(values[0..<4]) + Array(values[10...]), [0, 1, 2, 3, 10, 11])
        XCTAssertEqual(values[4..<10].sorted(), Array(4..<10))
    }
}
