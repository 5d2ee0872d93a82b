import Foundation
import LoupeSupport

/// What a command did, written as `manifest.json` beside its outputs so a result can be
/// traced to its inputs, configuration and code, and checked for later edits.
///
/// Writing into a directory that already has a manifest keeps the old one as
/// `manifest-<n>.json` and records its hash in ``previous``, so the history forms a chain
/// that ``ManifestVerifier`` checks. Each manifest also carries ``contentSHA256``, the hash of
/// its own content, so an edit of the manifest itself is detected (an edit, not a forgery: whoever
/// edits it can recompute the hash; a signature would need a key).
public struct RunManifest: Codable, Equatable, Sendable {
    /// The manifest's file name within its directory.
    public static let fileName = "manifest.json"

    /// The tool that ran, such as `loupe`.
    public var tool: String
    /// The tool's version.
    public var toolVersion: String
    /// The source commit the tool was built from, if known.
    public var gitCommit: String?
    /// The full command line, program name first.
    public var commandLine: [String]
    /// The configuration after defaults and files were resolved.
    public var configuration: JSONValue
    /// Every random seed used, by purpose.
    public var seeds: [String: UInt64]
    /// The number of worker threads.
    public var threadCount: Int
    /// Files read, with absolute paths.
    public var inputs: [FileRecord]
    /// Datasets read that are folders rather than files (ImageFolders), by the hash of their
    /// decoded content; nil when there are none.
    public var datasets: [DatasetRecord]?
    /// Files written, with paths relative to the manifest's directory.
    public var outputs: [FileRecord]
    /// Elapsed wall-clock time in seconds.
    public var wallSeconds: Double
    /// Process CPU time (user plus system) in seconds.
    public var cpuSeconds: Double
    /// For a run that continued interrupted ones (``previous`` in progress): the wall-clock
    /// seconds those processes had spent by their last progress manifest, summed over every
    /// interruption. ``wallSeconds`` is the last process's alone; the run took both. Nil for a
    /// run made by one process.
    public var interruptedWallSeconds: Double?
    /// The CPU seconds of the same interrupted processes, as ``interruptedWallSeconds``.
    public var interruptedCPUSeconds: Double?
    /// Peak resident memory in bytes.
    public var peakMemoryBytes: Int
    /// Floating-point operations per layer.
    public var flops: [LayerFLOPs]
    /// When the run started.
    public var startedAt: Date
    /// When the run ended.
    public var endedAt: Date
    /// The machine the run happened on.
    public var host: HostDescription
    /// The manifest this one replaced, kept in the same directory.
    public var previous: FileRecord?
    /// True while the run that writes this manifest has not finished: it lists the outputs
    /// written so far, so a run resumed after an interruption can vouch for them. Nil when finished.
    public var inProgress: Bool?
    /// How to run the command again (``RerunRecipe``), if it can be.
    public var rerun: RerunRecipe?
    /// Time spent per phase (such as `epoch 3`) in seconds: timings live here, not in the
    /// outputs, so that a re-run's outputs can be compared byte for byte.
    public var phaseSeconds: [String: Double]?
    /// For a run made by shard tasks (``ShardRecord``): where and how long each ran. Timings
    /// only, like ``phaseSeconds``; nil for a run made on one machine.
    public var shards: [ShardRecord]?
    /// Files written whose content is a measurement of this machine's speed (an audit's
    /// latencies): hashed and checked like ``outputs``, but kept apart from them because a
    /// re-run measures again rather than repeating them byte for byte. Nil when there are none.
    public var measurements: [FileRecord]?
    /// The inference kernel chosen by measurement for each variant of an audit (`dense`,
    /// `sparse`, `integer`), by variant name; nil for other commands.
    public var inferenceKernels: [String: String]?
    /// The SHA-256 of the manifest's canonical JSON (``DeterministicJSON``) without this field:
    /// see ``sealed()``.
    public var contentSHA256: String?

    public init(
        tool: String, toolVersion: String, gitCommit: String?, commandLine: [String],
        configuration: JSONValue,
        seeds: [String: UInt64], threadCount: Int, inputs: [FileRecord], outputs: [FileRecord],
        wallSeconds: Double,
        cpuSeconds: Double, peakMemoryBytes: Int, flops: [LayerFLOPs], startedAt: Date, endedAt: Date,
        host: HostDescription, previous: FileRecord? = nil, inProgress: Bool? = nil, rerun: RerunRecipe? = nil,
        phaseSeconds: [String: Double]? = nil, datasets: [DatasetRecord]? = nil
    ) {
        self.datasets = datasets
        self.tool = tool
        self.toolVersion = toolVersion
        self.gitCommit = gitCommit
        self.commandLine = commandLine
        self.configuration = configuration
        self.seeds = seeds
        self.threadCount = threadCount
        self.inputs = inputs
        self.outputs = outputs
        self.wallSeconds = wallSeconds
        self.cpuSeconds = cpuSeconds
        self.peakMemoryBytes = peakMemoryBytes
        self.flops = flops
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.host = host
        self.previous = previous
        self.inProgress = inProgress
        self.rerun = rerun
        self.phaseSeconds = phaseSeconds
    }

