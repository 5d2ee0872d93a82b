import LoupeTensor

/// Adam with optional L2 weight decay added to the gradient, following `torch.optim.Adam`
/// (without `amsgrad`).
///
/// For each parameter `p` with gradient `g`, at learning rate `lr` and step `t` (from 1):
///
///     g = g + weightDecay * p                  // unless p is excluded from weight decay
///     m = beta1 * m + (1 - beta1) * g
///     v = beta2 * v + (1 - beta2) * g * g
///     p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + epsilon)
///
/// For weight decay decoupled from the gradient, use ``AdamW``.
public struct Adam: Optimizer {
    /// The decay rate of the running average of gradients.
    public var beta1: Float
    /// The decay rate of the running average of squared gradients.
    public var beta2: Float
    /// Added to the denominator, after the square root, for numerical stability.
    public var epsilon: Float
    /// The L2 penalty factor added to the gradient as `weightDecay * p`.
    public var weightDecay: Float
    public var excludedFromWeightDecay: Set<Int>

    private var moments = AdamMoments()

    /// Creates an Adam optimizer with PyTorch's defaults.
    ///
    /// - Precondition: The betas lie in [0, 1); `epsilon` and `weightDecay` are non-negative.
    public init(
        beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8, weightDecay: Float = 0,
        excludedFromWeightDecay: Set<Int> = []
    ) {
        precondition((0..<1).contains(beta1) && (0..<1).contains(beta2), "betas must lie in [0, 1)")
        precondition(epsilon >= 0, "epsilon must be non-negative, got \(epsilon)")
        precondition(weightDecay >= 0, "weight decay must be non-negative, got \(weightDecay)")
        (self.beta1, self.beta2, self.epsilon) = (beta1, beta2, epsilon)
        self.weightDecay = weightDecay
        self.excludedFromWeightDecay = excludedFromWeightDecay
    }

    public mutating func step(parameters: inout [Tensor], gradients: [Tensor], learningRate: Float) {
        checkGradients(gradients, match: parameters)
        moments.step(
            parameters: &parameters, gradients: gradients, learningRate: learningRate,
            beta1: beta1, beta2: beta2, epsilon: epsilon,
            l2WeightDecay: weightDecay, decoupledWeightDecay: 0,
            excludedFromWeightDecay: excludedFromWeightDecay)
    }

    public func stateTensors() -> [String: Tensor] { moments.stateTensors() }

    public mutating func restore(
        from stateTensors: [String: Tensor], parameterShapes: [[Int]]
    ) throws(OptimizerStateError) {
        try moments.restore(from: stateTensors, parameterShapes: parameterShapes)
    }
}
