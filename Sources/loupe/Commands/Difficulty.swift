import ArgumentParser
import Foundation
import LoupeAudit
import LoupeData
import LoupeNN
import LoupeReport
import LoupeSupport

/// Options shared by `loupe difficulty` and `loupe benchmark label-noise`.
struct DifficultyOptions: ParsableArguments {
    /// One checkpoint per epoch; VoG's early/middle/late stages need 6 or more.
    @OptionGroup var modelOptions: ModelOptions
    @Option(help: "Seed of the training run.") var seed: UInt64 = 0
    @Option(help: "VoG differentiates the logit of the label or of the predicted class.")
    var vogTarget: String = "label"
    @Option(help: "The early epoch at which EL2N and GraNd are taken.") var earlyEpoch: Int = 1
    @Option(help: "Folds for confident learning's out-of-sample probabilities (0 turns it off).") var clFolds: Int = 4
    @Option(help: "Seeds EL2N is averaged over (extra runs train up to --early-epoch).") var el2nSeeds: Int = 1
    @Option(help: "Threads.") var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    func makeRun(train: Dataset) throws -> DifficultyRun {
        var training = modelOptions.training(defaultEpochs: 9)
        training.seed = seed
        training.threads = threads
        guard let target = DifficultyRun.VoGTarget(rawValue: vogTarget) else {
            throw ValidationError("--vog-target must be label or predicted, got '\(vogTarget)'")
        }
        guard clFolds == 0 || clFolds >= 2 else { throw ValidationError("--cl-folds must be 0 or at least 2") }
        var run = DifficultyRun(
            architecture: try modelOptions.architecture(for: train), training: training)
        run.vogTarget = target
        run.earlyEpoch = earlyEpoch
        run.confidentLearningFolds = clFolds
        guard el2nSeeds >= 1 else { throw ValidationError("--el2n-seeds must be at least 1") }
        run.el2nSeeds = el2nSeeds
        try run.validate(for: train)
        return run
    }
}

struct Difficulty: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rank every training example by difficulty: VoG and the training-dynamics scores.",
        discussion: """
            Trains one model with a checkpoint per epoch and computes, for every training \
            example: VoG (variance of the input gradient of the label's logit across the \
            checkpoints; raw, class-normalised and absolute, per stage), final loss and margin, \
            EL2N and GraNd at --early-epoch, forgetting events, area under the margin, data-map \
            confidence, variability and correctness, and confident learning's self-confidence \
            and label-issue flags from --cl-folds out-of-sample models.

            Writes difficulty.csv and difficulty.jsonl (every score and its rank, rank 1 = \
            hardest), scores/<name>.npy, deciles.csv (top-1 error per decile of each score), \
            difficulty.html (hardest and easiest examples per class), checkpoints/ and \
            manifest.json. With --cie DIR the table joins the CIE results of `loupe audit \
            --evaluate train` on the same data.
            """)

    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var options: DifficultyOptions
    @Option(
        help: "Use these checkpoints (a directory of .safetensors, e.g. a `loupe train` output) instead of training.")
    var checkpoints: String?
    @Option(
        help: "Bring your own: comma-separated NPY input gradients, one file per checkpoint, [examples, (C,) H, W].")
    var gradients: String?
    @Option(help: "Bring your own: NPY per-epoch logits of the training examples, [epochs, examples, classes].")
    var epochLogits: String?
    @Option(help: "A `loupe audit` output directory whose CIE results to join (same examples).") var cie: String?
    @Option(help: "The audit variant to join (default: the last).") var cieVariant: String?
    @Option(help: "Output directory.") var out: String = "runs/difficulty"

    func run() throws {
        let prepared = try dataOptions.load()
        let train = prepared.splits.train
        var run = try options.makeRun(train: train)
        let join = try cie.map { try CIEJoin(directory: URL(fileURLWithPath: $0), variant: cieVariant) }
        var inputs = train.sources + (cie.map { [URL(fileURLWithPath: $0).appendingPathComponent("cie.csv")] } ?? [])
        // Inputs that can be wrong are read before anything is written.
        var result: DifficultyRun.Result?
        if gradients != nil || epochLogits != nil {
            let gradientFiles =
                gradients.map { $0.split(separator: ",").map { URL(fileURLWithPath: String($0)) } } ?? []
            inputs += gradientFiles + (epochLogits.map { [URL(fileURLWithPath: $0)] } ?? [])
            result = try DifficultyRun.run(
                gradients: gradientFiles, epochLogits: epochLogits.map { URL(fileURLWithPath: $0) },
                labels: train.labels,
                earlyEpoch: options.earlyEpoch)
        } else if let checkpoints {
            var folder = URL(fileURLWithPath: checkpoints, isDirectory: true)
            if FileManager.default.fileExists(atPath: folder.appendingPathComponent("checkpoints").path) {
                folder.appendPathComponent("checkpoints")
            }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory) else {
                throw FileError(path: checkpoints, problem: "--checkpoints: No such file or directory")
            }
            guard isDirectory.boolValue, let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path)
            else { throw FileError(path: checkpoints, problem: "--checkpoints: not a readable directory") }
            let files = names.filter { $0.hasSuffix(".safetensors") }.sorted().map { folder.appendingPathComponent($0) }
            guard files.count >= 2 else {
                throw FileError(
                    path: folder.path,
                    problem: "VoG needs at least two checkpoints (.safetensors), found \(files.count)")
            }
            inputs += files
            print("difficulty: \(files.count) checkpoints in \(folder.path) on \(train.count) training examples")
            result = try run.run(checkpoints: files, on: train) { print("  " + $0) }
        }
        if result == nil { try run.validateTraining() }  // before the output folder exists
        var directory = try RunDirectory(
            path: out, configuration: run.training, seeds: ["training": options.seed], threads: options.threads)
        try directory.recordInputs(inputs)
        if result == nil {
            let checkpointFolder = directory.url.appendingPathComponent("checkpoints")
            try FileManager.default.createDirectory(at: checkpointFolder, withIntermediateDirectories: true)
            run.checkpointDirectory = checkpointFolder
            print(
                "difficulty: \(run.architecture.name), \(run.training.epochs) epochs on \(train.count) training examples of \(dataOptions.data)"
            )
            result = try run.run(on: train) { print("  " + $0) }
        }
        let flipped = prepared.flippedLabels.isEmpty ? nil : Set(prepared.flippedLabels.map(\.id))
        try DifficultyOutputs(data: train, result: result!, flipped: flipped, cie: join).write(into: &directory)
        directory.recordOutputs(under: ["checkpoints"])
        try directory.finish()
        print(
            "wrote difficulty.csv, difficulty.jsonl, scores/, deciles.csv, difficulty.html and manifest.json to \(directory.url.path)"
        )
    }
}

