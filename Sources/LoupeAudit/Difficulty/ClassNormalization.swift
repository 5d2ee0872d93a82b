import LoupeSupport

/// Normalisation of a difficulty score within each true class, so that examples are ranked
/// against the other examples of their class (as VoG ranks them: some classes have larger
/// gradients throughout).
public enum ClassNormalization: String, CaseIterable, Sendable, Equatable {
    /// `z = (score - mean_c) / std_c`, with the mean and POPULATION standard deviation of the
    /// scores of the example's class `c`. A class whose scores are all equal gives `z = 0`.
    case zScore = "z"
    /// `|z|`: distance from the class mean in either direction.
    case absoluteZScore = "abs-z"

    /// The normalised scores, one per example; `labels` are the true classes.
    ///
    /// Within each class the normalised scores have mean 0 and population standard deviation
    /// 1 (for `zScore`, unless all the class's scores are equal). The class statistics are
    /// computed in two passes.
    ///
    /// - Throws: `InputError` when the counts differ, a label is negative or a score is
    ///   not finite.
    public func apply(to scores: [Double], labels: [Int]) throws -> [Double] {
        let source = "class normalisation"
        try validateLabels(labels, exampleCount: scores.count, classCount: nil, source: source)
        try validateFinite(scores, what: "score", source: source)
        let classCount = (labels.max() ?? -1) + 1
        var sums = [Double](repeating: 0, count: classCount)
        var counts = [Int](repeating: 0, count: classCount)
        for (score, label) in zip(scores, labels) {
            sums[label] += score
            counts[label] += 1
        }
        let means = (0..<classCount).map { counts[$0] > 0 ? sums[$0] / Double(counts[$0]) : 0 }
        var squares = [Double](repeating: 0, count: classCount)
        for (score, label) in zip(scores, labels) {
            let deviation = score - means[label]
            squares[label] += deviation * deviation
        }
        let deviations = (0..<classCount).map { counts[$0] > 0 ? (squares[$0] / Double(counts[$0])).squareRoot() : 0 }
        return zip(scores, labels).map { score, label in
            let std = deviations[label]
            guard std > 0 else { return 0 }
            let z = (score - means[label]) / std
            return self == .absoluteZScore ? abs(z) : z
        }
    }
}
