import Foundation
import LoupeAudit
import LoupeData
import LoupeNN
import LoupeSupport
import LoupeTensor

/// One named score per training example, with the direction it points.
struct NamedScore {
    var name: String
    var measure: DifficultyMeasure
    var values: [Double]

    /// Higher is harder.
    var hardness: [Double] { DifficultyScores(measure: measure, values: values).hardness }
}

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
    var checkpointDirectory: URL?

    enum VoGTarget: String, CaseIterable { case label, predicted }

    struct Result {
        var scores: [NamedScore]
        /// Confident learning's flags (when folds were trained).
        var labelIssues: [Bool]?
        var finalPredictions: [Int32]
        var finalModel: Model
    }

    func run(on train: Dataset, progress: (String) -> Void) throws -> Result {
        let epochs = training.epochs
        guard epochs >= 2 else { throw ModelError("VoG needs at least two checkpoints: train for 2 epochs or more") }
        guard (1...epochs).contains(earlyEpoch) else { throw ModelError("--early-epoch must be in 1...\(epochs)") }
        let labels = train.labels.map(Int.init)
        let shape = train.shape
        let stages: [TrainingStage] = epochs >= 6 ? TrainingStage.allCases : [.all]
        var vog = try StagedVarianceOfGradients(
            checkpointCount: epochs, exampleCount: train.count, mapSize: shape.height * shape.width, stages: stages)
        var logits: [Float] = []
        logits.reserveCapacity(epochs * train.count * 10)
        var grand: [Double]?
        var el2nLogits: [Float] = []
        var trainer = try Trainer(model: try Model(architecture: architecture, seed: training.seed), configuration: training)
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
                    .write(to: checkpointDirectory.appendingPathComponent(String(format: "epoch-%06d.safetensors", epoch)))
            }
            let predicted = epochLogits.argmaxPerRowInt()
            do { try vog.add(inputGradients(trainer.model, train, classes: vogTarget == .label ? labels : predicted), shape: [train.count, shape.channels, shape.height, shape.width]) } catch { failure = error }
            progress("epoch \(epoch)/\(epochs): checkpoint gradients added")
        }
        if let failure { throw failure }
        let classCount = trainer.model.classCount
        let dynamics = try TrainingDynamics(
            logits: EpochLogits(logits, epochCount: epochs, exampleCount: train.count, classCount: classCount),
            labels: labels, grand: grand)
        var scores: [NamedScore] = []
        var labelIssues: [Bool]?
        for stage in stages {
            let raw = try vog.scores(for: stage)
            let suffix = stage == .all ? "" : "-\(stage.rawValue)"
            scores.append(NamedScore(name: "vog\(suffix)", measure: .vog, values: raw))
            scores.append(NamedScore(name: "vog\(suffix)-normalized", measure: .vog, values: try ClassNormalization.zScore.apply(to: raw, labels: labels)))
            scores.append(NamedScore(name: "vog\(suffix)-normalized-abs", measure: .vog, values: try ClassNormalization.absoluteZScore.apply(to: raw, labels: labels)))
        }
        for measure in [DifficultyMeasure.finalLoss, .finalMargin, .grand, .forgetting, .areaUnderMargin, .confidence, .variability, .correctness] {
            if let values = dynamics.scores(measure)?.values { scores.append(NamedScore(name: measure.rawValue, measure: measure, values: values)) }
        }
        scores.append(NamedScore(
            name: "el2n", measure: .el2n,
            values: try EL2N.scores(runs: [EpochLogits(el2nLogits, epochCount: 1, exampleCount: train.count, classCount: classCount)], labels: labels, epoch: 0)))
        if confidentLearningFolds >= 2 {
            progress("confident learning: training \(confidentLearningFolds) fold models")
            let probabilities = try outOfSampleProbabilities(train, folds: confidentLearningFolds)
            let learning = try ConfidentLearning(probabilities: probabilities, classCount: classCount, labels: labels)
            scores.append(NamedScore(name: "self-confidence", measure: .selfConfidence, values: learning.selfConfidence))
            labelIssues = learning.isLabelIssue
        }
        let final = Array(logits.suffix(train.count * classCount))
        return Result(
            scores: scores, labelIssues: labelIssues,
            finalPredictions: Tensor(shape: [train.count, classCount], scalars: final).argmaxPerRowInt().map(Int32.init),
            finalModel: trainer.model)
    }

    /// Input gradients of the chosen logit for every example, `[examples, C, H, W]`.
    func inputGradients(_ model: Model, _ data: Dataset, classes: [Int]) -> [Float] {
        var gradients: [Float] = []
        gradients.reserveCapacity(data.count * data.shape.pixelCount)
        for start in stride(from: 0, to: data.count, by: 512) {
            let positions = Array(start..<min(start + 512, data.count))
            gradients += model.inputGradients(data.images(at: positions), classes: positions.map { classes[$0] }, threads: training.threads).gradients.scalars
        }
        return gradients
    }

    func gradientNorms(_ model: Model, _ data: Dataset) -> [Double] {
        var norms: [Double] = []
        for start in stride(from: 0, to: data.count, by: 1024) {
            let positions = Array(start..<min(start + 1024, data.count))
            norms += model.parameterGradientNorms(data.images(at: positions), labels: data.labels(at: positions), threads: training.threads)
        }
        return norms
    }

    /// Softmax probabilities of every example from a model trained on the other folds
    /// (stratification is not needed: folds are a seeded random partition).
    func outOfSampleProbabilities(_ data: Dataset, folds: Int) throws -> [Double] {
        var generator = SeededGenerator(seed: training.seed ^ 0x00C0_FFEE)
        let order = Array(0..<data.count).shuffled(using: &generator)
        var probabilities = [Double](repeating: 0, count: data.count * 10)
        var classCount = 10
        for fold in 0..<folds {
            let held = Set(order.enumerated().filter { $0.offset % folds == fold }.map(\.element))
            let trainPositions = (0..<data.count).filter { !held.contains($0) }
            var configuration = training
            configuration.seed = training.seed &+ UInt64(fold + 1) * 7919
            var trainer = try Trainer(model: try Model(architecture: architecture, seed: configuration.seed), configuration: configuration)
            try trainer.train(on: data.subset(trainPositions), test: nil) { _, _ in }
            classCount = trainer.model.classCount
            if probabilities.count != data.count * classCount { probabilities = [Double](repeating: 0, count: data.count * classCount) }
            let heldPositions = held.sorted()
            let logits = trainer.model.logits(of: data.subset(heldPositions), threads: training.threads).logSoftmaxLastAxis()
            for (row, position) in heldPositions.enumerated() {
                for c in 0..<classCount { probabilities[position * classCount + c] = exp(Double(logits.scalars[row * classCount + c])) }
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
