/// One difficulty measure's scores for every example, in the measure's own direction, with a
/// `hardness` view in which higher always means harder.
public struct DifficultyScores: Sendable, Equatable {
    /// What the scores measure, and so which way they point.
    public var measure: DifficultyMeasure
    /// One score per example, as the measure defines it.
    public var values: [Double]

    public init(measure: DifficultyMeasure, values: [Double]) {
        self.measure = measure
        self.values = values
    }

    /// The scores oriented so that higher is harder: `values` for a `higherIsHarder`
    /// measure, `-values` for a `higherIsEasier` one. Ranks and ties are preserved.
    public var hardness: [Double] {
        measure.direction == .higherIsHarder ? values : values.map { -$0 }
    }
}
