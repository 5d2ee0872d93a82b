import LoupeAudit
import XCTest

final class PopulationPredictionsConsensusTests: XCTestCase {
    // Five models, four examples, three classes.
    // example 0: 2,2,1,2,0 -> modal 2 (clear majority)
    // example 1: 0,2,2,0,1 -> 0 and 2 tie with two votes: smallest index, 0
    // example 2: 1,2,0,2,1 -> 1 and 2 tie: 1 (the reference code would say 2)
    // example 3: 0,1,2,... all three classes tied is impossible with five votes; 1,1,1,1,1 -> 1
    private func fiveModels() throws -> PopulationPredictions {
        try population(
            "p", ids: [0, 1, 2, 3], classCount: 3,
            [[2, 0, 1, 1], [2, 2, 2, 1], [1, 2, 0, 1], [2, 0, 2, 1], [0, 1, 1, 1]])
    }

    func testModalLabelBreaksTiesTowardTheSmallestClass() throws {
        let p = try fiveModels()
        XCTAssertEqual(p.modalLabels(), [2, 0, 1, 1])
        XCTAssertEqual(p.modalLabel(example: 2), 1)
    }

    func testThreeWayTieGoesToSmallestClass() throws {
        let p = try population("p", ids: [5], classCount: 4, [[3], [1], [2]])
        XCTAssertEqual(p.modalLabel(example: 0), 1)
    }

    func testHistogramIsNormalisedCounts() throws {
        let p = try fiveModels()
        XCTAssertEqual(p.labelCounts(example: 1), [2, 1, 2])
        XCTAssertEqual(p.labelHistogram(example: 1), [0.4, 0.2, 0.4])
        XCTAssertEqual(p.labelHistogram(example: 3), [0, 1, 0])
    }
}
