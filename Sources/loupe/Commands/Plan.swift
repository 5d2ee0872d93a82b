import ArgumentParser
import Foundation
import LoupeWorkflows

struct Plan: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Write what a cluster runs: an audit, population, difficulty or ROAR run as a SLURM job array or a Kubernetes Indexed Job.",
        discussion: """
            `loupe plan slurm -- audit --members 30 --out runs/a` measures one work unit of the \
            command on this machine (a short burst of training and evaluation on one thread) and \
            writes array.sbatch (one task per shard, `--shards N` with SLURM_ARRAY_TASK_ID), \
            collect.sbatch (`--collect`, after every task succeeded) and submit.sh, with time and \
            memory per task from the measurement. `loupe plan kubernetes` writes an Indexed Job \
            (JOB_COMPLETION_INDEX), a collect Job and submit.sh. The run folder must be on a \
            filesystem every task shares; tasks that run the same unit twice write the same bytes.

            `loupe plan slurm -- difficulty ...` shards a difficulty run's main run, extra EL2N \
            runs and confident-learning folds; `loupe plan slurm -- benchmark roar ...` shards \
            the retrains, after a preparation job (prepare.sbatch, `--prepare`; for Kubernetes \
            prepare-job.yaml) that makes the base model and every method's maps once.
            """)

    @Argument(help: "slurm or kubernetes.") var engine: PlanWorkflow.Engine
    @Option(help: "Folder for the plan's files.") var out: String = "plan"
    @Option(help: "Tasks of the array (one per work unit by default; fewer tasks take several units each).")
    var tasks: Int?
    @Option(help: "Cores per task: members a task makes at once.") var cpusPerTask: Int = 1
    @Option(help: "SLURM partition.") var partition: String?
    @Option(help: "SLURM account.") var account: String?
    @Option(help: "SLURM: the loupe executable the tasks run (this one by default).") var loupe: String?
    @Option(help: "Kubernetes: the container image with loupe on its PATH.") var image: String = "loupe:latest"
    @Option(help: "Kubernetes: the PersistentVolumeClaim of the shared run folder.") var claim: String = "loupe-runs"
    @Option(help: "Kubernetes: where the claim is mounted; the command's relative paths resolve against it.")
    var mountPath: String = "/work"
    @Argument(
        parsing: .postTerminator,
        help: "The loupe command to plan, after `--`: audit, population, difficulty or benchmark roar.")
    var command: [String] = []

    func validate() throws {
        try validateOutputFolder(out)
        guard let first = command.first else {
            throw ValidationError("name the command to plan after --, such as: loupe plan slurm -- audit --out runs/a")
        }
        let name = first == "benchmark" ? command.prefix(2).joined(separator: " ") : first
        guard ["audit", "population", "difficulty", "benchmark roar"].contains(name) else {
            throw ValidationError(
                "plan: '\(name)' is not sharded; plan audit, population, difficulty or benchmark roar")
        }
        if command.contains(where: {
            ["--shard", "--shards", "--collect", "--prepare"].contains($0.split(separator: "=").first.map(String.init))
        }) {
            throw ValidationError(
                "plan: the planned command must not shard itself; the plan adds --shards, --prepare and --collect")
        }
        if let tasks, tasks < 1 { throw ValidationError("--tasks must be positive, got \(tasks)") }
        guard mountPath.hasPrefix("/") else {
            throw ValidationError("--mount-path must be absolute, got '\(mountPath)'")
        }
        guard cpusPerTask >= 1 else { throw ValidationError("--cpus-per-task must be positive, got \(cpusPerTask)") }
    }

    func run() throws {
        let parsed: any ParsableCommand
        do { parsed = try Loupe.parseAsRoot(command) } catch {
            throw ValidationError("plan: the planned command does not parse: \(Loupe.message(for: error))")
        }
        let output = URL(fileURLWithPath: out, isDirectory: true)
        var configuration: PlanWorkflow.Configuration
        switch parsed {
        case let audit as Audit:
            let planned = try audit.workflowConfiguration()
            guard planned.predictions == nil else {
                throw ValidationError("plan: an audit of predictions made elsewhere trains nothing to shard")
            }
            configuration = .init(
                engine: engine, arguments: command,
                work: .population(
                    planned.data, planned.population, evaluate: planned.evaluate, latencyRuns: planned.latencyRuns),
                output: output)
            configuration.runFolder = planned.output
        case let population as Population:
            let planned = try population.workflowConfiguration()
            configuration = .init(
                engine: engine, arguments: command,
                work: .population(planned.data, planned.population, evaluate: .test), output: output)
            configuration.runFolder = planned.output
        case let difficulty as Difficulty:
            let planned = try difficulty.workflowConfiguration()
            guard case .training = planned.source else {
                throw ValidationError("plan: a difficulty run from checkpoints or arrays trains nothing to shard")
            }
            configuration = .init(
                engine: engine, arguments: command, work: .difficulty(planned.data, planned.settings), output: output)
            configuration.runFolder = planned.output
        case let roar as RoarBenchmark:
            let planned = try roar.workflowConfiguration
            configuration = .init(engine: engine, arguments: command, work: .roar(planned), output: output)
            configuration.runFolder = planned.output
        default:
            throw ValidationError("plan: only audit, population, difficulty and benchmark roar are sharded")
        }
        configuration.tasks = tasks
        configuration.cpusPerTask = cpusPerTask
        configuration.partition = partition
        configuration.account = account
        configuration.executable =
            loupe ?? URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        configuration.image = image
        configuration.claim = claim
        configuration.mountPath = mountPath
        let result = try PlanWorkflow(configuration).run(progress: TerminalProgress())
        for line in result.plan.summaryLines { print(line) }
        print(
            "wrote \(result.files.map(\.lastPathComponent).joined(separator: ", ")) to \(URL(fileURLWithPath: out).standardizedFileURL.path)"
        )
    }
}

extension PlanWorkflow.Engine: ExpressibleByArgument {}
