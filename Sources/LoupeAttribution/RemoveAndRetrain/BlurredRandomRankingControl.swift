import LoupeNN
import LoupeRandom
import LoupeSupport
import LoupeTensor

/// The blurred random control of remove-and-retrain: per example and channel, Gaussian white
/// noise blurred with a Gaussian filter (sigma 2 pixels by default), ranked like an
/// attribution by its squared value.
///
/// It ranks elements in spatially coherent blobs that carry no information about the image,
/// testing the critique that ROAR rewards blurry masks rather than faithful ones: a method
/// that does no better than this control is not shown to be better than smooth noise.
///
/// The noise is drawn on a plane larger than the image by the filter's radius on every side
/// and blurred in "valid" mode, so every element of the result has the same distribution and
/// the ranking prefers no region (zero padding would push the border to the end, and
/// renormalised borders to the front). The model and targets are ignored.
public struct BlurredRandomRankingControl: AttributionMethod {
    public let blur: GaussianBlur

    /// - Precondition: `sigma` (pixels) is positive.
    public init(sigma: Double = 2) {
        blur = GaussianBlur(sigma: sigma)
    }

    public var name: String { "blurred-random" }

    public func attributions(_ images: Tensor, targets: [Int], model: Model, seeds: [UInt64]) throws(InputError)
        -> Tensor
    {
        let batch = images.shape[0]
        guard images.shape.count == 4 else {
            throw InputError(source: name, problem: "expects [batch, channels, height, width] images")
        }
        guard seeds.count == batch else {
            throw InputError(source: name, problem: "\(seeds.count) seeds for \(batch) images")
        }
        let (channels, height, width) = (images.shape[1], images.shape[2], images.shape[3])
        var scalars: [Float] = []
        scalars.reserveCapacity(images.count)
        for seed in seeds {
            scalars += map(channels: channels, height: height, width: width, seed: seed)
        }
        return Tensor(shape: images.shape, scalars: scalars)
    }

    /// One example's map: channel after channel, each blurred noise drawn from `seed`.
    public func map(channels: Int, height: Int, width: Int, seed: UInt64) -> [Float] {
        var generator = SeededGenerator(seed: seed)
        let (paddedHeight, paddedWidth) = (height + 2 * blur.radius, width + 2 * blur.radius)
        var map: [Float] = []
        map.reserveCapacity(channels * height * width)
        for _ in 0..<channels {
            let noise = (0..<(paddedHeight * paddedWidth)).map { _ in Double(generator.nextNormal()) }
            map += blur.blurValid(noise, height: paddedHeight, width: paddedWidth).map(Float.init)
        }
        return map
    }
}
