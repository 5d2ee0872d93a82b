import Foundation
import LoupeData
import LoupeKernels
import LoupeReport
import LoupeSupport

/// An output directory and the run manifest written into it when the command finishes.
///
/// Creating one claims the folder for the rest of the process (``claim(path:)``): it is
/// locked against other writers and cleared of temporary files that killed writers left.
package struct RunDirectory {
    package let url: URL
    package var recorder: RunRecorder
    private(set) var outputs: [URL] = []
    private var collectedShards = false
    private let lock: OutputFolderLock

    /// A run folder whose run began at `start` (now, by default).
    package init(
        path: String, configuration: some Encodable, seeds: [String: UInt64], threads: Int = 1,
        start: RunStart = RunStart()
    ) throws {
        lock = try Self.claim(path: path)
        url = lock.folder
        let json = try DeterministicJSON.decode(JSONValue.self, from: try DeterministicJSON.encode(configuration))
        recorder = RunRecorder(
            tool: "loupe", toolVersion: ToolVersion.current, configuration: json, seeds: seeds, threadCount: threads,
            start: start)
        recorder.kernelPath = KernelPath.active.rawValue
        recorder.rerun = RerunRecipe(
            commandLine: CommandLine.arguments, threads: threads,
            workingDirectory: FileManager.default.currentDirectoryPath)
    }

    /// Creates the output folder at `path` if needed, locks it against other writers until
    /// the process ends, and removes the temporary files of writers that were killed before
    /// they could rename them. A command that writes into its folder before it has the rest
    /// of its ``RunDirectory`` calls this first; calling it again for the same folder returns
    /// the lock already held.
    ///
    /// A shard task (`shared`) shares the folder with the other tasks of its run and removes no
    /// temporary file: the writer of one may be alive on another machine.
    ///
    /// - Throws: ``OutputFolderLockError`` if another process is writing into the folder.
    @discardableResult
    package static func claim(path: String, shared: Bool = false) throws -> OutputFolderLock {
        let url = URL(fileURLWithPath: path, isDirectory: true).standardizedFileURL
        return try ClaimedFolders.shared.claim(url) {
            if !FileManager.default.fileExists(atPath: url.path) { ClaimedFolders.shared.created.append(url) }
            do {
                try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            } catch {
                throw InputError(source: path, problem: "cannot create output directory")
            }
            let lock = try OutputFolderLock(folder: url, shared: shared)
            if shared { return lock }
            for file in AtomicFile.removeAbandonedTemporaryFiles(under: url) {
                print("removed \(file), left by an interrupted writer")
            }
            return lock
        }
    }

    /// Hashes each distinct input file into the manifest.
    package mutating func recordInputs(_ urls: [URL]) throws {
        var seen = Set<String>()
        for url in urls where seen.insert(url.standardizedFileURL.path).inserted {
            try recorder.recordInput(url)
        }
    }

    /// Records the ImageFolders the datasets were decoded from (``Dataset/imageFolder``) by
    /// the hash of their decoded content; datasets from files are recorded with
    /// ``recordInputs(_:)``.
    package mutating func recordData(_ datasets: [Dataset]) {
        for digest in datasets.compactMap(\.imageFolder) {
            recorder.recordDataset(
                DatasetRecord(
                    kind: "imagefolder", path: digest.root, images: digest.imageCount,
                    imageSize: digest.imageSize?.description, channels: digest.channels, sha256: digest.sha256))
        }
    }

    /// A path inside the directory, recorded as an output.
    package mutating func output(_ relativePath: String) -> URL {
        let file = url.appendingPathComponent(relativePath)
        if !outputs.contains(file) { outputs.append(file) }
        return file
    }

    /// Records every file under the given relative paths (files or directories) as outputs.
    package mutating func recordOutputs(under relativePaths: [String]) {
        for path in relativePaths {
            let root = url.appendingPathComponent(path)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory) else { continue }
            guard isDirectory.boolValue else {
                _ = output(path)
                continue
            }
            let files = (FileManager.default.enumerator(atPath: root.path)?.compactMap { $0 as? String } ?? []).sorted()
            for file in files where !file.hasSuffix("/") {
                var isFolder: ObjCBool = false
                _ = FileManager.default.fileExists(
                    atPath: root.appendingPathComponent(file).path, isDirectory: &isFolder)
                if !isFolder.boolValue { _ = output(path + "/" + file) }
            }
        }
    }

    /// Like ``output(_:)``, for an output whose content is a measurement of this machine's
    /// speed: the manifest lists it under `measurements`, which a re-run measures again
    /// rather than repeating byte for byte.
    package mutating func measurement(_ relativePath: String) -> URL {
        recorder.recordMeasurement(relativePath)
        return output(relativePath)
    }

    /// Records the time phases of the command took (in the manifest, not in outputs).
    package mutating func recordPhases(_ phases: [String: Double]) {
        for (name, seconds) in phases { recorder.recordPhase(name, seconds: seconds) }
    }

    /// Continues the interrupted run this folder's manifest describes: the outputs it recorded
    /// and this run does not rewrite are listed again when it finishes. Those other than the
    /// outputs recorded so far (which this run rewrites) are hash-checked now.
    package mutating func continuePreviousRun() throws {
        try recorder.continueRun(in: url, rewriting: outputs)
    }

    /// Writes an in-progress `manifest.json` listing the outputs written so far, so that a
    /// run resumed after an interruption can vouch for them.
    package mutating func writeProgress() throws {
        try recorder.writeProgress(outputs: existingOutputs, in: url)
    }

    /// Carries the records of the shard tasks that made the run's units (``ShardRecord``)
    /// into the manifest; ``finish()`` then removes them from the folder.
    package mutating func recordShardTasks(_ records: [ShardRecord]) {
        guard !records.isEmpty else { return }
        recorder.recordShards(records)
        collectedShards = true
    }

    /// Writes `manifest.json` listing every recorded output, then removes the shard records it
    /// carries.
    package func finish() throws {
        try recorder.finish(outputs: existingOutputs, in: url)
        if collectedShards {
            try? FileManager.default.removeItem(at: url.appendingPathComponent(ShardRecord.folderName))
        }
    }

    private var existingOutputs: [URL] { outputs.filter { FileManager.default.fileExists(atPath: $0.path) } }
}

