import Foundation
import LoupeCompress
import LoupeData
import LoupeReport
import LoupeSupport

/// Trains (or resumes) a population of models per compression variant into a run folder:
/// every member's weights, logits and predictions.
public struct PopulationWorkflow {
    public struct Configuration: Sendable {
        public var data: DataSource
        public var population: PopulationRecipe
        /// The run folder.
        public var output: URL
        /// A run on one machine, a shard task (``runShard(progress:)``) or the collection of
        /// the members the tasks made.
        public var role: ShardRole = .whole

        public init(data: DataSource, population: PopulationRecipe, output: URL) {
            (self.data, self.population, self.output) = (data, population, output)
        }
    }

    /// The trained population, in the run folder.
    public struct Result {
        public var spec: PopulationSpec
        public var population: PopulationResult
        var directory: RunDirectory
        var shardRecords: [ShardRecord]

        /// The run folder.
        public var folder: URL { directory.url }

        /// One line per variant: mean and standard deviation of the members' accuracy,
        /// sparsity, model size. The variant column is as wide as the longest name.
        public var summaryLines: [String] {
            let width = max(18, population.records.keys.map(\.name.count).max() ?? 0)
            var lines = [
                "variant".padding(toLength: width, withPad: " ", startingAt: 0)
                    + " members  accuracy (mean ± sd)  sparsity  size on disk"
            ]
            for (variant, records) in population.records.sorted(by: { $0.key.name < $1.key.name }) {
                let accuracies = records.map(\.accuracy)
                let mean = accuracies.reduce(0, +) / Double(accuracies.count)
                let sd =
                    (accuracies.map { ($0 - mean) * ($0 - mean) }.reduce(0, +)
                    / Double(max(accuracies.count - 1, 1))).squareRoot()
                let sparsity = records.map(\.sparsity).reduce(0, +) / Double(records.count)
                let size = records.map(\.bytesOnDisk).reduce(0, +) / max(records.count, 1)
                lines.append(
                    variant.name.padding(toLength: width, withPad: " ", startingAt: 0)
                        + String(
                            format: " %7d  %.4f ± %.4f       %.2f      %d KB", records.count, mean, sd, sparsity,
                            size / 1024))
            }
            return lines
        }

        /// Writes `manifest.json` into the run folder (`folder` must be it), listing every member.
        public func write(to folder: URL) throws -> [String] {
            try RunDirectory.requireSame(folder, as: directory.url)
            var directory = directory
            directory.recordPhases(population.memberSeconds)
            directory.recordShardTasks(shardRecords)
            directory.recordOutputs(under: ["population.json"] + spec.orderedVariants.map(\.name))
            try directory.finish()
            return ["manifest.json"]
        }
    }

    public var configuration: Configuration

    public init(_ configuration: Configuration) { self.configuration = configuration }

    /// Makes the missing members of the shard's work units (the configuration's role must be
    /// a shard task) into the run folder, shared with the run's other tasks; writes no manifest.
    public func runShard(progress: any WorkflowProgress) throws -> ShardReport {
        guard case .task(let shard) = configuration.role else {
            throw OptionError("runShard needs a shard task's role")
        }
        let clock = ShardTaskClock(shard)  // from before the data is read: start-up counts
        let splits = try configuration.data.load().splits
        let (spec, baseModels) = try configuration.population.makePopulation(
            data: configuration.data.description, train: splits.train)
        let folder = try RunDirectory.claim(path: configuration.output.relativePath, shared: true).folder
        return try runPopulationShard(
            clock, spec: spec, baseModels: baseModels, splits: splits, evaluate: splits.test, directory: folder,
            runFolder: folder, threads: configuration.population.threads, progress: progress)
    }

    /// Trains the members that are missing and verifies the ones already there (collecting:
    /// trains none, and every one must be there).
    public func run(progress: any WorkflowProgress) throws -> Result {
        if case .task = configuration.role { throw OptionError("a shard task writes no manifest: use runShard") }
        let splits = try configuration.data.load().splits
        let recipe = configuration.population
        let (spec, baseModels) = try recipe.makePopulation(data: configuration.data.description, train: splits.train)
        var directory = try RunDirectory(
            path: configuration.output.relativePath, configuration: spec, seeds: ["first member": spec.firstSeed],
            threads: recipe.threads)
        try directory.recordInputs(
            splits.train.sources + splits.test.sources + (recipe.baseModels ?? []).flatMap(ModelFile.inputs))
        directory.recordData([splits.train, splits.test])
        let shardRecords = try ShardRecord.read(in: directory.url)
        if let warning = ShardRecord.kernelPathWarning(shardRecords) { progress.log(warning) }
        var shardCount: Int?
        if case .collect(let count) = configuration.role {
            shardCount = count ?? ShardRecord.shardCount(of: shardRecords)
        }
        let result = try runPopulation(
            spec: spec, baseModels: baseModels, splits: splits, directory: directory.url, threads: recipe.threads,
            collecting: configuration.role != .whole, shardCount: shardCount, progress: progress)
        return Result(spec: spec, population: result, directory: directory, shardRecords: shardRecords)
    }
}
