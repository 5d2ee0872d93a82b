import LoupeTensor

/// `x` for positive `x`, `slope * x` otherwise (PyTorch's `LeakyReLU`, ONNX's `LeakyRelu`).
public struct LeakyReLU: Layer {
    public var slope: Float

    public init(slope: Float = 0.01) { self.slope = slope }

    public func outputShape(for input: [Int]) throws(ModelError) -> [Int] { input }

    public func forwardFLOPs(for input: [Int]) -> Int { input.reduce(1, *) }

    public func callAsFunction(_ input: Variable, _ context: inout ForwardContext) -> Variable {
        input.leakyReLU(slope: slope)
    }

    public var description: LayerDescription { .leakyReLU(slope: slope) }
}
