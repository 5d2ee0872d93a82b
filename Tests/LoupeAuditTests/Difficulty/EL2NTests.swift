import LoupeAudit
import LoupeSupport
import XCTest

final class EL2NTests: XCTestCase {
    /// Reference values computed once with NumPy 2 / SciPy:
    /// `np.linalg.norm(softmax(L[1], axis=1) - np.eye(3)[y], axis=1)` for the first run, and
    /// the mean of that and the same for the second run `L * 0.5 + 0.25` (float32).
    func testMatchesNumPyReferenceAveragedOverRuns() throws {
        let first = try EpochLogits(dynamicsLogits, epochCount: 4, exampleCount: 5, classCount: 3)
        let second = try EpochLogits(
            dynamicsLogits.map { $0 * 0.5 + 0.25 }, epochCount: 4, exampleCount: 5, classCount: 3)
        let single = try EL2N.scores(runs: [first], labels: dynamicsLabels, epoch: 1)
        let expectedSingle = [
            0.08847190646181902, 1.0223118156337996, 0.9553639759611742, 0.4309899425804643, 0.3263948862580866,
        ]
        for (value, reference) in zip(single, expectedSingle) { XCTAssertEqual(value, reference, accuracy: 1e-12) }
        let averaged = try EL2N.scores(runs: [first, second], labels: dynamicsLabels, epoch: 1)
        let expectedAveraged = [
            0.20788876653733246, 0.9624447495278312, 0.9157286799878006, 0.526450449453594, 0.4435229520132088,
        ]
        for (value, reference) in zip(averaged, expectedAveraged) {
            XCTAssertEqual(value, reference, accuracy: 1e-12)
        }
    }

    func testErrors() throws {
        let first = try EpochLogits(dynamicsLogits, epochCount: 4, exampleCount: 5, classCount: 3, source: "seed1.npy")
        let short = try EpochLogits(
            Array(dynamicsLogits[0..<15]), epochCount: 1, exampleCount: 5, classCount: 3, source: "seed2.npy")
        let narrow = try EpochLogits(
            Array(dynamicsLogits[0..<10]), epochCount: 1, exampleCount: 5, classCount: 2, source: "seed3.npy")
        assertThrows(InputError.self, "EL2N: no runs given") {
            _ = try EL2N.scores(runs: [], labels: dynamicsLabels, epoch: 0)
        }
        assertThrows(InputError.self, "seed2.npy: EL2N epoch index 1 is outside 0..<1") {
            _ = try EL2N.scores(runs: [first, short], labels: dynamicsLabels, epoch: 1)
        }
        assertThrows(
            InputError.self,
            "seed3.npy: logits of shape [1, 5, 2] disagree with seed1.npy's [4, 5, 3] in examples or classes"
        ) {
            _ = try EL2N.scores(runs: [first, narrow], labels: dynamicsLabels, epoch: 0)
        }
        assertThrows(InputError.self, "seed1.npy: label 7 of example 0 is outside 0..<3") {
            _ = try EL2N.scores(runs: [first], labels: [7, 1, 2, 0, 1], epoch: 0)
        }
    }
}
