import LoupeNN
import LoupeTensor

/// SmoothGrad (Smilkov et al., 2017): the mean of a base method's maps over `samples` noisy
/// copies `x + N(0, sigma^2)` of the input. With the gradient as base it is invariant to a
/// constant input shift; any method can be the base.
///
/// sigma defaults to 0.15 x the width of the input range and `samples` to 25, the paper's
/// settings. Each image's noise is drawn from its own seed.
public struct SmoothGrad: AttributionMethod {
    /// The method averaged over noisy copies.
    public var base: any AttributionMethod
    /// sigma, in input units.
    public var noiseStandardDeviation: Float
    /// Noisy copies per image.
    public var samples: Int

    /// SmoothGrad of `base` with noise of standard deviation `noiseStandardDeviation`.
    public init(base: any AttributionMethod = Gradient(), noiseStandardDeviation: Float, samples: Int = 25) {
        self.base = base
        self.noiseStandardDeviation = noiseStandardDeviation
        self.samples = samples
    }

    /// SmoothGrad of `base` with sigma = `noiseFraction` x the width of `inputRange`.
    public init(
        base: any AttributionMethod = Gradient(), inputRange: InputRange, noiseFraction: Float = 0.15,
        samples: Int = 25
    ) {
        self.init(
            base: base,
            noiseStandardDeviation: NoisySamples.standardDeviation(for: inputRange, fraction: noiseFraction),
            samples: samples)
    }

    /// `smoothgrad` for the gradient, `smoothgrad(<base>)` otherwise.
    public var name: String { wrapperName("smoothgrad", base: base) }

    public func attributions(_ images: Tensor, targets: [Int], model: Model, seeds: [UInt64]) throws(AttributionError)
        -> Tensor
    {
        let maps = try NoisySamples(base: base, noiseStandardDeviation: noiseStandardDeviation, samples: samples)
            .maps(method: name, images: images, targets: targets, model: model, seeds: seeds)
        let count = Float(samples)
        return NoisySamples.aggregate(
            maps, batch: images.shape[0], samples: samples, imageShape: Array(images.shape.dropFirst())
        ) { values in values.reduce(0, +) / count }
    }
}

/// The name of a wrapper around `base`: the bare wrapper name for the gradient, whose
/// smoothing the papers mean by it, `wrapper(base)` for any other base.
func wrapperName(_ wrapper: String, base: any AttributionMethod) -> String {
    base is Gradient ? wrapper : "\(wrapper)(\(base.name))"
}
