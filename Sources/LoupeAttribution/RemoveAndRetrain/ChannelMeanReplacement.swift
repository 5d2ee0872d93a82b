import LoupeData

/// Replaces ranked input elements by the per-channel training-set mean: the data
/// modification of remove-and-retrain (ROAR) and keep-and-retrain (KAR).
///
/// Given an image, the order of its elements (see ``ElementRanking``) and a fraction `t` in
/// percent, `k = round(t / 100 * n)` of its `n = C * H * W` elements are ranked: ROAR
/// replaces those `k`, KAR keeps them and replaces the other `n - k`. Each replaced element
/// gets the mean of its own channel. The two modes at the same fraction replace
/// complementary sets, so together they replace every element exactly once.
public struct ChannelMeanReplacement: Sendable {
    /// The value put in place of a removed element, per channel.
    public let means: [Float]
    public let shape: ImageShape

    /// - Precondition: one mean per channel of `shape`.
    public init(means: [Float], shape: ImageShape) {
        precondition(means.count == shape.channels, "\(means.count) means for \(shape.channels) channels")
        self.means = means
        self.shape = shape
    }

    /// The number of ranked elements at `percent`: `percent / 100 * elementCount` rounded to
    /// the nearest integer, halves away from zero (computed as `percent * n / 100`, exact for
    /// whole percentages).
    package static func rankedCount(percent: Double, elementCount: Int) -> Int {
        Int((percent * Double(elementCount) / 100).rounded())
    }

    /// Replaces the elements of one image (`shape.pixelCount` values, channel-major) chosen
    /// by `order`, its element indices from most to least important.
    public func apply(
        to image: UnsafeMutableBufferPointer<Float>, order: UnsafeBufferPointer<Int32>, percent: Double,
        mode: RetrainMode
    ) {
        let count = shape.pixelCount
        precondition(image.count == count && order.count == count, "image and order must have \(count) elements")
        let plane = shape.height * shape.width
        let ranked = Self.rankedCount(percent: percent, elementCount: count)
        let replaced = mode == .roar ? 0..<ranked : ranked..<count
        for rank in replaced {
            let element = Int(order[rank])
            image[element] = means[element / plane]
        }
    }

    /// `dataset` with every example modified by its own order (`orders` holds
    /// `shape.pixelCount` indices per example, in dataset order), as `Float` pixels so the
    /// means stay exact; ids, labels and sources are kept.
    public func modified(_ dataset: Dataset, orders: [Int32], percent: Double, mode: RetrainMode) throws -> Dataset {
        let count = shape.pixelCount
        precondition(dataset.shape == shape, "dataset images are \(dataset.shape), expected \(shape)")
        precondition(orders.count == dataset.count * count, "\(orders.count) ranks for \(dataset.count) examples")
        var pixels = dataset.images(at: Array(0..<dataset.count)).scalars
        pixels.withUnsafeMutableBufferPointer { all in
            orders.withUnsafeBufferPointer { ranks in
                for example in 0..<dataset.count {
                    let range = (example * count)..<((example + 1) * count)
                    apply(
                        to: UnsafeMutableBufferPointer(rebasing: all[range]),
                        order: UnsafeBufferPointer(rebasing: ranks[range]), percent: percent, mode: mode)
                }
            }
        }
        return try dataset.replacingPixels(
            floats: pixels, name: "\(dataset.name) \(mode.rawValue) \(percent.compactText)%")
    }
}
