import Foundation
import LoupeAudit
import LoupeData
import LoupeNN
import LoupeRandom
import LoupeSupport
import LoupeTensor

/// One named score per training example, with the direction it points.
public struct NamedScore: Sendable {
    public var name: String
    public var measure: DifficultyMeasure
    public var values: [Double]

    /// Higher is harder (a new array on every access: keep it in a local).
    public var hardness: [Double] { DifficultyScores(measure: measure, values: values).hardness }
}

/// The logit whose input gradient VoG takes: the label's or the predicted class's.
public enum VoGTarget: String, CaseIterable, Sendable { case label, predicted }

/// Trains a model while recording what every difficulty score needs, then computes them:
/// VoG from the input gradients at every epoch's checkpoint (streamed, one checkpoint's
/// gradients in memory at a time), training dynamics from the per-epoch logits, GraNd and
/// EL2N at an early epoch, confident learning from K-fold out-of-sample probabilities.
struct DifficultyRun {
    var architecture: Architecture
    var training: TrainingConfiguration
    var vogTarget: VoGTarget = .label
    var earlyEpoch = 1
    var confidentLearningFolds = 4
    /// Runs EL2N is averaged over (the main run plus `el2nSeeds - 1` runs to the early epoch).
    var el2nSeeds = 1
    var checkpointDirectory: URL?

    /// Values of one example's logits kept per epoch: the classes of the architecture's
    /// output, at least those of the data.
    func logitWidth(of train: Dataset) -> Int {
        let outputs = try? architecture.build().outputShape(for: architecture.inputShape).reduce(1, *)
        return max(train.classCount, outputs ?? 0)
    }

    /// Checks, before anything is trained or written, that the training configuration fits
    /// `train` (`TrainingConfiguration.validate(for:)`) and that the training logits of every
    /// epoch, which the training-dynamics scores need, fit the memory budget.
    func validate(for train: Dataset) throws {
        try training.validate(for: train)
        guard confidentLearningFolds <= train.count else {
            throw ModelError(
                "--cl-folds \(confidentLearningFolds) is more folds than the \(train.count) training examples")
        }
        try CheckedSize.bytes(
            [training.epochs, train.count, logitWidth(of: train)], bytesPerElement: MemoryLayout<Float>.size,
            for: "--epochs \(training.epochs): the training logits of every epoch (\(train.count) examples)")
    }

    struct Result {
        var scores: [NamedScore]
        /// Confident learning's flags (when folds were trained).
        var labelIssues: [Bool]?
        /// Top-1 predictions after training (`nil` when only gradients were given).
        var finalPredictions: [Int32]?
    }

    /// What the main training run (or a pass over checkpoints) leaves for the scores.
    struct MainRun {
        /// Raw VoG of each stage, in stage order.
        var vog: [(stage: TrainingStage, values: [Double])]
        /// The training examples' logits at every epoch (checkpoint), `[epochs, examples, classCount]`.
        var logits: [Float]
        var epochs: Int
        var classCount: Int
        /// The logits at the early epoch (EL2N of the first seed), `[examples, classCount]`.
        var el2nLogits: [Float]
        var grand: [Double]?
    }

    /// Out-of-sample softmax probabilities of one confident-learning fold's held-out examples.
    struct FoldProbabilities {
        /// Positions of the held-out examples in the training split, ascending.
        var positions: [Int]
        /// `[positions, classCount]`, row-major.
        var probabilities: [Double]
        var classCount: Int
    }

    /// What the runs after the main one leave: EL2N's extra runs and confident learning's folds.
    struct Extras {
        /// The early-epoch logits of EL2N runs `1..<el2nSeeds`, in order.
        var el2nLogits: [[Float]] = []
        /// Every fold, in order (none when confident learning is off).
        var folds: [FoldProbabilities] = []
    }

