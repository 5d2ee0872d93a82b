import LoupeAudit
import XCTest

final class MeanIntervalTests: XCTestCase {
    /// Quantiles against scipy.stats.t.ppf (computed once with scipy 1.17.1): ppf(0.975, 1) = 12.706204736174694,
    /// ppf(0.975, 4) = 2.7764451051977934, ppf(0.975, 9) = 2.262157162798205,
    /// ppf(0.995, 29) = 2.756385903670605.
    func testQuantileInvertsTheCDF() {
        for (df, p, expected) in [
            (1.0, 0.975, 12.706204736174694), (4, 0.975, 2.7764451051977934), (9, 0.975, 2.262157162798205),
            (29, 0.995, 2.756385903670605),
        ] {
            let t = StudentTDistribution(degreesOfFreedom: df).quantile(p)
            XCTAssertEqual(t, expected, accuracy: 1e-9 * expected, "df \(df), p \(p)")
            XCTAssertEqual(StudentTDistribution(degreesOfFreedom: df).quantile(1 - p), -t, accuracy: 1e-9 * expected)
        }
        let distribution = StudentTDistribution(degreesOfFreedom: 2.5)
        XCTAssertEqual(distribution.cdf(distribution.quantile(0.9)), 0.9, accuracy: 1e-12)
        XCTAssertEqual(distribution.quantile(0.5), 0, accuracy: 1e-12)
    }

    /// Five accuracies by hand: mean 0.9, sample standard deviation 0.0158114 (variance
    /// 0.00025), half-width 2.7764451 * 0.0158114 / sqrt(5) = 0.0196324 (scipy: 0.019632431614775587).
    func testIntervalOfFiveMembers() throws {
        let interval = MeanInterval([0.88, 0.89, 0.90, 0.91, 0.92])
        XCTAssertEqual(interval.mean, 0.9, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(interval.lower), 0.9 - 0.019632, accuracy: 1e-6)
        XCTAssertEqual(try XCTUnwrap(interval.upper), 0.9 + 0.019632, accuracy: 1e-6)
        let single = MeanInterval([0.7])
        XCTAssertEqual(single.mean, 0.7)
        XCTAssertNil(single.lower)
        XCTAssertNil(single.upper)
        // Two accuracies far apart: mean 0.6, half-width 12.7062 * 0.2828 / sqrt(2) = 2.54, clipped to 0...1.
        let wide = MeanInterval([0.4, 0.8], bounds: 0...1)
        XCTAssertEqual(wide.lower, 0)
        XCTAssertEqual(wide.upper, 1)
        XCTAssertEqual(try XCTUnwrap(MeanInterval([0.4, 0.8]).lower), 0.6 - 2.5412409, accuracy: 1e-6)
        let constant = MeanInterval([0.5, 0.5, 0.5])
        XCTAssertEqual(constant.lower, 0.5)
        XCTAssertEqual(constant.upper, 0.5)
    }
}
