import LoupeSupport

/// Confident learning (Northcutt, Jiang and Chuang 2021): finds likely label errors from
/// out-of-sample predicted probabilities (for example from K-fold cross-validation, computed
/// elsewhere) and the given labels.
///
/// - The threshold of class `j` is `t_j`, the mean of `p_j` over the examples labelled `j`
///   (`+infinity` for a class with no examples, so no example is confidently in it).
/// - Example `i` is confidently in class `j` when `p_ij >= t_j - 1e-6` (the `1e-6`, as in
///   cleanlab, keeps an example whose probability equals the mean from failing the test by
///   rounding). Its confident class is the argmax of `p_ij` over ALL such classes, its label
///   included (ties to the smallest index), as in the paper's equation 1; it has none when no
///   class passes its threshold.
/// - The confident joint counts examples by (given label, confident class). Its
///   off-diagonal examples are the label issues: confidently in a class other than the label.
///   (cleanlab's `compute_confident_joint` differs only when exactly one class passes its
///   threshold but is not the overall argmax; it then takes the overall argmax.)
/// - The ranking score is the self-confidence `p_{i, y_i}`: lower is more likely an issue.
public struct ConfidentLearning: Sendable, Equatable {
    /// The number of classes.
    public let classCount: Int
    /// The per-class thresholds `t_j`.
    public let thresholds: [Double]
    /// `confidentJoint[label][class]`: how many examples with that given label are
    /// confidently in that class. Not calibrated to the label counts.
    public let confidentJoint: [[Int]]
    /// Each example's confident class, or `nil` when no class passes its threshold.
    public let confidentClass: [Int?]
    /// Whether each example is a label issue (confident class differs from its label).
    public let isLabelIssue: [Bool]
    /// The out-of-sample probability of each example's given label. Higher is easier.
    public let selfConfidence: [Double]

    /// Runs confident learning on `probabilities` of shape `[examples, classes]`, flat in
    /// row-major order, and the given `labels`.
    ///
    /// - Throws: `InputError` when the shape and counts disagree, a label is outside
    ///   `0..<classCount`, or a probability is not in `[0, 1]`.
    public init(probabilities: [Double], classCount: Int, labels: [Int]) throws {
        let source = "confident learning"
        guard classCount >= 2 else {
            throw InputError(source: source, problem: "\(classCount) classes, at least 2 are needed")
        }
        guard probabilities.count == labels.count * classCount else {
            throw InputError(
                source: source,
                problem: "\(probabilities.count) probabilities for \(labels.count) examples of \(classCount) classes")
        }
        try validateLabels(labels, exampleCount: labels.count, classCount: classCount, source: source)
        if let bad = probabilities.firstIndex(where: { !($0 >= 0 && $0 <= 1) }) {
            throw InputError(
                source: source,
                problem:
                    "probability of example \(bad / classCount), class \(bad % classCount) is \(probabilities[bad])")
        }
        var sums = [Double](repeating: 0, count: classCount)
        var counts = [Int](repeating: 0, count: classCount)
        for (example, label) in labels.enumerated() {
            sums[label] += probabilities[example * classCount + label]
            counts[label] += 1
        }
        let thresholds = (0..<classCount).map { counts[$0] > 0 ? sums[$0] / Double(counts[$0]) : .infinity }
        var joint = [[Int]](repeating: [Int](repeating: 0, count: classCount), count: classCount)
        var confident = [Int?](repeating: nil, count: labels.count)
        for (example, label) in labels.enumerated() {
            var best: Int?
            for j in 0..<classCount {
                let p = probabilities[example * classCount + j]
                guard p >= thresholds[j] - 1e-6 else { continue }
                if let current = best, probabilities[example * classCount + current] >= p { continue }
                best = j
            }
            confident[example] = best
            if let best { joint[label][best] += 1 }
        }
        self.classCount = classCount
        self.thresholds = thresholds
        confidentJoint = joint
        confidentClass = confident
        isLabelIssue = zip(confident, labels).map { confident, label in confident.map { $0 != label } ?? false }
        selfConfidence = labels.enumerated().map { probabilities[$0.offset * classCount + $0.element] }
    }

    /// The label issues, most likely first: by increasing self-confidence, ties by example
    /// index.
    public var rankedLabelIssues: [Int] {
        isLabelIssue.indices.filter { isLabelIssue[$0] }
            .sorted { (selfConfidence[$0], $0) < (selfConfidence[$1], $1) }
    }

    /// The self-confidence as a difficulty score (`DifficultyMeasure.selfConfidence`).
    public var scores: DifficultyScores { DifficultyScores(measure: .selfConfidence, values: selfConfidence) }
}
