import Foundation
import LoupeData
import LoupeNN

/// How the difficulty scores are made: the training run and the settings of each score.
public struct DifficultySettings: Sendable, Equatable {
    /// The model trained, one checkpoint per epoch (9 epochs by default); VoG's early,
    /// middle and late stages need 6 or more.
    public var model: ModelRecipe
    /// Seed of the training run.
    public var seed: UInt64 = 0
    public var vogTarget: VoGTarget = .label
    /// The early epoch at which EL2N and GraNd are taken.
    public var earlyEpoch = 1
    /// Folds for confident learning's out-of-sample probabilities (0 turns it off).
    public var confidentLearningFolds = 4
    /// Seeds EL2N is averaged over (extra runs train up to the early epoch).
    public var el2nSeeds = 1
    public var threads: Int

    public init(model: ModelRecipe, threads: Int) {
        self.model = model
        self.threads = threads
    }

    /// Checks the settings on their own, before any data is read.
    public func validate() throws {
        guard confidentLearningFolds == 0 || confidentLearningFolds >= 2 else {
            throw OptionError("--cl-folds must be 0 or at least 2")
        }
        guard el2nSeeds >= 1 else { throw OptionError("--el2n-seeds must be at least 1") }
    }

    /// The run for `train`, checked against it before anything is trained or written.
    func makeRun(train: Dataset) throws -> DifficultyRun {
        try validate()
        var training = model.training(defaultEpochs: 9)
        training.seed = seed
        training.threads = threads
        var run = DifficultyRun(architecture: try model.architecture(for: train), training: training)
        run.vogTarget = vogTarget
        run.earlyEpoch = earlyEpoch
        run.confidentLearningFolds = confidentLearningFolds
        run.el2nSeeds = el2nSeeds
        try run.validate(for: train)
        return run
    }
}
