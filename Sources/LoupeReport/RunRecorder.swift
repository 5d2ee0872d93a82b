import Foundation
import LoupeSupport

/// Collects what a command does while it runs, then writes its ``RunManifest``.
///
/// ```swift
/// var recorder = RunRecorder(tool: "loupe", toolVersion: "0.1.0", configuration: config)
/// try recorder.recordInput(modelURL)
/// ... // the work
/// try recorder.finish(outputs: [reportURL], in: outputDirectory)
/// ```
///
/// A long command can publish its progress with ``writeProgress(outputs:in:)``: an
/// in-progress manifest of the outputs written so far. A command that continues an
/// interrupted run calls ``continueRun(in:)`` first: the outputs the interrupted run recorded,
/// and this one does not rewrite, are carried into the new manifest once their hashes are
/// checked against the old one, which the new manifest chains to, with the interrupted
/// processes' time (``RunManifest/interruptedWallSeconds``) and phases.
public struct RunRecorder: Sendable {
    private let tool: String
    private let toolVersion: String
    private let gitCommit: String?
    private let commandLine: [String]
    private let configuration: JSONValue
    private let seeds: [String: UInt64]
    private let threadCount: Int
    private let start: RunStart
    private var inputs: [FileRecord] = []
    private var datasets: [DatasetRecord] = []
    private var flops: [LayerFLOPs] = []
    private var phaseSeconds: [String: Double] = [:]
    private var shards: [ShardRecord] = []
    private var measuredPaths: Set<String> = []
    private var inferenceKernels: [String: String] = [:]
    /// The link to the archived earlier manifest, once this run has written one of its own.
    private var archivedPrevious: FileRecord??
    /// Outputs of the interrupted run this one continues, and the manifest that listed them.
    private var carried: [FileRecord] = []
    /// The interrupted processes' time and phases, carried into this run's manifest.
    private var interrupted: (wallSeconds: Double, cpuSeconds: Double)?
    private var carriedPhases: [String: Double] = [:]
    /// Hashes of outputs already listed in a progress manifest, so that each one lists the
    /// run's growing outputs without hashing the unchanged ones again.
    private let progressHashes = OutputHashCache()
    /// The kernel path to record in the manifest's host description.
    public var kernelPath: String?
    /// How to run the command again, recorded in the manifest.
    public var rerun: RerunRecipe?

    /// Starts recording a run that began at `start` (now, by default).
    ///
    /// - Parameter environment: Where `LOUPE_GIT_COMMIT` is looked up for ``RunManifest/gitCommit``.
    public init(
        tool: String, toolVersion: String, configuration: JSONValue = .object([:]),
        seeds: [String: UInt64] = [:],
        threadCount: Int = 1, commandLine: [String] = CommandLine.arguments,
        environment: [String: String] = ProcessInfo.processInfo.environment, start: RunStart = RunStart()
    ) {
        self.start = start
        self.tool = tool
        self.toolVersion = toolVersion
        self.gitCommit = environment["LOUPE_GIT_COMMIT"].flatMap { $0.isEmpty ? nil : $0 }
        self.commandLine = commandLine
        self.configuration = configuration
        self.seeds = seeds
        self.threadCount = threadCount
    }

    /// Hashes and records a file the run reads, under its absolute path.
    public mutating func recordInput(_ url: URL) throws {
        inputs.append(try FileRecord(measuring: url, recordedAs: url.standardizedFileURL.path))
    }

    /// Records a dataset the run reads that is a folder (an ImageFolder), by the hash of its
    /// decoded content; the same record twice is kept once.
    public mutating func recordDataset(_ record: DatasetRecord) {
        if !datasets.contains(record) { datasets.append(record) }
    }

    /// Records the operation counts of the run's layers.
    public mutating func recordFLOPs(_ layers: [LayerFLOPs]) {
        flops.append(contentsOf: layers)
    }

