import LoupeData
import LoupeSupport
import LoupeTensor

/// The reference input integrated gradients integrates from: the input that stands for
/// "nothing there".
///
/// "Black" is the lower bound of the data's input range, element by element. For byte images
/// scaled to 0...1 it is the zero image; for data shifted to -1...0 it is -1; for data
/// standardised per channel, `(x - mean) / std`, black is what a zero pixel becomes,
/// `-mean / std`, which differs per channel: give that image as `.given` (one scalar range
/// cannot express it).
public enum Baseline: Sendable, Equatable, CustomStringConvertible {
    /// Every element 0.
    case zero
    /// Every element at the lower bound of the range.
    case black(InputRange)
    /// The mean image of a dataset, `[C, H, W]` (see `mean(of:)`).
    case mean(Tensor)
    /// A given image, `[C, H, W]` (a leading dimension of 1 is accepted).
    case given(Tensor)

    /// The per-element mean image of `dataset` as a baseline.
    public static func mean(of dataset: Dataset) -> Baseline { .mean(meanImage(of: dataset)) }

    /// The per-element mean image of `dataset`, `[C, H, W]`, accumulated in double precision.
    public static func meanImage(of dataset: Dataset) -> Tensor {
        let shape = dataset.shape
        var totals = [Double](repeating: 0, count: shape.pixelCount)
        for start in stride(from: 0, to: dataset.count, by: 1024) {
            let images = dataset.images(at: Array(start..<min(start + 1024, dataset.count)))
            for (index, value) in images.scalars.enumerated() { totals[index % shape.pixelCount] += Double(value) }
        }
        let count = Double(max(dataset.count, 1))
        return Tensor(shape: [shape.channels, shape.height, shape.width], scalars: totals.map { Float($0 / count) })
    }

    /// The baseline as an image of `inputShape` (`[C, H, W]`).
    ///
    /// - Throws: `InputError` when a mean or given image has another number of elements
    ///   or another shape, or holds a NaN or an infinity (integrated gradients from it would
    ///   be NaN everywhere).
    public func image(for inputShape: [Int]) throws(InputError) -> Tensor {
        switch self {
        case .zero: return Tensor(zeros: inputShape)
        case .black(let range): return Tensor(repeating: range.lower, shape: inputShape)
        case .mean(let image), .given(let image):
            let shape =
                image.shape.first == 1 && image.rank == inputShape.count + 1
                ? Array(image.shape.dropFirst()) : image.shape
            guard shape == inputShape else {
                throw InputError(
                    source: "baseline",
                    problem: "\(description) image has shape \(image.shape), the model's input is \(inputShape)")
            }
            if let bad = image.scalars.firstIndex(where: { !$0.isFinite }) {
                throw InputError(
                    source: "baseline",
                    problem: "\(description) image has the non-finite value \(image.scalars[bad]) at element \(bad)")
            }
            return image.reshaped(inputShape)
        }
    }

    /// `zero`, `black`, `mean` or `given`.
    public var description: String {
        switch self {
        case .zero: "zero"
        case .black: "black"
        case .mean: "mean"
        case .given: "given"
        }
    }
}
