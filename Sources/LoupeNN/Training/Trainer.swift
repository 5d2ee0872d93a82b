import Foundation
import LoupeData
import LoupeTensor

/// Metrics of one training epoch.
public struct EpochMetrics: Codable, Equatable, Sendable {
    public var epoch: Int
    public var step: Int
    public var learningRate: Float
    public var trainLoss: Double
    public var trainAccuracy: Double
    public var testLoss: Double?
    public var testAccuracy: Double?
    public var seconds: Double
    public var imagesPerSecond: Double
}

/// Mini-batch training with seeded shuffling, augmentation and dropout.
///
/// Every random draw of epoch `e` comes from a generator derived from the configuration's
/// seed and `e`, so a run resumed at an epoch boundary (model and optimizer state restored)
/// continues bit-identically.
public struct Trainer {
    public private(set) var model: Model
    public let configuration: TrainingConfiguration
    public private(set) var optimizer: any Optimizer
    /// Epochs completed so far.
    public private(set) var epoch: Int = 0
    /// Optimiser steps taken so far.
    public private(set) var step: Int = 0

    public init(model: Model, configuration: TrainingConfiguration) throws(ModelError) {
        try configuration.validate()
        self.model = model
        self.configuration = configuration
        let roles = model.parameterRoles
        self.optimizer = configuration.makeOptimizer(roles: model.parameterNames.map { roles[$0]! })
    }

    /// Continues from a saved state: the model, the optimiser state and the position.
    public mutating func restore(optimizerState: [String: Tensor], epoch: Int, step: Int) throws {
        try optimizer.restore(from: optimizerState)
        self.epoch = epoch
        self.step = step
    }

    /// Events the training loop reports.
    public enum Event {
        /// A batch finished: batches done in this epoch and the epoch's batch count.
        case batch(done: Int, of: Int)
        /// A checkpoint is due (by the configured interval).
        case checkpoint
        /// An epoch finished.
        case epoch(EpochMetrics)
    }

    /// Trains until `configuration.epochs` epochs are complete, evaluating on `test` after
    /// each epoch when given. `handler` sees every event and may throw to stop.
    public mutating func train(on train: Dataset, test: Dataset?, handler: (Event, Trainer) throws -> Void) throws {
        guard train.classCount <= model.classCount else {
            throw ModelError("\(train.name) has \(train.classCount) classes but the model predicts \(model.classCount)")
        }
        guard [train.shape.channels, train.shape.height, train.shape.width] == model.architecture.inputShape else {
            throw ModelError(
                "\(train.name) images are \(train.shape) but the model expects \(model.architecture.inputShape)")
        }
        let batchesPerEpoch = (train.count + configuration.batchSize - 1) / configuration.batchSize
        let totalSteps = batchesPerEpoch * configuration.epochs
        let root = SeededGenerator(seed: configuration.seed)
        while epoch < configuration.epochs {
            let start = Date()
            var generator = root.derived(UInt64(epoch))
            let batches = train.batchOrder(batchSize: configuration.batchSize, shuffle: true, generator: &generator)
            var lossSum = 0.0
            var correct = 0
            var learningRate: Float = 0
            for (index, positions) in batches.enumerated() {
                learningRate = configuration.schedule.learningRate(
                    atStep: step, baseRate: configuration.learningRate, totalSteps: totalSteps)
                var images = train.images(at: positions)
                if !configuration.augmentation.isIdentity {
                    images = configuration.augmentation.apply(to: images, generator: &generator)
                }
                let labels = train.labels(at: positions)
                let (loss, hits, gradients) = trainingStep(images: images, labels: labels, generator: &generator)
                lossSum += Double(loss) * Double(positions.count)
                correct += hits
                model.updateParameters { parameters in
                    optimizer.step(parameters: &parameters, gradients: gradients, learningRate: learningRate)
                }
                step += 1
                try handler(.batch(done: index + 1, of: batches.count), self)
                if case .steps(let n) = configuration.checkpointInterval, step % n == 0 {
                    try handler(.checkpoint, self)
                }
            }
            epoch += 1
            let evaluation = test.map { Evaluation(model: model, dataset: $0) }
            let seconds = Date().timeIntervalSince(start)
            let metrics = EpochMetrics(
                epoch: epoch, step: step, learningRate: learningRate,
                trainLoss: lossSum / Double(max(train.count, 1)),
                trainAccuracy: Double(correct) / Double(max(train.count, 1)),
                testLoss: evaluation?.loss, testAccuracy: evaluation?.accuracy, seconds: seconds,
                imagesPerSecond: Double(train.count) / max(seconds, 1e-9))
            try handler(.epoch(metrics), self)
            if case .epochs(let n) = configuration.checkpointInterval, epoch % n == 0 { try handler(.checkpoint, self) }
        }
    }

    /// Forward and backward on one batch; returns the loss, the number of correct top-1
    /// predictions and the parameter gradients. The tape is released before the update so
    /// the optimiser can modify parameters in place.
    private mutating func trainingStep(
        images: Tensor, labels: [Int32], generator: inout SeededGenerator
    ) -> (Float, Int, [Tensor]) {
        let tape = Tape()
        var context = model.makeContext(tape: tape, isTraining: true, generator: generator.derived(UInt64(step)))
        let logits = model(tape.constant(images), &context)
        let loss = logits.crossEntropy(labels: labels, labelSmoothing: configuration.labelSmoothing)
        let gradients = tape.gradients(of: loss)
        let parameterGradients = model.parameterVariables(in: context).map { gradients[$0]! }
        model.updateRunningStatistics(from: context)
        let classes = model.classCount
        var hits = 0
        logits.value.withUnsafeBufferPointer { z in
            for (row, label) in labels.enumerated() {
                var best = 0
                for j in 1..<classes where z[row * classes + j] > z[row * classes + best] { best = j }
                if best == Int(label) { hits += 1 }
            }
        }
        return (loss.value.scalar, hits, parameterGradients)
    }
}

extension Model {
    /// Hands the parameters, in `parameterNames` order, to `body` for in-place modification
    /// (moved out of the dictionary first so no copy is made).
    public mutating func updateParameters(_ body: (inout [Tensor]) -> Void) {
        var list = parameterNames.map { parameters.removeValue(forKey: $0)! }
        body(&list)
        for (name, tensor) in zip(parameterNames, list) { parameters[name] = tensor }
    }
}
