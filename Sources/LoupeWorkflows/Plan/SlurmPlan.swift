import Foundation

/// The files a SLURM user submits for a ``ClusterPlan``: a job array with one task per shard,
/// a job that collects the outputs once every task has succeeded, and `submit.sh`, which
/// submits both (or, with `--indices 3,5`, only those tasks again and a new collect). When the
/// units need something made first (ROAR's base model and maps), a preparation job runs
/// before the array, which waits for it to succeed.
public struct SlurmPlan: Sendable {
    public var plan: ClusterPlan
    /// The `loupe` executable every task runs (an absolute path on the shared filesystem).
    public var executable: String
    /// The folder the command's relative paths resolve against.
    public var workingDirectory: String
    /// The folder the scripts are written to (job logs go to its `logs/`).
    public var folder: String
    public var partition: String?
    public var account: String?

    public init(plan: ClusterPlan, executable: String, workingDirectory: String, folder: String) {
        (self.plan, self.executable, self.workingDirectory, self.folder) = (plan, executable, workingDirectory, folder)
    }

    /// File name and content of each script, `submit.sh` last.
    public var files: [(name: String, text: String)] {
        (preparationScript.map { [("prepare.sbatch", $0)] } ?? [])
            + [("array.sbatch", arrayScript), ("collect.sbatch", collectScript), ("submit.sh", submitScript)]
    }

    private func header(_ title: String, job: String?, minutes: Int, cpus: Int) -> [String] {
        let array = job == nil
        var lines = [
            "#!/bin/bash",
            "# \(title), written by `loupe plan slurm`.",
            "#SBATCH --job-name=\(plan.name)\(job.map { "-" + $0 } ?? "")",
        ]
        if array { lines.append("#SBATCH --array=0-\(plan.tasks - 1)") }
        lines += [
            "#SBATCH --cpus-per-task=\(cpus)",
            "#SBATCH --mem=\(plan.memoryMiB)M",
            "#SBATCH --time=\(ClusterPlan.slurmTime(minutes: minutes))",
            "#SBATCH --chdir=\(workingDirectory)",
            "#SBATCH --output=\(folder)/logs/%x-\(array ? "%A_%a" : "%j").out",
        ]
        if let partition { lines.append("#SBATCH --partition=\(partition)") }
        if let account { lines.append("#SBATCH --account=\(account)") }
        return lines + ["set -euo pipefail", "export LOUPE_KERNELS=\(plan.kernelPath)"]
    }

    private func command(_ arguments: [String]) -> String {
        "exec " + ([executable] + arguments).map(ClusterPlan.shellQuoted).joined(separator: " ")
    }

    var preparationScript: String? {
        plan.preparationArguments.map {
            (header(
                "Makes what every work unit needs, before the array", job: "prepare",
                minutes: plan.preparationMinutes, cpus: plan.cpusPerTask)
                + [command($0)]).joined(separator: "\n") + "\n"
        }
    }

    var arrayScript: String {
        (header(
            "One task per shard; SLURM_ARRAY_TASK_ID is the shard", job: nil, minutes: plan.taskMinutes,
            cpus: plan.cpusPerTask)
            + plan.summaryLines.map { "# " + $0 } + [command(plan.taskArguments)]).joined(separator: "\n") + "\n"
    }

    var collectScript: String {
        (header(
            "Checks every shard's units and writes the outputs", job: "collect", minutes: plan.collectMinutes,
            cpus: 1)
            + [command(plan.collectArguments)]).joined(separator: "\n") + "\n"
    }

    var submitScript: String {
        let preparation =
            plan.preparationArguments == nil
            ? ""
            : """
            if ((${#array_args[@]} == 0)); then
              prepare=$(sbatch --parsable prepare.sbatch)
              prepare=${prepare%%;*}
              echo "prepare $prepare"
              array_args=("--dependency=afterok:$prepare" --kill-on-invalid-dep=yes)
            fi

            """
        return """
            #!/bin/bash
            # Submits the job array and then the collect job, held until every task has succeeded.
            # `submit.sh --indices 3,5` runs only those tasks again (after a failure or a
            # preemption; units already made are verified and kept) and a new collect job.
            set -euo pipefail
            cd "$(dirname "$0")"
            mkdir -p logs
            array_args=()
            if [[ "${1:-}" == --indices ]]; then
              [[ "${2:-}" =~ ^[0-9]+(,[0-9]+)*$ ]] || { echo "submit.sh: --indices wants a list such as 3,5" >&2; exit 2; }
              array_args=("--array=$2")
            elif (($# > 0)); then
              echo "usage: submit.sh [--indices 3,5]" >&2
              exit 2
            fi
            \(preparation)array=$(sbatch --parsable "${array_args[@]}" array.sbatch)
            array=${array%%;*}
            collect=$(sbatch --parsable --dependency="afterok:$array" --kill-on-invalid-dep=yes collect.sbatch)
            echo "array $array"
            echo "collect ${collect%%;*}"

            """
    }
}
