import LoupeSupport

/// A verdict submission with a field that cannot be recorded: the server answers it with
/// HTTP 400 and this one line, for example `suggested_label: 12 is not a class (0..<10)`.
public struct ReviewInputError: LoupeError, Equatable, Sendable {
    /// The field as the HTTP API names it: `id`, `reviewer`, `verdict`, `suggested_label`,
    /// `note` or `queue`.
    public var field: String
    /// What is wrong with it, in one line.
    public var problem: String

    public init(field: String, problem: String) {
        self.field = field
        self.problem = problem
    }

    public var source: String { field }
}
