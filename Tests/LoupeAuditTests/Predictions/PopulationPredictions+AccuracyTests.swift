import LoupeAudit
import LoupeSupport
import XCTest

final class PopulationPredictionsAccuracyTests: XCTestCase {
    func testAccuracies() throws {
        let p = try population("p", ids: [0, 1, 2, 3], classCount: 2, [[0, 1, 1, 1], [0, 0, 0, 1]])
        let truth: [Int32] = [0, 1, 0, 1]
        XCTAssertEqual(try p.modelAccuracies(trueLabels: truth), [0.75, 0.75])
        XCTAssertEqual(p.correctFraction(example: 1, trueLabel: 1), 0.5)
        XCTAssertEqual(try p.meanAccuracy(on: [0, 2], trueLabels: truth), 0.75)
        XCTAssertNil(try p.meanAccuracy(on: [], trueLabels: truth))
    }

    func testInvalidTrueLabelsAreRejected() throws {
        let p = try population("p", ids: [0, 1], classCount: 2, [[0, 1]])
        assertThrows(
            InputError.self, "true labels for population 'p': 3 true labels, expected 2 (one per example)"
        ) {
            _ = try p.modelAccuracies(trueLabels: [0, 1, 1])
        }
        assertThrows(
            InputError.self, "true labels for population 'p': true label 2 of example id 1 is outside 0..<2"
        ) {
            _ = try p.modelAccuracies(trueLabels: [0, 2])
        }
    }
}
