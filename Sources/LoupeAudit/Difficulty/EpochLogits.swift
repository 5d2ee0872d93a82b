import LoupeSupport

/// The logits of every training example recorded after each epoch (model in inference mode),
/// shape `[epochs, examples, classes]`, flat in row-major order.
public struct EpochLogits: Sendable, Equatable {
    /// The logits, `values[(epoch * exampleCount + example) * classCount + class]`.
    public let values: [Float]
    /// The number of recorded epochs; index `e` holds the logits after epoch `e + 1`.
    public let epochCount: Int
    /// The number of examples.
    public let exampleCount: Int
    /// The number of classes.
    public let classCount: Int
    /// Names the logits (a file, a run) in errors.
    public let source: String

    /// Checks and wraps logits of shape `[epochCount, exampleCount, classCount]`.
    ///
    /// - Throws: `InputError` naming `source` when there are no epochs, fewer than two
    ///   classes, a value count that does not match the shape, or a non-finite logit.
    public init(_ values: [Float], epochCount: Int, exampleCount: Int, classCount: Int, source: String = "logits")
        throws
    {
        func fail(_ problem: String) -> InputError { InputError(source: source, problem: problem) }
        let shape = [epochCount, exampleCount, classCount]
        guard epochCount >= 1 else { throw fail("logits of shape \(shape) have no epochs") }
        guard exampleCount >= 0 else { throw fail("logits of shape \(shape) have a negative example count") }
        guard classCount >= 2 else {
            throw fail("logits of shape \(shape) have \(classCount) classes, at least 2 are needed")
        }
        guard values.count == CheckedSize.product(shape) else {
            throw fail("\(values.count) logits for shape \(shape)")
        }
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            let row = bad / classCount
            throw fail("logit of epoch \(row / exampleCount), example \(row % exampleCount) is \(values[bad])")
        }
        self.values = values
        self.epochCount = epochCount
        self.exampleCount = exampleCount
        self.classCount = classCount
        self.source = source
    }

    /// The shape `[epochs, examples, classes]`.
    public var shape: [Int] { [epochCount, exampleCount, classCount] }

    /// The logits of `example` after epoch index `epoch`.
    public func row(epoch: Int, example: Int) -> ArraySlice<Float> {
        let start = (epoch * exampleCount + example) * classCount
        return values[start..<(start + classCount)]
    }
}
