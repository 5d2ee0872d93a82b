import LoupeNN
import LoupeTensor

/// SmoothGrad-squared (Hooker et al., 2019): the mean of the squared maps of a base method
/// over `samples` noisy copies of the input. Same noise and defaults as `SmoothGrad`.
public struct SmoothGradSquared: AttributionMethod {
    /// The method whose squared maps are averaged.
    public var base: any AttributionMethod
    /// sigma, in input units.
    public var noiseStandardDeviation: Float
    /// Noisy copies per image.
    public var samples: Int

    /// SmoothGrad-squared of `base` with noise of standard deviation `noiseStandardDeviation`.
    public init(base: any AttributionMethod = Gradient(), noiseStandardDeviation: Float, samples: Int = 25) {
        self.base = base
        self.noiseStandardDeviation = noiseStandardDeviation
        self.samples = samples
    }

    /// SmoothGrad-squared of `base` with sigma = `noiseFraction` x the width of `inputRange`.
    public init(
        base: any AttributionMethod = Gradient(), inputRange: InputRange, noiseFraction: Float = 0.15,
        samples: Int = 25
    ) {
        self.init(
            base: base,
            noiseStandardDeviation: NoisySamples.standardDeviation(for: inputRange, fraction: noiseFraction),
            samples: samples)
    }

    /// `smoothgrad-squared` for the gradient, `smoothgrad-squared(<base>)` otherwise.
    public var name: String { wrapperName("smoothgrad-squared", base: base) }

    public func attributions(_ images: Tensor, targets: [Int], model: Model, seeds: [UInt64]) throws(AttributionError)
        -> Tensor
    {
        let maps = try NoisySamples(base: base, noiseStandardDeviation: noiseStandardDeviation, samples: samples)
            .maps(method: name, images: images, targets: targets, model: model, seeds: seeds)
        let count = Float(samples)
        return NoisySamples.aggregate(
            maps, batch: images.shape[0], samples: samples, imageShape: Array(images.shape.dropFirst())
        ) { values in values.reduce(0) { $0 + $1 * $1 } / count }
    }
}
