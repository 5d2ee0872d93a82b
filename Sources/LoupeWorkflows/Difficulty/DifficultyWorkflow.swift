import Foundation
import LoupeAudit
import LoupeData
import LoupeNN
import LoupeReport
import LoupeSupport

/// Ranks every training example by difficulty: VoG and the training-dynamics scores, from a
/// training run it makes (checkpoints into the run folder), from existing checkpoints, or
/// from gradient and logit arrays saved elsewhere; optionally joined with an audit's CIEs.
/// From checkpoints or arrays it can score the test split instead (``Configuration/evaluate``):
/// the VoG paper's main table, test error by VoG decile, is that run's `deciles.csv`.
public struct DifficultyWorkflow {
    /// Where the checkpoints' gradients and logits come from.
    public enum Source: Sendable {
        /// A training run made here, a checkpoint per epoch in `checkpoints/` of the run folder.
        case training
        /// A folder of `.safetensors` checkpoints (or a run folder holding `checkpoints/`).
        case checkpoints(URL)
        /// NPY input gradients (one file per checkpoint) and per-epoch logits saved elsewhere.
        case arrays(gradients: [URL], epochLogits: URL?)

        /// Whether the run trains here (and so has work units to shard).
        var trains: Bool {
            if case .training = self { return true }
            return false
        }
    }

    public struct Configuration: Sendable {
        public var data: DataSource
        public var settings: DifficultySettings
        public var source: Source = .training
        /// A `loupe audit` run folder whose CIE results to join (same examples).
        public var cie: URL?
        /// The audit variant to join (default: the last).
        public var cieVariant: String?
        /// Which examples to score: the training split, or the held-out test split (from
        /// checkpoints or arrays only: a training run here records the training split's dynamics).
        public var evaluate: EvaluatedSplit = .train
        /// The run folder.
        public var output: URL
        /// A training run on one machine, a shard task (``runShard(progress:)``) or the
        /// collection of the outputs the tasks' work units make (the main run, EL2N's extra
        /// runs, confident learning's folds).
        public var role: ShardRole = .whole

        public init(data: DataSource, settings: DifficultySettings, output: URL) {
            (self.data, self.settings, self.output) = (data, settings, output)
        }
    }

    /// Every score of every scored example.
    public struct Result {
        /// The scored examples (the training split, with any label noise, or the test split).
        public var examples: Dataset
        /// The scores, in the order of the written columns.
        public var scores: [NamedScore] { run.scores }
        /// Confident learning's label-issue flags, when its folds were trained.
        public var labelIssues: [Bool]? { run.labelIssues }
        /// Top-1 predictions of the last checkpoint (nil from gradient arrays alone).
        public var finalPredictions: [Int32]? { run.finalPredictions }
        var run: DifficultyRun.Result
        var flipped: Set<Int>?
        var cie: CIEJoin?
        var manifest: (training: TrainingConfiguration, seed: UInt64, threads: Int, inputs: [URL])
        /// The folder a training run wrote its checkpoints into.
        var directory: RunDirectory?
        /// A training run's work units' folders (relative paths), listed as outputs.
        var unitFolders: [String] = []
        /// The time each work unit made by this run took, by name.
        var unitSeconds: [String: Double] = [:]
        var shardRecords: [ShardRecord] = []
        /// When the workflow's run began: the manifest's wall and CPU seconds cover all its work.
        var start = RunStart()

        /// Writes difficulty.csv, difficulty.jsonl, scores/, deciles.csv, difficulty.html and
        /// manifest.json; a run that trained must be written into its run folder.
        public func write(to folder: URL) throws {
            var directory: RunDirectory
            if let trained = self.directory {
                try RunDirectory.requireSame(folder, as: trained.url)
                directory = trained
            } else {
                directory = try RunDirectory(
                    path: folder.relativePath, configuration: manifest.training, seeds: ["training": manifest.seed],
                    threads: manifest.threads, start: start)
                try directory.recordInputs(manifest.inputs)
            }
            directory.recordData([examples])
            directory.recordPhases(unitSeconds)
            directory.recordShardTasks(shardRecords)
            try DifficultyOutputs(data: examples, result: run, flipped: flipped, cie: cie).write(into: &directory)
            directory.recordOutputs(under: ["checkpoints"] + unitFolders)
            try directory.finish()
        }
    }

