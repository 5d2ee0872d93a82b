import LoupeData
import LoupeTensor

/// The range the model's input values live in, for example 0...1 for byte images divided by
/// 255. SmoothGrad scales its noise by its width, and the black-image baseline of integrated
/// gradients is its lower bound.
public struct InputRange: Sendable, Equatable, CustomStringConvertible {
    /// The smallest value an input element takes: black.
    public var lower: Float
    /// The largest value an input element takes: white.
    public var upper: Float

    /// A range from `lower` to `upper`; `lower` must not exceed `upper`.
    public init(lower: Float, upper: Float) {
        precondition(lower <= upper, "input range \(lower)...\(upper) is empty")
        self.lower = lower
        self.upper = upper
    }

    /// 0...1: byte images divided by 255, what Loupe's loaders produce for byte data.
    public static let unit = InputRange(lower: 0, upper: 1)

    /// `upper - lower`.
    public var width: Float { upper - lower }

    /// The range moved by `shift`: the range of inputs `x + shift`.
    public func shifted(by shift: Float) -> InputRange {
        InputRange(lower: lower + shift, upper: upper + shift)
    }

    /// The smallest and largest pixel value of `dataset`, read in batches; 0...1 for an empty
    /// dataset.
    public init(of dataset: Dataset) {
        var lower = Float.infinity
        var upper = -Float.infinity
        for start in stride(from: 0, to: dataset.count, by: 1024) {
            let images = dataset.images(at: Array(start..<min(start + 1024, dataset.count)))
            for value in images.scalars {
                lower = min(lower, value)
                upper = max(upper, value)
            }
        }
        self = lower <= upper ? InputRange(lower: lower, upper: upper) : .unit
    }

    public var description: String { "\(lower)...\(upper)" }
}
