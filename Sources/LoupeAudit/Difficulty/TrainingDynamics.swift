import LoupeSupport

/// Difficulty scores from the training dynamics: the logits of every training example
/// recorded after each epoch (`EpochLogits`) and the labels the model was trained on.
///
/// All scores come from one pass over the epochs with `O(examples)` state. Predictions are
/// the argmax of the logits, ties to the smallest class index; probabilities are the softmax
/// of the logits. Each score's direction is in `DifficultyMeasure`; `scores(_:)` gives a
/// score with its direction and `hardness` view.
public struct TrainingDynamics: Sendable, Equatable {
    /// The number of epochs the scores summarise.
    public let epochCount: Int
    /// Cross-entropy `logsumexp(z) - z_y` at the last epoch. Higher is harder.
    public let finalLoss: [Double]
    /// `z_y - max_{j != y} z_j` at the last epoch. Higher is easier.
    public let finalMargin: [Double]
    /// Area under the margin (Pleiss et al. 2020): the mean over epochs of
    /// `z_y - max_{j != y} z_j`. Higher is easier; negative suggests a wrong label.
    public let areaUnderMargin: [Double]
    /// Data-map confidence (Swayamdipta et al. 2020): the mean over epochs of the softmax
    /// probability of the label. Higher is easier.
    public let confidence: [Double]
    /// Data-map variability: the POPULATION standard deviation over epochs of the softmax
    /// probability of the label. Higher is treated as harder (more ambiguous).
    public let variability: [Double]
    /// Data-map correctness: the fraction of epochs whose prediction is the label. Higher is
    /// easier.
    public let correctness: [Double]
    /// Forgetting events (Toneva et al. 2019): the number of consecutive epoch pairs in which
    /// the example goes from correctly to incorrectly classified. A never-learned example
    /// has 0 events; see `neverLearned` and `forgettingScores`.
    public let forgettingEvents: [Int]
    /// Whether the example was misclassified at every recorded epoch.
    public let neverLearned: [Bool]
    /// GraNd scores computed elsewhere, when given. Higher is harder.
    public let grand: [Double]?

    /// Computes every score from `logits` and the training `labels`.
    ///
    /// - Parameter grand: precomputed GraNd scores, one per example, or `nil`.
    /// - Throws: `InputError` naming the logits' source when the label count differs
    ///   from the example count or a label is outside `0..<classCount`, or when `grand` has
    ///   the wrong count or a non-finite value.
    public init(logits: EpochLogits, labels: [Int], grand: [Double]? = nil) throws {
        let n = logits.exampleCount
        try validateLabels(labels, exampleCount: n, classCount: logits.classCount, source: logits.source)
        if let grand {
            guard grand.count == n else {
                throw InputError(source: "GraNd", problem: "\(grand.count) scores for \(n) examples")
            }
            try validateFinite(grand, what: "score", source: "GraNd")
        }
        var marginSum = [Double](repeating: 0, count: n)
        var probabilityMean = [Double](repeating: 0, count: n)
        var probabilitySquares = [Double](repeating: 0, count: n)
        var correctCount = [Int](repeating: 0, count: n)
        var events = [Int](repeating: 0, count: n)
        var wasCorrect = [Bool](repeating: false, count: n)
        var lastLoss = [Double](repeating: 0, count: n)
        var lastMargin = [Double](repeating: 0, count: n)
        for epoch in 0..<logits.epochCount {
            let inverseCount = 1 / Double(epoch + 1)
            for example in 0..<n {
                let label = labels[example]
                let row = LogitRow(logits.row(epoch: epoch, example: example), label: label)
                marginSum[example] += row.margin
                // Welford's update of the label probability's mean and squared deviations.
                let delta = row.labelProbability - probabilityMean[example]
                probabilityMean[example] += delta * inverseCount
                probabilitySquares[example] += delta * (row.labelProbability - probabilityMean[example])
                let correct = row.isCorrect(label: label)
                if correct { correctCount[example] += 1 }
                if epoch > 0 && wasCorrect[example] && !correct { events[example] += 1 }
                wasCorrect[example] = correct
                if epoch == logits.epochCount - 1 {
                    lastLoss[example] =
                        row.logSumExp - Double(logits.values[(epoch * n + example) * logits.classCount + label])
                    lastMargin[example] = row.margin
                }
            }
        }
        let epochs = Double(logits.epochCount)
        epochCount = logits.epochCount
        finalLoss = lastLoss
        finalMargin = lastMargin
        areaUnderMargin = marginSum.map { $0 / epochs }
        confidence = probabilityMean
        variability = probabilitySquares.map { max($0 / epochs, 0).squareRoot() }
        correctness = correctCount.map { Double($0) / epochs }
        forgettingEvents = events
        neverLearned = correctCount.map { $0 == 0 }
        self.grand = grand
    }

    /// Forgetting as a ranking score: the number of forgetting events, and the number of
    /// epochs for a never-learned example. The forgetting paper ranks never-learned examples
    /// as the hardest (infinitely many events); `epochCount` is larger than the most events
    /// any learned example can have (`epochCount / 2`), so they rank above all of them while
    /// the score stays finite. Higher is harder.
    public var forgettingScores: [Double] {
        zip(forgettingEvents, neverLearned).map { events, never in never ? Double(epochCount) : Double(events) }
    }

    /// The scores of `measure` with their direction, or `nil` for a measure these dynamics do
    /// not provide (`vog`, `el2n`, `selfConfidence`, and `grand` when it was not given).
    public func scores(_ measure: DifficultyMeasure) -> DifficultyScores? {
        let values: [Double]?
        switch measure {
        case .finalLoss: values = finalLoss
        case .finalMargin: values = finalMargin
        case .areaUnderMargin: values = areaUnderMargin
        case .confidence: values = confidence
        case .variability: values = variability
        case .correctness: values = correctness
        case .forgetting: values = forgettingScores
        case .grand: values = grand
        case .vog, .el2n, .selfConfidence: values = nil
        }
        return values.map { DifficultyScores(measure: measure, values: $0) }
    }
}
