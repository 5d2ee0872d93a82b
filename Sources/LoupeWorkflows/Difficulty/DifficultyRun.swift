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
        var finalModel: Model?
    }

    /// Checks what training the model needs, before anything is written: VoG needs two
    /// checkpoints, and the early epoch must be one of the run's.
    func validateTraining() throws {
        let epochs = training.epochs
        guard epochs >= 2 else { throw ModelError("VoG needs at least two checkpoints: train for 2 epochs or more") }
        guard (1...epochs).contains(earlyEpoch) else { throw ModelError("--early-epoch must be in 1...\(epochs)") }
    }

    func run(on train: Dataset, progress: (String) -> Void) throws -> Result {
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
        return try assemble(
            vog: vog, stages: stages, logits: logits, epochs: epochs, el2nLogits: el2nLogits, grand: grand,
            train: train,
            classCount: trainer.model.classCount, finalModel: trainer.model, progress: progress)
    }

    /// Scores from checkpoints saved elsewhere (for example `loupe train --checkpoint-every 1`):
    /// one pass over them, in file-name order, computing input gradients and logits of the
    /// training examples at each. Every checkpoint must have the same architecture.
    func run(checkpoints urls: [URL], on train: Dataset, progress: (String) -> Void) throws -> Result {
        guard urls.count >= 2 else {
            throw ModelError("VoG needs at least two checkpoints, found \(urls.count)")
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
        return try assemble(
            vog: vog, stages: stages, logits: logits, epochs: urls.count, el2nLogits: el2nLogits, grand: grand,
            train: train,
            classCount: last!.classCount, finalModel: last!, progress: progress)
    }

    private func assemble(
        vog: StagedVarianceOfGradients, stages: [TrainingStage], logits: [Float], epochs: Int, el2nLogits: [Float],
        grand: [Double]?, train: Dataset, classCount: Int, finalModel: Model, progress: (String) -> Void
    ) throws -> Result {
        let labels = train.labels.map(Int.init)
        let dynamics = try TrainingDynamics(
            logits: EpochLogits(logits, epochCount: epochs, exampleCount: train.count, classCount: classCount),
            labels: labels, grand: grand)
        var scores: [NamedScore] = []
        var labelIssues: [Bool]?
        scores += try Self.vogScores(vog, stages: stages, labels: labels)
        for measure in [
            DifficultyMeasure.finalLoss, .finalMargin, .grand, .forgetting, .areaUnderMargin, .confidence, .variability,
            .correctness,
        ] {
            if let values = dynamics.scores(measure)?.values {
                scores.append(NamedScore(name: measure.rawValue, measure: measure, values: values))
            }
        }
        var el2nRuns = [try EpochLogits(el2nLogits, epochCount: 1, exampleCount: train.count, classCount: classCount)]
        for extra in 1..<max(el2nSeeds, 1) {
            // EL2N averaged over seeds: short extra runs up to the early epoch.
            progress("EL2N: extra run \(extra + 1) of \(el2nSeeds)")
            var configuration = training
            configuration.seed = SeedStream.el2nRun.seed(from: training.seed, index: extra)
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
            el2nRuns.append(try EpochLogits(stopped, epochCount: 1, exampleCount: train.count, classCount: classCount))
        }
        scores.append(
            NamedScore(name: "el2n", measure: .el2n, values: try EL2N.scores(runs: el2nRuns, labels: labels, epoch: 0)))
        if confidentLearningFolds >= 2 {
            progress("confident learning: training \(confidentLearningFolds) fold models")
            let probabilities = try outOfSampleProbabilities(train, folds: confidentLearningFolds)
            let learning = try ConfidentLearning(probabilities: probabilities, classCount: classCount, labels: labels)
            scores.append(
                NamedScore(name: "self-confidence", measure: .selfConfidence, values: learning.selfConfidence))
            labelIssues = learning.isLabelIssue
        }
        let final = Array(logits.suffix(train.count * classCount))
        return Result(
            scores: scores, labelIssues: labelIssues,
            finalPredictions: Tensor(shape: [train.count, classCount], scalars: final).argmaxPerRowInt().map(
                Int32.init),
            finalModel: finalModel)
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
            scores += try vogScores(vog, stages: stages, labels: labelValues)
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
        return Result(scores: scores, labelIssues: nil, finalPredictions: predictions, finalModel: nil)
    }

    /// Raw, class-normalised and absolute class-normalised VoG for each stage.
    static func vogScores(_ vog: StagedVarianceOfGradients, stages: [TrainingStage], labels: [Int]) throws
        -> [NamedScore]
    {
        try stages.flatMap { stage -> [NamedScore] in
            let raw = try vog.scores(for: stage)
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

    /// Softmax probabilities of every example from a model trained on the other folds
    /// (stratification is not needed: folds are a seeded random partition).
    func outOfSampleProbabilities(_ data: Dataset, folds: Int) throws -> [Double] {
        var generator = SeededGenerator(seed: SeedStream.confidentLearningFolds.seed(from: training.seed))
        var order = Array(0..<data.count)
        order.fisherYatesShuffle(using: &generator, walk: .fromStart)
        var probabilities: [Double] = []
        var classCount = 0
        for fold in 0..<folds {
            let held = Set(order.enumerated().filter { $0.offset % folds == fold }.map(\.element))
            let trainPositions = (0..<data.count).filter { !held.contains($0) }
            var configuration = training
            configuration.seed = SeedStream.confidentLearningFold.seed(from: training.seed, index: fold)
            var trainer = try Trainer(
                model: try Model(architecture: architecture, seed: configuration.seed), configuration: configuration)
            try trainer.train(on: data.subset(trainPositions), test: nil) { _, _ in }
            classCount = trainer.model.classCount
            if probabilities.count != data.count * classCount {
                probabilities = [Double](repeating: 0, count: data.count * classCount)
            }
            let heldPositions = held.sorted()
            let logits = trainer.model.logits(of: data.subset(heldPositions), threads: training.threads)
                .logSoftmaxLastAxis()
            for (row, position) in heldPositions.enumerated() {
                for c in 0..<classCount {
                    probabilities[position * classCount + c] = exp(Double(logits.scalars[row * classCount + c]))
                }
            }
        }
        return probabilities
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
