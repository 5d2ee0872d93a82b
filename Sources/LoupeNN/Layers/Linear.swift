import LoupeTensor

/// A fully connected layer, `y = x Wᵀ + b`, with PyTorch's weight layout `[out, in]`.
public struct Linear: ReLUFusible {
    public var name: String
    public var inputFeatures: Int
    public var outputFeatures: Int
    public var hasBias: Bool

    public init(name: String, inputFeatures: Int, outputFeatures: Int, hasBias: Bool = true) {
        self.name = name
        self.inputFeatures = inputFeatures
        self.outputFeatures = outputFeatures
        self.hasBias = hasBias
    }

    public var parameterSpecs: [ParameterSpec] {
        let bound = 1 / Float(inputFeatures).squareRoot()
        var specs = [
            ParameterSpec(
                name: "\(name).weight", shape: [outputFeatures, inputFeatures], role: .weight,
                initialization: .uniform(bound: bound))
        ]
        if hasBias {
            specs.append(
                ParameterSpec(
                    name: "\(name).bias", shape: [outputFeatures], role: .bias, initialization: .uniform(bound: bound)))
        }
        return specs
    }

    public func outputShape(for input: [Int]) throws(ModelError) -> [Int] {
        guard input == [inputFeatures] else {
            throw ModelError("\(name) expects \(inputFeatures) input features, got shape \(input)")
        }
        return [outputFeatures]
    }

    public func forwardFLOPs(for input: [Int]) -> Int { 2 * inputFeatures * outputFeatures }

    public func callAsFunction(_ input: Variable, _ context: inout ForwardContext) -> Variable {
        input.linear(
            weight: context.parameter("\(name).weight"), bias: hasBias ? context.parameter("\(name).bias") : nil,
            threads: context.operationThreads)
    }

    /// The layer followed by ReLU, as one operation (`Variable.linearReLU`).
    package func rectified(_ input: Variable, _ context: inout ForwardContext) -> Variable {
        input.linearReLU(
            weight: context.parameter("\(name).weight"), bias: hasBias ? context.parameter("\(name).bias") : nil,
            threads: context.operationThreads)
    }

    public var description: LayerDescription { .linear(name: name, outputFeatures: outputFeatures, bias: hasBias) }
}
