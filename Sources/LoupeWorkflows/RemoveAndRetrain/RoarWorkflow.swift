import Foundation
import LoupeAttribution
import LoupeData
import LoupeNN
import LoupeReport
import LoupeSupport

/// Remove and retrain (ROAR) and keep and retrain (KAR): per method, fraction and mode, the
/// top-ranked (or all other) input elements are replaced by the channel mean, fresh models are
/// retrained on the modified training set and evaluated on the modified test set. The base
/// model, the maps and every retrain are cached in the run folder, so a run resumes.
///
/// The retrains are the work units of a run split among the tasks of a cluster job array
/// (``runShard(progress:)``), collected by ``run(progress:)`` into the outputs of a run on one
/// machine.
public struct RoarWorkflow {
    public struct Configuration: Sendable {
        public var data: DataSource
        /// Every model's recipe (4 epochs by default, with a cosine schedule).
        public var model: ModelRecipe
        /// Attribution methods and the controls `random` and `blurred-random`.
        public var methods: [String]
        /// Fractions of input elements, in percent, ascending, each in (0, 100).
        public var percents: [Double] = [10, 30, 50, 70, 90]
        public var modes: [RetrainMode] = [.roar, .kar]
        /// Models retrained from scratch per method, fraction and mode.
        public var retrains = 5
        /// Seed of the base model (retrain r uses seed + 1 + r) and of every random map.
        public var seed: UInt64 = 0
        /// Sigma in pixels of the blurred-random control's Gaussian blur.
        public var blurSigma = 2.0
        public var settings = MethodSettings()
        /// Use only this many training (test) examples, evenly spaced through the split.
        public var trainLimit: Int?
        public var testLimit: Int?
        /// Models trained at once, one per core; results do not depend on it.
        public var threads: Int
        /// The run folder.
        public var output: URL
        /// A run on one machine, a shard task (``runShard(progress:)``) or the collection of
        /// the retrains the tasks made.
        public var role: ShardRole = .whole

        public init(data: DataSource, model: ModelRecipe, methods: [String], threads: Int, output: URL) {
            (self.data, self.model, self.methods, self.threads, self.output) = (data, model, methods, threads, output)
        }
    }

    /// Every cell's accuracies, in the run folder that caches them.
    public struct Result {
        public var spec: RemoveAndRetrainSpec
        public var result: RemoveAndRetrainResult
        /// Seconds the run took.
        public var wallSeconds: Double
        var directory: RunDirectory
        var threads: Int
        var shardRecords: [ShardRecord] = []

        /// The run folder.
        public var folder: URL { directory.url }

        var outputs: RoarOutputs {
            RoarOutputs(spec: spec, result: result, threads: threads, wallSeconds: wallSeconds)
        }

        /// The ranking as a table for the terminal.
        public var rankingText: String { outputs.rankingText }

        /// Training images per second of retraining.
        public var imagesPerSecond: Double { outputs.imagesPerSecond }

        /// Writes roar.csv, ranking.csv, roar.svg and kar.svg (the modes run), summary.json and
        /// manifest.json into the run folder (`folder` must be it); returns the names written
        /// before the manifest.
        public func write(to folder: URL) throws -> [String] {
            try RunDirectory.requireSame(folder, as: directory.url)
            var directory = directory
            directory.recordShardTasks(shardRecords)
            let written = try outputs.write(into: &directory)
            directory.recordOutputs(under: ["roar.json", "base", "maps", "cells"])
            try directory.finish()
            return written
        }
    }

    public var configuration: Configuration

    public init(_ configuration: Configuration) { self.configuration = configuration }

    /// Checks what needs no data: the method names, the modes, the counts.
    public static func validate(_ configuration: Configuration) throws(InputError) {
        for name in configuration.methods {
            _ = try rankingSource(name, configuration: configuration, inputRange: .unit)
        }
        guard configuration.threads > 0 else {
            throw InputError(source: "--threads", problem: "must be positive, got \(configuration.threads)")
        }
        for (name, limit) in [("--train-limit", configuration.trainLimit), ("--test-limit", configuration.testLimit)] {
            if let limit, limit < 1 { throw InputError(source: name, problem: "must be positive, got \(limit)") }
        }
    }

    /// The benchmark the configuration describes, and the data and methods it runs on.
    struct Benchmark {
        var spec: RemoveAndRetrainSpec
        var splits: DatasetSplits
        var methods: [any AttributionMethod]
    }

