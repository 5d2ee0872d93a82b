import LoupeNN
import LoupeSupport
import LoupeTensor

/// SmoothGrad (Smilkov et al., 2017): the mean of a base method's maps over `samples` noisy
/// copies `x + N(0, sigma^2)` of the input. With the gradient as base it is invariant to a
/// constant input shift; any method can be the base.
public typealias SmoothGrad = NoisyCopiesAttribution<MeanOfMaps>

/// SmoothGrad-squared (Hooker et al., 2019): the mean of the squared maps of a base method
/// over the noisy copies.
public typealias SmoothGradSquared = NoisyCopiesAttribution<MeanOfSquaredMaps>

/// VarGrad (Adebayo et al., 2018): the variance of a base method's maps over the noisy
/// copies, element by element.
public typealias VarGrad = NoisyCopiesAttribution<VarianceOfMaps>

/// A base method's maps over `samples` noisy copies `x + N(0, sigma^2)` of the input, reduced
/// element by element by `Statistic`: the SmoothGrad family.
///
/// sigma defaults to 0.15 x the width of the input range and `samples` to 25, the papers'
/// settings. Each image's noise is drawn from its own seed.
public struct NoisyCopiesAttribution<Statistic: NoisyMapStatistic>: AttributionMethod {
    /// The method whose maps are reduced.
    public var base: any AttributionMethod
    /// sigma, in input units.
    public var noiseStandardDeviation: Float
    /// Noisy copies per image.
    public var samples: Int

    /// The wrapper over `base` with noise of standard deviation `noiseStandardDeviation`.
    public init(base: any AttributionMethod = Gradient(), noiseStandardDeviation: Float, samples: Int = 25) {
        self.base = base
        self.noiseStandardDeviation = noiseStandardDeviation
        self.samples = samples
    }

    /// The wrapper over `base` with sigma = `noiseFraction` x the width of `inputRange`.
    public init(
        base: any AttributionMethod = Gradient(), inputRange: InputRange, noiseFraction: Float = 0.15,
        samples: Int = 25
    ) {
        self.init(
            base: base,
            noiseStandardDeviation: NoisySamples.standardDeviation(for: inputRange, fraction: noiseFraction),
            samples: samples)
    }

    /// The bare wrapper name (`smoothgrad`) for the gradient, whose smoothing the papers mean
    /// by it; `smoothgrad(<base>)` for any other base.
    public var name: String {
        base is Gradient ? Statistic.wrapperName : "\(Statistic.wrapperName)(\(base.name))"
    }

    public func attributions(_ images: Tensor, targets: [Int], model: Model, seeds: [UInt64]) throws(InputError)
        -> Tensor
    {
        let maps = try NoisySamples(base: base, noiseStandardDeviation: noiseStandardDeviation, samples: samples)
            .maps(method: name, images: images, targets: targets, model: model, seeds: seeds)
        return NoisySamples.aggregate(
            maps, batch: images.shape[0], samples: samples, imageShape: Array(images.shape.dropFirst()),
            Statistic.reduce)
    }
}
