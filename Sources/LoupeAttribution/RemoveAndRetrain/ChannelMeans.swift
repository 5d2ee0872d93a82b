import LoupeData

/// The mean of every channel over all pixels of all images of a dataset: the value
/// remove-and-retrain puts in place of the elements it removes.
package enum ChannelMeans {
    /// One mean per channel, over every pixel of every image of `dataset` as the model sees
    /// it (bytes divided by 255). Sums are accumulated in `Double`, in dataset order, so the
    /// result is deterministic and exact to `Float` rounding.
    package static func of(_ dataset: Dataset, batchSize: Int = 512) -> [Float] {
        let channels = dataset.shape.channels
        let plane = dataset.shape.height * dataset.shape.width
        var sums = [Double](repeating: 0, count: channels)
        for start in stride(from: 0, to: dataset.count, by: batchSize) {
            let positions = Array(start..<min(start + batchSize, dataset.count))
            dataset.images(at: positions).withUnsafeBufferPointer { pixels in
                for image in 0..<positions.count {
                    for channel in 0..<channels {
                        let base = (image * channels + channel) * plane
                        var sum = 0.0
                        for index in base..<(base + plane) { sum += Double(pixels[index]) }
                        sums[channel] += sum
                    }
                }
            }
        }
        let count = Double(dataset.count * plane)
        return sums.map { dataset.count > 0 ? Float($0 / count) : 0 }
    }
}
