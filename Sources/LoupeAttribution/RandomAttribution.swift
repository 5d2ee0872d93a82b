import LoupeNN
import LoupeRandom
import LoupeSupport
import LoupeTensor

/// The random control: independent standard normal values, drawn from each image's own seed.
/// It ignores the model; an estimator that does no better than it carries no information.
public struct RandomAttribution: AttributionMethod {
    public init() {}

    public var name: String { "random" }

    public func attributions(_ images: Tensor, targets: [Int], model: Model, seeds: [UInt64]) throws(InputError)
        -> Tensor
    {
        try AttributionRequest.validate(method: name, images: images, targets: targets, model: model, seeds: seeds)
        let size = images.shape.dropFirst().reduce(1, *)
        var values: [Float] = []
        values.reserveCapacity(images.count)
        for seed in seeds {
            var generator = SeededGenerator(seed: seed)
            for _ in 0..<size { values.append(generator.nextNormal()) }
        }
        return Tensor(shape: images.shape, scalars: values)
    }
}
