import LoupeTensor

/// Batch normalization over the channel axis of `(C)` or `(C, H, W)` inputs, with learnable
/// scale and shift and running statistics (PyTorch's names: `weight`, `bias`, `running_mean`,
/// `running_var`; momentum 0.1, running variance unbiased).
public struct BatchNorm: ReLUFusible {
    public var name: String
    public var features: Int
    public var momentum: Float
    public var epsilon: Float

    public init(name: String, features: Int, momentum: Float = 0.1, epsilon: Float = 1e-5) {
        self.name = name
        self.features = features
        self.momentum = momentum
        self.epsilon = epsilon
    }

    public var parameterSpecs: [ParameterSpec] {
        [
            ParameterSpec(
                name: "\(name).weight", shape: [features], role: .normalization, initialization: .constant(1)),
            ParameterSpec(name: "\(name).bias", shape: [features], role: .normalization, initialization: .constant(0)),
        ]
    }

    public var bufferSpecs: [ParameterSpec] {
        [
            ParameterSpec(name: "\(name).running_mean", shape: [features], role: .buffer, initialization: .constant(0)),
            ParameterSpec(name: "\(name).running_var", shape: [features], role: .buffer, initialization: .constant(1)),
        ]
    }

    public func outputShape(for input: [Int]) throws(ModelError) -> [Int] {
        guard input.count == 1 || input.count == 3, input[0] == features else {
            throw ModelError("\(name) normalises \(features) channels, got shape \(input)")
        }
        return input
    }

    public func forwardFLOPs(for input: [Int]) -> Int { 4 * input.reduce(1, *) }

    public func callAsFunction(_ input: Variable, _ context: inout ForwardContext) -> Variable {
        normalize(input, &context, rectify: false)
    }

    /// The layer followed by ReLU, as one operation (`Variable.rectifiedBatchNorm`).
    package func rectified(_ input: Variable, _ context: inout ForwardContext) -> Variable {
        normalize(input, &context, rectify: true)
    }

    /// `relu(self(input) + residual)`, as one operation (`Variable.rectifiedBatchNormSum`): a
    /// residual block's last batch norm with the block's sum and its ReLU.
    package func rectifiedSum(_ input: Variable, adding residual: Variable, _ context: inout ForwardContext) -> Variable
    {
        normalize(input, &context, rectify: true, adding: residual)
    }

    private func normalize(
        _ input: Variable, _ context: inout ForwardContext, rectify: Bool, adding residual: Variable? = nil
    ) -> Variable {
        let running =
            context.isTraining
            ? nil : (mean: context.buffer("\(name).running_mean"), variance: context.buffer("\(name).running_var"))
        let (scale, shift) = (context.parameter("\(name).weight"), context.parameter("\(name).bias"))
        let (output, statistics) =
            if let residual {
                input.rectifiedBatchNormSum(
                    scale: scale, shift: shift, running: running, epsilon: epsilon, adding: residual)
            } else if rectify {
                input.rectifiedBatchNorm(scale: scale, shift: shift, running: running, epsilon: epsilon)
            } else {
                input.batchNorm(scale: scale, shift: shift, running: running, epsilon: epsilon)
            }
        if let statistics { context.batchStatistics[name] = statistics }
        return output
    }

    /// Folds one batch's statistics into the running averages.
    func updatedBuffers(_ buffers: inout [String: Tensor], with statistics: BatchStatistics) {
        let unbiased = Float(statistics.count) / Float(max(statistics.count - 1, 1))
        let m = momentum
        buffers["\(name).running_mean"] = buffers["\(name).running_mean"]!.zipWith(statistics.mean) {
            (1 - m) * $0 + m * $1
        }
        buffers["\(name).running_var"] = buffers["\(name).running_var"]!.zipWith(statistics.variance) {
            (1 - m) * $0 + m * $1 * unbiased
        }
    }

    public var description: LayerDescription { .batchNorm(name: name, epsilon: epsilon) }
}
