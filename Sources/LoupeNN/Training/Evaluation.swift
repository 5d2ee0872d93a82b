import LoupeData
import LoupeSupport
import LoupeTensor

/// A model's performance on a dataset, in inference mode.
public struct Evaluation: Sendable {
    /// Number of examples evaluated.
    public var count: Int
    /// Fraction of examples whose top-1 prediction equals the label.
    public var accuracy: Double
    /// Mean cross-entropy.
    public var loss: Double
    /// `confusion[label][prediction]` counts.
    public var confusion: [[Int]]
    /// Top-1 prediction per example, in dataset order (ties go to the lowest class index).
    public var predictions: [Int32]

    /// Evaluates `model` on every example of `dataset` in batches, on up to `threads`
    /// threads (each takes a contiguous part of the dataset; the result does not depend on
    /// the thread count).
    public init(model: Model, dataset: Dataset, batchSize: Int = 256, threads: Int = 1) {
        let classes = model.classCount
        let ranges = Parallel.ranges(count: dataset.count, parts: threads)
        let parts = Parallel.map(count: ranges.count, threads: threads) {
            part -> (predictions: [Int32], losses: [Double]) in
            let range = ranges[part]
            var predictions: [Int32] = []
            var losses: [Double] = []
            for start in stride(from: range.lowerBound, to: range.upperBound, by: batchSize) {
                let positions = Array(start..<min(start + batchSize, range.upperBound))
                let logits = model.logits(dataset.images(at: positions))
                let logProbabilities = logits.logSoftmaxLastAxis()
                for (row, label) in dataset.labels(at: positions).enumerated() {
                    var best = 0
                    for j in 1..<classes where logits.scalars[row * classes + j] > logits.scalars[row * classes + best]
                    {
                        best = j
                    }
                    predictions.append(Int32(best))
                    losses.append(-Double(logProbabilities.scalars[row * classes + Int(label)]))
                }
            }
            return (predictions, losses)
        }
        let predictions = parts.flatMap(\.predictions)
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes)
        for (label, prediction) in zip(dataset.labels, predictions) { confusion[Int(label)][Int(prediction)] += 1 }
        let correct = zip(dataset.labels, predictions).filter { $0 == $1 }.count
        self.count = dataset.count
        self.accuracy = dataset.count > 0 ? Double(correct) / Double(dataset.count) : 0
        self.loss = dataset.count > 0 ? parts.flatMap(\.losses).reduce(0, +) / Double(dataset.count) : 0
        self.confusion = confusion
        self.predictions = predictions
    }
}
