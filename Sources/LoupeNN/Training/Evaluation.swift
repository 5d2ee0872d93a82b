import LoupeData
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

    /// Evaluates `model` on every example of `dataset` in batches.
    public init(model: Model, dataset: Dataset, batchSize: Int = 256) {
        let classes = model.classCount
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes)
        var predictions: [Int32] = []
        predictions.reserveCapacity(dataset.count)
        var totalLoss = 0.0
        var correct = 0
        for start in stride(from: 0, to: dataset.count, by: batchSize) {
            let positions = Array(start..<min(start + batchSize, dataset.count))
            let logits = model.logits(dataset.images(at: positions))
            let labels = dataset.labels(at: positions)
            let logProbabilities = logits.logSoftmaxLastAxis()
            for (row, label) in labels.enumerated() {
                var best = 0
                for j in 1..<classes where logits.scalars[row * classes + j] > logits.scalars[row * classes + best] {
                    best = j
                }
                predictions.append(Int32(best))
                confusion[Int(label)][best] += 1
                if best == Int(label) { correct += 1 }
                totalLoss -= Double(logProbabilities.scalars[row * classes + Int(label)])
            }
        }
        self.count = dataset.count
        self.accuracy = dataset.count > 0 ? Double(correct) / Double(dataset.count) : 0
        self.loss = dataset.count > 0 ? totalLoss / Double(dataset.count) : 0
        self.confusion = confusion
        self.predictions = predictions
    }
}
