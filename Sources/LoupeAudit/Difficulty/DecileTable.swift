import LoupeSupport

/// Top-1 error of the examples in each decile of a score, as the VoG paper reports it.
///
/// Deciles are by rank, not by value thresholds: the examples are sorted by increasing score
/// (ties by example index) and cut into 10 consecutive bins as equal as possible, the first
/// `examples % 10` bins holding one example more (as `numpy.array_split`). Every example is
/// in exactly one bin, bounds included ("inclusive bins"), so tied values never count twice;
/// a run of tied scores can straddle two bins. Row 0 holds the lowest scores, row 9 the
/// highest (the hardest, for `DifficultyScores.hardness`).
public struct DecileTable: Sendable, Equatable {
    /// One decile's examples and their error.
    public struct Row: Sendable, Equatable {
        /// The decile, 0 (lowest scores) to 9 (highest).
        public var decile: Int
        /// The number of examples in the decile.
        public var count: Int
        /// The smallest score in the decile (`nan` when it is empty).
        public var minimumScore: Double
        /// The largest score in the decile (`nan` when it is empty).
        public var maximumScore: Double
        /// The number of misclassified examples.
        public var errors: Int

        /// `errors / count`, the top-1 error (`nan` when the decile is empty).
        public var errorRate: Double { count > 0 ? Double(errors) / Double(count) : .nan }
    }

    /// The ten deciles, lowest scores first.
    public let rows: [Row]

    /// Builds the table from one score and one correctness flag (top-1 prediction equals the
    /// label) per example.
    ///
    /// - Throws: `InputError` when the counts differ or a score is not finite.
    public init(scores: [Double], correct: [Bool]) throws {
        try validateScores(scores, flags: correct, flagName: "correctness flags", source: "decile table")
        let order = indicesByIncreasingScore(scores)
        let base = order.count / 10
        let remainder = order.count % 10
        var rows: [Row] = []
        var start = 0
        for decile in 0..<10 {
            let end = start + base + (decile < remainder ? 1 : 0)
            let members = order[start..<end]
            rows.append(
                Row(
                    decile: decile, count: members.count,
                    minimumScore: members.first.map { scores[$0] } ?? .nan,
                    maximumScore: members.last.map { scores[$0] } ?? .nan,
                    errors: members.count { !correct[$0] }))
            start = end
        }
        self.rows = rows
    }
}
