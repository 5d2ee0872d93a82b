import LoupeSupport

/// A setting of a workflow's configuration that cannot be used, named as the command-line
/// option that sets it (`--variants needs at least one compressed variant besides dense`).
///
/// The `loupe` command reports it as a usage error, like the checks of its options.
public struct OptionError: LoupeError, Equatable {
    /// The problem, naming the option.
    public var problem: String

    public init(_ problem: String) { self.problem = problem }

    public var source: String { "" }
}
