/// How good each attribution method is as a feature-importance estimator by remove-and-
/// retrain: its accuracy averaged over the fractions, compared with the random control.
///
/// ROAR: lower mean accuracy is better (removing what the method ranks first hurts more).
/// KAR: higher mean accuracy is better (keeping what it ranks first preserves more).
public struct EstimatorRanking: Sendable {
    /// One method's standing.
    public struct Row: Codable, Equatable, Sendable {
        public var method: String
        /// Mean over fractions of the cell mean accuracy, per mode (`nil` when not run).
        public var roarMeanAccuracy: Double?
        public var karMeanAccuracy: Double?
        /// The method's mean minus the random control's (`nil` without the control). Negative
        /// is better for ROAR, positive for KAR.
        public var roarDifferenceFromRandom: Double?
        public var karDifferenceFromRandom: Double?
        /// The spread over retrains the difference is measured against: the mean over
        /// fractions of the larger of the two cells' sample standard deviations (`nil` with a
        /// single retrain).
        public var roarSpread: Double?
        public var karSpread: Double?
        /// Whether the method's mean is better than the random control's.
        public var roarBeatsRandom: Bool?
        public var karBeatsRandom: Bool?
        /// Whether it is better by more than the spread.
        public var roarBeatsRandomBeyondSpread: Bool?
        public var karBeatsRandomBeyondSpread: Bool?
    }

    /// The rows, best first: by ROAR mean accuracy ascending when ROAR was run, else by KAR
    /// mean accuracy descending; ties by the other mode, then by name.
    public let rows: [Row]

    /// Ranks the methods of `summaries` against `control` (the method named `random` by
    /// default). The control gets a row too, with a zero difference and no verdict.
    public init(summaries: [RetrainCellSummary], control: String = "random") {
        var methods: [String] = []
        for summary in summaries where !methods.contains(summary.method) { methods.append(summary.method) }
        func cells(_ method: String, _ mode: RetrainMode) -> [RetrainCellSummary] {
            summaries.filter { $0.method == method && $0.mode == mode }
        }
        func mean(_ values: [Double]) -> Double? {
            values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
        }
        func compare(_ method: String, _ mode: RetrainMode) -> (
            mean: Double?, difference: Double?, spread: Double?, beats: Bool?, beyond: Bool?
        ) {
            let own = cells(method, mode)
            let methodMean = mean(own.map(\.meanAccuracy))
            if method == control { return (methodMean, methodMean.map { _ in 0 }, nil, nil, nil) }
            let reference = cells(control, mode)
            guard let methodMean, let controlMean = mean(reference.map(\.meanAccuracy)) else {
                return (methodMean, nil, nil, nil, nil)
            }
            let difference = methodMean - controlMean
            let beats = mode == .roar ? difference < 0 : difference > 0
            var spreads: [Double] = []
            for cell in own {
                guard let other = reference.first(where: { $0.percent == cell.percent }),
                    let a = cell.standardDeviation, let b = other.standardDeviation
                else { continue }
                spreads.append(max(a, b))
            }
            let spread = spreads.count == own.count ? mean(spreads) : nil
            return (methodMean, difference, spread, beats, spread.map { beats && abs(difference) > $0 })
        }
        var rows: [Row] = []
        for method in methods {
            let roar = compare(method, .roar)
            let kar = compare(method, .kar)
            rows.append(
                Row(
                    method: method, roarMeanAccuracy: roar.mean, karMeanAccuracy: kar.mean,
                    roarDifferenceFromRandom: roar.difference, karDifferenceFromRandom: kar.difference,
                    roarSpread: roar.spread, karSpread: kar.spread, roarBeatsRandom: roar.beats,
                    karBeatsRandom: kar.beats, roarBeatsRandomBeyondSpread: roar.beyond,
                    karBeatsRandomBeyondSpread: kar.beyond))
        }
        let hasROAR = rows.contains { $0.roarMeanAccuracy != nil }
        // Keys where lower is better; a missing value sorts last.
        func keys(_ row: Row) -> [Double] {
            let roar = row.roarMeanAccuracy ?? .infinity
            let kar = -(row.karMeanAccuracy ?? -.infinity)
            return hasROAR ? [roar, kar] : [kar, roar]
        }
        self.rows = rows.sorted { a, b in
            let (x, y) = (keys(a), keys(b))
            if x[0] != y[0] { return x[0] < y[0] }
            if x[1] != y[1] { return x[1] < y[1] }
            return a.method < b.method
        }
    }
}
