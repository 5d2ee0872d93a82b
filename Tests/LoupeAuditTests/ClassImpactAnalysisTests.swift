import LoupeAudit
import LoupeSupport
import XCTest

final class ClassImpactAnalysisTests: XCTestCase {
    // Three classes; true labels: four examples of class 0, four of class 1, none of class 2.
    // The four baseline models are perfect, so every relative recall is 0. The compressed
    // models miss 1, 2, 1, 2 class-1 examples: accuracy 7/8, 6/8, 7/8, 6/8; class-1 recall
    // minus accuracy -1/8, -1/4, -1/8, -1/4; class 0 (recall 1): +1/8, +1/4, +1/8, +1/4.
    // SciPy 1.17.1, ttest_ind([0, 0, 0, 0], [-0.125, -0.25, -0.125, -0.25], equal_var=False):
    // t = 5.196152422706632, df = 3.0, p = 0.013846832988859045.
    private let truth: [Int32] = [0, 0, 0, 0, 1, 1, 1, 1]

    private func populations() throws -> (PopulationPredictions, PopulationPredictions) {
        let ids = Array(0..<8)
        let baseline = try population("baseline", ids: ids, classCount: 3, Array(repeating: truth, count: 4))
        let compressed = try population(
            "pruned", ids: ids, classCount: 3,
            [
                [0, 0, 0, 0, 0, 1, 1, 1],
                [0, 0, 0, 0, 0, 0, 1, 1],
                [0, 0, 0, 0, 1, 0, 1, 1],
                [0, 0, 0, 0, 1, 1, 0, 0],
            ])
        return (baseline, compressed)
    }

    func testHurtAndHelpedClasses() throws {
        let (baseline, compressed) = try populations()
        let analysis = try ClassImpactAnalysis(baseline: baseline, compressed: compressed, trueLabels: truth)
        XCTAssertEqual(analysis.classes.map(\.classIndex), [0, 1])
        XCTAssertEqual(analysis.classesWithoutExamples, [2])
        let zero = analysis.classes[0]
        let one = analysis.classes[1]
        XCTAssertEqual(one.exampleCount, 4)
        XCTAssertEqual(one.baselineValues, [0, 0, 0, 0])
        XCTAssertEqual(one.compressedValues, [-0.125, -0.25, -0.125, -0.25])
        XCTAssertEqual(zero.compressedValues, [0.125, 0.25, 0.125, 0.25])
        XCTAssertEqual(one.compressedMean, -0.1875)
        XCTAssertEqual(one.test.t, 5.196152422706632, accuracy: 1e-12)
        XCTAssertEqual(one.test.degreesOfFreedom, 3, accuracy: 1e-12)
        XCTAssertEqual(one.test.pValue, 0.013846832988859045, accuracy: 1e-12)
        XCTAssertEqual(zero.test.t, -5.196152422706632, accuracy: 1e-12)
        XCTAssertTrue(one.isImpacted)
        XCTAssertEqual(one.direction, .hurt)
        XCTAssertEqual(zero.direction, .helped)
        XCTAssertEqual(analysis.impactedClasses.map(\.classIndex), [0, 1])
    }

    func testSignificanceLevelDecidesImpact() throws {
        let (baseline, compressed) = try populations()
        let strict = try ClassImpactAnalysis(
            baseline: baseline, compressed: compressed, trueLabels: truth, significanceLevel: 0.01)
        XCTAssertEqual(strict.impactedClasses.count, 0)
        XCTAssertEqual(strict.classes[1].direction, .notSignificant)
    }

    func testIdenticalPopulationsImpactNothing() throws {
        let (baseline, _) = try populations()
        let analysis = try ClassImpactAnalysis(baseline: baseline, compressed: baseline, trueLabels: truth)
        XCTAssertTrue(analysis.classes.allSatisfy { $0.test.pValue == 1 && !$0.isImpacted })
    }

    func testSingleModelPopulationsCannotBeTested() throws {
        let single = try population("one", ids: [0, 1], classCount: 2, [[0, 1]])
        assertThrows(InputError.self, "Welch t-test: the first sample has 1 value, at least 2 are needed") {
            _ = try ClassImpactAnalysis(baseline: single, compressed: single, trueLabels: [0, 1])
        }
    }

    /// Each pair is sized on its own: the reason names the too-small population and its size.
    func testUnavailableReasonNamesTheTooSmallPopulation() throws {
        let single = try population("one", ids: [0, 1], classCount: 2, [[0, 1]])
        let pair = try population("two", ids: [0, 1], classCount: 2, [[0, 1], [1, 1]])
        let five = try population("five", ids: [0, 1], classCount: 2, Array(repeating: [0, 0], count: 5))
        XCTAssertNil(ClassImpactAnalysis.unavailableReason(baseline: five, compressed: pair))
        XCTAssertNil(ClassImpactAnalysis.unavailableReason(baseline: pair, compressed: five))
        XCTAssertEqual(
            ClassImpactAnalysis.unavailableReason(baseline: five, compressed: single),
            "class impact needs at least 2 models per population (Welch's t-test); 'one' has 1 model")
        XCTAssertEqual(
            ClassImpactAnalysis.unavailableReason(baseline: single, compressed: single),
            "class impact needs at least 2 models per population (Welch's t-test); 'one' has 1 model and 'one' has 1 model"
        )
    }
}