    /// Loads the data (limited as configured) and makes the benchmark's spec, checking both.
    func benchmark() throws -> Benchmark {
        let config = configuration
        try Self.validate(config)
        var splits = try config.data.load().splits
        var data = config.data.description
        if let trainLimit = config.trainLimit, trainLimit < splits.train.count {
            splits.train = splits.train.subset(Self.evenlySpaced(trainLimit, of: splits.train.count))
            data += "; \(trainLimit) training examples evenly spaced"
        }
        if let testLimit = config.testLimit, testLimit < splits.test.count {
            splits.test = splits.test.subset(Self.evenlySpaced(testLimit, of: splits.test.count))
            data += "; \(testLimit) test examples evenly spaced"
        }
        let rankingSources = try config.methods.map {
            try Self.rankingSource($0, configuration: config, inputRange: InputRange(of: splits.train))
        }
        let training = config.model.training(defaultEpochs: 4, defaultSchedule: .cosine(minimum: 0))
        guard training.epochs >= 1 else {
            throw InputError(source: "--epochs", problem: "must be at least 1, got \(training.epochs)")
        }
        var spec = RemoveAndRetrainSpec(
            data: data, trainCount: splits.train.count, testCount: splits.test.count,
            architecture: try config.model.architecture(for: splits.train), training: training, seed: config.seed,
            methods: config.methods, percents: config.percents, modes: config.modes, retrains: config.retrains)
        spec.blurSigma = config.blurSigma
        spec.integratedGradientsSteps = config.settings.steps
        spec.noisySamples = config.settings.samples
        spec.noiseFraction = Double(config.settings.noise)
        try spec.validate()
        try training.validate(for: splits.train)
        return Benchmark(spec: spec, splits: splits, methods: rankingSources)
    }

    /// Makes the missing retrains of the shard's work units (the configuration's role must be
    /// a shard task), and the base model and maps they need if those are missing, into the run
    /// folder, shared with the run's other tasks; writes no outputs.
    public func runShard(progress: any WorkflowProgress) throws -> ShardReport {
        let config = configuration
        guard case .task(let shard) = config.role else { throw OptionError("runShard needs a shard task's role") }
        let clock = ShardTaskClock(shard)
        let benchmark = try benchmark()
        let (spec, splits) = (benchmark.spec, benchmark.splits)
        let folder = try RunDirectory.claim(path: config.output.relativePath, shared: true).folder
        let runner = try RemoveAndRetrainRunner(spec: spec, directory: folder)
        let owned = runner.jobs.indices.filter { shard.owns(unit: $0) }.count
        if let line = spec.architecture.normalizationLine { progress.log(line) }
        progress.log(
            "roar shard \(shard): \(owned) of \(runner.jobs.count) retrains (\(config.methods.count) methods x \(config.percents.count) fractions x \(config.modes.count) modes x \(config.retrains) retrains) of \(spec.architecture.name), \(spec.training.epochs) epochs on \(splits.train.count) training images; evaluated on \(splits.test.count)"
        )
        let events = RoarProgress(progress, shard: shard)
        let made = try runner.runShard(
            shard, train: splits.train, test: splits.test, methods: benchmark.methods, threads: config.threads,
            events: { events.handle($0) })
        events.stop()
        var (results, seconds) = Self.madePrerequisites(made)
        results = made.records.map { RoarOutputs.phaseName(of: $0.record) } + results
        for (record, reused) in made.records where !reused {
            seconds[RoarOutputs.phaseName(of: record)] = record.seconds
        }
        return try clock.finish(
            units: made.units.map(\.name), unitCount: made.unitCount, results: results, madeSeconds: seconds,
            in: folder)
    }

    /// Makes the base model and every method's maps when they are missing, and no retrain,
    /// into the run folder (shared with the array's tasks, which then find them made); writes
    /// its record beside the tasks' and no outputs. A cluster plan's first job runs it.
    public func runPreparation(progress: any WorkflowProgress) throws -> ShardRecord {
        let clock = TaskClock()
        let benchmark = try benchmark()
        let (spec, splits) = (benchmark.spec, benchmark.splits)
        let folder = try RunDirectory.claim(path: configuration.output.relativePath, shared: true).folder
        let runner = try RemoveAndRetrainRunner(spec: spec, directory: folder)
        if let line = spec.architecture.normalizationLine { progress.log(line) }
        progress.log(
            "roar preparation: the base model (\(spec.architecture.name), \(spec.training.epochs) epochs on \(splits.train.count) training images) and the maps of \(configuration.methods.joined(separator: ", ")) for the \(runner.jobs.count) retrains"
        )
        let events = RoarProgress(progress)
        let made = try runner.prepareAll(
            train: splits.train, test: splits.test, methods: benchmark.methods, threads: configuration.threads,
            events: { events.handle($0) })
        events.stop()
        let (results, seconds) = Self.madePrerequisites(made)
        let record = clock.record(shard: ShardRecord.preparation, results: results, madeSeconds: seconds)
        try record.writePreparation(in: folder)
        return record
    }

