import Foundation
import LoupeAttribution
import LoupeReport

/// Pictures of attribution maps: the image, the map and the map over the image, side by side.
enum AttributionPicture {
    /// One image (`[C, H, W]` scalars) as 8-bit pixels, `range` mapped to 0...255; grayscale
    /// for one channel, RGB for three, the channel mean otherwise.
    static func image(_ scalars: [Float], channels: Int, height: Int, width: Int, range: InputRange) -> PNGImage {
        let plane = height * width
        func byte(_ value: Float) -> UInt8 {
            let t = range.width > 0 ? (value - range.lower) / range.width : 0
            return UInt8(max(0, min(255, (t * 255).rounded())))
        }
        if channels == 3 {
            var rgb = [UInt8](repeating: 0, count: 3 * plane)
            for p in 0..<plane { for c in 0..<3 { rgb[3 * p + c] = byte(scalars[c * plane + p]) } }
            return PNGImage(width: width, height: height, channels: .rgb, pixels: rgb)
        }
        let gray = (0..<plane).map { p in
            byte((0..<channels).reduce(Float(0)) { $0 + scalars[$1 * plane + p] } / Float(channels))
        }
        return PNGImage(width: width, height: height, channels: .grayscale, pixels: gray)
    }

    /// The map summed over channels, blue (negative) through white to red (positive),
    /// scaled to its own largest magnitude.
    static func heatmap(_ map: [Float], channels: Int, height: Int, width: Int) -> PNGImage {
        let plane = height * width
        let summed = (0..<plane).map { p in (0..<channels).reduce(Float(0)) { $0 + map[$1 * plane + p] } }
        return Heatmap.image(summed, width: width, height: height)
    }

    /// Image, heatmap and the heatmap over the image at half opacity, with 2-pixel white gaps.
    static func triplet(image: PNGImage, heatmap: PNGImage) -> PNGImage {
        let overlay = Heatmap.overlay(heatmap, on: image, alpha: 0.5)
        let rgbImage = image.channels == .rgb ? image.pixels : image.pixels.flatMap { [$0, $0, $0] }
        let gap = 2
        let (width, height) = (image.width, image.height)
        let total = 3 * width + 2 * gap
        var pixels = [UInt8](repeating: 255, count: total * height * 3)
        for (panel, source) in [rgbImage, heatmap.pixels, overlay.pixels].enumerated() {
            let left = panel * (width + gap)
            for row in 0..<height {
                for column in 0..<width {
                    for c in 0..<3 {
                        pixels[(row * total + left + column) * 3 + c] = source[(row * width + column) * 3 + c]
                    }
                }
            }
        }
        return PNGImage(width: total, height: height, channels: .rgb, pixels: pixels)
    }
}

/// A method name as a file name: `smoothgrad(integrated-gradients)` becomes
/// `smoothgrad_integrated-gradients`.
func attributionFileName(_ methodName: String) -> String {
    methodName.replacingOccurrences(of: "(", with: "_").replacingOccurrences(of: ")", with: "")
}
