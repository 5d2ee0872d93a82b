/// A mapping from numbers to colours, for showing maps such as saliency as images.
public enum Colormap: Sendable, Equatable {
    /// Blue through white to red, symmetric around zero: `-scale` and below are blue
    /// (0, 0, 255), zero is white, `scale` and above are red (255, 0, 0), linear in between.
    /// With `scale` nil, the largest finite absolute value present is used; with a scale of
    /// zero, everything but NaN is white.
    case blueWhiteRed(scale: Float? = nil)
    /// Matplotlib's viridis, dark purple at the low end of `range` to yellow at the high end,
    /// interpolated linearly between nine samples of it; values outside `range` are clamped.
    /// With `range` nil, the smallest and largest finite values present are used; an empty
    /// range maps everything but NaN to the low end.
    case viridis(range: ClosedRange<Float>? = nil)

    /// The colour NaN maps to in every colormap: mid grey.
    public static let nanColor: [UInt8] = [128, 128, 128]

    /// Viridis at 0, 1/8, ..., 1.
    private static let viridisSamples: [[Float]] = [
        [68, 1, 84], [71, 44, 122], [59, 81, 139], [44, 113, 142], [33, 144, 141],
        [39, 173, 129], [92, 200, 99], [170, 220, 50], [253, 231, 37],
    ]

    /// The colours of `values` as interleaved red, green and blue bytes.
    public func rgb(_ values: [Float]) -> [UInt8] {
        let finite = values.filter(\.isFinite)
        let color: (Float) -> [UInt8]
        switch self {
        case .blueWhiteRed(let scale):
            let scale = scale ?? finite.map(abs).max() ?? 0
            color = { value in
                let t = scale > 0 ? min(max(value / scale, -1), 1) : 0
                let fade = Self.byte(255 * (1 - abs(t)))
                return t < 0 ? [fade, fade, 255] : [255, fade, fade]
            }
        case .viridis(let range):
            let lower = range?.lowerBound ?? finite.min() ?? 0
            let upper = range?.upperBound ?? finite.max() ?? 0
            color = { value in
                let t = upper > lower ? min(max((value - lower) / (upper - lower), 0), 1) : 0
                let position = t * Float(Self.viridisSamples.count - 1)
                let index = min(Int(position), Self.viridisSamples.count - 2)
                let fraction = position - Float(index)
                let (low, high) = (Self.viridisSamples[index], Self.viridisSamples[index + 1])
                return (0..<3).map { Self.byte(low[$0] + (high[$0] - low[$0]) * fraction) }
            }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(values.count * 3)
        for value in values {
            bytes += value.isNaN ? Self.nanColor : color(value)
        }
        return bytes
    }

    private static func byte(_ value: Float) -> UInt8 {
        UInt8(min(max(value.rounded(), 0), 255))
    }
}
