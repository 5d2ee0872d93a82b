import LoupeRandom
import XCTest

final class SeedStreamTests: XCTestCase {
    /// Each stream's seed is the arithmetic it replaced, written here as it stood at the call
    /// sites (b9190a3), so recorded results stay reproducible.
    func testStreamsKeepTheirHistoricalFormulas() {
        for seed: UInt64 in [0, 1, 42, 0x00C0_FFEE, UInt64.max - 3] {
            for index in [0, 1, 2, 9] {
                XCTAssertEqual(SeedStream.member.seed(from: seed, index: index), seed &+ UInt64(index))
                XCTAssertEqual(SeedStream.retrain.seed(from: seed, index: index), seed &+ 1 &+ UInt64(index))
                XCTAssertEqual(SeedStream.el2nRun.seed(from: seed, index: index), seed &+ UInt64(index) &* 104_729)
                XCTAssertEqual(
                    SeedStream.confidentLearningFold.seed(from: seed, index: index), seed &+ UInt64(index + 1) * 7919)
            }
            XCTAssertEqual(SeedStream.fineTuning.seed(from: seed), seed &+ 1_000_003)
            XCTAssertEqual(SeedStream.confidentLearningFolds.seed(from: seed), seed ^ 0x00C0_FFEE)
        }
    }

    func testStreamsOfOneSeedDiffer() {
        let seeds = SeedStream.allCases.map { $0.seed(from: 42, index: 1) }
        XCTAssertEqual(Set(seeds).count, seeds.count)
    }
}
