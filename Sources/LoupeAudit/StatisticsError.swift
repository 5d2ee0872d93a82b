import LoupeSupport

/// A statistical test was asked for on data that cannot support it, for example a Welch
/// t-test with fewer than two values in a group or a non-finite value.
///
/// The description is one line naming the test and the problem, for example
/// `Welch t-test: the second group has 1 value, at least 2 are needed`.
public struct StatisticsError: LoupeError, Equatable, Sendable {
    /// The test or computation that failed.
    public var test: String
    /// What is wrong, in one line.
    public var problem: String

    public init(test: String, problem: String) {
        self.test = test
        self.problem = problem
    }

    public var description: String { "\(test.escapedForOneLine): \(problem.escapedForOneLine)" }
}
