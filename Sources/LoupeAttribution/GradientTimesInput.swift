import LoupeNN
import LoupeSupport
import LoupeTensor

/// Gradient x input: the saliency gradient multiplied element by element by the input
/// (Shrikumar et al., 2016). Not invariant to a constant shift of the input.
public struct GradientTimesInput: AttributionMethod {
    public init() {}

    public var name: String { "gradient-x-input" }

    public func attributions(_ images: Tensor, targets: [Int], model: Model, seeds: [UInt64]) throws(InputError)
        -> Tensor
    {
        try AttributionRequest.validate(method: name, images: images, targets: targets, model: model, seeds: nil)
        return model.inputGradients(images, classes: targets).gradients.zipWith(images, *)
    }
}
