/// Images of per-pixel values, such as saliency maps, alone or over the image they explain.
public enum Heatmap {
    /// `values`, row by row from the top, drawn with `colormap` as an RGB image.
    public static func image(
        _ values: [Float], width: Int, height: Int, colormap: Colormap = .blueWhiteRed()
    ) -> PNGImage {
        PNGImage(width: width, height: height, channels: .rgb, pixels: colormap.rgb(values))
    }

    /// `heatmap` blended over `base`: each sample is `(1 - alpha) * base + alpha * heatmap`,
    /// rounded, with a grayscale base repeated on all three channels.
    ///
    /// The images must have the same size and `alpha` must lie in 0...1.
    public static func overlay(_ heatmap: PNGImage, on base: PNGImage, alpha: Float) -> PNGImage {
        precondition(
            heatmap.width == base.width && heatmap.height == base.height,
            "heatmap is \(heatmap.width)x\(heatmap.height), base is \(base.width)x\(base.height)")
        precondition((0...1).contains(alpha), "overlay alpha \(alpha) is outside 0...1")
        let heat = heatmap.channels == .rgb ? heatmap.pixels : heatmap.pixels.flatMap { [$0, $0, $0] }
        let under = base.channels == .rgb ? base.pixels : base.pixels.flatMap { [$0, $0, $0] }
        let blended = zip(under, heat).map { under, heat in
            UInt8(((1 - alpha) * Float(under) + alpha * Float(heat)).rounded())
        }
        return PNGImage(width: base.width, height: base.height, channels: .rgb, pixels: blended)
    }
}
