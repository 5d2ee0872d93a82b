import LoupeSupport

/// The two-sided Welch t-test (unequal variances) of two independent samples, as
/// `scipy.stats.ttest_ind(first, second, equal_var=False)` computes it.
///
/// `t = (mean1 - mean2) / sqrt(s1^2 / n1 + s2^2 / n2)` with unbiased sample variances, the
/// Welch-Satterthwaite degrees of freedom
/// `df = (s1^2/n1 + s2^2/n2)^2 / ((s1^2/n1)^2 / (n1 - 1) + (s2^2/n2)^2 / (n2 - 1))` and the
/// two-sided p-value `P(|T_df| >= |t|)`.
///
/// When both samples have zero variance the statistic is undefined (SciPy returns NaN);
/// here the result is then `t = 0`, `p = 1` when the means are equal and
/// `t = ±infinity` (the sign of `mean1 - mean2`), `p = 0` when they differ, with
/// `df = n1 + n2 - 2`.
public struct WelchTTest: Sendable, Equatable {
    /// The t statistic; positive when the first sample's mean is larger.
    public var t: Double
    /// The Welch-Satterthwaite degrees of freedom.
    public var degreesOfFreedom: Double
    /// The two-sided p-value.
    public var pValue: Double

    /// Tests whether `first` and `second` have the same mean.
    ///
    /// - Throws: `InputError` when a sample has fewer than two values or a value is not
    ///   finite.
    public init(_ first: [Double], _ second: [Double]) throws {
        for (name, sample) in [("first", first), ("second", second)] {
            guard sample.count >= 2 else {
                throw InputError(
                    source: "Welch t-test",
                    problem:
                        "the \(name) sample has \(sample.count) value\(sample.count == 1 ? "" : "s"), at least 2 are needed"
                )
            }
            if let bad = sample.first(where: { !$0.isFinite }) {
                throw InputError(source: "Welch t-test", problem: "the \(name) sample contains \(bad)")
            }
        }
        let (mean1, variance1) = Self.meanAndVariance(first)
        let (mean2, variance2) = Self.meanAndVariance(second)
        let n1 = Double(first.count)
        let n2 = Double(second.count)
        let share1 = variance1 / n1
        let share2 = variance2 / n2
        let standardError = (share1 + share2).squareRoot()
        guard standardError > 0 else {
            degreesOfFreedom = n1 + n2 - 2
            if mean1 == mean2 {
                (t, pValue) = (0, 1)
            } else {
                (t, pValue) = (mean1 > mean2 ? .infinity : -.infinity, 0)
            }
            return
        }
        t = (mean1 - mean2) / standardError
        degreesOfFreedom =
            (share1 + share2) * (share1 + share2) / (share1 * share1 / (n1 - 1) + share2 * share2 / (n2 - 1))
        pValue = StudentTDistribution(degreesOfFreedom: degreesOfFreedom).twoSidedPValue(t)
    }

    /// The mean and the unbiased (n - 1) variance, by two passes for accuracy.
    static func meanAndVariance(_ values: [Double]) -> (mean: Double, variance: Double) {
        let mean = values.reduce(0, +) / Double(values.count)
        let squares = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        return (mean, squares / Double(values.count - 1))
    }
}
