import Foundation
import LoupeSupport

/// A problem with a dataset file: unreadable, malformed, or inconsistent.
///
/// The description is one line that names the file and the problem, for example
/// `train-images-idx3-ubyte.gz: wrong IDX magic 0x00000804, expected 0x00000803 (images)`.
public struct DataError: LoupeError, Sendable, Equatable {
    /// The file (or dataset spec) the problem was found in.
    public var file: String
    /// What is wrong, in one line.
    public var problem: String

    /// Creates an error for `file`; line breaks in `problem` are replaced by spaces.
    public init(file: String, problem: String) {
        self.file = file
        self.problem = problem.replacingOccurrences(of: "\n", with: " ")
    }

    /// Creates an error naming the last path component of `url`.
    public init(_ url: URL, _ problem: String) {
        self.init(file: url.lastPathComponent, problem: problem)
    }

    public var description: String { "\(file.escapedForOneLine): \(problem.escapedForOneLine)" }
}
