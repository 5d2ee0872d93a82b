/// The example-difficulty scores Loupe computes, each with the direction in which it points.
public enum DifficultyMeasure: String, CaseIterable, Sendable, Equatable, Hashable {
    /// Variance of gradients (`VarianceOfGradients`): higher is harder.
    case vog
    /// Cross-entropy loss at the last epoch: higher is harder.
    case finalLoss = "final-loss"
    /// Logit of the label minus the largest other logit at the last epoch: higher is easier.
    case finalMargin = "final-margin"
    /// Error L2 norm `||softmax - onehot||_2` early in training: higher is harder.
    case el2n
    /// Norm of the per-example parameter gradient early in training (computed elsewhere):
    /// higher is harder.
    case grand
    /// Forgetting events, never-learned examples counted as the number of epochs
    /// (`TrainingDynamics.forgettingScores`): higher is harder.
    case forgetting
    /// Area under the margin, the mean margin over epochs: higher is easier (negative values
    /// suggest a wrong label).
    case areaUnderMargin = "aum"
    /// Data-map confidence, the mean true-label probability over epochs: higher is easier.
    case confidence
    /// Data-map variability, the standard deviation of the true-label probability over
    /// epochs: higher is treated as harder (more ambiguous). Hard-to-learn examples have low
    /// confidence AND low variability, so read it together with `confidence`.
    case variability
    /// Data-map correctness, the fraction of epochs classified correctly: higher is easier.
    case correctness
    /// Confident learning's self-confidence, the out-of-sample probability of the given
    /// label: higher is easier (lower is more likely a label issue).
    case selfConfidence = "self-confidence"

    /// Which way the measure points.
    public var direction: ScoreDirection {
        switch self {
        case .vog, .finalLoss, .el2n, .grand, .forgetting, .variability: .higherIsHarder
        case .finalMargin, .areaUnderMargin, .confidence, .correctness, .selfConfidence: .higherIsEasier
        }
    }
}
