import LoupeAudit
import LoupeRandom

/// `count` pseudo-random floats uniform in `[-scale, scale)`, reproducible from `seed`.
func uniformFloats(_ count: Int, seed: UInt64, scale: Float = 1) -> [Float] {
    var generator = SplitMix64(seed: seed)
    return (0..<count).map { _ in (Float(generator.next() >> 40) / Float(1 << 24) * 2 - 1) * scale }
}

/// VoG computed directly from every checkpoint held in memory, in `Double`: channel means,
/// then per pixel the two-pass mean and population variance over checkpoints, then the mean
/// over pixels of the standard deviations. `checkpoints[k]` is `[examples, channels, pixels]`.
func twoPassVoG(_ checkpoints: [[Float]], examples: Int, channels: Int, pixels: Int) -> [Double] {
    let k = Double(checkpoints.count)
    return (0..<examples).map { example in
        var total = 0.0
        for pixel in 0..<pixels {
            let values = checkpoints.map { gradients in
                (0..<channels).reduce(0.0) { sum, channel in
                    sum + Double(gradients[(example * channels + channel) * pixels + pixel])
                } / Double(channels)
            }
            let mean = values.reduce(0, +) / k
            let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / k
            total += variance.squareRoot()
        }
        return total / Double(pixels)
    }
}
