/// The one shape of every Loupe error: where the problem is, and what it is.
///
/// `description` is one line, `source: problem`, for example
/// `model.safetensors: header length 9000000000 exceeds the file size 1024`, or just
/// `problem` when there is no source, so a command can print it as-is and the user knows what
/// to fix. Both parts go through `escapedForOneLine`, so a control character quoted from an
/// input (a path, a cell, a name) cannot break the line. Conforming types supply `source`
/// and `problem`, never `description`.
public protocol LoupeError: Error, CustomStringConvertible {
    /// Where the problem is: a file, a field of a file, an option, a computation such as
    /// `Welch t-test`; empty when the problem names it itself.
    var source: String { get }
    /// What is wrong, without repeating the source.
    var problem: String { get }
}

extension LoupeError {
    /// `source: problem` (or `problem` when the source is empty), escaped for one line.
    public var description: String {
        source.isEmpty ? problem.escapedForOneLine : "\(source.escapedForOneLine): \(problem.escapedForOneLine)"
    }
}