    /// Checks what training the model needs, before anything is written: VoG needs two
    /// checkpoints, and the early epoch must be one of the run's.
    func validateTraining() throws {
        let epochs = training.epochs
        guard epochs >= 2 else { throw ModelError("VoG needs at least two checkpoints: train for 2 epochs or more") }
        guard (1...epochs).contains(earlyEpoch) else { throw ModelError("--early-epoch must be in 1...\(epochs)") }
    }

    /// Trains every run in memory, one after the other, and computes the scores.
    func run(on train: Dataset, progress: (String) -> Void) throws -> Result {
        let main = try trainMainRun(on: train, progress: progress)
        return try assemble(main: main, extras: trainExtras(on: train, progress: progress), train: train)
    }

    /// The main training run: a checkpoint per epoch (into ``checkpointDirectory``), whose input
    /// gradients VoG accumulates, and every epoch's training logits.
    func trainMainRun(on train: Dataset, progress: (String) -> Void) throws -> MainRun {
        try validateTraining()
        let epochs = training.epochs
        let labels = train.labels.map(Int.init)
        let shape = train.shape
        let stages: [TrainingStage] = epochs >= 6 ? TrainingStage.allCases : [.all]
        var vog = try StagedVarianceOfGradients(
            checkpointCount: epochs, exampleCount: train.count, mapSize: shape.height * shape.width, stages: stages)
        var logits: [Float] = []
        logits.reserveCapacity(epochs * train.count * logitWidth(of: train))  // checked by validate(for:)
        var grand: [Double]?
        var el2nLogits: [Float] = []
        var trainer = try Trainer(
            model: try Model(architecture: architecture, seed: training.seed), configuration: training)
        trainer.recordsTrainingLogits = true
        var failure: Error?
        try trainer.train(on: train, test: nil) { event, trainer in
            guard case .trainingLogits(let epoch, let epochLogits) = event else { return }
            logits += epochLogits.scalars
            if epoch == earlyEpoch {
                el2nLogits = epochLogits.scalars
                grand = gradientNorms(trainer.model, train)
            }
            if let checkpointDirectory {
                try ModelCheckpoint(model: trainer.model, training: training, epoch: epoch, step: trainer.step)
                    .write(
                        to: checkpointDirectory.appendingPathComponent(String(format: "epoch-%06d.safetensors", epoch)))
            }
            let predicted = epochLogits.argmaxPerRowInt()
            do {
                try vog.add(
                    inputGradients(trainer.model, train, classes: vogTarget == .label ? labels : predicted),
                    shape: [train.count, shape.channels, shape.height, shape.width])
            } catch { failure = error }
            progress("epoch \(epoch)/\(epochs): checkpoint gradients added")
        }
        if let failure { throw failure }
        return MainRun(
            vog: try stages.map { ($0, try vog.scores(for: $0)) }, logits: logits, epochs: epochs,
            classCount: trainer.model.classCount, el2nLogits: el2nLogits, grand: grand)
    }

