import ArgumentParser
import Foundation
import LoupeWorkflows

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

    /// Checks the options on their own, before anything runs (ArgumentParser calls this after
    /// parsing); what depends on the data is checked when the workflow reads it.
    func validate() throws {
        _ = try settings
    }

    /// The settings these options describe.
    var settings: DifficultySettings {
        get throws {
            guard let target = VoGTarget(rawValue: vogTarget) else {
                throw ValidationError("--vog-target must be label or predicted, got '\(vogTarget)'")
            }
            var settings = DifficultySettings(model: modelOptions.recipe, threads: threads)
            settings.seed = seed
            settings.vogTarget = target
            settings.earlyEpoch = earlyEpoch
            settings.confidentLearningFolds = clFolds
            settings.el2nSeeds = el2nSeeds
            try checkingOptions { try settings.validate() }
            return settings
        }
    }
}
