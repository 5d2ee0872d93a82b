/// Resizing and channel conversion of decoded images.
///
/// - Resize: area averaging (as OpenCV's `INTER_AREA` when shrinking): each output pixel is
///   the mean of the source rectangle it covers, source pixels weighted by the fraction
///   covered, applied to rows then columns, rounded to the nearest byte. Enlarging with it
///   repeats source pixels and blends the two on either side of a boundary.
/// - Channels: grey to RGB repeats the grey value; RGB to grey is ITU-R BT.601 luma,
///   `0.299 R + 0.587 G + 0.114 B`, rounded. Alpha was already dropped by the decoder.
enum ImageResampling {
    /// `image` resized to `height` x `width` by area averaging.
    static func areaAverage(_ image: DecodedImage, height: Int, width: Int) -> DecodedImage {
        let channels = image.channels
        let columns = weights(from: image.width, to: width)
        let rows = weights(from: image.height, to: height)
        // Rows first: every source row resampled to `width` columns.
        var wide = [Float](repeating: 0, count: image.height * width * channels)
        for y in 0..<image.height {
            for (x, taps) in columns.enumerated() {
                for channel in 0..<channels {
                    var sum: Float = 0
                    for (source, weight) in taps {
                        sum += weight * Float(image.pixels[(y * image.width + source) * channels + channel])
                    }
                    wide[(y * width + x) * channels + channel] = sum
                }
            }
        }
        var pixels = [UInt8](repeating: 0, count: height * width * channels)
        for (y, taps) in rows.enumerated() {
            for index in 0..<(width * channels) {
                var sum: Float = 0
                for (source, weight) in taps { sum += weight * wide[source * width * channels + index] }
                pixels[y * width * channels + index] = UInt8(min(max(sum.rounded(), 0), 255))
            }
        }
        return DecodedImage(width: width, height: height, channels: channels, pixels: pixels)
    }

    /// For each of `target` output positions, the source positions it covers and their weights
    /// (the covered fraction of each, over the output's extent; they sum to 1).
    static func weights(from source: Int, to target: Int) -> [[(Int, Float)]] {
        let scale = Double(source) / Double(target)
        return (0..<target).map { output in
            let start = Double(output) * scale
            let end = Double(output + 1) * scale
            var taps: [(Int, Float)] = []
            var position = Int(start.rounded(.down))
            while Double(position) < end && position < source {
                let covered = min(end, Double(position + 1)) - max(start, Double(position))
                if covered > 1e-9 { taps.append((position, Float(covered / scale))) }
                position += 1
            }
            return taps
        }
    }

    /// Writes `image` with `channels` channels (converting 1 <-> 3) as planes (CHW) at `output`.
    static func writePlanar(_ image: DecodedImage, channels: Int, into output: UnsafeMutablePointer<UInt8>) {
        let plane = image.width * image.height
        image.pixels.withUnsafeBufferPointer { pixels in
            switch (image.channels, channels) {
            case (1, 1):
                output.update(from: pixels.baseAddress!, count: plane)
            case (1, _):
                for channel in 0..<channels {
                    (output + channel * plane).update(from: pixels.baseAddress!, count: plane)
                }
            case (_, 1):
                for index in 0..<plane {
                    let luma =
                        0.299 * Float(pixels[3 * index]) + 0.587 * Float(pixels[3 * index + 1]) + 0.114
                        * Float(pixels[3 * index + 2])
                    output[index] = UInt8(min(luma.rounded(), 255))
                }
            default:
                for index in 0..<plane {
                    for channel in 0..<channels { output[channel * plane + index] = pixels[channels * index + channel] }
                }
            }
        }
    }
}
