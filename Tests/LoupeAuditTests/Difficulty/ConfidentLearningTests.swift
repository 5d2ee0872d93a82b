import LoupeAudit
import LoupeSupport
import XCTest

final class ConfidentLearningTests: XCTestCase {
    /// Fourteen examples of three classes. Examples 6, 7, 11 and 13 look like another class;
    /// example 12 (label 0) passes the thresholds of classes 0 and 2 but is more likely 0.
    private let probabilities: [Double] = [
        0.80, 0.15, 0.05, 0.70, 0.20, 0.10, 0.10, 0.85, 0.05, 0.20, 0.60, 0.20, 0.05, 0.15, 0.80,
        0.10, 0.20, 0.70, 0.15, 0.75, 0.10, 0.60, 0.30, 0.10, 0.30, 0.40, 0.30, 0.25, 0.25, 0.50,
        0.50, 0.45, 0.05, 0.05, 0.05, 0.90, 0.55, 0.00, 0.45, 0.70, 0.26, 0.04,
    ]
    private let labels = [0, 0, 1, 1, 2, 2, 0, 2, 1, 2, 0, 1, 0, 2]

    /// Reference computed once with a NumPy implementation of the definition
    /// (`t = [P[labels == k, k].mean()]`, confident class = argmax over `P >= t - 1e-6`) and
    /// with cleanlab 2.9.0, which agrees on this example:
    /// `cleanlab.count.compute_confident_joint(labels, P, calibrate=False,
    /// return_indices_of_off_diagonals=True)` gives the joint and the off-diagonal indices,
    /// and `cleanlab.filter.find_label_issues(labels, P, filter_by='confident_learning',
    /// return_indices_ranked_by='self_confidence')` gives `[13, 11, 7, 6]`.
    func testMatchesCleanlab() throws {
        let result = try ConfidentLearning(probabilities: probabilities, classCount: 3, labels: labels)
        let thresholds = [0.54, 0.47500000000000003, 0.42800000000000005]
        for (value, reference) in zip(result.thresholds, thresholds) {
            XCTAssertEqual(value, reference, accuracy: 1e-15)
        }
        XCTAssertEqual(result.confidentJoint, [[3, 1, 0], [0, 2, 1], [2, 0, 3]])
        XCTAssertEqual(result.confidentClass, [0, 0, 1, 1, 2, 2, 1, 0, nil, 2, nil, 2, 0, 0])
        XCTAssertEqual(result.isLabelIssue.indices.filter { result.isLabelIssue[$0] }, [6, 7, 11, 13])
        XCTAssertEqual(result.rankedLabelIssues, [13, 11, 7, 6])
        XCTAssertEqual(result.selfConfidence[12], 0.55)
        XCTAssertEqual(result.scores.measure, .selfConfidence)
        XCTAssertEqual(result.scores.hardness[13], -0.04)
    }

    func testClassWithoutExamplesHasInfiniteThreshold() throws {
        let result = try ConfidentLearning(
            probabilities: [0.9, 0.1, 0.0, 0.2, 0.2, 0.6], classCount: 3, labels: [0, 0])
        XCTAssertEqual(result.thresholds[1], .infinity)
        XCTAssertEqual(result.thresholds[0], 0.55, accuracy: 1e-15)
        // Example 1 has p_0 = 0.2 below t_0 = 0.55; classes 1 and 2 have no examples, so no
        // probability reaches their infinite thresholds.
        XCTAssertEqual(result.confidentClass, [0, nil])
    }

    func testErrors() {
        assertThrows(InputError.self, "confident learning: 5 probabilities for 2 examples of 3 classes") {
            _ = try ConfidentLearning(probabilities: [0.5, 0.5, 0, 1, 0], classCount: 3, labels: [0, 1])
        }
        assertThrows(InputError.self, "confident learning: label 3 of example 1 is outside 0..<3") {
            _ = try ConfidentLearning(probabilities: [0.5, 0.5, 0, 1, 0, 0], classCount: 3, labels: [0, 3])
        }
        assertThrows(InputError.self, "confident learning: probability of example 1, class 2 is nan") {
            _ = try ConfidentLearning(probabilities: [0.5, 0.5, 0, 1, 0, .nan], classCount: 3, labels: [0, 1])
        }
        assertThrows(InputError.self, "confident learning: probability of example 0, class 0 is 1.5") {
            _ = try ConfidentLearning(probabilities: [1.5, -0.5], classCount: 2, labels: [0])
        }
    }
}