    public var configuration: Configuration

    public init(_ configuration: Configuration) { self.configuration = configuration }

    /// Makes the missing work units of the shard (the configuration's role must be a shard
    /// task of a training run) into the run folder, shared with the run's other tasks, and
    /// writes no outputs.
    public func runShard(progress: any WorkflowProgress) throws -> ShardReport {
        let config = configuration
        guard case .task(let shard) = config.role else { throw OptionError("runShard needs a shard task's role") }
        guard config.source.trains else {
            throw OptionError("--shard: scores from checkpoints or arrays train nothing, so there is nothing to shard")
        }
        try Self.requireTrainingSplit(config.evaluate)
        let clock = ShardTaskClock(shard)  // from before the data is read: start-up counts
        let train = try config.data.load().splits.train
        let run = try config.settings.makeRun(train: train)
        try run.validateTraining()
        let folder = try RunDirectory.claim(path: config.output.relativePath, shared: true).folder
        let store = DifficultyUnitStore(run: run, train: train, folder: folder)
        let owned = store.units.enumerated().filter { shard.owns(unit: $0.offset) }.map(\.element)
        progress.log(
            "difficulty shard \(shard): \(owned.map(\.name).joined(separator: ", ")) (\(owned.count) of \(store.units.count) work units) of \(run.architecture.name), \(run.training.epochs) epochs on \(train.count) training examples"
        )
        var seconds: [String: Double] = [:]
        for (record, reused) in try store.makeMissing(owned, progress: { progress.log("  " + $0) }) {
            progress.log(
                "  \(record.unit): " + (reused ? "verified, reused" : String(format: "%.1fs", record.seconds)))
            if !reused { seconds[record.unit] = record.seconds }
        }
        return try clock.finish(
            units: owned.map(\.name), unitCount: store.units.count, results: owned.map(\.name), madeSeconds: seconds,
            in: folder)
    }