    /// The base model and maps `made` holds (every method's, when the task made them), by
    /// name, with the seconds of those it made.
    static func madePrerequisites(_ made: RemoveAndRetrainShardResult) -> ([String], [String: Double]) {
        var results: [String] = []
        var seconds: [String: Double] = [:]
        if let base = made.madeBaseModel {
            results.append("base model")
            seconds["base model"] = base.seconds
        }
        for maps in made.madeMaps {
            results.append("maps \(maps.method)")
            seconds["maps \(maps.method)"] = maps.seconds
        }
        return (results, seconds)
    }

    /// Runs the benchmark, making what is missing (collecting: making nothing, and every
    /// retrain must be there); the result is written by ``Result/write(to:)``.
    public func run(progress: any WorkflowProgress) throws -> Result {
        let watch = Stopwatch()
        let config = configuration
        if case .task = config.role { throw OptionError("a shard task writes no outputs: use runShard") }
        let benchmark = try benchmark()
        let (spec, splits, threads) = (benchmark.spec, benchmark.splits, config.threads)

        var directory = try RunDirectory(
            path: config.output.relativePath, configuration: spec,
            seeds: ["seed": config.seed, "split": config.data.splitSeed], threads: threads)
        try directory.recordInputs(splits.train.sources + splits.test.sources)
        directory.recordData([splits.train, splits.test])
        // Shard tasks may have made some or all retrains (a plain run then collects them too).
        let shardRecords = try ShardRecord.read(in: directory.url)
        if let warning = ShardRecord.kernelPathWarning(shardRecords) { progress.log(warning) }
        var shardCount: Int?
        let collecting = config.role != .whole
        if case .collect(let count) = config.role { shardCount = count ?? ShardRecord.shardCount(of: shardRecords) }
        let runner = try RemoveAndRetrainRunner(spec: spec, directory: directory.url, writingSpec: !collecting)
        if collecting {
            progress.log("roar: collecting \(runner.jobs.count) retrains from \(directory.url.relativePath)")
        } else {
            if let line = spec.architecture.normalizationLine { progress.log(line) }
            progress.log(
                "roar: \(config.methods.count) methods x \(config.percents.count) fractions x \(config.modes.count) modes x \(config.retrains) retrains of \(spec.architecture.name), \(spec.training.epochs) epochs on \(splits.train.count) training images; evaluated on \(splits.test.count)"
            )
        }
        let events = RoarProgress(progress)
        let result = try runner.run(
            train: splits.train, test: splits.test, methods: benchmark.methods, threads: threads,
            makeMissing: !collecting, shardCount: shardCount, events: { events.handle($0) })
        events.stop()
        return Result(
            spec: spec, result: result, wallSeconds: watch.elapsedSeconds, directory: directory, threads: threads,
            shardRecords: shardRecords)
    }

    /// The controls by name, every other name through the attribution method parser, for data
    /// in `inputRange`.
    static func rankingSource(_ name: String, configuration: Configuration, inputRange: InputRange)
        throws(InputError) -> any AttributionMethod
    {
        switch name {
        case "random": return RandomRankingControl()
        case "blurred-random":
            let sigma = configuration.blurSigma
            // The blur's radius is 3 sigma; a sigma of 1e9 asked for 48 GB of kernel and noise,
            // and 1e30 overflowed. 100 pixels is more than any image Loupe reads needs.
            guard sigma > 0, sigma <= 100 else {
                throw InputError(source: "--blur-sigma", problem: "must be in (0, 100] pixels, got \(sigma)")
            }
            return BlurredRandomRankingControl(sigma: sigma)
        case "":
            throw InputError(
                source: "--methods",
                problem: "empty method name in '\(configuration.methods.joined(separator: ","))'")
        default:
            do {
                return try AttributionMethodParser.method(
                    named: name, settings: configuration.settings.settings(inputRange: inputRange))
            } catch {
                // This command's option is --methods; errors of --steps and the like stay as they are.
                throw error.source == "--method" ? InputError(source: "--methods", problem: error.problem) : error
            }
        }
    }

    /// `count` positions of `0..<total` spread evenly: `i * total / count` (data files are
    /// often sorted by class, so the first ones would be one class).
    static func evenlySpaced(_ count: Int, of total: Int) -> [Int] {
        (0..<count).map { $0 * total / count }
    }
}