    /// Records the time a phase of the run took (such as `epoch 3`): timings belong in the
    /// manifest, not in outputs that a re-run compares byte for byte.
    public mutating func recordPhase(_ name: String, seconds: Double) {
        phaseSeconds[name] = seconds
    }

    /// Records the shard tasks that made the run's work units: their timings go in the
    /// manifest, and the time each unit took becomes a phase.
    public mutating func recordShards(_ records: [ShardRecord]) {
        shards = records
        for record in records {
            for (unit, seconds) in record.madeSeconds { phaseSeconds[unit] = seconds }
        }
    }

    /// Marks the output at `relativePath` as a measurement (``RunManifest/measurements``).
    public mutating func recordMeasurement(_ relativePath: String) {
        measuredPaths.insert(relativePath)
    }

    /// Records the inference kernel chosen for `variant` (``RunManifest/inferenceKernels``).
    public mutating func recordInferenceKernel(_ kernel: String, variant: String) {
        inferenceKernels[variant] = kernel
    }

    /// Continues the run recorded in `directory`'s manifest, if there is one: its outputs that
    /// this run does not rewrite are listed again by ``finish(outputs:in:)``, provided they still
    /// have the hash recorded then. Those not among `rewriting` (the outputs this run will
    /// write again) are checked now, so a run that cannot vouch for them stops before it starts.
    ///
    /// - Throws: ``ManifestError`` if that manifest cannot be read or was edited, or names a
    ///   file that changed since.
    public mutating func continueRun(in directory: URL, rewriting: [URL] = []) throws {
        let url = directory.appendingPathComponent(RunManifest.fileName)
        guard FileManager.default.fileExists(atPath: url.path) else { return }
        let previous = try RunManifest(contentsOf: url)
        guard previous.contentSHA256 != nil else { throw ManifestError(source: url.path, kind: .unsealed) }
        guard previous.isSealIntact else { throw ManifestError(source: url.path, kind: .tampered) }
        for record in previous.outputs {
            do { try RunFolderFile.checkRelative(record.path) } catch {
                throw ManifestError(source: url.path, kind: .unsafeEntry(error.description))
            }
        }
        carried = previous.outputs
        if previous.inProgress == true {
            interrupted = (
                previous.wallSeconds + (previous.interruptedWallSeconds ?? 0),
                previous.cpuSeconds + (previous.interruptedCPUSeconds ?? 0)
            )
            carriedPhases = previous.phaseSeconds ?? [:]
        }
        _ = try carriedRecords(
            except: Set(try rewriting.map { try relativePath(of: $0, in: directory) }), in: directory)
    }

    /// Writes an in-progress manifest listing `outputs` (those that exist) and the outputs
    /// carried from an interrupted run, replacing this run's previous one.
    public mutating func writeProgress(outputs: [URL], in directory: URL) throws {
        if archivedPrevious == nil { archivedPrevious = .some(try RunManifest.archiveCurrent(in: directory)) }
        var manifest = try manifest(outputs: outputs, in: directory, reusing: progressHashes)
        manifest.inProgress = true
        manifest.previous = archivedPrevious ?? nil
        try manifest.replace(inDirectory: directory)
    }

    /// Hashes `outputs`, which must lie inside `directory`, and writes the manifest there.
    ///
    /// - Returns: The manifest as written.
    @discardableResult
    public func finish(outputs: [URL], in directory: URL) throws -> RunManifest {
        var manifest = try manifest(outputs: outputs, in: directory)
        guard let archivedPrevious else { return try manifest.write(toDirectory: directory) }
        manifest.previous = archivedPrevious
        return try manifest.replace(inDirectory: directory)
    }

