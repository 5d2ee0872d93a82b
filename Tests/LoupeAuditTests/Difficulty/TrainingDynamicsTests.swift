import LoupeAudit
import LoupeSupport
import XCTest

/// Four epochs of five examples of three classes. Example 1 goes correct, wrong, correct,
/// wrong (2 forgetting events); example 2 is never correct; example 4 at epochs 0 and 2 ties
/// its label with class 0, and ties go to the smaller class, so it counts as wrong.
let dynamicsLogits: [Float] = [
    2.0, 0.5, -1.0, 0.3, 1.2, 0.1, 1.0, 0.0, -0.5, 0.1, 0.9, 0.2, 1.0, 1.0, 0.0,
    3.0, 0.2, -1.5, 1.5, 0.4, 0.2, 0.2, 1.1, 0.3, 1.4, 0.3, -0.2, 0.2, 1.7, -0.3,
    3.5, -0.4, -2.0, -0.5, 2.2, 0.6, 2.0, 0.5, 1.9, 2.1, 0.0, -1.0, 2.0, 2.0, 0.0,
    4.2, -1.0, -2.5, 0.8, 0.7, -0.1, 0.4, 2.6, 2.5, 0.5, 0.6, 0.4, -1.0, 3.0, 0.5,
]
let dynamicsLabels = [0, 1, 2, 0, 1]

final class TrainingDynamicsTests: XCTestCase {
    private func assertClose(_ actual: [Double], _ expected: [Double], _ name: String, line: UInt = #line) {
        XCTAssertEqual(actual.count, expected.count, name, line: line)
        for (value, reference) in zip(actual, expected) {
            XCTAssertEqual(value, reference, accuracy: 1e-9 + 1e-9 * abs(reference), name, line: line)
        }
    }

    /// Reference values computed once with NumPy 2 and SciPy on the float32 logits converted
    /// to float64: `P = scipy.special.softmax(L, axis=2)`; loss `logsumexp(L[-1]) - L[-1, i, y]`;
    /// margins `L[:, i, y] - max over the other classes`; `py = P[:, i, y]`, `py.mean(0)`,
    /// `py.std(0)` (population); correctness `(L.argmax(2) == y).mean(0)`.
    func testMatchesNumPyReference() throws {
        let logits = try EpochLogits(dynamicsLogits, epochCount: 4, exampleCount: 5, classCount: 3)
        let dynamics = try TrainingDynamics(logits: logits, labels: dynamicsLabels)
        assertClose(
            dynamics.finalLoss,
            [0.006724815268674966, 0.9378564758208403, 0.8009370018115995, 1.1019428587749225, 0.09567432941438225],
            "final loss")
        assertClose(
            dynamics.finalMargin,
            [5.199999809265137, -0.10000002384185791, -0.09999990463256836, -0.10000002384185791, 2.5], "final margin")
        assertClose(
            dynamics.areaUnderMargin,
            [3.3499999530613422, 0.32500001043081284, -0.6249999850988388, 0.5749999675899744, 1.000000011175871], "AUM"
        )
        assertClose(
            dynamics.confidence,
            [0.9220125459824634, 0.4904166175663314, 0.31411827968788625, 0.5178063146118452, 0.6338784968580807],
            "confidence")
        assertClose(
            dynamics.variability,
            [0.08177874576064623, 0.21540048583726987, 0.12838190772248184, 0.24968651132814426, 0.19886198078413855],
            "variability")
        XCTAssertEqual(dynamics.correctness, [1.0, 0.5, 0.0, 0.5, 0.5])
        XCTAssertEqual(dynamics.forgettingEvents, [0, 2, 0, 1, 1])
        XCTAssertEqual(dynamics.neverLearned, [false, false, true, false, false])
        XCTAssertNil(dynamics.grand)
    }

    func testNeverLearnedExamplesRankHardestByForgetting() throws {
        let logits = try EpochLogits(dynamicsLogits, epochCount: 4, exampleCount: 5, classCount: 3)
        let dynamics = try TrainingDynamics(logits: logits, labels: dynamicsLabels)
        XCTAssertEqual(dynamics.forgettingScores, [0, 2, 4, 1, 1])
        XCTAssertEqual(dynamics.scores(.forgetting)?.hardness, [0, 2, 4, 1, 1])
    }

    func testHardnessPointsTheSameWayForEveryMeasure() throws {
        let logits = try EpochLogits(dynamicsLogits, epochCount: 4, exampleCount: 5, classCount: 3)
        let dynamics = try TrainingDynamics(logits: logits, labels: dynamicsLabels, grand: [0.1, 0.9, 0.8, 0.5, 0.4])
        // Example 0 (always right, margin 5.2) is the easiest by every measure but variability.
        for measure in [DifficultyMeasure.finalLoss, .finalMargin, .areaUnderMargin, .confidence, .correctness, .grand]
        {
            let hardness = try XCTUnwrap(dynamics.scores(measure)).hardness
            XCTAssertEqual(hardness.indices.min { hardness[$0] < hardness[$1] }, 0, "\(measure)")
        }
        XCTAssertEqual(dynamics.scores(.finalMargin)?.hardness, dynamics.finalMargin.map { -$0 })
        XCTAssertEqual(dynamics.scores(.finalLoss)?.hardness, dynamics.finalLoss)
        XCTAssertEqual(DifficultyMeasure.vog.direction, .higherIsHarder)
        XCTAssertEqual(DifficultyMeasure.areaUnderMargin.direction, .higherIsEasier)
        XCTAssertEqual(DifficultyMeasure.selfConfidence.direction, .higherIsEasier)
        XCTAssertNil(dynamics.scores(.vog))
        XCTAssertNil(dynamics.scores(.el2n))
    }

    func testErrors() throws {
        let logits = try EpochLogits(dynamicsLogits, epochCount: 4, exampleCount: 5, classCount: 3, source: "run1.npy")
        assertThrows(InputError.self, "run1.npy: label 3 of example 4 is outside 0..<3") {
            _ = try TrainingDynamics(logits: logits, labels: [0, 1, 2, 0, 3])
        }
        assertThrows(InputError.self, "run1.npy: 4 labels for 5 examples") {
            _ = try TrainingDynamics(logits: logits, labels: [0, 1, 2, 0])
        }
        assertThrows(InputError.self, "GraNd: 2 scores for 5 examples") {
            _ = try TrainingDynamics(logits: logits, labels: dynamicsLabels, grand: [1, 2])
        }
        assertThrows(InputError.self, "logits: logits of shape [0, 5, 3] have no epochs") {
            _ = try EpochLogits([], epochCount: 0, exampleCount: 5, classCount: 3)
        }
        assertThrows(InputError.self, "logits: 14 logits for shape [1, 5, 3]") {
            _ = try EpochLogits(Array(dynamicsLogits[0..<14]), epochCount: 1, exampleCount: 5, classCount: 3)
        }
        var bad = dynamicsLogits
        bad[3 * 15 + 4] = .nan
        assertThrows(InputError.self, "logits: logit of epoch 3, example 1 is nan") {
            _ = try EpochLogits(bad, epochCount: 4, exampleCount: 5, classCount: 3)
        }
    }
}
