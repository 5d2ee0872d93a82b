import LoupeAudit
import LoupeSupport
import XCTest

final class WelchTTestTests: XCTestCase {
    /// Reference values computed once with SciPy 1.17.1:
    /// `r = scipy.stats.ttest_ind(first, second, equal_var=False)`; `(r.statistic, r.df, r.pvalue)`.
    private let scipyCases: [(name: String, first: [Double], second: [Double], t: Double, df: Double, p: Double)] = [
        (
            "unequal sizes", [0.1, 0.2, 0.3, 0.4], [0.15, 0.35, 0.5, 0.55, 0.6],
            -1.730715893453365, 6.946661847188646, 0.12744604531149825
        ),
        (
            "positive t", [0.91, 0.88, 0.93, 0.90, 0.87, 0.92], [0.80, 0.85, 0.70, 0.90],
            2.0390016625287988, 3.296860224010918, 0.12591818459660573
        ),
        (
            "one constant group", [1.0, 1.0, 1.0], [0.5, 0.7, 0.9, 1.1],
            1.5491933384829661, 3.0, 0.21910203741704798
        ),
        (
            "p near 1", [0.5, 0.6, 0.7, 0.8], [0.52, 0.59, 0.71, 0.79, 0.66],
            -0.05018592778952374, 5.780319189905115, 0.9616632304664926
        ),
        (
            "p near 1e-6", [1.0, 1.1, 0.9, 1.05, 0.95, 1.02, 0.98, 1.01],
            [1.3, 1.2, 1.4, 1.25, 1.35, 1.15, 1.45, 1.3, 1.32],
            -7.9328646018569895, 13.823899834998008, 1.6416855529943383e-06
        ),
        (
            "p near 1e-11", [1.0, 1.1, 0.9, 1.05, 0.95, 1.02, 0.98, 1.01],
            [1.6, 1.9, 1.7, 1.8, 1.75, 1.65, 1.85, 1.7, 1.72],
            -19.284980679633, 13.716835484761235, 2.4831265804526714e-11
        ),
    ]

    func testMatchesSciPy() throws {
        for item in scipyCases {
            let test = try WelchTTest(item.first, item.second)
            XCTAssertEqual(test.t, item.t, accuracy: 1e-12 * abs(item.t) + 1e-14, item.name)
            XCTAssertEqual(test.degreesOfFreedom, item.df, accuracy: 1e-10 * item.df, item.name)
            XCTAssertEqual(test.pValue, item.p, accuracy: 1e-9 * item.p, item.name)
        }
    }

    func testSwappingTheSamplesNegatesT() throws {
        let forward = try WelchTTest([0.1, 0.2, 0.3, 0.4], [0.15, 0.35, 0.5, 0.55, 0.6])
        let backward = try WelchTTest([0.15, 0.35, 0.5, 0.55, 0.6], [0.1, 0.2, 0.3, 0.4])
        XCTAssertEqual(forward.t, -backward.t)
        XCTAssertEqual(forward.pValue, backward.pValue)
    }

    func testZeroVarianceInBothGroups() throws {
        let equal = try WelchTTest([0.5, 0.5, 0.5], [0.5, 0.5])
        XCTAssertEqual(equal.t, 0)
        XCTAssertEqual(equal.pValue, 1)
        XCTAssertEqual(equal.degreesOfFreedom, 3)
        let different = try WelchTTest([0.5, 0.5], [0.25, 0.25, 0.25])
        XCTAssertEqual(different.t, .infinity)
        XCTAssertEqual(different.pValue, 0)
        let lower = try WelchTTest([0.25, 0.25], [0.5, 0.5])
        XCTAssertEqual(lower.t, -.infinity)
        XCTAssertEqual(lower.pValue, 0)
    }

    func testTooFewOrNonFiniteValuesAreRejected() {
        assertThrows(InputError.self, "Welch t-test: the second sample has 1 value, at least 2 are needed") {
            _ = try WelchTTest([1, 2], [3])
        }
        assertThrows(InputError.self, "Welch t-test: the first sample has 0 values, at least 2 are needed") {
            _ = try WelchTTest([], [3, 4])
        }
        assertThrows(InputError.self, "Welch t-test: the first sample contains nan") {
            _ = try WelchTTest([1, .nan], [3, 4])
        }
    }
}
