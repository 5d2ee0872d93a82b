/// A population's error rates on one subgroup, each the mean over the population's models.
public struct SubgroupRates: Sendable, Equatable {
    /// The fraction of the subgroup's examples misclassified.
    public var errorRate: Double
    /// For binary tasks (positive class 1): the fraction of the subgroup's negatives (true
    /// label 0) predicted positive; `nil` for other tasks or a subgroup without negatives.
    public var falsePositiveRate: Double?
    /// For binary tasks: the fraction of the subgroup's positives (true label 1) predicted
    /// negative; `nil` for other tasks or a subgroup without positives.
    public var falseNegativeRate: Double?

    public init(errorRate: Double, falsePositiveRate: Double?, falseNegativeRate: Double?) {
        self.errorRate = errorRate
        self.falsePositiveRate = falsePositiveRate
        self.falseNegativeRate = falseNegativeRate
    }
}