    /// Scores from checkpoints saved elsewhere (for example `loupe train --checkpoint-every 1`):
    /// one pass over them, in file-name order, computing input gradients and logits of the
    /// training examples at each. Every checkpoint must have the same architecture.
    func run(checkpoints urls: [URL], on train: Dataset, progress: (String) -> Void) throws -> Result {
        guard urls.count >= 2 else {
            throw ModelError("VoG needs at least two checkpoints, found \(urls.count)")
        }
        // The early epoch picks one of the checkpoints (EL2N's and GraNd's logits).
        guard (1...urls.count).contains(earlyEpoch) else {
            throw ModelError("--early-epoch must be in 1...\(urls.count), the checkpoints given, got \(earlyEpoch)")
        }
        let labels = train.labels.map(Int.init)
        let shape = train.shape
        let stages: [TrainingStage] = urls.count >= 6 ? TrainingStage.allCases : [.all]
        var vog = try StagedVarianceOfGradients(
            checkpointCount: urls.count, exampleCount: train.count, mapSize: shape.height * shape.width, stages: stages)
        var logits: [Float] = []
        var first: Architecture?
        var el2nLogits: [Float] = []
        var grand: [Double]?
        var last: Model?
        for (index, url) in urls.enumerated() {
            let model = try ModelFile.load(url).model
            if let first, first != model.architecture {
                throw InputError(
                    source: url.path,
                    problem: "architecture differs from the first checkpoint's (\(urls[0].lastPathComponent))")
            }
            guard model.architecture.inputShape == [shape.channels, shape.height, shape.width] else {
                throw InputError(
                    source: url.path,
                    problem: "model expects images \(model.architecture.inputShape), the data has \(shape)")
            }
            first = model.architecture
            let epochLogits = model.logits(of: train, threads: training.threads)
            logits += epochLogits.scalars
            if index + 1 == earlyEpoch {
                el2nLogits = epochLogits.scalars
                grand = gradientNorms(model, train)
            }
            let classes = vogTarget == .label ? labels : epochLogits.argmaxPerRowInt()
            try vog.add(
                inputGradients(model, train, classes: classes),
                shape: [train.count, shape.channels, shape.height, shape.width], source: url.lastPathComponent)
            progress("\(url.lastPathComponent): checkpoint gradients added")
            last = model
        }
        let main = MainRun(
            vog: try stages.map { ($0, try vog.scores(for: $0)) }, logits: logits, epochs: urls.count,
            classCount: last!.classCount, el2nLogits: el2nLogits, grand: grand)
        return try assemble(main: main, extras: trainExtras(on: train, progress: progress), train: train)
    }

    /// EL2N's extra runs and confident learning's fold models, trained in memory one after the other.
    func trainExtras(on train: Dataset, progress: (String) -> Void) throws -> Extras {
        var extras = Extras()
        for extra in 1..<max(el2nSeeds, 1) {
            progress("EL2N: extra run \(extra + 1) of \(el2nSeeds)")
            extras.el2nLogits.append(try el2nRun(extra, on: train))
        }
        if confidentLearningFolds >= 2 {
            progress("confident learning: training \(confidentLearningFolds) fold models")
            for (fold, heldOut) in heldOutPositions(count: train.count).enumerated() {
                extras.folds.append(try foldProbabilities(fold, heldOut: heldOut, on: train))
            }
        }
        return extras
    }

    /// The early-epoch training logits of EL2N's extra run `index` (a run of its own seed,
    /// stopped at the early epoch), `[examples, classes]`.
    func el2nRun(_ index: Int, on train: Dataset) throws -> [Float] {
        var configuration = training
        configuration.seed = SeedStream.el2nRun.seed(from: training.seed, index: index)
        var trainer = try Trainer(
            model: try Model(architecture: architecture, seed: configuration.seed), configuration: configuration)
        var stopped: [Float] = []
        trainer.recordsTrainingLogits = true
        do {
            try trainer.train(on: train, test: nil) { event, _ in
                if case .trainingLogits(let epoch, let epochLogits) = event, epoch == earlyEpoch {
                    stopped = epochLogits.scalars
                    throw EarlyEpochReached()
                }
            }
        } catch is EarlyEpochReached {}
        return stopped
    }

