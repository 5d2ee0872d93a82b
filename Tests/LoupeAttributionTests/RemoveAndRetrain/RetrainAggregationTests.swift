import LoupeAttribution
import XCTest

final class RetrainAggregationTests: XCTestCase {
    func record(_ method: String, _ percent: Double, _ mode: RetrainMode, _ retrain: Int, correct: Int) -> RetrainRecord
    {
        RetrainRecord(
            method: method, mode: mode, percent: percent, retrain: retrain, seed: UInt64(retrain), correct: correct,
            testCount: 8, accuracy: Double(correct) / 8, trainAccuracy: 0, inputs: [:], trainingImages: 0, seconds: 0)
    }

    /// Mean and sample standard deviation against hand values: accuracies 0.5, 0.75, 1 have
    /// mean 0.75 and sample variance ((0.25^2 + 0 + 0.25^2) / 2) = 0.0625, deviation 0.25.
    func testMeanAndSampleStandardDeviation() {
        let summary = RetrainCellSummary(method: "m", percent: 10, mode: .roar, accuracies: [0.5, 0.75, 1])
        XCTAssertEqual(summary.meanAccuracy, 0.75)
        XCTAssertEqual(summary.standardDeviation!, 0.25, accuracy: 1e-15)
        let one = RetrainCellSummary(method: "m", percent: 10, mode: .roar, accuracies: [0.6])
        XCTAssertEqual(one.meanAccuracy, 0.6)
        XCTAssertNil(one.standardDeviation, "undefined for one model")
        // 1, 2, 3, 4: mean 2.5, sample variance 5/3 (the population one would be 1.25)
        XCTAssertEqual(
            RetrainCellSummary.meanAndSampleDeviation([1, 2, 3, 4]).deviation!, (5.0 / 3).squareRoot(),
            accuracy: 1e-15)
    }

    /// Records are grouped by cell in spec order, accuracies in retrain order, from counts.
    func testSummariesGroupRecordsInSpecOrder() {
        let records = [
            record("b", 50, .kar, 1, correct: 6), record("a", 10, .roar, 1, correct: 2),
            record("a", 10, .roar, 0, correct: 4), record("b", 50, .kar, 0, correct: 8),
        ]
        let summaries = RetrainCellSummary.summaries(
            of: records, methods: ["a", "b"], percents: [10, 50], modes: [.roar, .kar])
        XCTAssertEqual(summaries.map(\.method), ["a", "b"])
        XCTAssertEqual(summaries[0].accuracies, [0.5, 0.25])
        XCTAssertEqual(summaries[1].accuracies, [1, 0.75])
        XCTAssertEqual(summaries[1].meanAccuracy, 0.875)
    }

    /// The ranking averages over fractions, compares with random, and orders by ROAR mean
    /// accuracy (lower first). Hand values:
    ///   random: ROAR 0.8, 0.6 (std 0.02, 0.04); KAR 0.5, 0.7 (std 0.05, 0.05)
    ///   good:   ROAR 0.5, 0.3 (std 0.02, 0.02); KAR 0.9, 0.9 (std 0.01, 0.01)
    ///   close:  ROAR 0.79, 0.59 (std 0.1, 0.1); KAR 0.49, 0.69
    func testRankingAgainstRandomWithSpread() {
        func cell(_ method: String, _ percent: Double, _ mode: RetrainMode, _ mean: Double, _ deviation: Double)
            -> RetrainCellSummary
        {
            RetrainCellSummary(
                method: method, percent: percent, mode: mode, accuracies: [mean - deviation, mean + deviation])
        }
        // two values m - d, m + d have mean m and sample deviation d * sqrt(2)
        let summaries = [
            cell("random", 10, .roar, 0.8, 0.02), cell("random", 50, .roar, 0.6, 0.04),
            cell("random", 10, .kar, 0.5, 0.05), cell("random", 50, .kar, 0.7, 0.05),
            cell("close", 10, .roar, 0.79, 0.1), cell("close", 50, .roar, 0.59, 0.1),
            cell("close", 10, .kar, 0.49, 0.1), cell("close", 50, .kar, 0.69, 0.1),
            cell("good", 10, .roar, 0.5, 0.02), cell("good", 50, .roar, 0.3, 0.02),
            cell("good", 10, .kar, 0.9, 0.01), cell("good", 50, .kar, 0.9, 0.01),
        ]
        let rows = EstimatorRanking(summaries: summaries).rows
        XCTAssertEqual(rows.map(\.method), ["good", "close", "random"])
        let good = rows[0]
        XCTAssertEqual(good.roarMeanAccuracy!, 0.4, accuracy: 1e-12)
        XCTAssertEqual(good.karMeanAccuracy!, 0.9, accuracy: 1e-12)
        XCTAssertEqual(good.roarDifferenceFromRandom!, -0.3, accuracy: 1e-12)
        XCTAssertEqual(good.karDifferenceFromRandom!, 0.3, accuracy: 1e-12)
        // spread: mean over fractions of the larger deviation: ROAR (0.02, 0.04) -> 0.03 sqrt 2
        XCTAssertEqual(good.roarSpread!, 0.03 * 2.0.squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(good.karSpread!, 0.05 * 2.0.squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(good.roarBeatsRandom, true)
        XCTAssertEqual(good.roarBeatsRandomBeyondSpread, true)
        XCTAssertEqual(good.karBeatsRandomBeyondSpread, true)
        let close = rows[1]
        XCTAssertEqual(close.roarBeatsRandom, true, "0.69 < 0.70")
        XCTAssertEqual(close.roarBeatsRandomBeyondSpread, false, "by 0.01, within the spread")
        XCTAssertEqual(close.karBeatsRandom, false)
        XCTAssertEqual(close.karBeatsRandomBeyondSpread, false)
        let random = rows[2]
        XCTAssertEqual(random.roarDifferenceFromRandom, 0)
        XCTAssertNil(random.roarBeatsRandom)
    }

    /// Without ROAR cells the order is by KAR, higher first; without the control there is no
    /// comparison; with one retrain there is no spread.
    func testRankingEdgeCases() {
        let kar = [
            RetrainCellSummary(method: "x", percent: 10, mode: .kar, accuracies: [0.6]),
            RetrainCellSummary(method: "y", percent: 10, mode: .kar, accuracies: [0.9]),
        ]
        let rows = EstimatorRanking(summaries: kar).rows
        XCTAssertEqual(rows.map(\.method), ["y", "x"])
        XCTAssertNil(rows[0].karDifferenceFromRandom)
        XCTAssertNil(rows[0].roarMeanAccuracy)
        let withRandom = EstimatorRanking(
            summaries: kar + [RetrainCellSummary(method: "random", percent: 10, mode: .kar, accuracies: [0.7])]
        ).rows
        XCTAssertEqual(withRandom.map(\.method), ["y", "random", "x"])
        XCTAssertEqual(withRandom[0].karBeatsRandom, true)
        XCTAssertNil(withRandom[0].karSpread)
        XCTAssertNil(withRandom[0].karBeatsRandomBeyondSpread)
    }
}
