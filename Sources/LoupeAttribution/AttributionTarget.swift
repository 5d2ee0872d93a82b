import LoupeData
import LoupeNN
import LoupeSupport
import LoupeTensor

/// Which class's logit an attribution explains, per example.
public enum AttributionTarget: Sendable, Equatable, CustomStringConvertible {
    /// The model's top-1 prediction (what ROAR used); ties go to the lowest class.
    case predicted
    /// The example's label.
    case label
    /// The same class for every example.
    case fixed(Int)

    /// Parses `predicted`, `label` or a class number.
    ///
    /// - Throws: `InputError` from `--target` for anything else.
    public init(parsing text: String) throws(InputError) {
        switch text {
        case "predicted": self = .predicted
        case "label": self = .label
        default:
            guard let value = Int(text) else {
                throw InputError(
                    source: "--target", problem: "expected predicted, label or a class number, got '\(text)'")
            }
            self = .fixed(value)
        }
    }

    public var description: String {
        switch self {
        case .predicted: "predicted"
        case .label: "label"
        case .fixed(let value): String(value)
        }
    }

    /// The target class of every example of `dataset`.
    ///
    /// - Throws: `InputError` when a fixed class or a label is outside
    ///   `0..<model.classCount`.
    public func classes(for dataset: Dataset, model: Model, threads: Int = 1) throws(InputError) -> [Int] {
        let classes: [Int]
        switch self {
        case .predicted:
            let logits = model.logits(of: dataset, threads: threads)
            let count = model.classCount
            classes = (0..<dataset.count).map { row in
                var best = 0
                for c in 1..<count where logits.scalars[row * count + c] > logits.scalars[row * count + best] {
                    best = c
                }
                return best
            }
        case .label: classes = dataset.labels.map(Int.init)
        case .fixed(let value): classes = Array(repeating: value, count: dataset.count)
        }
        if let bad = classes.first(where: { !(0..<model.classCount).contains($0) }) {
            throw InputError(
                source: "--target", problem: "class \(bad) is outside the model's classes 0..<\(model.classCount)")
        }
        return classes
    }
}
