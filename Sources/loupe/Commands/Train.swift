import ArgumentParser
import Foundation
import LoupeData
import LoupeNN
import LoupeReport
import LoupeSupport
import LoupeWorkflows

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a classifier and save checkpoints, per-epoch metrics and a manifest.",
        discussion: """
            Writes into --out: model.safetensors (final weights), checkpoints/ (every \
            --checkpoint-every epochs or steps, with optimizer state), state.safetensors (the \
            latest epoch, for --resume), metrics.jsonl (one JSON object per epoch) and \
            manifest.json.
            """)

    @OptionGroup var dataOptions: DataOptions

    @OptionGroup var modelOptions: ModelOptions
    @Option(help: "Seed for initialization, shuffling, augmentation and dropout.") var seed: UInt64 = 0
    @Option(
        help: ArgumentHelp(
            "Save a checkpoint every N epochs, or every N steps with an 's' suffix (e.g. 500s).", valueName: "N[s]"))
    var checkpointEvery: String?
    @Option(help: "Threads sharing each batch; results are bit-identical for a given count.")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "Output directory.") var out: String = "runs/train"
    @Flag(help: "Continue an interrupted run in --out from its last completed epoch.") var resume = false

    /// Checks the options on their own, before anything runs (ArgumentParser calls this after
    /// parsing; the options of `modelOptions` check themselves).
    func validate() throws {
        try validateOutputFolder(out)
        do { try makeConfiguration().validate() } catch let error as ModelError {
            throw ValidationError(error.description)
        }
    }

    /// The training configuration the options describe.
    func makeConfiguration() throws -> TrainingConfiguration {
        var configuration = modelOptions.training(defaultEpochs: 5)
        configuration.seed = seed
        configuration.threads = threads
        configuration.checkpointInterval = try parseCheckpointInterval(checkpointEvery)
        return configuration
    }

    func run() throws {
        var configuration = TrainWorkflow.Configuration(
            data: dataOptions.source, model: modelOptions.model, hidden: modelOptions.hidden,
            training: try makeConfiguration(), output: URL(fileURLWithPath: out, isDirectory: true), resume: resume)
        configuration.normalization = modelOptions.recipe.normalization
        let workflow = TrainWorkflow(configuration)
        let result = try workflow.run(progress: TerminalProgress())
        _ = try result.write(to: result.folder)
        print("wrote \(result.folder.path)/model.safetensors, metrics.jsonl, manifest.json")
    }
}

/// `N` (epochs) or `Ns` (steps).
func parseCheckpointInterval(_ text: String?) throws -> TrainingConfiguration.CheckpointInterval? {
    guard let text else { return nil }
    let isSteps = text.hasSuffix("s")
    guard let n = Int(isSteps ? String(text.dropLast()) : text), n > 0 else {
        throw ValidationError(
            "--checkpoint-every: expected a positive number of epochs (N) or steps (Ns), got '\(text)'")
    }
    return isSteps ? .steps(n) : .epochs(n)
}

extension TrainingConfiguration.OptimizerKind: ExpressibleByArgument {}
extension LearningRateSchedule: ExpressibleByArgument {}
