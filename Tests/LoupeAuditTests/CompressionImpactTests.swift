import LoupeAudit
import LoupeRandom
import LoupeSupport
import XCTest

final class CompressionImpactTests: XCTestCase {
    // Three classes, ids 10...13, three models per population; true labels [0, 1, 2, 0].
    // id 10: baseline 0,0,0  compressed 0,0,0  -> not a CIE, score 0
    // id 11: baseline 1,1,1  compressed 2,2,1  -> modal 1 vs 2, score |1/3-1| + |2/3-0| = 4/3
    // id 12: baseline 2,2,1  compressed 2,1,1  -> modal 2 vs 1, score 1/3 + 1/3 = 2/3
    // id 13: baseline 0,1,2  compressed 1,1,1  -> modal 0 (three-way tie) vs 1, score 1/3 + 2/3 + 1/3 = 4/3
    private let ids = [10, 11, 12, 13]
    private let truth: [Int32] = [0, 1, 2, 0]

    private func baseline() throws -> PopulationPredictions {
        try population("baseline", ids: ids, classCount: 3, [[0, 1, 2, 0], [0, 1, 2, 1], [0, 1, 1, 2]])
    }

    private func compressed() throws -> PopulationPredictions {
        try population("pruned", ids: ids, classCount: 3, [[0, 2, 2, 1], [0, 2, 1, 1], [0, 1, 1, 1]])
    }

    func testPerExampleRowsOfAHandComputedExample() throws {
        let impact = try CompressionImpact(baseline: baseline(), compressed: compressed(), trueLabels: truth)
        XCTAssertEqual(impact.examples.map(\.id), ids)
        XCTAssertEqual(impact.examples.map(\.baselineModalLabel), [0, 1, 2, 0])
        XCTAssertEqual(impact.examples.map(\.compressedModalLabel), [0, 2, 1, 1])
        XCTAssertEqual(impact.examples.map(\.isCIE), [false, true, true, true])
        let scores = impact.examples.map(\.taxicabScore)
        for (score, expected) in zip(scores, [0, 4.0 / 3, 2.0 / 3, 4.0 / 3]) {
            XCTAssertEqual(score, expected, accuracy: 1e-15)
        }
        let baselineCorrect = impact.examples.map(\.baselineCorrectFraction)
        let compressedCorrect = impact.examples.map(\.compressedCorrectFraction)
        for (value, expected) in zip(baselineCorrect, [1, 1, 2.0 / 3, 1.0 / 3]) {
            XCTAssertEqual(value, expected, accuracy: 1e-15)
        }
        for (value, expected) in zip(compressedCorrect, [1, 1.0 / 3, 1.0 / 3, 0]) {
            XCTAssertEqual(value, expected, accuracy: 1e-15)
        }
    }

    func testCIESummaryAndAccuracyOnCIEsVersusTheRest() throws {
        let impact = try CompressionImpact(baseline: baseline(), compressed: compressed(), trueLabels: truth)
        XCTAssertEqual(impact.cieCount, 3)
        XCTAssertEqual(impact.cieFraction, 0.75)
        XCTAssertEqual(impact.cieIDs, [11, 12, 13])
        // Baseline on CIEs: (1 + 2/3 + 1/3) / 3; compressed: (1/3 + 1/3 + 0) / 3.
        XCTAssertEqual(impact.baselineAccuracies.onCIEs!, 2.0 / 3, accuracy: 1e-15)
        XCTAssertEqual(impact.compressedAccuracies.onCIEs!, 2.0 / 9, accuracy: 1e-15)
        XCTAssertEqual(impact.baselineAccuracies.onNonCIEs, 1)
        XCTAssertEqual(impact.compressedAccuracies.onNonCIEs, 1)
        XCTAssertEqual(impact.baselineAccuracies.overall, 0.75, accuracy: 1e-15)
        XCTAssertEqual(impact.compressedAccuracies.overall, 5.0 / 12, accuracy: 1e-15)
        // Mean over models of per-model accuracy agrees with the per-example route.
        let perModel = try compressed().modelAccuracies(trueLabels: truth)
        XCTAssertEqual(perModel.reduce(0, +) / 3, 5.0 / 12, accuracy: 1e-15)
    }

    func testRandomSampleIsSeededAndSizedLikeTheCIESet() throws {
        let first = try CompressionImpact(
            baseline: baseline(), compressed: compressed(), trueLabels: truth, sampleSeed: 99)
        let again = try CompressionImpact(
            baseline: baseline(), compressed: compressed(), trueLabels: truth, sampleSeed: 99)
        XCTAssertEqual(first.randomSamplePositions, again.randomSamplePositions)
        XCTAssertEqual(first.randomSamplePositions.count, first.cieCount)
        var generator = SplitMix64(seed: 99)
        XCTAssertEqual(first.randomSamplePositions, generator.sample(3, from: 4))
        let expected = try compressed().meanAccuracy(on: first.randomSamplePositions, trueLabels: truth)
        XCTAssertEqual(first.compressedAccuracies.onRandomSample, expected)
    }

    func testRankingIsByScoreDescendingThenIDAscending() throws {
        let impact = try CompressionImpact(baseline: baseline(), compressed: compressed(), trueLabels: truth)
        XCTAssertEqual(impact.rankedByTaxicabScore.map(\.id), [11, 13, 12, 10])
    }

    func testIdenticalPopulationsScoreZeroAndHaveNoCIEs() throws {
        let b = try baseline()
        let impact = try CompressionImpact(baseline: b, compressed: b, trueLabels: truth)
        XCTAssertEqual(impact.examples.map(\.taxicabScore), [0, 0, 0, 0])
        XCTAssertEqual(impact.cieCount, 0)
        XCTAssertNil(impact.baselineAccuracies.onCIEs)
        XCTAssertNil(impact.baselineAccuracies.onRandomSample)
        XCTAssertEqual(impact.randomSamplePositions, [])
    }

    func testDisjointCertainPredictionsScoreTwo() throws {
        let b = try population("b", ids: [0, 1], classCount: 3, [[0, 2], [0, 2]])
        let c = try population("c", ids: [0, 1], classCount: 3, [[1, 0], [1, 0], [1, 0]])
        let impact = try CompressionImpact(baseline: b, compressed: c, trueLabels: [0, 0])
        XCTAssertEqual(impact.examples.map(\.taxicabScore), [2, 2])
        XCTAssertEqual(impact.cieFraction, 1)
    }

    func testTrueLabelIsNotUsedForCIEs() throws {
        // Both populations agree on a wrong label: not a CIE, although both are wrong.
        let b = try population("b", ids: [0], classCount: 2, [[1], [1]])
        let impact = try CompressionImpact(baseline: b, compressed: b, trueLabels: [0])
        XCTAssertFalse(impact.examples[0].isCIE)
        XCTAssertEqual(impact.baselineAccuracies.overall, 0)
    }

    func testMismatchedInputsAreRejected() throws {
        let other = try population("pruned", ids: [10, 11, 12, 14], classCount: 3, [[0, 0, 0, 0]])
        assertThrows(
            InputError.self,
            "population 'pruned': example ids differ from population 'baseline' at position 3: 14 vs 13"
        ) { _ = try CompressionImpact(baseline: baseline(), compressed: other, trueLabels: truth) }
        assertThrows(
            InputError.self, "true labels for population 'baseline': 2 true labels, expected 4 (one per example)"
        ) { _ = try CompressionImpact(baseline: baseline(), compressed: compressed(), trueLabels: [0, 1]) }
    }
}
