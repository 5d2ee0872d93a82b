import ArgumentParser
import Foundation
import LoupeSupport
import LoupeWorkflows

/// How `loupe` reports an error that ends a command: the last line of defence for the
/// one-line rule.
///
/// Whatever the error (a `LoupeError`, or one from Foundation or the standard library), it
/// is printed as `Error: <description>` on one line of standard error, with control
/// characters and line breaks escaped (`EscapedText`), so text from a file or an argument
/// cannot split the message or drive the terminal; the exit status is 1. ArgumentParser's own
/// outcomes (help, version, usage errors, `ExitCode`), and a workflow's `OptionError` as a
/// usage error, keep ArgumentParser's output and exit codes, with the error message escaped
/// the same way (`exit(parsing:)`).
enum ErrorReport {
    /// The line printed for `error`.
    static func line(for error: any Error) -> String {
        "Error: " + EscapedText.escaping(String(describing: error))
    }

    /// Whether `error` is one of ArgumentParser's own (help and version requests arrive from
    /// `run()` of its help command; `ExitCode`, `CleanExit`; its internal parse errors).
    static func isArgumentParserOutcome(_ error: any Error) -> Bool {
        error is ExitCode || error is CleanExit
            || String(reflecting: type(of: error)).hasPrefix("ArgumentParser.")
    }

    /// Reports `error` and exits.
    static func exit(reporting error: any Error) -> Never {
        RunDirectory.removeEmptyCreatedFolders()
        if let option = error as? OptionError { exit(parsing: ValidationError(option.description)) }
        if error is ValidationError || isArgumentParserOutcome(error) { exit(parsing: error) }
        FileHandle.standardError.write(Data((line(for: error) + "\n").utf8))
        Foundation.exit(EXIT_FAILURE)
    }

    /// Reports one of ArgumentParser's outcomes as ArgumentParser does (help and version on
    /// standard output; usage and validation errors on standard error with the usage, and
    /// its exit codes), except that the error message, which quotes the arguments as given,
    /// is escaped (`EscapedText`): an argument with a line break or a terminal escape cannot
    /// split the `Error:` line or drive the terminal.
    static func exit(parsing error: any Error) -> Never {
        let code = Loupe.exitCode(for: error)
        guard code != .success else { Loupe.exit(withError: error) }
        let message = escapedMessage(for: error)
        // An `ExitCode` has no message: nothing to print (not an empty line).
        if !message.isEmpty { FileHandle.standardError.write(Data((message + "\n").utf8)) }
        Foundation.exit(code.rawValue)
    }

    /// ArgumentParser's full message for `error` (`Error: ...` then the usage), with the
    /// error message escaped.
    static func escapedMessage(for error: any Error) -> String {
        let full = Loupe.fullMessage(for: error)
        let message = Loupe.message(for: error)
        let prefix = "Error: " + message
        guard !message.isEmpty, full.hasPrefix(prefix) else {
            // No message of its own to isolate: escape each line.
            return full.split(separator: "\n", omittingEmptySubsequences: false).map { EscapedText.escaping($0) }
                .joined(separator: "\n")
        }
        return "Error: " + EscapedText.escaping(message) + full.dropFirst(prefix.count)
    }
}

/// Runs a check of a workflow's settings inside an option group's or command's `validate()`,
/// reporting its ``OptionError`` as ArgumentParser's `ValidationError` (a usage error).
func checkingOptions<T>(_ check: () throws -> T) throws -> T {
    do { return try check() } catch let error as OptionError { throw ValidationError(error.description) }
}
