import LoupeNN
import LoupeTensor

/// A convolution with a per-position bias map of its output shape without the batch
/// dimension (`[out, outH, outW]`): `(W * x + map) + b` instead of `W * x + b`. The map is
/// added to the product before the bias, so that a map that cancels the product of a constant
/// image exactly leaves `b` bit for bit.
///
/// The input-invariance test substitutes it for a model's first convolution (with
/// `Model.rewritingLayers(where:with:)`) to compensate a constant input shift exactly at the
/// zero-padded borders, where the compensation depends on the position. It has the
/// convolution's parameters and description, so a checkpoint stores it as the plain
/// convolution, without the map; it never runs fused with a following ReLU.
public struct PositionBiasedConv2d: Layer {
    public var base: Conv2d
    public var positionBias: Tensor

    public init(_ base: Conv2d, positionBias: Tensor) {
        self.base = base
        self.positionBias = positionBias
    }

    public var parameterSpecs: [ParameterSpec] { base.parameterSpecs }
    public func outputShape(for input: [Int]) throws(ModelError) -> [Int] {
        let output = try base.outputShape(for: input)
        guard positionBias.shape == output else {
            throw ModelError("\(base.name): position bias of shape \(positionBias.shape) for an output of \(output)")
        }
        return output
    }
    public func forwardFLOPs(for input: [Int]) -> Int { base.forwardFLOPs(for: input) }
    public var description: LayerDescription { base.description }

    public func callAsFunction(_ input: Variable, _ context: inout ForwardContext) -> Variable {
        let product = input.conv2d(
            weight: context.parameter("\(base.name).weight"), bias: nil, stride: base.stride, padding: base.padding)
        let shifted = product + context.tape.constant(positionBias)
        guard base.hasBias else { return shifted }
        return shifted + context.parameter("\(base.name).bias").reshaped([base.outputChannels, 1, 1])
    }
}
