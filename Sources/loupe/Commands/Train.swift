import ArgumentParser
import Foundation
import LoupeData
import LoupeNN
import LoupeReport
import LoupeSupport

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
    @Option(help: "SGD momentum.") var momentum: Float = 0.9
    @Flag(help: "Use Nesterov momentum.") var nesterov = false
    @Option(help: "Weight decay (biases and norm parameters excluded).") var weightDecay: Float = 0
    @Option(help: "Learning-rate schedule: constant, step:N:gamma, cosine[:min=X], warmup:N+<schedule>.")
    var schedule: LearningRateSchedule = .constant
    @Option(help: "Label smoothing for the cross-entropy.") var labelSmoothing: Float = 0
    @Option(help: "Random-crop augmentation: zero padding in pixels (0 = off).") var cropPadding: Int = 0
    @Flag(help: "Random horizontal-flip augmentation.") var flip = false
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
        guard cropPadding >= 0 else { throw ValidationError("--crop-padding must be 0 or more, got \(cropPadding)") }
        do { try makeConfiguration().validate() } catch let error as ModelError {
            throw ValidationError(error.description)
        }
    }

    /// The training configuration the options describe.
    func makeConfiguration() throws -> TrainingConfiguration {
        var configuration = modelOptions.training(defaultEpochs: 5)
        configuration.momentum = momentum
        configuration.nesterov = nesterov
        configuration.weightDecay = weightDecay
        configuration.schedule = schedule
        configuration.labelSmoothing = labelSmoothing
        configuration.augmentation = Augmentation(cropPadding: cropPadding, horizontalFlip: flip)
        configuration.seed = seed
        configuration.threads = threads
        configuration.checkpointInterval = try parseCheckpointInterval(checkpointEvery)
        return configuration
    }

    func run() throws {
        let splits = try dataOptions.load().splits
        let architecture = try modelOptions.architecture(for: splits.train)
        let configuration = try makeConfiguration()
        // Everything that depends on the data is checked before the output folder exists.
        try configuration.validate(for: splits.train)
        let (epochs, batchSize) = (configuration.epochs, configuration.batchSize)

        struct RunConfiguration: Encodable {
            var command = "train"
            var data: String
            var trainExamples: Int
            var testExamples: Int
            var architecture: Architecture
            var training: TrainingConfiguration
        }
        var directory = try RunDirectory(
            path: out,
            configuration: RunConfiguration(
                data: dataOptions.data, trainExamples: splits.train.count, testExamples: splits.test.count,
                architecture: architecture, training: configuration),
            seeds: ["training": seed, "split": dataOptions.splitSeed], threads: threads)
        try directory.recordInputs(splits.train.sources + splits.test.sources)

        var trainer = try Trainer(
            model: try Model(architecture: architecture, seed: seed), configuration: configuration)
        let stateURL = directory.output("state.safetensors")
        let metricsURL = directory.output("metrics.jsonl")
        var metricsLines: [String] = []
        if resume, FileManager.default.fileExists(atPath: stateURL.path) {
            let state = try ModelCheckpoint(contentsOf: stateURL)
            guard state.training == configuration, state.model.architecture == architecture else {
                throw FileError(
                    path: stateURL.path,
                    problem: "was written with a different configuration; cannot resume (remove it or change --out)")
            }
            try directory.continuePreviousRun()
            trainer = try Trainer(model: state.model, configuration: configuration)
            do {
                try trainer.restore(
                    optimizerState: state.optimizerState, epoch: state.epoch, step: state.step,
                    trainingExamples: splits.train.count)
            } catch {
                throw FileError(path: stateURL.path, problem: "cannot resume: \(error.description)")
            }
            metricsLines = try resumedMetricsLines(metricsURL, epochs: state.epoch)
            print("resuming from epoch \(state.epoch)")
        }

        print(
            "training \(architecture.name) (\(trainer.model.parameterCount) parameters) on \(dataOptions.data): \(splits.train.count) train, \(splits.test.count) test"
        )
        var progress: ProgressLine?
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var checkpointNames: [String] = []
        func saveCheckpoint(_ trainer: Trainer) throws {
            let name = String(
                format: "checkpoints/%@-%06d.safetensors",
                trainer.configuration.checkpointInterval.isSteps ? "step" : "epoch",
                trainer.configuration.checkpointInterval.isSteps ? trainer.step : trainer.epoch)
            guard !checkpointNames.contains(name) else { return }
            try FileManager.default.createDirectory(
                at: directory.url.appendingPathComponent("checkpoints"), withIntermediateDirectories: true)
            try ModelCheckpoint(
                model: trainer.model, training: configuration, epoch: trainer.epoch, step: trainer.step,
                dataset: dataOptions.data, optimizerState: trainer.optimizer.stateTensors()
            ).write(to: directory.output(name))
            checkpointNames.append(name)
        }
        var lastSavedEpoch = trainer.epoch
        let handler: (Trainer.Event, Trainer) throws -> Void = { event, trainer in
            switch event {
            case .batch(let done, let total):
                if progress == nil {
                    progress = ProgressLine(label: "epoch \(trainer.epoch + 1)/\(epochs)", total: splits.train.count)
                }
                progress?.advance(by: done < total ? batchSize : splits.train.count - (total - 1) * batchSize)
            case .trainingLogits:
                break
            case .checkpoint:
                try saveCheckpoint(trainer)  // an epoch's checkpoint is already saved with the epoch
            case .epoch(let metrics):
                metricsLines.append(String(decoding: try encoder.encode(EpochMetricsLine(metrics)), as: UTF8.self))
                directory.recorder.recordPhase("epoch \(metrics.epoch)", seconds: metrics.seconds)
                try writeText(metricsLines.joined(separator: "\n") + "\n", to: metricsURL)
                // The epoch's checkpoint and the progress manifest before the state moves on, so that every
                // checkpoint a resumed run does not rewrite is listed in the manifest it continues.
                if case .epochs(let n) = configuration.checkpointInterval, trainer.epoch % n == 0 {
                    try saveCheckpoint(trainer)
                }
                try directory.writeProgress()
                try ModelCheckpoint(
                    model: trainer.model, training: configuration, epoch: trainer.epoch, step: trainer.step,
                    dataset: dataOptions.data, optimizerState: trainer.optimizer.stateTensors()
                ).write(to: stateURL)
                lastSavedEpoch = trainer.epoch
                progress?.finish()
                progress = nil
                print(
                    String(
                        format: "epoch %d/%d  loss %.4f  acc %.4f  test loss %.4f  test acc %.4f  %.1fs  %.0f img/s",
                        metrics.epoch, epochs, metrics.trainLoss, metrics.trainAccuracy, metrics.testLoss ?? .nan,
                        metrics.testAccuracy ?? .nan, metrics.seconds, metrics.imagesPerSecond))
            }
        }
        do {
            try trainer.train(on: splits.train, test: splits.test, handler: handler)
        } catch let divergence as TrainingDivergence {
            progress?.finish()
            let kept =
                lastSavedEpoch > 0
                ? "the state after epoch \(lastSavedEpoch) is kept in \(stateURL.path) (--resume continues from it)"
                : "no epoch completed, so there is no state to resume from"
            throw ModelError("\(divergence.description); \(kept)")
        }
        try ModelCheckpoint(
            model: trainer.model, training: configuration, epoch: trainer.epoch, step: trainer.step,
            dataset: dataOptions.data
        )
        .write(to: directory.output("model.safetensors"))
        directory.recorder.recordFLOPs(
            trainer.model.flopsPerLayer.map { LayerFLOPs(layer: $0.layer, forward: $0.forward, backward: $0.backward) })
        try directory.finish()
        print("wrote \(directory.url.path)/model.safetensors, metrics.jsonl, manifest.json")
    }
}

/// The lines of `metrics.jsonl` for the `epochs` epochs a resumed run completed.
///
/// The file is read through `InputFile` (a regular file within the memory budget: a FIFO
/// cannot block the resume) and must hold a line for every completed epoch (the epoch
/// handler writes the metrics before the state): a missing or short file would otherwise
/// silently lose the history of the run.
func resumedMetricsLines(_ url: URL, epochs: Int) throws -> [String] {
    guard epochs > 0 else { return [] }
    let text: String
    do { text = try InputFile.readText(url, name: url.path) } catch {
        throw FileError(path: error.path, problem: "cannot resume: \(error.problem)")
    }
    let lines = text.split(separator: "\n").prefix(epochs).map(String.init)
    guard lines.count == epochs else {
        throw FileError(
            path: url.path,
            problem: "cannot resume: holds \(lines.count) of the \(epochs) lines of the epochs the state completed")
    }
    return lines
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

extension Optional where Wrapped == TrainingConfiguration.CheckpointInterval {
    var isSteps: Bool { if case .steps = self { true } else { false } }
}

extension TrainingConfiguration.OptimizerKind: ExpressibleByArgument {}
extension LearningRateSchedule: ExpressibleByArgument {}