extension RunDirectory {
    /// Removes each output folder this process created that is still empty, so that a
    /// command that fails before writing anything leaves no trace (`rmdir` removes only an
    /// empty folder, so nothing written is ever lost). Called when a command fails.
    package static func removeEmptyCreatedFolders() {
        for folder in ClaimedFolders.shared.created.reversed() { rmdir(folder.path) }
    }
}

/// The output folders this process has claimed, each with its lock (held until the process
/// ends: a second `flock` by the same process on a new descriptor would conflict with the first).
private final class ClaimedFolders: @unchecked Sendable {
    static let shared = ClaimedFolders()
    private let mutex = NSLock()
    private var locks: [String: OutputFolderLock] = [:]
    /// The claimed folders that did not exist before, in the order they were made.
    var created: [URL] = []

    func claim(_ folder: URL, _ make: () throws -> OutputFolderLock) throws -> OutputFolderLock {
        mutex.lock()
        defer { mutex.unlock() }
        if let lock = locks[folder.path] { return lock }
        let lock = try make()
        locks[folder.path] = lock
        return lock
    }
}

/// Writes `text` to a file atomically.
package func writeText(_ text: String, to url: URL) throws {
    try AtomicFile.write(Data(text.utf8), to: url)
}

extension RunDirectory {
    /// Refuses to write a run's results anywhere but the folder it wrote into while it ran.
    static func requireSame(_ folder: URL, as run: URL) throws {
        guard folder.standardizedFileURL.path == run.standardizedFileURL.path else {
            throw OptionError("the results belong in the run's folder \(run.path), not \(folder.path)")
        }
    }
}
