import LoupeSupport

/// An attribution or its evaluation was asked for on input that cannot support it: an
/// unknown method, a target class out of range, a baseline of the wrong shape, a fraction
/// outside (0, 100), or a shifted model whose outputs do not match the original.
///
/// The description is one line naming the source (a file, an option such as `--method`, or
/// the computation, such as `integrated gradients`) and the problem.
public struct AttributionError: LoupeError, Equatable, Sendable {
    /// The file, option or computation the problem was found in.
    public var source: String
    /// What is wrong, in one line.
    public var problem: String

    /// Creates an error for `source`; line breaks in `problem` are replaced by spaces.
    public init(source: String, problem: String) {
        self.source = source
        self.problem = problem.replacingOccurrences(of: "\n", with: " ")
    }

    public var description: String { "\(source.escapedForOneLine): \(problem.escapedForOneLine)" }
}
