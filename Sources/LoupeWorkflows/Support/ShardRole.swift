import Foundation
import LoupeSupport

/// The part a process plays in a run whose work units (population members, retrains) may be
/// split among tasks of a cluster's job array over a shared run folder.
public enum ShardRole: Sendable, Equatable {
    /// Make every missing unit, then write the outputs: a run on one machine.
    case whole
    /// Make only this shard's missing units and write no outputs.
    case task(Shard)
    /// Make no unit: check that every one is present and intact (naming the missing ones and,
    /// with the shard count, the shards that own them), then write the outputs.
    case collect(shardCount: Int?)

    /// The role the options and environment give:
    /// - `--shard K/N`: shard K of N;
    /// - `--collect` (with `--shards N` to name the shards of missing units): collect;
    /// - `--shards N`: the task index from `SLURM_ARRAY_TASK_ID` or Kubernetes'
    ///   `JOB_COMPLETION_INDEX`;
    /// - none of them, inside a SLURM job array (`SLURM_ARRAY_TASK_ID` and
    ///   `SLURM_ARRAY_TASK_COUNT`): that task of that many, provided the array's indices are
    ///   `0..<count` (a re-submitted subset, such as `--array=3,5`, needs `--shards`);
    /// - otherwise the whole run.
    public static func resolve(
        shard: String?, shards: Int?, collect: Bool, environment: [String: String]
    ) throws(InputError) -> ShardRole {
        if let shards, shards < 1 { throw InputError(source: "--shards", problem: "must be positive, got \(shards)") }
        if collect {
            guard shard == nil else {
                throw InputError(source: "--collect", problem: "cannot be combined with --shard")
            }
            return .collect(shardCount: shards)
        }
        if let shard {
            let parsed = try Shard(parsing: shard)
            if let shards, shards != parsed.count {
                throw InputError(source: "--shards", problem: "\(shards) disagrees with --shard \(shard)")
            }
            return .task(parsed)
        }
        let slurmID = environment["SLURM_ARRAY_TASK_ID"].flatMap { $0.isEmpty ? nil : $0 }
        let kubernetesIndex = environment["JOB_COMPLETION_INDEX"].flatMap { $0.isEmpty ? nil : $0 }
        if let shards {
            guard
                let (name, text) = slurmID.map({ ("SLURM_ARRAY_TASK_ID", $0) })
                    ?? kubernetesIndex.map({ ("JOB_COMPLETION_INDEX", $0) })
            else {
                throw InputError(
                    source: "--shards",
                    problem:
                        "needs the task index: --shard K/N, or SLURM_ARRAY_TASK_ID (a SLURM job array) or JOB_COMPLETION_INDEX (a Kubernetes Indexed Job) in the environment"
                )
            }
            guard let index = Int(text) else { throw InputError(source: name, problem: "is not a number: '\(text)'") }
            return .task(try Shard(index: index, count: shards, source: name))
        }
        guard let slurmID else { return .whole }
        guard let countText = environment["SLURM_ARRAY_TASK_COUNT"] else {
            throw InputError(
                source: "SLURM_ARRAY_TASK_ID", problem: "is set without SLURM_ARRAY_TASK_COUNT; pass --shards N")
        }
        guard let count = Int(countText) else {
            throw InputError(
                source: "SLURM_ARRAY_TASK_COUNT", problem: "is not a count: \(EscapedText.quoted(countText))")
        }
        guard let index = Int(slurmID) else {
            throw InputError(source: "SLURM_ARRAY_TASK_ID", problem: "is not a number: '\(slurmID)'")
        }
        let minimum = environment["SLURM_ARRAY_TASK_MIN"].flatMap { Int($0) } ?? 0
        let maximum = environment["SLURM_ARRAY_TASK_MAX"].flatMap { Int($0) } ?? count - 1
        guard minimum == 0, maximum == count - 1 else {
            throw InputError(
                source: "SLURM_ARRAY_TASK_ID",
                problem:
                    "the job array's indices are \(minimum)...\(maximum) for \(count) tasks, not 0...\(count - 1), so the shard count is unknown; pass --shards N"
            )
        }
        return .task(try Shard(index: index, count: count, source: "SLURM_ARRAY_TASK_ID"))
    }
}
