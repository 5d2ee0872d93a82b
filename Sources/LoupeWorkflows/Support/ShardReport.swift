import Foundation
import LoupeKernels
import LoupeReport
import LoupeSupport

/// What one shard task did: the work units it made and those it found made and intact. Its
/// ``ShardRecord`` is in the run folder's `shards/` folder until the run is collected.
public struct ShardReport: Sendable {
    public var shard: Shard
    /// The units this shard owns, by name, in unit order.
    public var units: [String]
    /// How many units the whole run has.
    public var unitCount: Int
    /// The results the units hold (a population unit holds a trained member and the members
    /// derived from it), by name.
    public var results: [String]
    /// Seconds each result this task made took.
    public var madeSeconds: [String: Double]
    /// The run folder.
    public var folder: URL

    /// `shard 1/3: 4 of 12 work units, 8 results (6 made, 2 verified and reused) in ...`.
    public var summaryLine: String {
        let made = madeSeconds.count
        return
            "shard \(shard): \(units.count) of \(unitCount) work units, \(results.count) results (\(made) made, \(results.count - made) verified and reused) in \(folder.standardizedFileURL.path); the outputs are written by the same command with --collect once every shard has finished"
    }
}

/// Times a shard task from its start and writes its ``ShardRecord`` when it ends.
struct ShardTaskClock {
    let shard: Shard
    private let clock = TaskClock()

    init(_ shard: Shard) { self.shard = shard }

    /// Writes the task's record into `folder` and returns its report.
    func finish(
        units: [String], unitCount: Int, results: [String], madeSeconds: [String: Double], in folder: URL
    ) throws -> ShardReport {
        try clock.record(shard: shard.description, results: results, madeSeconds: madeSeconds)
            .write(in: folder, for: shard)
        return ShardReport(
            shard: shard, units: units, unitCount: unitCount, results: results, madeSeconds: madeSeconds,
            folder: folder)
    }
}

/// Times a task of a sharded run (a shard task, or the preparation job before them) from its
/// start, for its ``ShardRecord``.
struct TaskClock {
    private let startedAt = Date()
    private let stopwatch = Stopwatch()
    private let cpuSecondsAtStart = ResourceUsage.current().cpuSeconds

    /// The record of the task `shard` (`K/N` or ``ShardRecord/preparation``), timed until now.
    func record(shard: String, results: [String], madeSeconds: [String: Double]) -> ShardRecord {
        let usage = ResourceUsage.current()
        var host = HostDescription.current()
        host.kernelPath = KernelPath.active.rawValue
        return ShardRecord(
            shard: shard, hostName: ProcessInfo.processInfo.hostName, host: host, startedAt: startedAt,
            endedAt: Date(), wallSeconds: stopwatch.elapsedSeconds, cpuSeconds: usage.cpuSeconds - cpuSecondsAtStart,
            peakMemoryBytes: usage.peakResidentBytes, madeSeconds: madeSeconds,
            reused: results.filter { madeSeconds[$0] == nil })
    }
}