    /// Reads `manifest.json` from `directory`: a file in the folder, not a link out of it.
    public init(contentsOfDirectory directory: URL) throws {
        let url = directory.appendingPathComponent(Self.fileName)
        do { _ = try RunFolderFile.resolve(entry: Self.fileName, in: directory) } catch {
            if case .missing = error.kind { throw ManifestError(source: url.path, kind: .missingManifest) }
            throw ManifestError(source: url.path, kind: .corruptManifest(reason: error.problem))
        }
        try self.init(contentsOf: url)
    }

    /// Reads a manifest file: only a regular file (never a device or a FIFO), of at most
    /// ``maximumBytes``.
    init(contentsOf url: URL) throws {
        let data: Data
        do {
            data = try RunFolderFile.read(url, limit: Self.maximumBytes)
        } catch {
            if case .missing = error.kind { throw ManifestError(source: url.path, kind: .missingManifest) }
            throw ManifestError(source: url.path, kind: .corruptManifest(reason: error.problem))
        }
        do {
            self = try DeterministicJSON.decode(RunManifest.self, from: data)
        } catch {
            throw ManifestError(source: url.path, kind: .corruptManifest(reason: Self.oneLine(error)))
        }
    }

    /// The largest manifest file read: 256 MiB (a manifest lists files, it does not hold them).
    package static let maximumBytes = 256 << 20

    /// Writes the manifest atomically as `manifest.json` in `directory`.
    ///
    /// An existing `manifest.json` is first copied to the lowest free `manifest-<n>.json`
    /// and recorded as ``previous``.
    ///
    /// - Returns: The manifest as written, with ``previous`` and ``contentSHA256`` set.
    @discardableResult
    public func write(toDirectory directory: URL) throws -> RunManifest {
        var written = self
        written.previous = try Self.archiveCurrent(in: directory)
        return try written.replace(inDirectory: directory)
    }

    /// Writes the manifest, sealed, as `manifest.json` in `directory`, replacing whatever is
    /// there without archiving it (``previous`` is kept as set).
    func replace(inDirectory directory: URL) throws -> RunManifest {
        let written = try sealed()
        try AtomicFile.write(try DeterministicJSON.encode(written), to: directory.appendingPathComponent(Self.fileName))
        return written
    }

    /// Copies `manifest.json` in `directory`, if any, to the lowest free `manifest-<n>.json`,
    /// unless the highest one already holds the same bytes (a write interrupted between
    /// archiving and replacing the manifest), which is then the link.
    ///
    /// - Returns: The link to the copy, for ``previous``.
    static func archiveCurrent(in directory: URL) throws -> FileRecord? {
        let current = directory.appendingPathComponent(Self.fileName)
        guard FileManager.default.fileExists(atPath: current.path) else { return nil }
        let old: Data
        do { old = try RunFolderFile.read(current, limit: maximumBytes) } catch {
            throw ManifestError(source: current.path, kind: .corruptManifest(reason: "\(error)"))
        }
        var number = 1
        while FileManager.default.fileExists(atPath: directory.appendingPathComponent("manifest-\(number).json").path) {
            number += 1
        }
        // A run interrupted between archiving the manifest and replacing it left the archive
        // beside an unchanged manifest: that archive is the current one's, not a new one.
        let latest = "manifest-\(number - 1).json"
        if number > 1, (try? RunFolderFile.read(directory.appendingPathComponent(latest), limit: maximumBytes)) == old {
            return FileRecord(path: latest, bytes: old.count, sha256: SHA256.hex(of: old))
        }
        let name = "manifest-\(number).json"
        try AtomicFile.write(old, to: directory.appendingPathComponent(name))
        return FileRecord(path: name, bytes: old.count, sha256: SHA256.hex(of: old))
    }

    /// The manifest with ``contentSHA256`` set to the hash of its canonical JSON without that field.
    public func sealed() throws -> RunManifest {
        var sealed = self
        sealed.contentSHA256 = try contentHash()
        return sealed
    }

    /// Whether ``contentSHA256`` is present and matches the content: false for a manifest
    /// edited after it was written.
    public var isSealIntact: Bool {
        guard let recorded = contentSHA256 else { return false }
        return (try? contentHash()) == recorded
    }

    /// The SHA-256 of the canonical JSON of the manifest without ``contentSHA256``.
    func contentHash() throws -> String {
        var content = self
        content.contentSHA256 = nil
        return SHA256.hex(of: try DeterministicJSON.encode(content))
    }

    private static func oneLine(_ error: any Error) -> String {
        let text: String
        switch error {
        case DecodingError.dataCorrupted(let context): text = context.debugDescription
        case DecodingError.keyNotFound(let key, _): text = "missing field '\(key.stringValue)'"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            text = "field '\(field)': \(context.debugDescription)"
        default: text = "\(error)"
        }
        return text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}
