import Foundation

/// The convention every Loupe error follows.
///
/// `description` is one line naming the file (if any) and the problem, for example
/// `model.safetensors: header length 9000000000 exceeds the file size 1024`, so a
/// command can print it as-is and the user knows what to fix. Text quoted from an input (a
/// path, a cell, a name) goes through `escapedForOneLine`, so a control character from a file
/// cannot break the line.
public protocol LoupeError: Error, CustomStringConvertible {}

/// A file could not be opened, read, written or renamed.
public struct FileError: LoupeError, Equatable {
    /// The file's path.
    public var path: String
    /// What went wrong, in a few words.
    public var problem: String

    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }

    /// An error for `path` from the current `errno`, prefixed with the failed operation.
    static func fromErrno(_ operation: String, path: String) -> FileError {
        FileError(path: path, problem: "\(operation): \(String(cString: strerror(errno)))")
    }

    public var description: String { "\(path.escapedForOneLine): \(problem.escapedForOneLine)" }
}
