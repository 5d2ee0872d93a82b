import LoupeTensor

/// Something that takes part in every optimisation step: pruning keeps its masks this way.
///
/// The trainer calls `adjust(gradients:of:step:)` before the optimiser's update and
/// `update(_:step:)` after it. Hooks run in order.
public protocol TrainingHook {
    /// Changes the gradients (in `model.parameterNames` order) before the update.
    mutating func adjust(gradients: inout [Tensor], of model: Model, step: Int)
    /// Changes the model after the update; `step` is the number of steps completed.
    mutating func update(_ model: inout Model, step: Int)
}
