import Foundation
import LoupeAudit
import LoupeData
import LoupeNN
import LoupeReport
import LoupeSupport

/// Flips a seeded fraction of training labels, runs the difficulty scores on the noisy split,
/// and measures how well each score finds the flipped examples: AUROC and precision at k
/// (k = the number flipped), confident learning's flags and, with an audit's CIEs, the CIE flag.
public struct LabelNoiseBenchmarkWorkflow {
    public struct Configuration: Sendable {
        /// The data; its ``DataSource/labelNoise`` is replaced by ``noise``.
        public var data: DataSource
        public var settings: DifficultySettings
        /// Fraction of training labels to flip.
        public var noise = 0.05
        /// A `loupe audit --evaluate train` run folder with the same noise, for the CIE flag.
        public var cie: URL?
        /// The run folder, claimed (locked) before the training starts.
        public var output: URL

        public init(data: DataSource, settings: DifficultySettings, output: URL) {
            (self.data, self.settings, self.output) = (data, settings, output)
        }
    }

    /// One row per score: how well ranking by it finds the flipped labels.
    public struct Row: Sendable, Equatable {
        public var score: String
        /// nil for a flag, which has no ranking.
        public var auroc: Double?
        /// Precision among the k hardest, or among the flagged examples for a flag.
        public var precision: Double
        /// k, or the number flagged.
        public var k: Int
        public var baseRate: Double
    }

    public struct Result {
        public var rows: [Row]
        /// The ids of the flipped examples.
        public var flipped: Set<Int>
        /// The difficulty scores of the noisy split.
        public var difficulty: DifficultyWorkflow.Result
        var configuration: Configuration
        var description: String
        var training: TrainingConfiguration
        /// The model's input normalisation, if any (`--normalize`).
        var normalize: LayerDescription?
        /// When the workflow's run began: the manifest's wall and CPU seconds cover all its work.
        var start = RunStart()

        /// Writes label-noise.csv, the difficulty outputs and manifest.json into `folder`.
        public func write(to folder: URL) throws {
            struct ManifestConfiguration: Encodable {
                var data: String
                var noise: Double
                var noiseSeed: UInt64
                var training: TrainingConfiguration
                var normalize: LayerDescription?
            }
            let data = configuration.data
            var directory = try RunDirectory(
                path: folder.relativePath,
                configuration: ManifestConfiguration(
                    data: description, noise: configuration.noise, noiseSeed: data.noiseSeed, training: training,
                    normalize: normalize),
                seeds: ["training": configuration.settings.seed, "noise": data.noiseSeed],
                threads: configuration.settings.threads, start: start)
            try directory.recordInputs(difficulty.examples.sources)
            directory.recordData([difficulty.examples])
            var table = CSVTable(header: ["score", "auroc", "precision_at_k", "k", "base_rate"])
            for row in rows {
                table.append([
                    .text(row.score), row.auroc.map(CSVTable.Cell.number) ?? .empty, .number(row.precision),
                    .number(row.k), .number(row.baseRate),
                ])
            }
            try table.write(to: directory.output("label-noise.csv"))
            try DifficultyOutputs(
                data: difficulty.examples, result: difficulty.run, flipped: flipped, cie: difficulty.cie
            ).write(into: &directory)
            try directory.finish()
        }
    }

    public var configuration: Configuration

    public init(_ configuration: Configuration) { self.configuration = configuration }

    public func run(progress: any WorkflowProgress) throws -> Result {
        let start = RunStart()
        var data = configuration.data
        data.labelNoise = configuration.noise
        let prepared = try data.load()
        let train = prepared.splits.train
        var run = try configuration.settings.makeRun(train: train)
        let join = try configuration.cie.map { try CIEJoin(directory: $0, variant: nil) }
        run.checkpointDirectory = nil
        try RunDirectory.claim(path: configuration.output.relativePath)
        let flipped = Set(prepared.flippedLabels.map(\.id))
        if let line = run.architecture.normalizationLine { progress.log(line) }
        progress.log(
            "label-noise benchmark: \(flipped.count) of \(train.count) training labels flipped (seed \(data.noiseSeed)); \(run.architecture.name), \(run.training.epochs) epochs"
        )
        let result = try run.run(on: train) { progress.log("  " + $0) }
        let positives = train.ids.map(flipped.contains)
        var rows: [Row] = []
        let baseRate = Double(flipped.count) / Double(train.count)
        progress.log(
            "score                        AUROC   precision@k (k = \(flipped.count), base rate \(String(format: "%.3f", baseRate)))"
        )
        for score in result.scores {
            let auroc = try areaUnderROC(scores: score.hardness, positives: positives)
            let precision = try precisionAtK(scores: score.hardness, positives: positives)
            rows.append(
                Row(score: score.name, auroc: auroc, precision: precision, k: flipped.count, baseRate: baseRate))
            progress.log(
                score.name.padding(toLength: 28, withPad: " ", startingAt: 0)
                    + String(format: " %.3f   %.3f", auroc, precision))
        }
        func flagRow(_ name: String, _ flags: [Bool]) {
            let hits = zip(flags, positives).filter { $0 && $1 }.count
            let flaggedCount = flags.filter { $0 }.count
            let precision = flaggedCount > 0 ? Double(hits) / Double(flaggedCount) : 0
            rows.append(Row(score: name, auroc: nil, precision: precision, k: flaggedCount, baseRate: baseRate))
            progress.log(
                name.padding(toLength: 28, withPad: " ", startingAt: 0)
                    + String(
                        format: "   -     %.3f  (%d flagged, recall %.3f)", precision, flaggedCount,
                        Double(hits) / Double(max(flipped.count, 1))))
        }
        if let issues = result.labelIssues { flagRow("cl-label-issue (flag)", issues) }
        if let join {
            flagRow("cie \(join.variant) (flag)", train.ids.map { join.isCIE[$0] ?? false })
            let taxicab = train.ids.map { join.taxicab[$0] ?? 0 }
            let auroc = try areaUnderROC(scores: taxicab, positives: positives)
            rows.append(
                Row(
                    score: "taxicab \(join.variant)", auroc: auroc,
                    precision: try precisionAtK(scores: taxicab, positives: positives), k: flipped.count,
                    baseRate: baseRate))
        }
        let difficulty = DifficultyWorkflow.Result(
            examples: train, run: result, flipped: flipped, cie: join,
            manifest: (run.training, configuration.settings.seed, configuration.settings.threads, train.sources),
            directory: nil)
        return Result(
            rows: rows, flipped: flipped, difficulty: difficulty, configuration: configuration,
            description: data.description, training: run.training, normalize: run.architecture.inputNormalization,
            start: start)
    }
}
