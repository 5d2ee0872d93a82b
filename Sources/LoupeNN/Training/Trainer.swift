import Foundation
import LoupeData
import LoupeKernels
import LoupeRandom
import LoupeSupport
import LoupeTensor

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
    /// Hooks that take part in every step, such as gradual pruning.
    public var hooks: [any TrainingHook] = []

    public init(model: Model, configuration: TrainingConfiguration) throws(ModelError) {
        try configuration.validate()
        self.model = model
        self.configuration = configuration
        let roles = model.parameterRoles
        self.optimizer = configuration.makeOptimizer(roles: model.parameterNames.map { roles[$0]! })
    }

    /// Continues from a saved state: the optimiser state and the position, for a trainer
    /// made with the saved model.
    ///
    /// Everything is checked before anything changes: the position must be the end of an
    /// epoch of this run (`epoch` in `0...configuration.epochs`, `step` the steps of that many
    /// epochs of `trainingExamples` examples), and every optimizer tensor must fit the
    /// model's parameters by name and shape (`Optimizer.restore(from:parameterShapes:)`);
    /// a run past its first step with an optimizer that keeps state must have that state.
    public mutating func restore(
        optimizerState: [String: Tensor], epoch: Int, step: Int, trainingExamples: Int
    ) throws(ResumeError) {
        try checkPosition(epoch: epoch, step: step, trainingExamples: trainingExamples)
        if step > 0, optimizerState.isEmpty, configuration.optimizerKeepsState {
            throw .field(
                name: "optimizer state",
                problem:
                    "is missing for a run at step \(step) (\(configuration.optimizer.rawValue) keeps state; a model file is not a resume state)"
            )
        }
        let shapes = model.parameterNames.map { model.parameters[$0]!.shape }
        do { try optimizer.restore(from: optimizerState, parameterShapes: shapes) } catch {
            throw .optimizerState(error)
        }
        self.epoch = epoch
        self.step = step
    }

    /// Refuses a training step whose activations and their gradients for `batch` examples
    /// would take more than the memory budget (the architecture's own check counts one image).
    private func checkStepMemory(batch: Int, budget: MemoryBudget = .current) throws(ModelError) {
        let bytes = CheckedSize.product([batch, model.inputGradientBytesPerRow]) ?? .max
        guard bytes <= budget.bytes else {
            throw ModelError(
                "a training step of \(batch) images needs \(MemoryBudget.describe(bytes)) for its activations and their gradients, over the memory budget of \(MemoryBudget.describe(budget.bytes)); use smaller images or batches, or set LOUPE_MEMORY_BUDGET",
                isSizeLimit: true)
        }
    }

    /// Optimizer steps in one epoch of `examples` examples.
    private func stepsPerEpoch(examples: Int) -> Int { configuration.stepsPerEpoch(examples: examples) }

    /// Checks that `epoch` and `step` are the end of an epoch of this run.
    private func checkPosition(epoch: Int, step: Int, trainingExamples: Int) throws(ResumeError) {
        guard (0...configuration.epochs).contains(epoch) else {
            throw .field(name: "epoch", problem: "\(epoch) is outside the run's 0...\(configuration.epochs) epochs")
        }
        let perEpoch = stepsPerEpoch(examples: trainingExamples)
        guard let expected = CheckedSize.product(epoch, perEpoch), step == expected else {
            throw .field(
                name: "step",
                problem:
                    "\(step) is not the end of epoch \(epoch) (\(perEpoch) steps per epoch: \(trainingExamples) examples in batches of \(configuration.batchSize))"
            )
        }
    }

    /// Throws unless every parameter and buffer is finite: called before the weights are
    /// reported, evaluated or saved.
    private func checkWeightsAreFinite(epoch: Int) throws(TrainingDivergence) {
        for name in model.parameterNames + model.buffers.keys.sorted() {
            let tensor = model.parameters[name] ?? model.buffers[name]!
            let finite = tensor.withUnsafeBufferPointer { values in values.allSatisfy(\.isFinite) }
            guard finite else { throw TrainingDivergence(epoch: epoch, step: step, quantity: name) }
        }
    }

    /// Events the training loop reports.
    public enum Event {
        /// A batch finished: batches done in this epoch and the epoch's batch count.
        case batch(done: Int, of: Int)
        /// A checkpoint is due (by the configured interval).
        case checkpoint
        /// An epoch finished.
        case epoch(EpochMetrics)
        /// With `recordsTrainingLogits`: after each epoch, the logits of every training
        /// example in dataset order (`[examples, classes]`), in inference mode, no augmentation.
        case trainingLogits(epoch: Int, logits: Tensor)
    }

    /// Whether to evaluate the whole training set after every epoch and report its logits
    /// (the training dynamics that forgetting, AUM, data maps and EL2N are computed from).
    public var recordsTrainingLogits = false

    /// Trains until `configuration.epochs` epochs are complete, evaluating on `test` after
    /// each epoch when given. `handler` sees every event and may throw to stop.
    ///
    /// A run that diverges stops with a ``TrainingDivergence`` at the first non-finite
    /// training loss, weight or test loss, before any event that would report or save it: the
    /// last checkpoint the handler saved stays the last good state.
    public mutating func train(on train: Dataset, test: Dataset?, handler: (Event, Trainer) throws -> Void) throws {
        guard train.classCount <= model.classCount else {
            throw ModelError("\(train.name) has \(train.classCount) classes but the model predicts \(model.classCount)")
        }
        guard [train.shape.channels, train.shape.height, train.shape.width] == model.architecture.inputShape else {
            throw ModelError(
                "\(train.name) images are \(train.shape) but the model expects \(model.architecture.inputShape)")
        }
        if let test, test.shape != train.shape {
            throw ModelError("\(test.name) images are \(test.shape) but \(train.name)'s are \(train.shape)")
        }
        try configuration.validate(for: train)
        try checkStepMemory(batch: min(configuration.batchSize, train.count))
        let batchesPerEpoch = stepsPerEpoch(examples: train.count)
        let totalSteps = batchesPerEpoch * configuration.epochs  // checked by validate(for:)
        try checkPosition(epoch: epoch, step: step, trainingExamples: train.count)
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
                // Without augmentation each shard converts its own images (in parallel); the
                // result equals slicing the whole batch.
                let batchImages: (Range<Int>) -> Tensor
                if configuration.augmentation.isIdentity {
                    batchImages = { train.images(at: Array(positions[$0])) }
                } else {
                    let images = configuration.augmentation.apply(
                        to: train.images(at: positions), generator: &generator)
                    batchImages = { $0.count == positions.count ? images : images.slice($0) }
                }
                let labels = train.labels(at: positions)
                var (loss, hits, gradientParts) = trainingStep(
                    images: batchImages, labels: labels, generator: &generator)
                guard loss.isFinite else {
                    throw TrainingDivergence(epoch: epoch + 1, step: step, quantity: "the training loss")
                }
                lossSum += Double(loss) * Double(positions.count)
                correct += hits
                if hooks.isEmpty {
                    // The optimiser may add the shards' gradients inside its update pass.
                    let threads = configuration.threads
                    model.updateParameters { parameters in
                        optimizer.step(
                            parameters: &parameters, gradientParts: &gradientParts, learningRate: learningRate,
                            threads: threads)
                    }
                } else {
                    var gradients = GradientParts.sum(&gradientParts, threads: configuration.threads)
                    for index in hooks.indices { hooks[index].adjust(gradients: &gradients, of: model, step: step) }
                    model.updateParameters { parameters in
                        optimizer.step(parameters: &parameters, gradients: gradients, learningRate: learningRate)
                    }
                    for index in gradients.indices { TensorStoragePool.shared.recycle(&gradients[index]) }
                }
                step += 1
                for index in hooks.indices { hooks[index].update(&model, step: step) }
                model.repackWeights(threads: configuration.threads)
                try handler(.batch(done: index + 1, of: batches.count), self)
                if case .steps(let n) = configuration.checkpointInterval, step % n == 0 {
                    try checkWeightsAreFinite(epoch: epoch + 1)
                    try handler(.checkpoint, self)
                }
            }
            try checkWeightsAreFinite(epoch: epoch + 1)
            epoch += 1
            if recordsTrainingLogits {
                try handler(
                    .trainingLogits(epoch: epoch, logits: model.logits(of: train, threads: configuration.threads)), self
                )
            }
            let evaluation = test.map { Evaluation(model: model, dataset: $0, threads: configuration.threads) }
            if let evaluation, !evaluation.loss.isFinite {
                throw TrainingDivergence(epoch: epoch, step: step, quantity: "the test loss")
            }
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
    /// predictions and the parameter gradients of each shard.
    ///
    /// With several threads the batch is split into contiguous shards, one per thread, each
    /// on its own tape; shard gradients are weighted by shard size, to be summed in shard
    /// order, so the result is deterministic for a given thread count. Batch norm then
    /// normalises each shard with its own statistics (as in data-parallel training).
    private mutating func trainingStep(
        images: (Range<Int>) -> Tensor, labels: [Int32], generator: inout SeededGenerator
    ) -> (Float, Int, [[Tensor]]) {
        let shards = Parallel.ranges(count: labels.count, parts: configuration.threads)
        let stepGenerator = generator.derived(UInt64(step))
        let model = self.model
        let smoothing = configuration.labelSmoothing
        var results = Parallel.map(count: shards.count, threads: configuration.threads) { shard in
            let range = shards[shard]
            let shardLabels = Array(labels[range])
            let tape = Tape()
            var context = model.makeContext(
                tape: tape, isTraining: true, generator: stepGenerator.derived(UInt64(shard)))
            let logits = model(tape.constant(images(range)), &context)
            let loss = logits.crossEntropy(labels: shardLabels, labelSmoothing: smoothing)
            let weight = Float(range.count) / Float(labels.count)
            let gradients = tape.gradients(of: loss, seed: Tensor(weight))
            let parameterGradients = model.parameterVariables(in: context).map { gradients[$0]! }
            return (
                loss: loss.value.scalar * weight, hits: logits.value.correctPredictions(labels: shardLabels),
                gradients: parameterGradients, statistics: context
            )
        }
        for result in results { self.model.updateRunningStatistics(from: result.statistics) }
        var parts: [[Tensor]] = []
        for index in results.indices {
            parts.append(results[index].gradients)
            results[index].gradients = []  // leaves the parts uniquely referenced
        }
        return (results.reduce(0) { $0 + $1.loss }, results.reduce(0) { $0 + $1.hits }, parts)
    }
}

