import LoupeAudit
import XCTest

final class StudentTDistributionTests: XCTestCase {
    /// Reference values computed once with SciPy 1.17.1: `scipy.stats.t.cdf(t, df)`.
    private let scipyCDF: [(t: Double, df: Double, cdf: Double)] = [
        (-3.0, 2.5, 0.036288047774515914),
        (0.5, 1.0, 0.6475836176504333),
        (2.0, 30.7, 0.972792747026041),
        (-10.0, 4.0, 0.0002810018113579955),
        (1.96, 1000.0, 0.9748634075221256),
        (0.0, 5.0, 0.5),
        (5.0, 1.3, 0.9581788110215165),
        (-0.25, 7.0, 0.4048827929239259),
        (12.0, 15.0, 0.9999999978386329),
    ]

    func testCDFMatchesSciPy() {
        for item in scipyCDF {
            let distribution = StudentTDistribution(degreesOfFreedom: item.df)
            XCTAssertEqual(distribution.cdf(item.t), item.cdf, accuracy: 1e-12, "t=\(item.t) df=\(item.df)")
            // The lower tail is accurate in relative terms too (no cancellation).
            if item.t < 0 {
                XCTAssertEqual(distribution.cdf(item.t), item.cdf, accuracy: 1e-10 * item.cdf)
            }
        }
    }

    func testSurvivalAndTwoSidedPValueAreConsistent() {
        let distribution = StudentTDistribution(degreesOfFreedom: 4)
        // P(T > 10) = P(T < -10) by symmetry; SciPy value above.
        XCTAssertEqual(distribution.survival(10), 0.0002810018113579955, accuracy: 1e-10 * 0.000281)
        XCTAssertEqual(distribution.twoSidedPValue(-10), 2 * 0.0002810018113579955, accuracy: 1e-10 * 0.000562)
        XCTAssertEqual(distribution.twoSidedPValue(0), 1)
        XCTAssertEqual(distribution.cdf(.infinity), 1)
        XCTAssertEqual(distribution.cdf(-.infinity), 0)
    }
}
