import Foundation

/// A separable Gaussian filter for one image plane, applied in "valid" mode: only where the
/// whole kernel fits, so no border rule is involved and the output is smaller than the input
/// by `radius` on every side.
///
/// The kernel has `2 * radius + 1` taps, `radius = ceil(3 * sigma)`, with weights
/// `exp(-x^2 / (2 sigma^2))` normalised to sum to 1; a constant plane stays constant.
public struct GaussianBlur: Sendable {
    /// The standard deviation, in pixels.
    public let sigma: Double
    /// Taps on each side of the centre.
    public let radius: Int
    /// The one-dimensional weights, `kernel[radius]` at the centre.
    public let kernel: [Double]

    /// - Precondition: `sigma` is positive and finite.
    public init(sigma: Double) {
        precondition(sigma > 0 && sigma.isFinite, "sigma must be positive, got \(sigma)")
        self.sigma = sigma
        radius = Int((3 * sigma).rounded(.up))
        let weights = (-radius...radius).map { exp(-Double($0 * $0) / (2 * sigma * sigma)) }
        let total = weights.reduce(0, +)
        kernel = weights.map { $0 / total }
    }

    /// Blurs a `height x width` plane (row-major) into a `(height - 2 radius) x
    /// (width - 2 radius)` plane: rows first, then columns, accumulated in `Double`.
    ///
    /// - Precondition: the plane is larger than `2 * radius` in both directions.
    package func blurValid(_ plane: [Double], height: Int, width: Int) -> [Double] {
        precondition(plane.count == height * width, "plane has \(plane.count) values, not \(height) x \(width)")
        let (outHeight, outWidth) = (height - 2 * radius, width - 2 * radius)
        precondition(outHeight > 0 && outWidth > 0, "a \(height) x \(width) plane is too small for radius \(radius)")
        let taps = 2 * radius + 1
        var rows = [Double](repeating: 0, count: height * outWidth)
        for y in 0..<height {
            for x in 0..<outWidth {
                var sum = 0.0
                for tap in 0..<taps { sum += kernel[tap] * plane[y * width + x + tap] }
                rows[y * outWidth + x] = sum
            }
        }
        var output = [Double](repeating: 0, count: outHeight * outWidth)
        for y in 0..<outHeight {
            for x in 0..<outWidth {
                var sum = 0.0
                for tap in 0..<taps { sum += kernel[tap] * rows[(y + tap) * outWidth + x] }
                output[y * outWidth + x] = sum
            }
        }
        return output
    }
}
