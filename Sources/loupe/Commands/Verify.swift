import ArgumentParser
import Foundation
import LoupeData
import LoupeReport
import LoupeWorkflows

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Recompute the hashes in a run's manifest.json and report changed, missing or unlisted files.",
        discussion: """
            The manifest itself must be unedited (its contentSHA256 matches), must describe a \
            finished run, and may only name regular files (outputs inside DIR). With --rerun, \
            the recorded command is also run again with the same version, seeds, threads and \
            kernel path in a temporary folder, and each output is compared byte for byte with \
            the recorded hash and with the file in DIR.

            Every other file in DIR is reported as unlisted, and fails the check, except the \
            verdict database that `loupe review DIR` keeps there (review.sqlite, with its -wal \
            and -shm files, recognised by their SQLite headers): it is reported as added by \
            loupe review, not sealed, and does not fail the check.

            An ImageFolder the run read is recorded by the SHA-256 of its decoded content \
            (paths, labels, shape and pixels); when the folder is present it is decoded again, \
            without the cache, and compared (a missing folder is reported as missing).
            """)

    @Argument(help: "A directory written by a loupe command.") var directory: String
    @Flag(help: "Run the recorded command again and compare its outputs with the recorded ones, file by file.")
    var rerun = false

    func run() throws {
        let folder = URL(fileURLWithPath: directory, isDirectory: true)
        let report = try ManifestVerifier.verify(directory: folder) { record in
            try ImageFolderDigest(
                root: record.path, imageCount: record.images,
                imageSize: record.imageSize.flatMap(ImageSize.init(parsing:)),
                channels: record.channels, sha256: record.sha256
            ).recomputedSHA256()
        }
        for change in report.changed {
            print(
                "changed  \(change.path)  expected \(change.expectedSHA256.prefix(16))…  got \(change.actualSHA256.prefix(16))…"
            )
        }
        for path in report.missing { print("missing  \(path)") }
        for path in report.unlisted { print("unlisted \(path)") }
        for path in report.reviewFiles { print("review   \(path)  added by loupe review, not sealed") }
        for line in report.refused { print("refused  \(line)") }
        if rerun {
            let executable = Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
            let comparison = try RerunCheck(folder: folder, executable: executable).run(folderReport: report) {
                print($0)
            }
            for line in comparison.lines { print(line) }
            print(comparison.isReproduced ? "\(comparison.summary) (\(folder.path))" : comparison.summary)
            guard comparison.isReproduced else { throw ExitCode(1) }
        } else if report.isOK {
            print("ok: \(report.verified.count) files match \(directory)/manifest.json")
        } else {
            throw Mismatch(directory: directory, report: report)
        }
    }

    /// A run folder that does not match its manifest: the one error line after the list.
    struct Mismatch: Error, CustomStringConvertible {
        var directory: String
        var report: ManifestVerificationReport
        var description: String {
            let counts = [
                (report.changed.count, "changed"), (report.missing.count, "missing"),
                (report.unlisted.count, "unlisted"), (report.refused.count, "refused"),
            ].filter { $0.0 > 0 }.map { "\($0.0) \($0.1)" }
            return "\(directory): does not match its manifest.json (\(counts.joined(separator: ", ")))"
        }
    }
}
