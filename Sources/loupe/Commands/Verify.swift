import ArgumentParser
import Foundation
import LoupeReport

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Recompute the hashes in a run's manifest.json and report changed, missing or unlisted files.")

    @Argument(help: "A directory written by a loupe command.") var directory: String

    func run() throws {
        let report = try ManifestVerifier.verify(directory: URL(fileURLWithPath: directory, isDirectory: true))
        for change in report.changed {
            print(
                "changed  \(change.path)  expected \(change.expectedSHA256.prefix(16))…  got \(change.actualSHA256.prefix(16))…"
            )
        }
        for path in report.missing { print("missing  \(path)") }
        for path in report.unlisted { print("unlisted \(path)") }
        if report.isOK {
            print("ok: \(report.verified.count) files match \(directory)/manifest.json")
        } else {
            throw ExitCode(1)
        }
    }
}
