import LoupeNN
import LoupeSupport
import LoupeTensor

/// Guided backpropagation (Springenberg et al., 2015): the input gradient of the target logit
/// with ReLU's backward rule replaced, through `Tape.backwardOverrides[.relu]`, by one that
/// passes back only positive gradient, and only where the ReLU's forward input was positive.
///
/// On a network where no ReLU input is negative and every back-propagated gradient is
/// nonnegative (nonnegative weights and inputs), it equals the plain gradient.
public struct GuidedBackprop: AttributionMethod {
    public init() {}

    public var name: String { "guided-backprop" }

    /// The substituted ReLU rule: `g` where the forward input `x > 0` and `g > 0`, else 0.
    package static func guidedReLUBackward(inputs: [Tensor], output: Tensor, gradient: Tensor) -> [Tensor?] {
        [gradient.zipWith(inputs[0]) { g, x in x > 0 && g > 0 ? g : 0 }]
    }

    public func attributions(_ images: Tensor, targets: [Int], model: Model, seeds: [UInt64]) throws(InputError)
        -> Tensor
    {
        try AttributionRequest.validate(method: name, images: images, targets: targets, model: model, seeds: nil)
        return model.inputGradients(images, classes: targets, reluBackward: Self.guidedReLUBackward).gradients
    }
}
