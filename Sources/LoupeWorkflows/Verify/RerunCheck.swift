import CLoupePlatform
import Foundation
import LoupeKernels
import LoupeReport
import LoupeSupport

/// `loupe verify --rerun` as a workflow: runs a recorded `loupe` command again in a temporary
/// folder, with the recorded version, arguments (hence seeds), thread count and kernel path,
/// and compares each output with the recorded hash and with the file in the run folder.
///
/// ```swift
/// let report = try ManifestVerifier.verify(directory: folder)
/// let comparison = try RerunCheck(folder: folder, executable: loupeURL).run(folderReport: report) { print($0) }
/// print(comparison.summary)
/// ```
public struct RerunCheck: Sendable {
    /// The run folder whose manifest names the command.
    public let folder: URL
    /// The `loupe` executable that runs the command again.
    public let executable: URL

    /// A check of the run in `folder`, repeated by `executable` (the `loupe` program; the
    /// command passes its own).
    public init(folder: URL, executable: URL) {
        (self.folder, self.executable) = (folder, executable)
    }

    /// Why a run cannot be repeated.
    public struct Refusal: LoupeError {
        /// The run's manifest.
        public var source: String
        public var problem: String
    }

    /// Repeats the run and compares its outputs with the recorded ones and with the files in
    /// the folder (`folderReport`); `note` receives what the check does as it goes (the
    /// command it runs, a working directory it had to replace).
    ///
    /// - Throws: ``Refusal`` when the run cannot be repeated exactly (another version, no
    ///   recipe or kernel path, a kernel path this CPU lacks) or the repetition fails;
    ///   `InputError` when its folders or logs cannot be made.
    public func run(folderReport: ManifestVerificationReport, note: (String) -> Void) throws -> RerunComparison {
        let manifestPath = folder.appendingPathComponent(RunManifest.fileName).path
        let manifest = try ManifestVerifier.checkedManifest(in: folder)
        guard manifest.tool == "loupe", manifest.toolVersion == ToolVersion.current else {
            throw Refusal(
                source: manifestPath,
                problem:
                    "recorded by \(manifest.tool) \(manifest.toolVersion); this is loupe \(ToolVersion.current): rerun it with the recorded version"
            )
        }
        guard let recipe = manifest.rerun else {
            throw Refusal(source: manifestPath, problem: "records no rerun recipe (written by an older loupe)")
        }
        if let problem = recipe.problem(commandLine: manifest.commandLine, threads: manifest.threadCount) {
            throw Refusal(source: manifestPath, problem: "its rerun recipe \(problem); not run")
        }
        guard let recorded = manifest.host.kernelPath, let kernel = KernelPath(rawValue: recorded) else {
            throw Refusal(
                source: manifestPath, problem: "records no kernel path, so the run cannot be repeated exactly")
        }
        guard kernel <= KernelPath.supported else {
            throw Refusal(
                source: manifestPath,
                problem:
                    "was made on the \(kernel.rawValue) kernel path, which this CPU lacks (it has \(KernelPath.supported.rawValue)); the sums would differ"
            )
        }

        var workingDirectory = URL(fileURLWithPath: recipe.workingDirectory, isDirectory: true)
        var isFolder: ObjCBool = false
        if !FileManager.default.fileExists(atPath: workingDirectory.path, isDirectory: &isFolder) {
            workingDirectory = URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
            note(
                "note: the recorded working directory \(recipe.workingDirectory) is gone; running in \(workingDirectory.path)"
            )
        } else if !isFolder.boolValue {
            // Something else took the folder's place: the recorded relative inputs cannot be
            // found there (Process.run printed Foundation's error dump).
            throw InputError(
                source: recipe.workingDirectory,
                problem: "the run's recorded working directory is not a folder; the rerun cannot run in it")
        }
        Self.removeScratchOfEndedReruns()
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
            "\(Self.scratchPrefix)\(getpid())-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        } catch {
            throw InputError(
                source: scratch.deletingLastPathComponent().path,
                problem: "cannot make the rerun's temporary folder here (not a writable folder; set TMPDIR)")
        }
        defer { try? FileManager.default.removeItem(at: scratch) }
        let output = scratch.appendingPathComponent("out")
        let arguments = recipe.arguments(output: output.path)
        note(
            "rerunning: loupe \(arguments.joined(separator: " ")) (LOUPE_KERNELS=\(kernel.rawValue), in \(workingDirectory.path))"
        )
        let status = try execute(arguments, kernel: kernel, in: workingDirectory, logs: scratch)
        guard status == 0 else {
            let log = (try? String(contentsOf: scratch.appendingPathComponent("stderr.log"), encoding: .utf8)) ?? ""
            let reason = log.split(separator: "\n").last { $0.hasPrefix("Error:") }.map { $0.dropFirst(7) }
            throw Refusal(
                source: manifestPath,
                problem: "the rerun failed (exit status \(status))" + (reason.map { ": \($0)" } ?? ""))
        }
        let repeated = try RunManifest(contentsOfDirectory: output)
        return RerunComparison(recorded: manifest, repeated: repeated, folderReport: folderReport)
    }

    /// Runs `executable` with `arguments`, the recorded kernel path forced, its output in
    /// log files under `logs`; returns the exit status.
    private func execute(_ arguments: [String], kernel: KernelPath, in directory: URL, logs: URL) throws -> Int32 {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = directory
        var environment = ProcessInfo.processInfo.environment
        environment["LOUPE_KERNELS"] = kernel.rawValue
        environment[Self.parentVariable] = String(getpid())
        process.environment = environment
        let stdoutURL = logs.appendingPathComponent("stdout.log")
        let stderrURL = logs.appendingPathComponent("stderr.log")
        for log in [stdoutURL, stderrURL] where !FileManager.default.createFile(atPath: log.path, contents: nil) {
            throw InputError(source: log.path, problem: "cannot create the rerun's log file")
        }
        process.standardInput = FileHandle.nullDevice
        do {
            process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
            process.standardError = try FileHandle(forWritingTo: stderrURL)
        } catch {
            throw InputError(source: logs.path, problem: "cannot open the rerun's log files for writing")
        }
        do {
            try process.run()
        } catch {
            // Foundation's error for a failed launch is a multi-field dump; name what failed.
            let executable = process.executableURL?.path ?? "loupe"
            throw InputError(
                source: executable,
                problem:
                    "cannot start the rerun in \(directory.path): \(InputError.reason(of: error))")
        }
        process.waitUntilExit()
        return process.terminationReason == .exit ? process.terminationStatus : 128 + process.terminationStatus
    }

    /// The environment variable that tells a rerun its parent: the rerun ends with it.
    public static let parentVariable = "LOUPE_RERUN_PARENT"
    /// How the temporary folders of reruns begin: then the verifying process's id.
    public static let scratchPrefix = "loupe-rerun-"

    /// In a rerun started by `verify --rerun`, links this process's life to the verifying
    /// process: killed or interrupted, it takes the rerun with it (Linux), instead of leaving
    /// it to run to the end unobserved.
    public static func endWithParentIfRerun() {
        guard let value = getenv(parentVariable), let parent = Int32(String(cString: value)) else { return }
        unsetenv(parentVariable)
        if loupe_end_with_parent(parent) == 1 { exit(1) }
    }

    /// Removes the temporary folders of reruns whose verifying process has ended (killed
    /// before it could remove its own).
    static func removeScratchOfEndedReruns() {
        let temporary = FileManager.default.temporaryDirectory
        let names = (try? FileManager.default.contentsOfDirectory(atPath: temporary.path)) ?? []
        for name in names where name.hasPrefix(scratchPrefix) {
            guard let pid = name.dropFirst(scratchPrefix.count).split(separator: "-").first.flatMap({ Int32($0) }),
                pid > 0, kill(pid, 0) != 0, errno == ESRCH
            else { continue }
            try? FileManager.default.removeItem(at: temporary.appendingPathComponent(name))
        }
    }
}
