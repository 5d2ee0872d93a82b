import LoupeTensor

/// Inverted dropout in training mode; the identity in inference mode.
public struct Dropout: Layer {
    public var rate: Float

    public init(rate: Float) { self.rate = rate }

    public func outputShape(for input: [Int]) throws(ModelError) -> [Int] {
        guard rate >= 0 && rate < 1 else { throw ModelError("dropout rate \(rate) outside [0, 1)") }
        return input
    }

    public func callAsFunction(_ input: Variable, _ context: inout ForwardContext) -> Variable {
        guard context.isTraining, rate > 0 else { return input }
        return input.dropout(rate: rate, generator: &context.generator)
    }

    public var description: LayerDescription { .dropout(rate: rate) }
}
