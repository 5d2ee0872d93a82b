import Foundation

/// Input that cannot be used, or a file that cannot be read or written: a dataset, a CSV
/// table, an NPY array, a checkpoint or a run's file that is missing, unreadable or
/// malformed, an option's value that does not fit, or data a computation (a statistical test,
/// a difficulty score, an attribution) cannot support.
///
/// The description names the source and the problem, for example
/// `train-images-idx3-ubyte.gz: wrong IDX magic 0x00000804, expected 0x00000803 (images)` or
/// `Welch t-test: the second group has 1 value, at least 2 are needed`.
public struct InputError: LoupeError, Equatable, Sendable {
    /// The file (a path or a name), option or computation the problem was found in.
    public var source: String
    /// What is wrong, in one line.
    public var problem: String

    /// Creates an error for `source`; line breaks in `problem` are replaced by spaces.
    public init(source: String, problem: String) {
        self.source = source
        self.problem = problem.replacingOccurrences(of: "\n", with: " ")
    }

    /// Creates an error naming the last path component of `url`.
    public init(_ url: URL, _ problem: String) {
        self.init(source: url.lastPathComponent, problem: problem)
    }

    /// The system's reason for a failed file operation in a few words (`File too large`, `No
    /// space left on device`): the text of the POSIX error Foundation wraps, when it keeps one,
    /// else Foundation's description (which for a failed write is only `The operation could
    /// not be completed`).
    package static func reason(of error: any Error) -> String {
        let error = error as NSError
        if error.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(error.code))) }
        if let underlying = error.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return error.localizedDescription
    }

    /// An error for `path` from the current `errno`, prefixed with the failed operation.
    static func fromErrno(_ operation: String, path: String) -> InputError {
        InputError(source: path, problem: "\(operation): \(String(cString: strerror(errno)))")
    }
}
