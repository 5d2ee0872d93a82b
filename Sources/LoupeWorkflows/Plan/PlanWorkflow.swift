import Foundation
import LoupeCompress
import LoupeData
import LoupeSupport

/// Lays a population run (`loupe audit` or `loupe population`) out for a cluster: measures its
/// work units on this machine and writes what a user submits to SLURM or Kubernetes.
public struct PlanWorkflow {
    /// The cluster engines a plan is written for.
    public enum Engine: String, CaseIterable, Sendable {
        case slurm, kubernetes
    }

    public struct Configuration: Sendable {
        public var engine: Engine
        /// The planned loupe command's arguments, without the program name.
        public var arguments: [String]
        /// What the planned command trains.
        public var data: DataSource
        public var population: PopulationRecipe
        public var evaluate: EvaluatedSplit = .test
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

        public init(
            engine: Engine, arguments: [String], data: DataSource, population: PopulationRecipe, output: URL
        ) {
            (self.engine, self.arguments, self.data, self.population, self.output) = (
                engine, arguments, data, population, output
            )
        }
    }

    public struct Result: Sendable {
        public var plan: ClusterPlan
        /// The files written, in the plan's folder.
        public var files: [URL]
    }

    public var configuration: Configuration

    public init(_ configuration: Configuration) { self.configuration = configuration }

    public func run(progress: any WorkflowProgress) throws -> Result {
        let config = configuration
        let start = Stopwatch()
        let splits = try config.data.load().splits
        let (spec, _) = try config.population.makePopulation(data: config.data.description, train: splits.train)
        let startSeconds = start.elapsedSeconds
        progress.log(
            "plan: measuring a work unit of \(spec.architecture.name) on \(splits.train.count) images, one thread")
        let cost = try WorkUnitCost.measure(
            spec: spec, givenModels: spec.baseModels != nil, train: splits.train,
            evaluate: config.evaluate == .test ? splits.test : splits.train, startSeconds: startSeconds)
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
