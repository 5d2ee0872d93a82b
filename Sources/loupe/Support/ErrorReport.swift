import ArgumentParser
import Foundation
import LoupeSupport

/// How `loupe` reports an error that ends a command: the last line of defence for the
/// one-line rule.
///
/// Whatever the error (a `LoupeError`, or one from Foundation or the standard library), it
/// is printed as `Error: <description>` on one line of standard error, with control
/// characters and line breaks escaped (`EscapedText`), so text from a file or an argument
/// cannot split the message or drive the terminal; the exit status is 1. ArgumentParser's own
/// outcomes (help, version, usage errors, `ExitCode`) keep its handling and exit codes, with
/// a validation message escaped the same way.
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
        switch error {
        case let validation as ValidationError:
            Loupe.exit(withError: ValidationError(EscapedText.escaping(validation.message)))
        case _ where isArgumentParserOutcome(error):
            Loupe.exit(withError: error)
        default:
            FileHandle.standardError.write(Data((line(for: error) + "\n").utf8))
            Foundation.exit(EXIT_FAILURE)
        }
    }
}
