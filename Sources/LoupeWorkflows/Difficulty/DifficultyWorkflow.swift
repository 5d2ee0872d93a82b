import Foundation
import LoupeAudit
import LoupeData
import LoupeNN
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
                    threads: manifest.threads)
                try directory.recordInputs(manifest.inputs)
            }
            directory.recordData([examples])
            try DifficultyOutputs(data: examples, result: run, flipped: flipped, cie: cie).write(into: &directory)
            directory.recordOutputs(under: ["checkpoints"])
            try directory.finish()
        }
    }

    public var configuration: Configuration

    public init(_ configuration: Configuration) { self.configuration = configuration }

    public func run(progress: any WorkflowProgress) throws -> Result {
        let config = configuration
        let prepared = try config.data.load()
        let train = prepared.splits.train
        var run = try config.settings.makeRun(train: train)
        if config.evaluate == .test, case .training = config.source {
            throw OptionError(
                "--evaluate test needs --checkpoints (for example of `loupe train --checkpoint-every 1`) or --gradients: a training run here scores the examples it trains on"
            )
        }
        let scored = config.evaluate == .test ? prepared.splits.test : train
        let join = try config.cie.map { try CIEJoin(directory: $0, variant: config.cieVariant) }
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
        if result == nil {
            var made = try RunDirectory(
                path: config.output.relativePath, configuration: run.training,
                seeds: ["training": config.settings.seed],
                threads: config.settings.threads)
            try made.recordInputs(inputs)
            let checkpointFolder = made.url.appendingPathComponent("checkpoints")
            try FileManager.default.createDirectory(at: checkpointFolder, withIntermediateDirectories: true)
            run.checkpointDirectory = checkpointFolder
            if let line = run.architecture.normalizationLine { progress.log(line) }
            progress.log(
                "difficulty: \(run.architecture.name), \(run.training.epochs) epochs on \(train.count) training examples of \(config.data.data)"
            )
            result = try run.run(on: train) { progress.log("  " + $0) }
            directory = made
        }
        let scoresFlippedLabels = config.evaluate == .train && !prepared.flippedLabels.isEmpty
        return Result(
            examples: scored, run: result!,
            flipped: !scoresFlippedLabels ? nil : Set(prepared.flippedLabels.map(\.id)), cie: join,
            manifest: (run.training, config.settings.seed, config.settings.threads, inputs), directory: directory)
    }

    /// The `.safetensors` (or `.onnx`) files of a checkpoint folder (or of `checkpoints/` in
    /// a run folder), in name order: at least two.
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
        let checkpoints = names.filter { $0.hasSuffix(".safetensors") }
        let onnx = names.filter { $0.lowercased().hasSuffix(".onnx") }
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
