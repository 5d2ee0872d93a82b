import Foundation
import LoupeCompress
import LoupeData
import LoupeNN
import LoupeSupport

/// Lays a run whose work units shard (`loupe audit`, `loupe population`, `loupe difficulty`,
/// `loupe benchmark roar`) out for a cluster: measures its work units on this machine and
/// writes what a user submits to SLURM or Kubernetes.
public struct PlanWorkflow {
    /// The cluster engines a plan is written for.
    public enum Engine: String, CaseIterable, Sendable {
        case slurm, kubernetes
    }

    /// What the planned command makes, unit by unit.
    public enum Work: Sendable {
        /// A population's members (`loupe audit`, `loupe population`), evaluated on a split;
        /// an audit's collect job also measures latency in `latencyRuns` rounds.
        case population(DataSource, PopulationRecipe, evaluate: EvaluatedSplit, latencyRuns: Int = 0)
        /// A difficulty run's main run, extra EL2N runs and confident-learning folds.
        case difficulty(DataSource, DifficultySettings)
        /// A remove-and-retrain benchmark's retrains, after its base model and maps.
        case roar(RoarWorkflow.Configuration)
    }

    public struct Configuration: Sendable {
        public var engine: Engine
        /// The planned loupe command's arguments, without the program name.
        public var arguments: [String]
        public var work: Work
        /// Tasks of the array: one per work unit unless fewer are asked for.
        public var tasks: Int?
        public var cpusPerTask = 1
        /// Where the plan's files are written.
        public var output: URL
        /// The planned command's run folder: the jobs are named after it.
        public var runFolder: URL?
        /// SLURM: the `loupe` executable, the working directory, partition and account.
        public var executable = CommandLine.arguments.first ?? "loupe"
        public var workingDirectory = FileManager.default.currentDirectoryPath
        public var partition: String?
        public var account: String?
        /// Kubernetes: the container image, the claim of the shared volume and where it is mounted.
        public var image = "loupe:latest"
        public var claim = "loupe-runs"
        public var mountPath = "/work"

        public init(engine: Engine, arguments: [String], work: Work, output: URL) {
            (self.engine, self.arguments, self.work, self.output) = (engine, arguments, work, output)
        }
    }

    public struct Result: Sendable {
        public var plan: ClusterPlan
        /// The files written, in the plan's folder.
        public var files: [URL]
    }

    public var configuration: Configuration

    /// Refuses values that go into `#SBATCH` lines but could end one: a newline in
    /// `--partition` started a line of shell in the script. Partitions and accounts are SLURM
    /// names (letters, digits and `._,:+-`); the folders may be any path without control
    /// characters.
    static func checkDirectiveValues(_ config: Configuration) throws {
        let nameCharacters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._,:+-")
        for case (let option, let value?) in [("--partition", config.partition), ("--account", config.account)]
        where value.isEmpty || !value.allSatisfy(nameCharacters.contains) {
            throw OptionError("\(option): \(EscapedText.quoted(value)) is not a SLURM name (letters, digits, ._,:+-)")
        }
        for (what, path) in [
            ("the working directory", config.workingDirectory), ("--out", config.output.standardizedFileURL.path),
        ] where path.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            throw OptionError("\(what) \(EscapedText.quoted(path, limit: 200)) holds a control character")
        }
    }

    public init(_ configuration: Configuration) { self.configuration = configuration }

    public func run(progress: any WorkflowProgress) throws -> Result {
        let config = configuration
        if config.engine == .slurm { try Self.checkDirectiveValues(config) }
        let cost = try measure(progress: progress)
        let name = Self.jobName((config.runFolder ?? config.output).standardizedFileURL.lastPathComponent)
        let plan = try ClusterPlan(
            arguments: config.arguments, cost: cost, tasks: config.tasks, cpusPerTask: config.cpusPerTask, name: name)
        let folder = config.output.standardizedFileURL
        let files: [(name: String, text: String)]
        switch config.engine {
        case .slurm:
            var slurm = SlurmPlan(
                plan: plan, executable: Self.absolute(config.executable), workingDirectory: config.workingDirectory,
                folder: folder.path)
            slurm.partition = config.partition
            slurm.account = config.account
            files = slurm.files
        case .kubernetes:
            files = try KubernetesPlan(
                plan: plan, image: config.image, claim: config.claim, mountPath: config.mountPath
            )
            .files
        }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var written: [URL] = []
        for file in files {
            let url = folder.appendingPathComponent(file.name)
            try AtomicFile.write(Data(file.text.utf8), to: url)
            if file.name.hasSuffix(".sh") || file.name.hasSuffix(".sbatch") {
                chmod(url.path, 0o755)
            }
            written.append(url)
        }
        return Result(plan: plan, files: written)
    }

    /// Reads the data and builds the run as a task would (timing it: a task's start), then
    /// measures its work units on one thread.
    func measure(progress: any WorkflowProgress) throws -> WorkUnitCost {
        let start = Stopwatch()
        func measuring(_ architecture: Architecture, _ examples: Int) {
            progress.log("plan: measuring the work units of \(architecture.name) on \(examples) images, one thread")
        }
        switch configuration.work {
        case .population(let data, let recipe, let evaluate, let latencyRuns):
            let splits = try data.load().splits
            let (spec, _) = try recipe.makePopulation(data: data.description, train: splits.train)
            let startSeconds = start.elapsedSeconds
            measuring(spec.architecture, splits.train.count)
            return try .population(
                spec: spec, givenModels: spec.baseModels != nil, train: splits.train,
                evaluate: evaluate == .test ? splits.test : splits.train, startSeconds: startSeconds,
                latencyRuns: latencyRuns)
        case .difficulty(let data, let settings):
            let train = try data.load().splits.train
            let run = try settings.makeRun(train: train)
            try run.validateTraining()
            let startSeconds = start.elapsedSeconds
            measuring(run.architecture, train.count)
            return try .difficulty(run: run, train: train, startSeconds: startSeconds)
        case .roar(let roar):
            let benchmark = try RoarWorkflow(roar).benchmark()
            let startSeconds = start.elapsedSeconds
            measuring(benchmark.spec.architecture, benchmark.splits.train.count)
            return try .roar(
                spec: benchmark.spec, methods: benchmark.methods, train: benchmark.splits.train,
                test: benchmark.splits.test, startSeconds: startSeconds)
        }
    }

    /// A job name from the run folder's name: lower-case letters, digits and hyphens, as
    /// Kubernetes names must be, prefixed `loupe-`.
    static func jobName(_ folder: String) -> String {
        let cleaned = folder.lowercased().map { $0.isLetter && $0.isASCII || $0.isNumber && $0.isASCII ? $0 : "-" }
        let trimmed = String(cleaned).split(separator: "-").joined(separator: "-")
        return "loupe-" + String((trimmed.isEmpty ? "run" : trimmed).prefix(40))
    }

    /// `path` made absolute against the working directory, resolving `/proc/self/exe` style
    /// names as they are (a task on another node needs a path, not a name relative to here).
    static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        if !path.contains("/") { return path }  // found on the PATH
        return URL(fileURLWithPath: path).standardizedFileURL.path
    }
}
