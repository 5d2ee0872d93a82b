import LoupeSupport

/// A problem with an attributes CSV file (the protected-group table used for subgroup
/// impact): a missing `id` column, duplicated ids, ids that are not in the predictions, or a
/// row with the wrong number of cells.
///
/// The description is one line naming the file and the problem, for example
/// `celeba-attributes.csv: line 7: 2 cells, expected 3`.
public struct AttributesError: LoupeError, Equatable, Sendable {
    /// The attributes file.
    public var file: String
    /// What is wrong, in one line.
    public var problem: String

    /// Creates an error for `file`; line breaks in `problem` are replaced by spaces.
    public init(file: String, problem: String) {
        self.file = file
        self.problem = problem.replacingOccurrences(of: "\n", with: " ")
    }

    public var description: String { "\(file.escapedForOneLine): \(problem.escapedForOneLine)" }
}
