import LoupeNN
import LoupeRandom
import LoupeTensor

/// Gradual magnitude pruning as a training hook: follows a `PruningSchedule`, recomputes the
/// masks when the schedule says so, zeroes the gradients of removed weights before each
/// update and the removed weights after it. With an N:M `policy.pattern` and the pattern's
/// sparsity as the final one, the ramp removes the smallest weights outside each group's
/// `n` largest and the last update leaves exactly the N:M pattern (``NMPruner``).
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
        try MagnitudePruner.validate(sparsity: schedule.initialSparsity, policy: policy)
        try MagnitudePruner.validate(sparsity: schedule.finalSparsity, policy: policy)
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
            // Inputs were validated in init; sparsity stays between the initial and final ones.
            let sparsity = min(
                schedule.sparsity(atStep: step), max(schedule.initialSparsity, schedule.finalSparsity))
            masks = try! MagnitudePruner.masks(for: model, sparsity: sparsity, policy: policy, generator: &generator)
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
