import LoupeAudit
import LoupeSupport
import XCTest

final class PopulationPredictionsTests: XCTestCase {
    func testNestedAndFlatLayoutsAgree() throws {
        let nested = try population("b", ids: [7, 3], classCount: 3, [[0, 1], [2, 1]])
        let flat = try PopulationPredictions(
            name: "b", exampleIDs: [7, 3], modelCount: 2, classCount: 3, labels: [0, 1, 2, 1])
        XCTAssertEqual(nested, flat)
        XCTAssertEqual(nested.label(model: 1, example: 0), 2)
        XCTAssertEqual(nested.label(model: 0, example: 1), 1)
        XCTAssertEqual(nested.exampleCount, 2)
        XCTAssertEqual(nested.modelCount, 2)
    }

    func testLogitsGiveArgmaxLabelsWithTiesToSmallestIndex() throws {
        // model 0: [0.1, 0.9, 0.0] -> 1, [2, 2, 1] -> 0 (tie); model 1: [0, 0, 3] -> 2, [-1, 5, 5] -> 1 (tie)
        let logits: [Float] = [0.1, 0.9, 0.0, 2, 2, 1, 0, 0, 3, -1, 5, 5]
        let population = try PopulationPredictions(
            name: "x", exampleIDs: [0, 1], modelCount: 2, classCount: 3, logits: logits)
        XCTAssertEqual(population.labels, [1, 0, 2, 1])
        XCTAssertEqual(population.logits, logits)
    }

    func testEmptyPopulationIsRejected() {
        assertThrows(InputError.self, "population 'b': empty population: no models") {
            _ = try population("b", ids: [1, 2], classCount: 2, [])
        }
        assertThrows(InputError.self, "population 'b': empty population: no examples") {
            _ = try population("b", ids: [], classCount: 2, [[], []])
        }
    }

    func testRaggedShapesAreRejected() {
        assertThrows(InputError.self, "population 'b': model 1 has 1 labels, expected 2 (one per id)") {
            _ = try population("b", ids: [1, 2], classCount: 2, [[0, 1], [0]])
        }
        assertThrows(InputError.self, "population 'b': 3 labels, expected 4 = 2 models x 2 examples") {
            _ = try PopulationPredictions(
                name: "b", exampleIDs: [1, 2], modelCount: 2, classCount: 2, labels: [0, 1, 0])
        }
        assertThrows(
            InputError.self, "population 'b': 5 logits, expected 4 = 1 models x 2 examples x 2 classes"
        ) {
            _ = try PopulationPredictions(
                name: "b", exampleIDs: [1, 2], modelCount: 1, classCount: 2, logits: [0, 1, 0, 1, 0])
        }
    }

    func testLabelsOutOfRangeAreRejected() {
        assertThrows(InputError.self, "population 'b': label 3 of model 1, example id 20 is outside 0..<3") {
            _ = try population("b", ids: [10, 20], classCount: 3, [[0, 1], [2, 3]])
        }
        assertThrows(InputError.self, "population 'b': label -1 of model 0, example id 10 is outside 0..<3") {
            _ = try population("b", ids: [10, 20], classCount: 3, [[-1, 1]])
        }
    }

    func testDuplicateIDsAndNonFiniteLogitsAreRejected() {
        assertThrows(InputError.self, "population 'b': example id 4 appears more than once") {
            _ = try population("b", ids: [4, 5, 4], classCount: 2, [[0, 1, 0]])
        }
        assertThrows(
            InputError.self, "population 'b': logit nan of model 0, example id 9, class 1 is not finite"
        ) {
            _ = try PopulationPredictions(
                name: "b", exampleIDs: [8, 9], modelCount: 1, classCount: 2, logits: [0, 1, 0, .nan])
        }
        assertThrows(
            InputError.self, "population 'b': logit inf of model 0, example id 8, class 0 is not finite"
        ) {
            _ = try PopulationPredictions(
                name: "b", exampleIDs: [8, 9], modelCount: 1, classCount: 2, labels: [0, 1],
                logits: [.infinity, 1, 0, 1])
        }
    }

    func testMismatchedPopulationsAreRejected() throws {
        let baseline = try population("baseline", ids: [1, 2, 3], classCount: 2, [[0, 1, 0]])
        let reordered = try population("pruned", ids: [1, 3, 2], classCount: 2, [[0, 1, 0]])
        let shorter = try population("pruned", ids: [1, 2], classCount: 2, [[0, 1]])
        let moreClasses = try population("pruned", ids: [1, 2, 3], classCount: 3, [[0, 1, 0]])
        assertThrows(
            InputError.self,
            "population 'pruned': example ids differ from population 'baseline' at position 1: 3 vs 2"
        ) { try baseline.requireSameExamples(as: reordered) }
        assertThrows(InputError.self, "population 'pruned': 2 examples, population 'baseline' has 3") {
            try baseline.requireSameExamples(as: shorter)
        }
        assertThrows(InputError.self, "population 'pruned': 3 classes, population 'baseline' has 2") {
            try baseline.requireSameExamples(as: moreClasses)
        }
        XCTAssertNoThrow(try baseline.requireSameExamples(as: baseline))
    }
}
