import LoupeReview
import XCTest

/// Cohen's and Fleiss' kappa against scikit-learn and statsmodels on hand-made ratings.
///
/// The reference values were computed once with scikit-learn 1.9.1, statsmodels 0.15.0 and
/// numpy 2.4.6 (Python 3.11):
///
///     from sklearn.metrics import cohen_kappa_score
///     from statsmodels.stats.inter_rater import fleiss_kappa
///     cohen_kappa_score("c c m a c r o m c a c m".split(), "c m m a c c o m a a c c".split())  # 0.5339805825242718
///     cohen_kappa_score("c c c m m a".split(), "m m a c c c".split())  # -0.6363636363636367
///     cohen_kappa_score("c c c c".split(), "c c c c".split())  # nan (undefined)
///     fleiss_kappa(np.array(T1), method="fleiss")  # 0.5221238938053098
///     fleiss_kappa(np.array(T2), method="fleiss")  # 0.20993070442195522 (Fleiss 1971's table)
///
/// statsmodels needs the same number of raters per item; the varying case T3 is checked
/// against a naive numpy version of the definition (the share of agreeing ordered rater pairs
/// per item, averaged, against the squared category shares): 0.3886743886743886.
final class KappaTests: XCTestCase {
    private func words(_ text: String) -> [String] { text.split(separator: " ").map(String.init) }

    static let t1 = [
        [3, 0, 0, 0, 0], [2, 1, 0, 0, 0], [0, 3, 0, 0, 0], [1, 1, 1, 0, 0], [0, 0, 2, 1, 0], [0, 0, 0, 3, 0],
        [0, 0, 0, 0, 3], [1, 0, 0, 0, 2],
    ]
    static let t2 = [
        [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1], [7, 7, 0, 0, 0],
        [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
    ]
    static let t3 = [
        [2, 0, 0, 0, 0], [1, 1, 0, 0, 0], [3, 0, 1, 0, 0], [0, 2, 0, 1, 0], [0, 0, 0, 0, 3], [1, 0, 1, 0, 0],
        [0, 0, 4, 0, 0],
    ]

    func testCohenMatchesScikitLearn() throws {
        let a1 = words("c c m a c r o m c a c m")
        let b1 = words("c m m a c c o m a a c c")
        XCTAssertEqual(try XCTUnwrap(Kappa.cohen(a1, b1)), 0.5339805825242718, accuracy: 1e-12)
        XCTAssertEqual(
            try XCTUnwrap(Kappa.cohen(words("c c c m m a"), words("m m a c c c"))), -0.6363636363636367,
            accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(Kappa.observedAgreement(a1, b1)), 8.0 / 12.0, accuracy: 1e-15)
    }

    func testCohenIsSymmetricAndOneForPerfectAgreement() throws {
        let a = words("c c m a c r o m c a c m")
        let b = words("c m m a c c o m a a c c")
        XCTAssertEqual(Kappa.cohen(a, b), Kappa.cohen(b, a))
        XCTAssertEqual(Kappa.cohen(a, a), 1)
        XCTAssertEqual(Kappa.cohen(Verdict.allCases, Verdict.allCases), 1)
    }

    func testCohenIsUndefinedWithoutItemsOrVariety() {
        XCTAssertNil(Kappa.cohen([Verdict](), []))
        XCTAssertNil(Kappa.observedAgreement([Verdict](), []))
        XCTAssertNil(Kappa.cohen(words("c c c c"), words("c c c c")))
        // One rater always says one thing, the other varies: defined (0: no better than chance).
        XCTAssertEqual(Kappa.cohen(words("c c c c"), words("c m c m")), 0)
    }

    func testFleissMatchesStatsmodels() throws {
        XCTAssertEqual(try XCTUnwrap(Kappa.fleiss(Self.t1)), 0.5221238938053098, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(Kappa.fleiss(Self.t2)), 0.20993070442195522, accuracy: 1e-12)
    }

    func testFleissWithAVaryingNumberOfRaters() throws {
        XCTAssertEqual(try XCTUnwrap(Kappa.fleiss(Self.t3)), 0.3886743886743886, accuracy: 1e-12)
        // Items with fewer than two raters do not count.
        XCTAssertEqual(Kappa.fleiss(Self.t3 + [[0, 1, 0, 0, 0], [0, 0, 0, 0, 0]]), Kappa.fleiss(Self.t3))
    }

    func testFleissInvariants() throws {
        // Perfect agreement across categories is 1; the order of items does not matter.
        XCTAssertEqual(Kappa.fleiss([[3, 0, 0], [0, 2, 0], [0, 0, 4]]), 1)
        XCTAssertEqual(
            try XCTUnwrap(Kappa.fleiss(Self.t1.reversed())), try XCTUnwrap(Kappa.fleiss(Self.t1)), accuracy: 1e-15)
        // Undefined: no items, only single-rater items, everyone always in one category.
        XCTAssertNil(Kappa.fleiss([]))
        XCTAssertNil(Kappa.fleiss([[1, 0], [0, 1]]))
        XCTAssertNil(Kappa.fleiss([[3, 0], [2, 0]]))
    }
}
