import LoupeSupport
import LoupeTensor

/// An element-wise nonlinearity.
public struct Activation: Layer {
    /// The supported nonlinearities.
    public enum Function: String, Codable, Sendable, CaseIterable {
        case relu, tanh, sigmoid
    }

    public var function: Function

    public init(_ function: Function) { self.function = function }

    public func outputShape(for input: [Int]) throws(ModelError) -> [Int] { input }

    public func forwardFLOPs(for input: [Int]) -> Int { input.reduce(1, *) }

    public func callAsFunction(_ input: Variable, _ context: inout ForwardContext) -> Variable {
        switch function {
        case .relu: input.relu()
        case .tanh: input.tanh()
        case .sigmoid: input.sigmoid()
        }
    }

    public var description: LayerDescription { .activation(function) }
}

/// Flattens everything but the batch dimension.
public struct Flatten: Layer {
    public init() {}

    public func outputShape(for input: [Int]) throws(ModelError) -> [Int] {
        guard let count = CheckedSize.product(input) else {
            throw ModelError("flatten: input shape \(input) has more elements than a size can hold", isSizeLimit: true)
        }
        return [count]
    }

    public func callAsFunction(_ input: Variable, _ context: inout ForwardContext) -> Variable {
        input.flattened()
    }

    public var description: LayerDescription { .flatten }
}
