/// The shape of one image: channels, then height, then width (CHW, row-major).
public struct ImageShape: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    public var channels: Int
    public var height: Int
    public var width: Int

    public init(channels: Int, height: Int, width: Int) {
        self.channels = channels
        self.height = height
        self.width = width
    }

    /// Number of values in one image, `channels * height * width`.
    public var pixelCount: Int { channels * height * width }

    /// `CxHxW`, for example `1x28x28`.
    public var description: String { "\(channels)x\(height)x\(width)" }

    /// The single-channel square shape with `pixelCount` pixels, if `pixelCount` is a
    /// positive perfect square.
    static func square(pixelCount: Int) -> ImageShape? {
        guard pixelCount > 0 else { return nil }
        let side = Int(Double(pixelCount).squareRoot().rounded())
        return side * side == pixelCount ? ImageShape(channels: 1, height: side, width: side) : nil
    }
}
