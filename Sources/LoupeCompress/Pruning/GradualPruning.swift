import LoupeNN
import LoupeRandom
import LoupeTensor

/// Gradual magnitude pruning as a training hook: follows a `PruningSchedule`, recomputes the
/// masks when the schedule says so, zeroes the gradients of removed weights before each
/// update and the removed weights after it.
public struct GradualPruning: TrainingHook {
    public let schedule: PruningSchedule
    public let policy: PruningPolicy
    /// The current masks (empty before the first update).
    public private(set) var masks = PruningMasks()
    /// The step of the last mask update.
    public private(set) var lastUpdate: Int?
    private var generator: SeededGenerator

    public init(schedule: PruningSchedule, policy: PruningPolicy, seed: UInt64) throws(CompressionError) {
        try schedule.validate()
        self.schedule = schedule
        self.policy = policy
        self.generator = SeededGenerator(seed: seed)
    }

    /// Continues from saved masks (for resumed training).
    public mutating func restore(masks: PruningMasks, lastUpdate: Int?) {
        self.masks = masks
        self.lastUpdate = lastUpdate
    }

    public mutating func adjust(gradients: inout [Tensor], of model: Model, step: Int) {
        masks.apply(toGradients: &gradients, of: model)
    }

    public mutating func update(_ model: inout Model, step: Int) {
        if schedule.updatesMasks(atStep: step, lastUpdate: lastUpdate) {
            // Inputs were validated in init; sparsity stays in [0, 1).
            masks = try! MagnitudePruner.masks(
                for: model, sparsity: schedule.sparsity(atStep: step), policy: policy, generator: &generator)
            lastUpdate = step
        }
        masks.apply(to: &model)
    }
}

/// Keeps a fixed set of masks during training (fine-tuning after one-shot pruning): removed
/// weights get no gradient and stay zero.
public struct FixedPruningMasks: TrainingHook {
    public let masks: PruningMasks

    public init(_ masks: PruningMasks) { self.masks = masks }

    public mutating func adjust(gradients: inout [Tensor], of model: Model, step: Int) {
        masks.apply(toGradients: &gradients, of: model)
    }

    public mutating func update(_ model: inout Model, step: Int) {
        masks.apply(to: &model)
    }
}
