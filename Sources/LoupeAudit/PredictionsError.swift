import LoupeSupport

/// A problem with a population's predictions: an empty population, ragged shapes, labels out
/// of range, non-finite logits, or example ids that are missing, duplicated or differ between
/// populations.
///
/// The description is one line naming the source (a file, or `population 'name'` for
/// predictions built in memory) and the problem, for example
/// `pruned.npy: label 12 of model 3, example 40 is outside 0..<10`.
public struct PredictionsError: LoupeError, Equatable, Sendable {
    /// The file or population the problem was found in.
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
