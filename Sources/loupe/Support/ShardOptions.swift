import ArgumentParser
import Foundation
import LoupeSupport
import LoupeWorkflows

/// Options that split a command's work units among the tasks of a cluster job array
/// (SLURM, Kubernetes Indexed Jobs) sharing the run folder, and collect their outputs.
struct ShardOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Make only the work units whose number modulo N is K (a task of a job array), into the shared --out; write no outputs.",
            valueName: "K/N"))
    var shard: String?
    @Option(
        help: ArgumentHelp(
            "The shard count N when K comes from the environment: SLURM_ARRAY_TASK_ID or Kubernetes' JOB_COMPLETION_INDEX. With --collect: names the shards of missing units.",
            valueName: "N"))
    var shards: Int?
    @Flag(
        help:
            "Make no work unit: check that every one the shards made is present and intact (naming the missing ones and their shards), then write the outputs."
    )
    var collect = false

    /// Checks the options on their own; the task index an environment supplies is checked
    /// when the command runs (a stand-in index 0 takes its place here).
    func validate() throws {
        do { _ = try role(environment: ["JOB_COMPLETION_INDEX": "0"]) } catch {
            throw ValidationError(error.description)
        }
    }

    /// The part this process plays, from the options and the environment (``ShardRole/resolve``).
    func role(environment: [String: String] = ProcessInfo.processInfo.environment) throws(InputError) -> ShardRole {
        try ShardRole.resolve(shard: shard, shards: shards, collect: collect, environment: environment)
    }
}
