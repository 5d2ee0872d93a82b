import LoupeData
import LoupeSupport

/// Everything that determines a training run besides the data and the architecture.
/// Recorded in checkpoints and manifests; the same configuration, data, architecture and
/// thread count give bit-identical weights.
public struct TrainingConfiguration: Codable, Equatable, Sendable {
    /// The optimisers the training loop can use.
    public enum OptimizerKind: String, Codable, Sendable, CaseIterable {
        case sgd, adam, adamw
    }

    /// When to save checkpoints: every N epochs or every N optimiser steps.
    public enum CheckpointInterval: Codable, Equatable, Sendable {
        case epochs(Int)
        case steps(Int)
    }

    public var epochs: Int = 10
    public var batchSize: Int = 128
    public var learningRate: Float = 0.01
    public var optimizer: OptimizerKind = .sgd
    /// SGD momentum (ignored by Adam).
    public var momentum: Float = 0.9
    public var nesterov: Bool = false
    public var weightDecay: Float = 0
    /// Exclude biases and normalisation parameters from weight decay.
    public var decayWeightsOnly: Bool = true
    public var schedule: LearningRateSchedule = .constant
    public var seed: UInt64 = 0
    public var labelSmoothing: Float = 0
    public var augmentation: Augmentation = .none
    public var checkpointInterval: CheckpointInterval?
    /// Threads that share each batch (data-parallel shards). Results are bit-identical for a
    /// given thread count, and differ only by rounding between thread counts.
    public var threads: Int = 1

    public init() {}

    /// The optimiser this configuration describes, for parameters with the given roles.
    public func makeOptimizer(roles: [ParameterRole]) -> any Optimizer {
        let excluded = decayWeightsOnly ? Set(roles.indices.filter { roles[$0] != .weight }) : []
        switch optimizer {
        case .sgd:
            var sgd = SGD(
                momentum: momentum, nesterov: nesterov, weightDecay: weightDecay, excludedFromWeightDecay: excluded)
            sgd.threads = threads
            return sgd
        case .adam:
            return Adam(weightDecay: weightDecay, excludedFromWeightDecay: excluded)
        case .adamw:
            return AdamW(weightDecay: weightDecay, excludedFromWeightDecay: excluded)
        }
    }

    /// Whether the optimiser keeps per-parameter state from its first step on (momentum
    /// buffers or moment estimates), which a resumed run must restore.
    public var optimizerKeepsState: Bool { optimizer != .sgd || momentum != 0 }

    /// Checks the values make sense; the error names the bad setting.
    public func validate() throws(ModelError) {
        guard epochs >= 0 else { throw ModelError("epochs must be >= 0, got \(epochs)") }
        guard threads > 0 else { throw ModelError("threads must be positive, got \(threads)") }
        guard batchSize > 0 else { throw ModelError("batch size must be positive, got \(batchSize)") }
        guard learningRate.isFinite, learningRate > 0 else {
            throw ModelError("learning rate must be positive, got \(learningRate)")
        }
        guard momentum >= 0, momentum < 1 else { throw ModelError("momentum must be in [0, 1), got \(momentum)") }
        guard weightDecay.isFinite, weightDecay >= 0 else {
            throw ModelError("weight decay must be >= 0, got \(weightDecay)")
        }
        guard labelSmoothing >= 0, labelSmoothing < 1 else {
            throw ModelError("label smoothing must be in [0, 1), got \(labelSmoothing)")
        }
        guard augmentation.cropPadding >= 0 else { throw ModelError("crop padding must be >= 0") }
        switch checkpointInterval {
        case .epochs(let n) where n <= 0, .steps(let n) where n <= 0:
            throw ModelError("checkpoint interval must be positive")
        default: break
        }
    }

    /// Checks the values make sense for training on `train`, before anything is written or
    /// allocated: everything ``validate()`` checks, the total number of optimizer steps
    /// (`epochs` times ``stepsPerEpoch(examples:)``) must fit a count, and the crop padding
    /// must not exceed the images' height or width (a larger shift only blanks the image).
    ///
    /// Commands call this before they create their output folder; `Trainer.train` calls it
    /// again, so no caller can skip it.
    public func validate(for train: Dataset) throws(ModelError) {
        try validate()
        guard totalSteps(examples: train.count) != nil else {
            throw ModelError(
                "epochs: \(epochs) epochs of \(stepsPerEpoch(examples: train.count)) steps (\(train.count) examples in batches of \(batchSize)) are more steps than a count can hold"
            )
        }
        let side = min(train.shape.height, train.shape.width)
        guard augmentation.cropPadding <= side else {
            throw ModelError(
                "crop padding \(augmentation.cropPadding) is larger than the \(train.shape.height)x\(train.shape.width) images (at most \(side))"
            )
        }
    }

    /// Optimizer steps in one epoch of `examples` examples (the last batch may be partial);
    /// never overflows, whatever the batch size.
    public func stepsPerEpoch(examples: Int) -> Int {
        examples / batchSize + (examples % batchSize == 0 ? 0 : 1)
    }

    /// Optimizer steps of the whole run on `examples` examples, or nil when the count
    /// overflows.
    public func totalSteps(examples: Int) -> Int? {
        CheckedSize.product(stepsPerEpoch(examples: examples), epochs)
    }
}
