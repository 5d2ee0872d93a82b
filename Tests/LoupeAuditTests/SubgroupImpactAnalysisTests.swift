import LoupeAudit
import LoupeSupport
import XCTest

final class SubgroupImpactAnalysisTests: XCTestCase {
    // Binary task, ids 0...5, true labels 1,0,1,0,0,1.
    // baseline m0 1,0,1,0,0,1 (perfect)        m1 1,1,1,0,0,1 (false positive on id 1)
    // pruned   m0 0,0,1,0,1,1 (FN 0, FP 4)     m1 0,1,1,0,0,0 (FN 0, FP 1, FN 5)
    // Per id, fraction of models predicting 1: baseline 1, .5, 1, 0, 0, 1; pruned 0, .5, 1, 0, .5, .5.
    private let attributes = "id,sex,age\n0,F,old\n1,F,young\n2,M,old\n3,M,young\n4,F,old\n5,M,old\n"
    private let truth: [Int32] = [1, 0, 1, 0, 0, 1]

    private func analysis(maximumIntersectionSize: Int? = nil) throws -> SubgroupImpactAnalysis {
        let ids = Array(0..<6)
        let baseline = try population("baseline", ids: ids, classCount: 2, [[1, 0, 1, 0, 0, 1], [1, 1, 1, 0, 0, 1]])
        let pruned = try population("pruned", ids: ids, classCount: 2, [[0, 0, 1, 0, 1, 1], [0, 1, 1, 0, 0, 0]])
        return try SubgroupImpactAnalysis(
            attributes: AttributeTable.parse(attributes, file: "attrs.csv"), baseline: baseline, compressed: pruned,
            trueLabels: truth, maximumIntersectionSize: maximumIntersectionSize)
    }

    func testGroupsAndIntersectionsAreListedInOrder() throws {
        let result = try analysis()
        XCTAssertEqual(
            result.subgroups.map(\.name),
            [
                "sex=F", "sex=M", "age=old", "age=young",
                "sex=F & age=old", "sex=F & age=young", "sex=M & age=old", "sex=M & age=young",
            ])
        XCTAssertEqual(result.subgroups.map(\.count), [3, 3, 4, 2, 2, 1, 2, 1])
        XCTAssertEqual(try analysis(maximumIntersectionSize: 1).subgroups.count, 4)
    }

    /// Asserts rates (baseline error, pruned error, baseline FPR, pruned FPR, baseline FNR, pruned FNR).
    private func assertRates(
        _ group: SubgroupImpact?, _ expected: (Double, Double, Double?, Double?, Double?, Double?),
        line: UInt = #line
    ) {
        guard let group else { return XCTFail("missing subgroup", line: line) }
        func near(_ actual: Double?, _ wanted: Double?) {
            if let wanted, let actual {
                XCTAssertEqual(actual, wanted, accuracy: 1e-12, group.name, line: line)
            } else {
                XCTAssertEqual(actual, wanted, group.name, line: line)
            }
        }
        near(group.baseline.errorRate, expected.0)
        near(group.compressed.errorRate, expected.1)
        near(group.baseline.falsePositiveRate, expected.2)
        near(group.compressed.falsePositiveRate, expected.3)
        near(group.baseline.falseNegativeRate, expected.4)
        near(group.compressed.falseNegativeRate, expected.5)
    }

    func testHandComputedRates() throws {
        let result = try analysis()
        func group(_ pairs: (String, String)...) -> SubgroupImpact? {
            result.subgroup(pairs.map { SubgroupCondition(column: $0.0, value: $0.1) })
        }
        // sex=F = ids 0, 1, 4: errors baseline (0 + .5 + 0) / 3, pruned (1 + .5 + .5) / 3;
        // negatives 1, 4: FPR (.5 + 0) / 2 vs (.5 + .5) / 2; positive 0: FNR 0 vs 1.
        assertRates(group(("sex", "F")), (1.0 / 6, 2.0 / 3, 0.25, 0.5, 0, 1))
        assertRates(group(("sex", "M")), (0, 1.0 / 6, 0, 0, 0, 0.25))
        assertRates(group(("age", "old")), (0, 0.5, 0, 0.5, 0, 0.5))
        // age=young has no positives: no false-negative rate.
        assertRates(group(("age", "young")), (0.25, 0.25, 0.25, 0.25, nil, nil))
        assertRates(group(("sex", "F"), ("age", "old")), (0, 0.75, 0, 0.5, 0, 1))
        assertRates(group(("sex", "F"), ("age", "young")), (0.5, 0.5, 0.5, 0.5, nil, nil))
        assertRates(group(("sex", "M"), ("age", "old")), (0, 0.25, nil, nil, 0, 0.25))
        assertRates(group(("sex", "M"), ("age", "young")), (0, 0, 0, 0, nil, nil))
        let female = try XCTUnwrap(group(("sex", "F")))
        XCTAssertEqual(female.errorRateChange, 0.5, accuracy: 1e-12)
        XCTAssertEqual(female.falsePositiveRateChange!, 0.25, accuracy: 1e-12)
        XCTAssertEqual(female.falseNegativeRateChange!, 1, accuracy: 1e-12)
        XCTAssertNil(group(("age", "young"))?.falseNegativeRateChange)
    }

    func testMulticlassTasksHaveNoFalsePositiveRates() throws {
        let p = try population("p", ids: [0, 1], classCount: 3, [[0, 2], [1, 2]])
        let table = try AttributeTable.parse("id,g\n0,a\n1,a\n", file: "g.csv")
        let result = try SubgroupImpactAnalysis(attributes: table, baseline: p, compressed: p, trueLabels: [0, 2])
        XCTAssertEqual(result.subgroups.count, 1)
        XCTAssertEqual(
            result.subgroups[0].baseline, SubgroupRates(errorRate: 0.25, falsePositiveRate: nil, falseNegativeRate: nil)
        )
    }

    func testIDsNotInThePredictionsAreRejected() throws {
        let p = try population("baseline", ids: [0, 1], classCount: 2, [[0, 1]])
        let table = try AttributeTable.parse("id,g\n0,a\n7,b\n", file: "g.csv")
        assertThrows(InputError.self, "g.csv: id 7 is not among the example ids of population 'baseline'") {
            _ = try SubgroupImpactAnalysis(attributes: table, baseline: p, compressed: p, trueLabels: [0, 1])
        }
    }
}
