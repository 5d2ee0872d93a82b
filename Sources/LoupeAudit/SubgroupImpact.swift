/// How compression changed the error rates of one subgroup: the examples matching every
/// condition (one condition for a single group, several for an intersection such as
/// `sex=F & age=old`).
public struct SubgroupImpact: Sendable, Equatable {
    /// The conditions, in the attribute table's column order.
    public var conditions: [SubgroupCondition]
    /// Number of examples in the subgroup.
    public var count: Int
    /// The baseline population's rates.
    public var baseline: SubgroupRates
    /// The compressed population's rates.
    public var compressed: SubgroupRates

    /// The subgroup's name, the conditions joined by ` & `, for example `sex=F & age=old`.
    public var name: String { conditions.map(\.description).joined(separator: " & ") }

    /// Compressed minus baseline error rate.
    public var errorRateChange: Double { compressed.errorRate - baseline.errorRate }

    /// Compressed minus baseline false-positive rate, when both exist.
    public var falsePositiveRateChange: Double? {
        guard let after = compressed.falsePositiveRate, let before = baseline.falsePositiveRate else { return nil }
        return after - before
    }

    /// Compressed minus baseline false-negative rate, when both exist.
    public var falseNegativeRateChange: Double? {
        guard let after = compressed.falseNegativeRate, let before = baseline.falseNegativeRate else { return nil }
        return after - before
    }
}
