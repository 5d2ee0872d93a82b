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
public struct RunRecorder: Sendable {
    private let tool: String
    private let toolVersion: String
    private let gitCommit: String?
    private let commandLine: [String]
    private let configuration: JSONValue
    private let seeds: [String: UInt64]
    private let threadCount: Int
    private let startedAt = Date()
    private let stopwatch = Stopwatch()
    private let cpuSecondsAtStart = ResourceUsage.current().cpuSeconds
    private var inputs: [FileRecord] = []
    private var flops: [LayerFLOPs] = []
    /// The kernel path to record in the manifest's host description.
    public var kernelPath: String?

    /// Starts recording a run now.
    ///
    /// - Parameter environment: Where `LOUPE_GIT_COMMIT` is looked up for ``RunManifest/gitCommit``.
    public init(
        tool: String, toolVersion: String, configuration: JSONValue = .object([:]),
        seeds: [String: UInt64] = [:],
        threadCount: Int = 1, commandLine: [String] = CommandLine.arguments,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
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

    /// Records the operation counts of the run's layers.
    public mutating func recordFLOPs(_ layers: [LayerFLOPs]) {
        flops.append(contentsOf: layers)
    }

    /// Hashes `outputs`, which must lie inside `directory`, and writes the manifest there.
    ///
    /// - Returns: The manifest as written.
    @discardableResult
    public func finish(outputs: [URL], in directory: URL) throws -> RunManifest {
        let base = directory.standardizedFileURL.path
        let records = try outputs.map { url in
            let path = url.standardizedFileURL.path
            guard path.hasPrefix(base + "/") else {
                throw ManifestError(path: path, problem: .outputOutsideDirectory(directory: base))
            }
            return try FileRecord(measuring: url, recordedAs: String(path.dropFirst(base.count + 1)))
        }
        let usage = ResourceUsage.current()
        var host = HostDescription.current()
        host.kernelPath = kernelPath
        let manifest = RunManifest(
            tool: tool, toolVersion: toolVersion, gitCommit: gitCommit, commandLine: commandLine,
            configuration: configuration, seeds: seeds, threadCount: threadCount, inputs: inputs,
            outputs: records,
            wallSeconds: stopwatch.elapsedSeconds, cpuSeconds: usage.cpuSeconds - cpuSecondsAtStart,
            peakMemoryBytes: usage.peakResidentBytes, flops: flops, startedAt: startedAt, endedAt: Date(),
            host: host)
        return try manifest.write(toDirectory: directory)
    }
}