extension Tensor {
    /// Rows of `[batch, classes]` logits whose first maximum is at the label.
    func correctPredictions(labels: [Int32]) -> Int {
        let classes = shape[1]
        var hits = 0
        withUnsafeBufferPointer { z in
            for (row, label) in labels.enumerated() {
                var best = 0
                for j in 1..<classes where z[row * classes + j] > z[row * classes + best] { best = j }
                if best == Int(label) { hits += 1 }
            }
        }
        return hits
    }
}

extension Model {
    /// Packs the updated weights into the forms their products used before the update, on
    /// up to `threads` threads (`PackedOperandCache.repackRetired`).
    func repackWeights(threads: Int) {
        let tensors = parameterNames.compactMap { name in
            parameters[name].flatMap { $0.packedOperands == nil ? nil : $0 }
        }
        func collect(_ index: Int, _ work: [(cache: PackedOperandCache, source: UnsafePointer<Float>)]) {
            guard index < tensors.count else {
                PackedOperandCache.repackRetired(work, threads: threads)
                return
            }
            tensors[index].withUnsafeBufferPointer {
                collect(index + 1, work + [(tensors[index].packedOperands!, $0.baseAddress!)])
            }
        }
        collect(0, [])
    }

    /// Hands the parameters, in `parameterNames` order, to `body` for in-place modification
    /// (moved out of the dictionary first so no copy is made).
    public mutating func updateParameters(_ body: (inout [Tensor]) -> Void) {
        var list = parameterNames.map { parameters.removeValue(forKey: $0)! }
        body(&list)
        for (name, tensor) in zip(parameterNames, list) { parameters[name] = tensor }
    }
}