    /// The manifest of the run so far; hashes of unchanged files come from `cache` if given
    /// (progress manifests), and are all computed afresh otherwise (the final one).
    private func manifest(outputs: [URL], in directory: URL, reusing cache: OutputHashCache? = nil) throws
        -> RunManifest
    {
        let usage = ResourceUsage.current()
        // A phase the interrupted processes finished and this one did not repeat keeps its time.
        let phases = carriedPhases.merging(phaseSeconds) { _, repeated in repeated }
        var host = HostDescription.current()
        host.kernelPath = kernelPath
        var manifest = RunManifest(
            tool: tool, toolVersion: toolVersion, gitCommit: gitCommit, commandLine: commandLine,
            configuration: configuration, seeds: seeds, threadCount: threadCount, inputs: inputs,
            outputs: try records(outputs: outputs, in: directory, reusing: cache),
            wallSeconds: start.stopwatch.elapsedSeconds, cpuSeconds: usage.cpuSeconds - start.cpuSeconds,
            peakMemoryBytes: usage.peakResidentBytes, flops: flops, startedAt: start.date, endedAt: Date(),
            host: host, rerun: rerun, phaseSeconds: phases.isEmpty ? nil : phases,
            datasets: datasets.isEmpty ? nil : datasets)
        manifest.interruptedWallSeconds = interrupted?.wallSeconds
        manifest.interruptedCPUSeconds = interrupted?.cpuSeconds
        manifest.shards = shards.isEmpty ? nil : shards
        let measured = manifest.outputs.filter { measuredPaths.contains($0.path) }
        manifest.outputs.removeAll { measuredPaths.contains($0.path) }
        manifest.measurements = measured.isEmpty ? nil : measured
        manifest.inferenceKernels = inferenceKernels.isEmpty ? nil : inferenceKernels
        return manifest
    }

    /// The records of `outputs` followed by those carried forward. Temporary files of
    /// ``AtomicFile`` and the folder's lock file are never outputs.
    private func records(outputs: [URL], in directory: URL, reusing cache: OutputHashCache?) throws -> [FileRecord] {
        var records: [FileRecord] = []
        for url in outputs where !Self.isBookkeeping(url.lastPathComponent) {
            let path = try relativePath(of: url, in: directory)
            records.append(try cache?.record(of: url, as: path) ?? FileRecord(measuring: url, recordedAs: path))
        }
        return records + (try carriedRecords(except: Set(records.map(\.path)), in: directory))
    }

    /// The carried outputs not in `written` that still exist, each checked against its hash.
    private func carriedRecords(except written: Set<String>, in directory: URL) throws -> [FileRecord] {
        var records: [FileRecord] = []
        for record in carried where !written.contains(record.path) && !Self.isBookkeeping(record.path) {
            let url: URL
            do { url = try RunFolderFile.resolve(entry: record.path, in: directory) } catch {
                if case .missing = error.kind { continue }  // removed since: no longer an output
                throw ManifestError(source: record.path, kind: .unsafeEntry(error.description))
            }
            let measured: (bytes: Int, sha256: String)
            do { measured = try RunFolderFile.measure(url, entry: record.path) } catch {
                throw ManifestError(source: record.path, kind: .unsafeEntry(error.description))
            }
            guard measured.sha256 == record.sha256, measured.bytes == record.bytes else {
                throw ManifestError(
                    source: directory.appendingPathComponent(record.path).path,
                    kind: .changedSinceRecorded(manifest: "the manifest of the run it continues"))
            }
            records.append(record)
        }
        return records
    }

    /// `url`'s path relative to `directory`, which it must lie inside.
    private func relativePath(of url: URL, in directory: URL) throws -> String {
        let base = directory.standardizedFileURL.path
        let path = url.standardizedFileURL.path
        guard path.hasPrefix(base + "/") else {
            throw ManifestError(source: path, kind: .outputOutsideDirectory(directory: base))
        }
        return String(path.dropFirst(base.count + 1))
    }

    /// Whether `name` is a file the run keeps for itself rather than an output.
    static func isBookkeeping(_ name: String) -> Bool {
        let last = (name as NSString).lastPathComponent
        return AtomicFile.temporaryWriter(ofName: last) != nil
            || name == RunManifest.fileName
    }
}
