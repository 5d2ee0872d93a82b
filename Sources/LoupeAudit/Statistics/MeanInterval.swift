import Foundation

/// The mean of a sample and its two-sided Student-t confidence interval,
/// `mean ± t(1 - (1 - level) / 2, n - 1) · s / √n`, as for the accuracies of a population's
/// members.
public struct MeanInterval: Equatable, Sendable {
    public var mean: Double
    /// Nil for fewer than two values (no spread to estimate).
    public var lower: Double?
    public var upper: Double?

    /// - Parameters:
    ///   - level: the confidence level, in (0, 1).
    ///   - bounds: the range the quantity cannot leave (0...1 for an accuracy): the interval
    ///     is clipped to it, as a small sample's t-interval can reach past it.
    public init(_ values: [Double], level: Double = 0.95, bounds: ClosedRange<Double>? = nil) {
        precondition(!values.isEmpty, "a mean needs values")
        precondition(level > 0 && level < 1, "the confidence level must be in (0, 1)")
        let n = Double(values.count)
        mean = values.reduce(0, +) / n
        guard values.count >= 2 else { return }
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)
        let t = StudentTDistribution(degreesOfFreedom: n - 1).quantile(1 - (1 - level) / 2)
        let half = t * (variance / n).squareRoot()
        (lower, upper) = (mean - half, mean + half)
        if let bounds { (lower, upper) = (max(lower!, bounds.lowerBound), min(upper!, bounds.upperBound)) }
    }
}
