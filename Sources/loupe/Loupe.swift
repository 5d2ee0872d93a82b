import ArgumentParser
import CLoupePlatform
import Foundation
import LoupeWorkflows

@main
struct Loupe: ParsableCommand {
    static let version = ToolVersion.current

    static let configuration = CommandConfiguration(
        commandName: "loupe",
        abstract: "Audit neural networks: find the examples that aggregate accuracy hides.",
        discussion: """
            Loupe trains small classifiers on a CPU and audits them. Every command that writes \
            outputs also writes manifest.json (inputs' and outputs' SHA-256, configuration, \
            seeds, compute spent) so that others can check the run with `loupe verify`.

            The same seed and thread count give bit-identical results.
            """,
        version: version,
        subcommands: [
            Audit.self, Train.self, Eval.self, Population.self, Difficulty.self, Attribute.self, Benchmark.self,
            Review.self, Plan.self, ImportModel.self, ExportModel.self, Verify.self,
        ]
    )

    static func main() {
        // A write past the file-size limit (RLIMIT_FSIZE, `ulimit -f`) then fails with EFBIG,
        // reported in one line with the temporary file removed, instead of SIGXFSZ killing
        // the process with its temporary files left behind.
        signal(SIGXFSZ, SIG_IGN)
        loupe_keep_freed_memory()
        loupe_line_buffer_stdout()
        RerunCheck.endWithParentIfRerun()
        var command: any ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            ErrorReport.exit(parsing: error)  // help, version and usage errors, escaped
        }
        do {
            try command.run()
        } catch {
            ErrorReport.exit(reporting: error)
        }
    }
}