struct LabelNoiseBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "label-noise",
        abstract: "Flip a seeded fraction of training labels and measure how well each score finds them.",
        discussion: """
            Runs `loupe difficulty` on the noisy training split and reports, per score, the \
            AUROC and the precision at k (k = number of flipped labels) of ranking by hardness \
            for finding the flipped examples; confident learning's flags as a precision and \
            recall; with --cie, the CIE flag of a `loupe audit --evaluate train` run with the \
            same --label-noise and --noise-seed. Writes label-noise.csv beside the difficulty \
            outputs.
            """)

    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var options: DifficultyOptions
    @Option(help: "Fraction of training labels to flip.") var noise: Double = 0.05
    @Option(help: "A `loupe audit --evaluate train` directory with the same noise, for the CIE flag.") var cie: String?
    @Option(help: "Output directory.") var out: String = "runs/label-noise"

    func run() throws {
        var dataOptions = dataOptions
        dataOptions.labelNoise = noise
        let prepared = try dataOptions.load()
        let train = prepared.splits.train
        var run = try options.makeRun(train: train)
        let join = try cie.map { try CIEJoin(directory: URL(fileURLWithPath: $0), variant: nil) }
        struct Configuration: Encodable {
            var data: String
            var noise: Double
            var noiseSeed: UInt64
            var training: TrainingConfiguration
        }
        var directory = try RunDirectory(
            path: out,
            configuration: Configuration(
                data: dataOptions.description, noise: noise, noiseSeed: dataOptions.noiseSeed, training: run.training),
            seeds: ["training": options.seed, "noise": dataOptions.noiseSeed], threads: options.threads)
        try directory.recordInputs(train.sources)
        run.checkpointDirectory = nil
        let flipped = Set(prepared.flippedLabels.map(\.id))
        print(
            "label-noise benchmark: \(flipped.count) of \(train.count) training labels flipped (seed \(dataOptions.noiseSeed)); \(run.architecture.name), \(run.training.epochs) epochs"
        )
        let result = try run.run(on: train) { print("  " + $0) }
        let positives = train.ids.map(flipped.contains)
        var table = CSVTable(header: ["score", "auroc", "precision_at_k", "k", "base_rate"])
        let baseRate = Double(flipped.count) / Double(train.count)
        print(
            "score                        AUROC   precision@k (k = \(flipped.count), base rate \(String(format: "%.3f", baseRate)))"
        )
        for score in result.scores {
            let auroc = try areaUnderROC(scores: score.hardness, positives: positives)
            let precision = try precisionAtK(scores: score.hardness, positives: positives)
            table.append([
                score.name, CSVTable.cell(auroc), CSVTable.cell(precision), String(flipped.count),
                CSVTable.cell(baseRate),
            ])
            print(
                score.name.padding(toLength: 28, withPad: " ", startingAt: 0)
                    + String(format: " %.3f   %.3f", auroc, precision))
        }
        func flagRow(_ name: String, _ flags: [Bool]) {
            let hits = zip(flags, positives).filter { $0 && $1 }.count
            let flaggedCount = flags.filter { $0 }.count
            let precision = flaggedCount > 0 ? Double(hits) / Double(flaggedCount) : 0
            table.append([name, "", CSVTable.cell(precision), String(flaggedCount), CSVTable.cell(baseRate)])
            print(
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
            table.append([
                "taxicab \(join.variant)", CSVTable.cell(auroc),
                CSVTable.cell(try precisionAtK(scores: taxicab, positives: positives)), String(flipped.count),
                CSVTable.cell(baseRate),
            ])
        }
        try table.write(to: directory.output("label-noise.csv"))
        try DifficultyOutputs(data: train, result: result, flipped: flipped, cie: join).write(into: &directory)
        try directory.finish()
        print("wrote label-noise.csv and the difficulty outputs to \(directory.url.path)")
    }
}
