import LoupeNN
import LoupeTensor

/// VarGrad (Adebayo et al., 2018): the variance of a base method's maps over `samples` noisy
/// copies of the input, element by element: `mean((a - mean(a))^2)` (the population
/// variance, dividing by `samples`), computed in two passes so that it is never negative.
/// Same noise and defaults as `SmoothGrad`.
public struct VarGrad: AttributionMethod {
    /// The method whose maps' variance is taken.
    public var base: any AttributionMethod
    /// sigma, in input units.
    public var noiseStandardDeviation: Float
    /// Noisy copies per image.
    public var samples: Int

    /// VarGrad of `base` with noise of standard deviation `noiseStandardDeviation`.
    public init(base: any AttributionMethod = Gradient(), noiseStandardDeviation: Float, samples: Int = 25) {
        self.base = base
        self.noiseStandardDeviation = noiseStandardDeviation
        self.samples = samples
    }

    /// VarGrad of `base` with sigma = `noiseFraction` x the width of `inputRange`.
    public init(
        base: any AttributionMethod = Gradient(), inputRange: InputRange, noiseFraction: Float = 0.15,
        samples: Int = 25
    ) {
        self.init(
            base: base,
            noiseStandardDeviation: NoisySamples.standardDeviation(for: inputRange, fraction: noiseFraction),
            samples: samples)
    }

    /// `vargrad` for the gradient, `vargrad(<base>)` otherwise.
    public var name: String { wrapperName("vargrad", base: base) }

    public func attributions(_ images: Tensor, targets: [Int], model: Model, seeds: [UInt64]) throws(AttributionError)
        -> Tensor
    {
        let maps = try NoisySamples(base: base, noiseStandardDeviation: noiseStandardDeviation, samples: samples)
            .maps(method: name, images: images, targets: targets, model: model, seeds: seeds)
        let count = Float(samples)
        return NoisySamples.aggregate(
            maps, batch: images.shape[0], samples: samples, imageShape: Array(images.shape.dropFirst())
        ) { values in
            let mean = values.reduce(0, +) / count
            return values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / count
        }
    }
}
