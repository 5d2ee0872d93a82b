import Foundation
import LoupeSupport

/// What a command did, written as `manifest.json` beside its outputs so a result can be
/// traced to its inputs, configuration and code, and checked for later edits.
///
/// Writing into a directory that already has a manifest keeps the old one as
/// `manifest-<n>.json` and records its hash in ``previous``, so the history forms a chain
/// that ``ManifestVerifier`` checks.
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
    /// Files written, with paths relative to the manifest's directory.
    public var outputs: [FileRecord]
    /// Elapsed wall-clock time in seconds.
    public var wallSeconds: Double
    /// Process CPU time (user plus system) in seconds.
    public var cpuSeconds: Double
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

    public init(
        tool: String, toolVersion: String, gitCommit: String?, commandLine: [String],
        configuration: JSONValue,
        seeds: [String: UInt64], threadCount: Int, inputs: [FileRecord], outputs: [FileRecord],
        wallSeconds: Double,
        cpuSeconds: Double, peakMemoryBytes: Int, flops: [LayerFLOPs], startedAt: Date, endedAt: Date,
        host: HostDescription, previous: FileRecord? = nil
    ) {
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
    }

    /// Reads `manifest.json` from `directory`.
    public init(contentsOfDirectory directory: URL) throws {
        try self.init(contentsOf: directory.appendingPathComponent(Self.fileName))
    }

    /// Reads a manifest file.
    init(contentsOf url: URL) throws {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw ManifestError(path: url.path, problem: .missingManifest)
        }
        do {
            self = try DeterministicJSON.decode(RunManifest.self, from: data)
        } catch {
            throw ManifestError(path: url.path, problem: .corruptManifest(reason: Self.oneLine(error)))
        }
    }

    /// Writes the manifest atomically as `manifest.json` in `directory`.
    ///
    /// An existing `manifest.json` is first copied to the lowest free `manifest-<n>.json`
    /// and recorded as ``previous``.
    ///
    /// - Returns: The manifest as written, with ``previous`` set.
    @discardableResult
    public func write(toDirectory directory: URL) throws -> RunManifest {
        let target = directory.appendingPathComponent(Self.fileName)
        var written = self
        written.previous = nil
        if let old = FileManager.default.contents(atPath: target.path) {
            var number = 1
            while FileManager.default.fileExists(
                atPath: directory.appendingPathComponent("manifest-\(number).json").path)
            {
                number += 1
            }
            let name = "manifest-\(number).json"
            try AtomicFile.write(old, to: directory.appendingPathComponent(name))
            written.previous = FileRecord(path: name, bytes: old.count, sha256: SHA256.hex(of: old))
        }
        try AtomicFile.write(try DeterministicJSON.encode(written), to: target)
        return written
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