    /// Computes the scores from the main run and the extra runs.
    func assemble(main: MainRun, extras: Extras, train: Dataset) throws -> Result {
        let labels = train.labels.map(Int.init)
        let classCount = main.classCount
        let dynamics = try TrainingDynamics(
            logits: EpochLogits(
                main.logits, epochCount: main.epochs, exampleCount: train.count, classCount: classCount),
            labels: labels, grand: main.grand)
        var scores: [NamedScore] = []
        var labelIssues: [Bool]?
        scores += try Self.vogScores(main.vog, labels: labels)
        for measure in [
            DifficultyMeasure.finalLoss, .finalMargin, .grand, .forgetting, .areaUnderMargin, .confidence, .variability,
            .correctness,
        ] {
            if let values = dynamics.scores(measure)?.values {
                scores.append(NamedScore(name: measure.rawValue, measure: measure, values: values))
            }
        }
        // EL2N averaged over seeds: the main run and short extra runs up to the early epoch.
        let el2nRuns = try ([main.el2nLogits] + extras.el2nLogits).map {
            try EpochLogits($0, epochCount: 1, exampleCount: train.count, classCount: classCount)
        }
        scores.append(
            NamedScore(name: "el2n", measure: .el2n, values: try EL2N.scores(runs: el2nRuns, labels: labels, epoch: 0)))
        if confidentLearningFolds >= 2 {
            let width = extras.folds.first?.classCount ?? classCount
            var probabilities = [Double](repeating: 0, count: train.count * width)
            for fold in extras.folds {
                for (row, position) in fold.positions.enumerated() {
                    for c in 0..<width { probabilities[position * width + c] = fold.probabilities[row * width + c] }
                }
            }
            let learning = try ConfidentLearning(probabilities: probabilities, classCount: classCount, labels: labels)
            scores.append(
                NamedScore(name: "self-confidence", measure: .selfConfidence, values: learning.selfConfidence))
            labelIssues = learning.isLabelIssue
        }
        let final = Array(main.logits.suffix(train.count * classCount))
        return Result(
            scores: scores, labelIssues: labelIssues,
            finalPredictions: Tensor(shape: [train.count, classCount], scalars: final).argmaxPerRowInt().map(
                Int32.init))
    }

    /// Scores from arrays saved elsewhere: per-checkpoint input gradients (NPY
    /// `[examples, H, W]` or `[examples, C, H, W]`, one file per checkpoint in training order)
    /// for VoG, and per-epoch logits (NPY `[epochs, examples, classes]`) for the training
    /// dynamics and EL2N (at `earlyEpoch`).
    static func run(gradients: [URL], epochLogits: URL?, labels: [Int32], earlyEpoch: Int) throws -> Result {
        let labelValues = labels.map(Int.init)
        var scores: [NamedScore] = []
        if !gradients.isEmpty {
            let stages: [TrainingStage] = gradients.count >= 6 ? TrainingStage.allCases : [.all]
            let vog = try StagedVarianceOfGradients.readNPY(checkpoints: gradients, stages: stages)
            guard vog.exampleCount == labels.count else {
                throw InputError(
                    source: gradients[0].path, problem: "\(vog.exampleCount) examples but \(labels.count) labels")
            }
            scores += try vogScores(stages.map { ($0, try vog.scores(for: $0)) }, labels: labelValues)
        }
        var predictions: [Int32]?
        if let epochLogits {
            let logits = try EpochLogits.readNPY(epochLogits)
            guard logits.exampleCount == labels.count else {
                throw InputError(
                    source: epochLogits.path, problem: "\(logits.exampleCount) examples but \(labels.count) labels")
            }
            guard (1...logits.epochCount).contains(earlyEpoch) else {
                throw InputError(
                    source: epochLogits.path,
                    problem: "has \(logits.epochCount) epochs; --early-epoch \(earlyEpoch) is missing")
            }
            let dynamics = try TrainingDynamics(logits: logits, labels: labelValues)
            for measure in [
                DifficultyMeasure.finalLoss, .finalMargin, .forgetting, .areaUnderMargin, .confidence, .variability,
                .correctness,
            ] {
                if let values = dynamics.scores(measure)?.values {
                    scores.append(NamedScore(name: measure.rawValue, measure: measure, values: values))
                }
            }
            scores.append(
                NamedScore(
                    name: "el2n", measure: .el2n,
                    values: try EL2N.scores(runs: [logits], labels: labelValues, epoch: earlyEpoch - 1)))
            let last = Array(logits.values.suffix(logits.exampleCount * logits.classCount))
            predictions = Tensor(shape: [logits.exampleCount, logits.classCount], scalars: last).argmaxPerRowInt().map(
                Int32.init)
        }
        return Result(scores: scores, labelIssues: nil, finalPredictions: predictions)
    }