    public func run(progress: any WorkflowProgress) throws -> Result {
        let start = RunStart()
        let config = configuration
        if case .task = config.role { throw OptionError("a shard task writes no outputs: use runShard") }
        if config.role != .whole, !config.source.trains {
            throw OptionError(
                "--collect: scores from checkpoints or arrays train nothing, so there is nothing to collect")
        }
        let prepared = try config.data.load()
        let train = prepared.splits.train
        let run = try config.settings.makeRun(train: train)
        if case .training = config.source { try Self.requireTrainingSplit(config.evaluate) }
        let scored = config.evaluate == .test ? prepared.splits.test : train
        let join = try config.cie.map { try CIEJoin(directory: $0, variant: config.cieVariant) }
        if let join, let cie = config.cie { try join.check(covers: scored, split: config.evaluate, file: cie) }
        var inputs = scored.sources + (config.cie.map { [$0.appendingPathComponent("cie.csv")] } ?? [])
        // Inputs that can be wrong are read before anything is written.
        var result: DifficultyRun.Result?
        switch config.source {
        case .arrays(let gradients, let epochLogits):
            inputs += gradients + (epochLogits.map { [$0] } ?? [])
            result = try DifficultyRun.run(
                gradients: gradients, epochLogits: epochLogits, labels: scored.labels,
                earlyEpoch: config.settings.earlyEpoch)
        case .checkpoints(let given):
            let files = try Self.checkpointFiles(in: given)
            inputs += files.flatMap(ModelFile.inputs)
            let folder = files[0].deletingLastPathComponent()
            progress.log(
                "difficulty: \(files.count) checkpoints in \(folder.path) on \(scored.count) \(config.evaluate.rawValue) examples"
            )
            result = try run.run(checkpoints: files, on: scored) { progress.log("  " + $0) }
        case .training:
            try run.validateTraining()  // before the output folder exists
        }
        var directory: RunDirectory?
        var units: (folders: [String], seconds: [String: Double], shardRecords: [ShardRecord]) = ([], [:], [])
        if result == nil {
            var made = try RunDirectory(
                path: config.output.relativePath, configuration: run.training,
                seeds: ["training": config.settings.seed],
                threads: config.settings.threads)
            try made.recordInputs(inputs)
            // Shard tasks may have made some or all units (a plain run then collects them too).
            units.shardRecords = try ShardRecord.read(in: made.url)
            if let warning = ShardRecord.kernelPathWarning(units.shardRecords) { progress.log(warning) }
            let store = DifficultyUnitStore(run: run, train: train, folder: made.url)
            var shardCount: Int?
            var madeHere: Set<String> = []
            if case .collect(let count) = config.role {
                shardCount = count ?? ShardRecord.shardCount(of: units.shardRecords)
                progress.log("difficulty: collecting \(store.units.count) work units from \(made.url.relativePath)")
            } else {
                if let line = run.architecture.normalizationLine { progress.log(line) }
                progress.log(
                    "difficulty: \(run.architecture.name), \(run.training.epochs) epochs on \(train.count) training examples of \(config.data.data)"
                )
                for (record, reused) in try store.makeMissing(store.units, progress: { progress.log("  " + $0) }) {
                    if reused {
                        progress.log("  \(record.unit): verified, reused")
                    } else {
                        madeHere.insert(record.unit)
                        units.seconds[record.unit] = record.seconds
                    }
                }
            }
            try store.requireComplete(made: madeHere, shardCount: shardCount)
            let (main, extras) = try store.load()
            result = try run.assemble(main: main, extras: extras, train: train)
            units.folders = store.units.map(DifficultyUnitStore.path)
            directory = made
        }
        let scoresFlippedLabels = config.evaluate == .train && !prepared.flippedLabels.isEmpty
        return Result(
            examples: scored, run: result!,
            flipped: !scoresFlippedLabels ? nil : Set(prepared.flippedLabels.map(\.id)), cie: join,
            manifest: (run.training, config.settings.seed, config.settings.threads, inputs), directory: directory,
            unitFolders: units.folders, unitSeconds: units.seconds, shardRecords: units.shardRecords, start: start)
    }

    /// A training run here scores the examples it trains on.
    static func requireTrainingSplit(_ evaluate: EvaluatedSplit) throws {
        guard evaluate == .train else {
            throw OptionError(
                "--evaluate test needs --checkpoints (for example of `loupe train --checkpoint-every 1`) or --gradients: a training run here scores the examples it trains on"
            )
        }
    }

    /// The `.safetensors` (or `.onnx`) files of a checkpoint folder (or of `checkpoints/` in
    /// a run folder), in name order, hidden ones left out: at least two.
    static func checkpointFiles(in given: URL) throws -> [URL] {
        let path = given.relativePath
        var folder = URL(fileURLWithPath: path, isDirectory: true)
        if FileManager.default.fileExists(atPath: folder.appendingPathComponent("checkpoints").path) {
            folder.appendPathComponent("checkpoints")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory) else {
            throw InputError(source: path, problem: "--checkpoints: No such file or directory")
        }
        guard isDirectory.boolValue, let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path)
        else { throw InputError(source: path, problem: "--checkpoints: not a readable directory") }
        let visible = names.filter { !$0.hasPrefix(".") }  // hidden files are not checkpoints
        let checkpoints = visible.filter { $0.hasSuffix(".safetensors") }
        let onnx = visible.filter { $0.lowercased().hasSuffix(".onnx") }
        guard checkpoints.isEmpty || onnx.isEmpty else {
            throw InputError(
                source: folder.path,
                problem: "holds both .safetensors and .onnx files; keep one kind of checkpoint per folder")
        }
        let files = (checkpoints + onnx).sorted().map { folder.appendingPathComponent($0) }
        guard files.count >= 2 else {
            throw InputError(
                source: folder.path,
                problem: "VoG needs at least two checkpoints (.safetensors or .onnx), found \(files.count)")
        }
        return files
    }
}
