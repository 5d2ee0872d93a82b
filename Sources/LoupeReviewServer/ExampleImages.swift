import LoupeData
import LoupeReport

/// Examples and attribution maps as PNG pictures, enlarged by whole pixels.
enum ExampleImages {
    /// The largest enlargement served: a 28x28 image at 16x is 448 pixels wide.
    static let maximumScale = 16

    /// The example at `position` as 8-bit pixels: byte data exactly as stored; other data scaled
    /// from its own range when it leaves [0, 1]. Grey for one channel, RGB for three, the channel
    /// mean otherwise.
    static func picture(of dataset: Dataset, at position: Int) -> PNGImage {
        let shape = dataset.shape
        var scalars = dataset.images(at: [position]).scalars
        let (low, high) = (scalars.min() ?? 0, scalars.max() ?? 1)
        if low < 0 || high > 1 { scalars = scalars.map { high > low ? ($0 - low) / (high - low) : 0 } }
        let plane = shape.height * shape.width
        func byte(_ value: Float) -> UInt8 { UInt8(max(0, min(255, (value * 255).rounded()))) }
        if shape.channels == 3 {
            var rgb = [UInt8](repeating: 0, count: 3 * plane)
            for p in 0..<plane { for c in 0..<3 { rgb[3 * p + c] = byte(scalars[c * plane + p]) } }
            return PNGImage(width: shape.width, height: shape.height, channels: .rgb, pixels: rgb)
        }
        let grey = (0..<plane).map { p in
            byte((0..<shape.channels).reduce(Float(0)) { $0 + scalars[$1 * plane + p] } / Float(shape.channels))
        }
        return PNGImage(width: shape.width, height: shape.height, channels: .grayscale, pixels: grey)
    }

    /// An attribution map (`[C, H, W]`) summed over channels, blue (negative) through white to
    /// red (positive), scaled to its largest magnitude.
    static func heatmap(_ map: ArraySlice<Float>, shape: ImageShape) -> PNGImage {
        let plane = shape.height * shape.width
        let start = map.startIndex
        let summed = (0..<plane).map { p in
            (0..<shape.channels).reduce(Float(0)) { $0 + map[start + $1 * plane + p] }
        }
        return Heatmap.image(summed, width: shape.width, height: shape.height)
    }

    /// `image` enlarged by the whole factor that makes it about `width` pixels wide (at least 1,
    /// at most ``maximumScale``), each pixel repeated.
    static func enlarged(_ image: PNGImage, toWidth width: Int?) -> PNGImage {
        guard let width else { return image }
        let factor = max(1, min(maximumScale, width / image.width))
        guard factor > 1 else { return image }
        let samples = image.channels.rawValue
        let (newWidth, newHeight) = (image.width * factor, image.height * factor)
        var pixels = [UInt8](repeating: 0, count: newWidth * newHeight * samples)
        for row in 0..<newHeight {
            let source = (row / factor) * image.width
            for column in 0..<newWidth {
                let from = (source + column / factor) * samples
                let to = (row * newWidth + column) * samples
                for s in 0..<samples { pixels[to + s] = image.pixels[from + s] }
            }
        }
        return PNGImage(width: newWidth, height: newHeight, channels: image.channels, pixels: pixels)
    }
}
