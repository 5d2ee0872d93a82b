import LoupeNN
import LoupeSupport
import LoupeTensor

/// Saliency: the gradient of the target class's logit with respect to the input, in inference
/// mode (Simonyan et al., 2014).
public struct Gradient: AttributionMethod {
    public init() {}

    public var name: String { "gradient" }

    public func attributions(_ images: Tensor, targets: [Int], model: Model, seeds: [UInt64]) throws(InputError)
        -> Tensor
    {
        try AttributionRequest.validate(method: name, images: images, targets: targets, model: model, seeds: nil)
        return model.inputGradients(images, classes: targets).gradients
    }
}
