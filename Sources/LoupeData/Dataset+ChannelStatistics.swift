extension Dataset {
    /// The mean and population standard deviation of each channel's pixel values as the
    /// model sees them (bytes divided by 255 in `Float`, floats as they are), accumulated in
    /// `Double` over the examples in order, then the positions in each image in order: two
    /// passes (the mean, then the squared deviations from it), so the result depends on
    /// nothing but the data.
    ///
    /// numpy equivalent: `x = (images.astype(np.float32) / np.float32(255)).astype(np.float64)`
    /// for `images` of shape `[N, C, H, W]`, then `x.mean(axis=(0, 2, 3))` and
    /// `x.std(axis=(0, 2, 3))` (equal up to the order of summation).
    public func channelStatistics() -> (mean: [Double], std: [Double]) {
        let (channels, plane) = (shape.channels, shape.height * shape.width)
        guard count > 0 else {
            return ([Double](repeating: 0, count: channels), [Double](repeating: 0, count: channels))
        }
        let chunk = max(1, 1 << 20 / max(shape.pixelCount, 1))
        func visit(_ body: (_ channel: Int, _ values: UnsafeBufferPointer<Float>) -> Void) {
            var start = 0
            while start < count {
                let positions = Array(start..<min(start + chunk, count))
                let images = self.images(at: positions)
                images.withUnsafeBufferPointer { values in
                    for image in positions.indices {
                        for channel in 0..<channels {
                            let base = (image * channels + channel) * plane
                            body(channel, UnsafeBufferPointer(rebasing: values[base..<(base + plane)]))
                        }
                    }
                }
                start += chunk
            }
        }
        var sums = [Double](repeating: 0, count: channels)
        visit { channel, values in
            var total = 0.0
            for value in values { total += Double(value) }
            sums[channel] += total
        }
        let elements = Double(count * plane)
        let mean = sums.map { $0 / elements }
        var squares = [Double](repeating: 0, count: channels)
        visit { channel, values in
            var total = 0.0
            let m = mean[channel]
            for value in values {
                let d = Double(value) - m
                total += d * d
            }
            squares[channel] += total
        }
        return (mean, squares.map { ($0 / elements).squareRoot() })
    }
}
