import LoupeTensor

/// An update rule that moves a list of parameter tensors against their gradients.
///
/// An optimizer keeps per-parameter state (momentum buffers, moment estimates) keyed by
/// the parameter's position in the list passed to ``step(parameters:gradients:learningRate:)``.
/// The state for a position is created the first time that position is stepped, so pass
/// the same parameters in the same order on every call.
///
/// The state round-trips through named tensors, so a training run restored from a
/// checkpoint continues bit-identically:
///
///     let saved = optimizer.stateTensors()
///     // ... later, in a fresh process ...
///     var resumed = SGD(momentum: 0.9)
///     try resumed.restore(from: saved, parameterShapes: parameters.map(\.shape))
public protocol Optimizer: Sendable {
    /// Positions of the parameters that receive no weight decay, typically biases and
    /// normalisation scales.
    var excludedFromWeightDecay: Set<Int> { get set }

    /// Updates every parameter in place from the gradient at the same position.
    ///
    /// - Precondition: `gradients` has one tensor per parameter, of the parameter's shape.
    mutating func step(parameters: inout [Tensor], gradients: [Tensor], learningRate: Float)

    /// `step(parameters:gradients:learningRate:)` with each gradient the element-wise sum of
    /// that position in every part (the gradients of a batch's shards), added in part order.
    /// `gradientParts` is consumed; `threads` is for adding the parts (the update itself runs
    /// as the optimiser is configured). An optimiser may fold the sum into its update pass.
    mutating func step(
        parameters: inout [Tensor], gradientParts: inout [[Tensor]], learningRate: Float, threads: Int)

    /// The optimizer's state as named tensors, suitable for a checkpoint.
    ///
    /// Names follow PyTorch's `state_dict()` layout, `state.<position>.<field>`, for
    /// example `state.0.exp_avg`. Step counters are stored as one-element tensors.
    func stateTensors() -> [String: Tensor]

    /// Replaces the optimizer's state with tensors produced by ``stateTensors()`` for
    /// parameters of `parameterShapes` (in position order).
    ///
    /// Every tensor is checked against the parameter it belongs to before anything changes:
    /// its name and position, its shape, finite values; and the state must be empty (a fresh
    /// start) or cover every position and field. On error the optimizer is left unchanged.
    mutating func restore(from stateTensors: [String: Tensor], parameterShapes: [[Int]]) throws(OptimizerStateError)
}

extension Optimizer {
    public mutating func step(
        parameters: inout [Tensor], gradientParts: inout [[Tensor]], learningRate: Float, threads: Int
    ) {
        let gradients = GradientParts.sum(&gradientParts, threads: threads)
        step(parameters: &parameters, gradients: gradients, learningRate: learningRate)
    }

    /// Traps unless `gradients` pair up with `parameters` by count and shape.
    func checkGradients(_ gradients: [Tensor], match parameters: [Tensor]) {
        precondition(
            gradients.count == parameters.count,
            "\(gradients.count) gradients for \(parameters.count) parameters")
        for (position, (gradient, parameter)) in zip(gradients, parameters).enumerated() {
            precondition(
                gradient.shape == parameter.shape,
                "gradient \(position) has shape \(gradient.shape), parameter has \(parameter.shape)")
        }
    }
}
