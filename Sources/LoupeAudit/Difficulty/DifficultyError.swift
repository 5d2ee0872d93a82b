import Foundation
import LoupeSupport

/// A difficulty score was asked for on input that cannot support it: too few checkpoints,
/// shapes that disagree between checkpoints, runs or files, non-finite gradients or logits,
/// labels out of range, or an empty class of positives.
///
/// The description is one line naming the source (a file such as `grad_03.npy`, or the
/// computation, such as `VoG`) and the problem, for example
/// `grad_03.npy: shape [100, 1, 28, 28] differs from the first checkpoint's [100, 3, 28, 28]`.
public struct DifficultyError: LoupeError, Equatable, Sendable {
    /// The file or computation the problem was found in.
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
