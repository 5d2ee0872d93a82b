import LoupeNN
import LoupeTensor

/// Gradual structured pruning as a training hook: follows a `PruningSchedule` whose sparsity
/// is the fraction of units removed from every prunable layer (``PrunableUnitLayer``), ranks
/// the units by L1 norm when the schedule says so (``StructuredPruner``), and keeps the
/// removed units masked (their weights, biases and following batch-norm scale and shift zero,
/// without gradient). The network keeps its full size during training; ``shrunk(_:)`` removes
/// the units physically at the end.
public struct GradualStructuredPruning: TrainingHook {
    public let schedule: PruningSchedule
    /// The prunable layers of the trained architecture.
    public let layers: [PrunableUnitLayer]
    /// The units kept at the last update, by layer name (nil before the first).
    public private(set) var kept: [String: [Int]]?
    /// The masks of the removed units (empty before the first update).
    public private(set) var masks = PruningMasks()
    /// The step of the last mask update.
    public private(set) var lastUpdate: Int?

    /// A hook for training a model of `architecture`.
    ///
    /// - Throws: ``CompressionError`` for an invalid schedule or an architecture structured
    ///   pruning does not support.
    public init(schedule: PruningSchedule, architecture: Architecture) throws(CompressionError) {
        try schedule.validate()
        self.schedule = schedule
        self.layers = try PrunableUnitLayer.layers(of: architecture)
    }

    public mutating func adjust(gradients: inout [Tensor], of model: Model, step: Int) {
        masks.apply(toGradients: &gradients, of: model)
    }

    public mutating func update(_ model: inout Model, step: Int) {
        if schedule.updatesMasks(atStep: step, lastUpdate: lastUpdate) {
            let fraction = min(
                schedule.sparsity(atStep: step), max(schedule.initialSparsity, schedule.finalSparsity))
            let units = StructuredPruner.keptUnits(for: model, layers: layers, fraction: fraction)
            masks = StructuredPruner.masks(for: model, layers: layers, keeping: units)
            kept = units
            lastUpdate = step
        }
        masks.apply(to: &model)
    }

    /// `model` (trained with this hook) with the removed units of the last update removed
    /// physically (``Model/removingUnits(keeping:)``); `model` itself before the first
    /// update.
    public func shrunk(_ model: Model) throws(CompressionError) -> Model {
        guard let kept else { return model }
        return try model.removingUnits(keeping: kept)
    }
}
