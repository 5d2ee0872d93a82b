import Foundation
import LoupeSupport

/// What one shard task of a run did (``Shard``): written by the task into the run folder's
/// `shards/` folder, then carried into the manifest of the run that collects the outputs.
/// It holds only timings and where the task ran, never results, so the collected outputs
/// are those of a run on one machine.
public struct ShardRecord: Codable, Equatable, Sendable {
    /// `K/N`, or ``preparation`` for the job that made what every unit needs first.
    public var shard: String
    /// The machine's host name (tasks of one run may run on many machines).
    public var hostName: String
    public var host: HostDescription
    public var startedAt: Date
    public var endedAt: Date
    public var wallSeconds: Double
    public var cpuSeconds: Double
    public var peakMemoryBytes: Int
    /// Seconds each unit the task made took, by unit name.
    public var madeSeconds: [String: Double]
    /// The units the task found already made and intact.
    public var reused: [String]

    public init(
        shard: String, hostName: String, host: HostDescription, startedAt: Date, endedAt: Date, wallSeconds: Double,
        cpuSeconds: Double, peakMemoryBytes: Int, madeSeconds: [String: Double], reused: [String]
    ) {
        (self.shard, self.hostName, self.host, self.startedAt, self.endedAt) = (
            shard, hostName, host, startedAt, endedAt
        )
        (self.wallSeconds, self.cpuSeconds, self.peakMemoryBytes) = (wallSeconds, cpuSeconds, peakMemoryBytes)
        (self.madeSeconds, self.reused) = (madeSeconds, reused)
    }

    /// The folder of a run folder that holds its shard records until they are collected.
    public static let folderName = "shards"

    /// The ``shard`` of the job that made what every unit needs, before the array's tasks
    /// (ROAR's base model and maps).
    public static let preparation = "prepare"

    /// The record's file name for this task of shard `K/N`: `shard-K-of-N-<host>-<pid>.json`, so
    /// that a task run twice (a retry, a preempted task) keeps both records.
    public static func fileName(for shard: Shard) -> String {
        "shard-\(shard.index)-of-\(shard.count)-\(hostTag)-\(getpid()).json"
    }

    /// The host name as a file name's part.
    private static var hostTag: String {
        String(ProcessInfo.processInfo.hostName.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" })
    }

    /// The records in `runFolder`'s `shards/` folder, by shard, then start; unreadable files
    /// are named in the error.
    public static func read(in runFolder: URL) throws -> [ShardRecord] {
        let folder = runFolder.appendingPathComponent(folderName)
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder), !isFolder.boolValue {
            throw InputError(source: folder.path, problem: "is not a folder of shard records")
        }
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
            .filter { ($0.hasPrefix("shard-") || $0.hasPrefix("prepare-")) && $0.hasSuffix(".json") }
        var records: [ShardRecord] = []
        for name in names {
            let url = folder.appendingPathComponent(name)
            do {
                let data = try RunFolderFile.read(url, limit: 64 << 20)
                records.append(try DeterministicJSON.decode(ShardRecord.self, from: data))
            } catch {
                throw InputError(source: url.path, problem: "unreadable shard record: \(error)")
            }
        }
        return records.sorted {
            ($0.shardNumbers.index, $0.startedAt, $0.hostName) < ($1.shardNumbers.index, $1.startedAt, $1.hostName)
        }
    }

    /// The shard's number and count, read from ``shard``; `(-1, 0)` for the preparation job,
    /// which comes before every shard.
    public var shardNumbers: (index: Int, count: Int) {
        let parts = shard.split(separator: "/").compactMap { Int($0) }
        return parts.count == 2 ? (parts[0], parts[1]) : (-1, 0)
    }

    /// The shard count of the tasks whose records these are, if any task's record is there.
    public static func shardCount(of records: [ShardRecord]) -> Int? {
        records.lazy.map(\.shardNumbers.count).first { $0 > 0 }
    }

    /// A warning when the tasks ran on different kernel paths: their units are then not
    /// bit-identical to those of a run on one machine.
    public static func kernelPathWarning(_ records: [ShardRecord]) -> String? {
        let paths = Set(records.compactMap(\.host.kernelPath))
        guard paths.count > 1 else { return nil }
        return
            "warning: the shard tasks ran on different kernel paths (\(paths.sorted().joined(separator: ", "))); pin one with LOUPE_KERNELS for results bit-identical to a run on one machine"
    }

    /// Writes the record for `shard` into `runFolder`'s `shards/` folder, atomically.
    public func write(in runFolder: URL, for shard: Shard) throws {
        try write(in: runFolder, fileName: Self.fileName(for: shard))
    }

    /// Writes the preparation job's record into `runFolder`'s `shards/` folder, as
    /// `prepare-<host>-<pid>.json`.
    public func writePreparation(in runFolder: URL) throws {
        try write(in: runFolder, fileName: "prepare-\(Self.hostTag)-\(getpid()).json")
    }

    private func write(in runFolder: URL, fileName: String) throws {
        let folder = runFolder.appendingPathComponent(Self.folderName)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try AtomicFile.write(try DeterministicJSON.encode(self), to: folder.appendingPathComponent(fileName))
    }
}
