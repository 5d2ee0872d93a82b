import LoupeSupport

/// Training stopped because a loss or a weight stopped being a finite number: the learning
/// rate (or the data) made the run diverge.
///
/// The trainer stops at the first non-finite value, before the next update and before any
/// event that would save or report the diverged state, so every checkpoint a run saved before
/// stays valid.
public struct TrainingDivergence: LoupeError, Equatable {
    /// The epoch in progress, from 1.
    public var epoch: Int
    /// The optimizer steps completed when the value was found.
    public var step: Int
    /// What is not finite: `the training loss`, `the test loss`, `parameter fc1.weight`.
    public var quantity: String

    public init(epoch: Int, step: Int, quantity: String) {
        self.epoch = epoch
        self.step = step
        self.quantity = quantity
    }

    public var source: String { "" }

    public var problem: String {
        "training diverged in epoch \(epoch) after step \(step): \(quantity) is not finite (NaN or infinity); lower the learning rate"
    }
}
