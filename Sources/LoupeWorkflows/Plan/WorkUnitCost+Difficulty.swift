import Foundation
import LoupeData
import LoupeNN

extension WorkUnitCost {
    /// The units of a difficulty run (``DifficultyRun/workUnits``):
    /// - the main run: every epoch's training, the training logits and the input gradients
    ///   VoG takes at each checkpoint, and GraNd's gradient norms at the early epoch;
    /// - each extra EL2N run: training up to the early epoch, with its logits;
    /// - each confident-learning fold: training on the other folds, predicting the held-out one.
    ///
    /// Gradients and gradient norms are timed on up to 256 examples, on one thread. A task
    /// also holds the main run's arrays: the logits of every epoch, one checkpoint's input
    /// gradients and VoG's running means and variances.
    static func difficulty(run: DifficultyRun, train: Dataset, startSeconds: Double) throws -> WorkUnitCost {
        var probe = run
        probe.training.threads = 1
        let (speed, model) = try TrainingSpeed.measure(
            architecture: run.architecture, training: probe.training, seed: run.training.seed, train: train,
            evaluate: train)
        let sample = train.subset(Array(0..<min(256, train.count)))
        let gradientSeconds = TrainingSpeed.secondsPerExample(of: sample.count) {
            _ = probe.inputGradients(model, sample, classes: sample.labels.map(Int.init))
        }
        let normSeconds = TrainingSpeed.secondsPerExample(of: sample.count) {
            _ = probe.gradientNorms(model, sample)
        }
        let count = Double(train.count)
        let epochs = run.training.epochs
        let epochWithLogits =
            speed.trainingSeconds(examples: train.count, epochs: 1) + speed.evaluationSeconds(examples: train.count)
        let heldOut = run.confidentLearningFolds >= 2 ? run.heldOutPositions(count: train.count) : []
        let units = run.workUnits.map { unit -> (name: String, seconds: Double) in
            switch unit {
            case .main:
                (unit.name, Double(epochs) * (epochWithLogits + gradientSeconds * count) + normSeconds * count)
            case .el2nRun: (unit.name, Double(run.earlyEpoch) * epochWithLogits)
            case .confidentLearningFold(let fold):
                (
                    unit.name,
                    speed.trainingSeconds(examples: train.count - heldOut[fold].count, epochs: epochs)
                        + speed.evaluationSeconds(examples: heldOut[fold].count)
                )
            }
        }
        let shape = train.shape
        let logits = epochs * train.count * run.logitWidth(of: train)
        let gradients = train.count * shape.channels * shape.height * shape.width
        let varianceOfGradients = 4 * train.count * shape.height * shape.width  // two stages' mean and variance
        let heldBytes = 4 * (logits + gradients + varianceOfGradients)
        return WorkUnitCost(units: units, startSeconds: startSeconds, heldBytes: heldBytes, speed: speed)
    }
}