    /// Raw, class-normalised and absolute class-normalised VoG for each stage, from its raw VoG.
    static func vogScores(_ raw: [(stage: TrainingStage, values: [Double])], labels: [Int]) throws -> [NamedScore] {
        try raw.flatMap { stage, raw -> [NamedScore] in
            let name = stage == .all ? "vog" : "vog-\(stage.rawValue)"
            return [
                NamedScore(name: name, measure: .vog, values: raw),
                NamedScore(
                    name: name + "-normalized", measure: .vog,
                    values: try ClassNormalization.zScore.apply(to: raw, labels: labels)),
                NamedScore(
                    name: name + "-normalized-abs", measure: .vog,
                    values: try ClassNormalization.absoluteZScore.apply(to: raw, labels: labels)),
            ]
        }
    }

    /// Input gradients of the chosen logit for every example, `[examples, C, H, W]`.
    func inputGradients(_ model: Model, _ data: Dataset, classes: [Int]) -> [Float] {
        var gradients: [Float] = []
        gradients.reserveCapacity(data.count * data.shape.pixelCount)
        for start in stride(from: 0, to: data.count, by: 512) {
            let positions = Array(start..<min(start + 512, data.count))
            gradients +=
                model.inputGradients(
                    data.images(at: positions), classes: positions.map { classes[$0] },
                    batching: InputGradientBatching(for: model, threads: training.threads)
                ).gradients.scalars
        }
        return gradients
    }

    func gradientNorms(_ model: Model, _ data: Dataset) -> [Double] {
        var norms: [Double] = []
        for start in stride(from: 0, to: data.count, by: 1024) {
            let positions = Array(start..<min(start + 1024, data.count))
            norms += model.parameterGradientNorms(
                data.images(at: positions), labels: data.labels(at: positions), threads: training.threads)
        }
        return norms
    }

    /// The held-out positions of each confident-learning fold, ascending: folds are a seeded
    /// random partition of the `count` training examples (stratification is not needed).
    func heldOutPositions(count: Int) -> [[Int]] {
        var generator = SeededGenerator(seed: SeedStream.confidentLearningFolds.seed(from: training.seed))
        var order = Array(0..<count)
        order.fisherYatesShuffle(using: &generator, walk: .fromStart)
        return (0..<confidentLearningFolds).map { fold in
            order.enumerated().filter { $0.offset % confidentLearningFolds == fold }.map(\.element).sorted()
        }
    }

    /// Softmax probabilities of fold `fold`'s held-out examples from a model trained on the
    /// other folds.
    func foldProbabilities(_ fold: Int, heldOut: [Int], on data: Dataset) throws -> FoldProbabilities {
        let held = Set(heldOut)
        let trainPositions = (0..<data.count).filter { !held.contains($0) }
        var configuration = training
        configuration.seed = SeedStream.confidentLearningFold.seed(from: training.seed, index: fold)
        var trainer = try Trainer(
            model: try Model(architecture: architecture, seed: configuration.seed), configuration: configuration)
        try trainer.train(on: data.subset(trainPositions), test: nil) { _, _ in }
        let classCount = trainer.model.classCount
        let logits = trainer.model.logits(of: data.subset(heldOut), threads: training.threads).logSoftmaxLastAxis()
        return FoldProbabilities(
            positions: heldOut, probabilities: logits.scalars.map { exp(Double($0)) }, classCount: classCount)
    }
}

extension Tensor {
    /// Index of the first maximum of each row, as `Int`.
    func argmaxPerRowInt() -> [Int] {
        let columns = shape[1]
        return (0..<shape[0]).map { row in
            var best = 0
            for j in 1..<columns where scalars[row * columns + j] > scalars[row * columns + best] { best = j }
            return best
        }
    }
}

/// Ends an extra EL2N run at the early epoch: thrown by its training handler once the epoch's
/// logits are kept and caught right there, so it is control flow, never reported.
private struct EarlyEpochReached: Error {}
