import LoupeAudit
import LoupeSupport
import XCTest

final class RankingEvaluationTests: XCTestCase {
    /// Reference values computed once with scikit-learn 1.9.1:
    /// `sklearn.metrics.roc_auc_score(positives, scores)`.
    func testAreaUnderROCMatchesScikitLearnWithTies() throws {
        let scores = [0.9, 0.8, 0.8, 0.7, 0.5, 0.5, 0.5, 0.3, 0.2, 0.1, 0.8, 0.4]
        let positives = [1, 0, 1, 1, 0, 1, 0, 0, 1, 0, 0, 0].map { $0 == 1 }
        XCTAssertEqual(try areaUnderROC(scores: scores, positives: positives), 0.6571428571428571, accuracy: 1e-12)

        let moreScores = [
            0.0, 0.3, -0.3, -0.9, -0.5, -1.0, 0.1, 1.3, -0.5, -0.6, 0.5, 0.4, 0.1, -0.9, -0.0, 0.7, -1.3, -0.5, -1.9,
            -1.3,
        ]
        let morePositives = [1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 1, 0, 1, 0, 1].map { $0 == 1 }
        XCTAssertEqual(
            try areaUnderROC(scores: moreScores, positives: morePositives), 0.5549999999999999, accuracy: 1e-12)
    }

    func testAreaUnderROCExtremes() throws {
        XCTAssertEqual(try areaUnderROC(scores: [0.1, 0.2, 0.9, 0.8], positives: [false, false, true, true]), 1)
        XCTAssertEqual(try areaUnderROC(scores: [0.9, 0.8, 0.1, 0.2], positives: [false, false, true, true]), 0)
        XCTAssertEqual(try areaUnderROC(scores: [1, 1, 1, 1], positives: [false, true, true, false]), 0.5)
        assertThrows(
            InputError.self, "AUROC: 0 positives and 2 negatives, at least one of each is needed"
        ) {
            _ = try areaUnderROC(scores: [1, 2], positives: [false, false])
        }
        assertThrows(InputError.self, "AUROC: 2 scores for 3 positive flags") {
            _ = try areaUnderROC(scores: [1, 2], positives: [false, true, true])
        }
        assertThrows(InputError.self, "AUROC: score of example 1 is inf") {
            _ = try areaUnderROC(scores: [1, .infinity], positives: [false, true])
        }
    }

    func testPrecisionAtKBreaksTiesByExampleOrder() throws {
        // Two positives, so k = 2. Scores tie at 0.7 for examples 1, 2 and 3; the top two are
        // example 4 (0.9) and example 1 (the first of the tie): one positive of two.
        let scores = [0.1, 0.7, 0.7, 0.7, 0.9]
        XCTAssertEqual(try precisionAtK(scores: scores, positives: [false, false, true, false, true]), 0.5)
        XCTAssertEqual(try precisionAtK(scores: scores, positives: [false, true, false, false, true]), 1)
        XCTAssertEqual(try precisionAtK(scores: scores, positives: [false, true, false, false, true], k: 4), 0.5)
        assertThrows(InputError.self, "precision at k: k = 0 is outside 1...2") {
            _ = try precisionAtK(scores: [1, 2], positives: [false, false])
        }
        assertThrows(InputError.self, "precision at k: k = 3 is outside 1...2") {
            _ = try precisionAtK(scores: [1, 2], positives: [true, false], k: 3)
        }
    }

    func testDecileTableUsesEqualRankBins() throws {
        // 23 examples: bins of 3, 3, 3, 2, 2, 2, 2, 2, 2, 2 by increasing score. Scores are
        // the reversed indices, so bin 0 holds examples 22, 21, 20 (scores 0, 1, 2).
        let scores = (0..<23).map { Double(22 - $0) }
        let correct = (0..<23).map { $0 % 4 != 0 }  // examples 0, 4, 8, 12, 16, 20 wrong
        let table = try DecileTable(scores: scores, correct: correct)
        XCTAssertEqual(table.rows.map(\.count), [3, 3, 3, 2, 2, 2, 2, 2, 2, 2])
        XCTAssertEqual(table.rows.map(\.minimumScore), [0, 3, 6, 9, 11, 13, 15, 17, 19, 21])
        XCTAssertEqual(table.rows.map(\.maximumScore), [2, 5, 8, 10, 12, 14, 16, 18, 20, 22])
        // Wrong examples have scores 22, 18, 14, 10, 6, 2.
        XCTAssertEqual(table.rows.map(\.errors), [1, 0, 1, 1, 0, 1, 0, 1, 0, 1])
        XCTAssertEqual(table.rows[0].errorRate, 1.0 / 3)
        XCTAssertEqual(table.rows.map(\.count).reduce(0, +), 23)
    }

    func testDecileTableKeepsTiedScoresInOneBinEach() throws {
        // Twenty examples all scoring 1: two per bin in example order, nothing counted twice.
        let table = try DecileTable(scores: [Double](repeating: 1, count: 20), correct: (0..<20).map { $0 >= 2 })
        XCTAssertEqual(table.rows.map(\.count), [Int](repeating: 2, count: 10))
        XCTAssertEqual(table.rows.map(\.errors), [2, 0, 0, 0, 0, 0, 0, 0, 0, 0])
        let small = try DecileTable(scores: [3, 1, 2], correct: [true, false, true])
        XCTAssertEqual(small.rows.map(\.count), [1, 1, 1, 0, 0, 0, 0, 0, 0, 0])
        XCTAssertEqual(small.rows[0].errors, 1)
        XCTAssertTrue(small.rows[9].errorRate.isNaN)
        assertThrows(InputError.self, "decile table: 3 scores for 2 correctness flags") {
            _ = try DecileTable(scores: [3, 1, 2], correct: [true, false])
        }
    }
}
