import Foundation
import LoupeKernels
import LoupeSupport

/// A sharded run laid out for a cluster: how many tasks, what each asks for, and the command
/// each runs, from the run's measured work-unit costs (``WorkUnitCost``).
public struct ClusterPlan: Sendable {
    /// The loupe arguments of the run, without the program name, any sharding option or
    /// `--threads` (each task's thread count is its cores).
    public var arguments: [String]
    public var cost: WorkUnitCost
    /// Tasks of the array (shards); at most one per work unit.
    public var tasks: Int
    /// Cores per task: the task's `--threads`, members made at once.
    public var cpusPerTask: Int
    /// The kernel path every task is pinned to (`LOUPE_KERNELS`), so that the units are
    /// bit-identical to a run on one machine.
    public var kernelPath: String
    /// A name for the jobs: letters, digits and hyphens.
    public var name: String

    /// How much longer than measured a task may run before the engine stops it: estimates
    /// from a short burst miss data loading on a busy filesystem, other jobs on the node, and
    /// slower cores.
    public static let timeMargin = 2.0
    /// The memory asked for, over the burst's measured peak.
    public static let memoryMargin = 1.5

    public init(arguments: [String], cost: WorkUnitCost, tasks: Int?, cpusPerTask: Int, name: String) throws(InputError)
    {
        guard !cost.units.isEmpty else { throw InputError(source: "plan", problem: "the command has no work units") }
        guard cpusPerTask >= 1 else {
            throw InputError(source: "--cpus-per-task", problem: "must be positive, got \(cpusPerTask)")
        }
        if let tasks, tasks < 1 { throw InputError(source: "--tasks", problem: "must be positive, got \(tasks)") }
        self.arguments = Self.withoutThreads(arguments)
        self.cost = cost
        self.tasks = min(tasks ?? cost.units.count, cost.units.count)
        self.cpusPerTask = cpusPerTask
        self.kernelPath = KernelPath.active.rawValue
        self.name = name
    }

    /// The run's arguments for a task of the array: its shard comes from the engine's index.
    public var taskArguments: [String] { arguments + ["--shards", String(tasks), "--threads", String(cpusPerTask)] }
    /// The run's arguments for the job that makes what every unit needs first (ROAR's base
    /// model and maps), before the array starts; nil when the units need nothing.
    public var preparationArguments: [String]? {
        cost.preparation == nil ? nil : arguments + ["--prepare", "--threads", String(cpusPerTask)]
    }
    /// The run's arguments for the job that collects the outputs.
    public var collectArguments: [String] { arguments + ["--collect", "--shards", String(tasks), "--threads", "1"] }

    /// The longest task's estimated wall time with ``timeMargin``, in whole minutes (at least 5).
    public var taskMinutes: Int {
        let slowest = Shard.all(count: tasks).map(cost.seconds(of:)).max() ?? 0
        let seconds = (slowest - cost.startSeconds) / Double(cpusPerTask) + cost.startSeconds
        return max(5, Int((seconds * Self.timeMargin / 60).rounded(.up)))
    }

    /// The preparation job's estimated wall time with ``timeMargin``, in whole minutes (at
    /// least 5); 0 without one. It is estimated on one core: ROAR's base model trains on one
    /// thread, and only the maps use the job's other cores.
    public var preparationMinutes: Int {
        guard let preparation = cost.preparation else { return 0 }
        let seconds = preparation.seconds + cost.startSeconds
        return max(5, Int((seconds * Self.timeMargin / 60).rounded(.up)))
    }

    /// The collect job's wall time: reading the data and every unit's predictions, hashing
    /// them, an audit's latency measurement, writing the report; in whole minutes (at least 5).
    public var collectMinutes: Int {
        max(5, Int(((cost.startSeconds * 4 + cost.collectSeconds) * Self.timeMargin / 60).rounded(.up)))
    }

    /// Memory per task in MiB: the measured peak with ``memoryMargin``, at least 512 MiB.
    public var memoryMiB: Int {
        max(512, Int((Double(cost.peakMemoryBytes) * Self.memoryMargin / Double(1 << 20) / 64).rounded(.up)) * 64)
    }

    /// One line per fact a user checks before submitting.
    public var summaryLines: [String] {
        let total = cost.units.map(\.seconds).reduce(0, +)
        let preparation = cost.preparation.map {
            "first, once: \($0.name), \(Self.readable($0.seconds)) core-seconds estimated; \(preparationMinutes) min"
        }
        return [
            "work units: \(cost.units.count), \(Self.readable(total)) core-seconds estimated in total from a measured training step of \(Self.readable(cost.stepSeconds * 1000)) ms, evaluation at \(Self.readable(cost.evaluationSecondsPerExample * 1e6)) µs per example and a start of \(String(format: "%.2g", cost.startSeconds)) s",
            "tasks: \(tasks) x \(cpusPerTask) core(s), \(memoryMiB) MiB, \(taskMinutes) min each (\(Self.timeMargin)x the slowest task's estimate); collect: \(collectMinutes) min"
                + (cost.collectSeconds > 0
                    ? " (latency measurement at most \(Self.readable(cost.collectSeconds)) s of it)" : ""),
            "kernel path pinned to \(kernelPath) (LOUPE_KERNELS) for results bit-identical to one machine",
        ] + (preparation.map { [$0] } ?? [])
    }

    /// Three significant digits, in whole numbers from 1,000 up ("3000", not "3e+03").
    static func readable(_ value: Double) -> String {
        String(format: value >= 1000 ? "%.0f" : "%.3g", value)
    }

    /// `arguments` without `--threads N` or `--threads=N`.
    static func withoutThreads(_ arguments: [String]) -> [String] {
        var kept: [String] = []
        var index = 0
        while index < arguments.count {
            if arguments[index] == "--threads" {
                index += 2
                continue
            }
            if !arguments[index].hasPrefix("--threads=") { kept.append(arguments[index]) }
            index += 1
        }
        return kept
    }

    /// `H:MM:00` for SLURM's `--time`.
    static func slurmTime(minutes: Int) -> String { String(format: "%d:%02d:00", minutes / 60, minutes % 60) }

    /// `word` quoted for a POSIX shell when it needs to be.
    static func shellQuoted(_ word: String) -> String {
        let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=,+@%")
        if !word.isEmpty, word.allSatisfy({ safe.contains($0) }) { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
