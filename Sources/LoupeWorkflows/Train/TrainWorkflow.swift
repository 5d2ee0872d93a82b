import Foundation
import LoupeData
import LoupeNN
import LoupeReport
import LoupeSupport

/// Trains one classifier into a run folder: checkpoints, `state.safetensors` after every
/// epoch (for ``Configuration/resume``), `metrics.jsonl`, an in-progress manifest while it
/// runs, and, when the result is written, `model.safetensors` and the manifest.
public struct TrainWorkflow {
    public struct Configuration: Sendable {
        public var data: DataSource
        /// `mlp`, `cnn`, `resnet-mini` or an architecture JSON file.
        public var model: String
        /// Hidden widths for mlp (comma-separated), or the hidden width of cnn.
        public var hidden: String?
        /// Every setting of training, including its seed and threads.
        public var training: TrainingConfiguration
        /// The run folder.
        public var output: URL
        /// Continue an interrupted run in ``output`` from its last completed epoch.
        public var resume = false
        /// How the model normalises its inputs (`--normalize`), recorded in its architecture.
        public var normalization: InputNormalization = .none

        public init(
            data: DataSource, model: String, hidden: String? = nil, training: TrainingConfiguration, output: URL,
            resume: Bool = false
        ) {
            (self.data, self.model, self.hidden, self.training, self.output, self.resume) =
                (data, model, hidden, training, output, resume)
        }
    }

    /// The trained model, in the run folder it was trained into.
    public struct Result {
        public var model: Model
        /// The metrics of every epoch, including those of an earlier process a resumed run continued.
        public var metricsLines: [String]
        var directory: RunDirectory
        var training: TrainingConfiguration
        var dataset: String
        var epoch: Int
        var step: Int

        /// The run folder.
        public var folder: URL { directory.url }

        /// Writes `model.safetensors` and `manifest.json` into the run folder (`folder` must be
        /// it); returns the names written.
        public func write(to folder: URL) throws -> [String] {
            try RunDirectory.requireSame(folder, as: directory.url)
            var directory = directory
            try ModelCheckpoint(model: model, training: training, epoch: epoch, step: step, dataset: dataset)
                .write(to: directory.output("model.safetensors"))
            directory.recorder.recordFLOPs(
                model.flopsPerLayer.map { LayerFLOPs(layer: $0.layer, forward: $0.forward, backward: $0.backward) })
            try directory.finish()
            return ["model.safetensors", "metrics.jsonl", "manifest.json"]
        }
    }

    public var configuration: Configuration

    public init(_ configuration: Configuration) { self.configuration = configuration }

    /// Trains (or resumes) the model, writing checkpoints, state and metrics as it goes.
    public func run(progress: any WorkflowProgress) throws -> Result {
        let splits = try configuration.data.load().splits
        let architecture = try configuration.normalization.applied(
            to: try resolveArchitecture(configuration.model, hidden: configuration.hidden, data: splits.train),
            train: splits.train)
        let training = configuration.training
        let dataName = configuration.data.data
        // Everything that depends on the data is checked before the output folder exists.
        try training.validate(for: splits.train)
        let (epochs, batchSize) = (training.epochs, training.batchSize)

        struct RunConfiguration: Encodable {
            var command = "train"
            var data: String
            var trainExamples: Int
            var testExamples: Int
            var architecture: Architecture
            var training: TrainingConfiguration
        }
        var directory = try RunDirectory(
            path: configuration.output.relativePath,
            configuration: RunConfiguration(
                data: dataName, trainExamples: splits.train.count, testExamples: splits.test.count,
                architecture: architecture, training: training),
            seeds: ["training": training.seed, "split": configuration.data.splitSeed], threads: training.threads)
        try directory.recordInputs(splits.train.sources + splits.test.sources)
        directory.recordData([splits.train, splits.test])

        var trainer = try Trainer(
            model: try Model(architecture: architecture, seed: training.seed), configuration: training)
        let stateURL = directory.output("state.safetensors")
        let metricsURL = directory.output("metrics.jsonl")
        var metricsLines: [String] = []
        if configuration.resume, FileManager.default.fileExists(atPath: stateURL.path) {
            let state = try ModelCheckpoint(contentsOf: stateURL)
            guard state.training == training, state.model.architecture == architecture else {
                throw InputError(
                    source: stateURL.path,
                    problem: "was written with a different configuration; cannot resume (remove it or change --out)")
            }
            try directory.continuePreviousRun()
            trainer = try Trainer(model: state.model, configuration: training)
            do {
                try trainer.restore(
                    optimizerState: state.optimizerState, epoch: state.epoch, step: state.step,
                    trainingExamples: splits.train.count)
            } catch {
                throw InputError(source: stateURL.path, problem: "cannot resume: \(error.description)")
            }
            metricsLines = try resumedMetricsLines(metricsURL, epochs: state.epoch)
            progress.log("resuming from epoch \(state.epoch)")
        }

        if let line = architecture.normalizationLine { progress.log(line) }
        progress.log(
            "training \(architecture.name) (\(trainer.model.parameterCount) parameters) on \(dataName): \(splits.train.count) train, \(splits.test.count) test"
        )
        var meter: (any ProgressMeter)?
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
                model: trainer.model, training: training, epoch: trainer.epoch, step: trainer.step,
                dataset: dataName, optimizerState: trainer.optimizer.stateTensors()
            ).write(to: directory.output(name))
            checkpointNames.append(name)
        }
        var lastSavedEpoch = trainer.epoch
        let handler: (Trainer.Event, Trainer) throws -> Void = { event, trainer in
            switch event {
            case .batch(let done, let total):
                if meter == nil {
                    meter = progress.meter("epoch \(trainer.epoch + 1)/\(epochs)", total: splits.train.count)
                }
                meter?.advance(by: done < total ? batchSize : splits.train.count - (total - 1) * batchSize)
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
                if case .epochs(let n) = training.checkpointInterval, trainer.epoch % n == 0 {
                    try saveCheckpoint(trainer)
                }
                try directory.writeProgress()
                try ModelCheckpoint(
                    model: trainer.model, training: training, epoch: trainer.epoch, step: trainer.step,
                    dataset: dataName, optimizerState: trainer.optimizer.stateTensors()
                ).write(to: stateURL)
                lastSavedEpoch = trainer.epoch
                meter?.finish()
                meter = nil
                progress.log(
                    String(
                        format: "epoch %d/%d  loss %.4f  acc %.4f  test loss %.4f  test acc %.4f  %.1fs  %.0f img/s",
                        metrics.epoch, epochs, metrics.trainLoss, metrics.trainAccuracy, metrics.testLoss ?? .nan,
                        metrics.testAccuracy ?? .nan, metrics.seconds, metrics.imagesPerSecond))
            }
        }
        do {
            try trainer.train(on: splits.train, test: splits.test, handler: handler)
        } catch let divergence as TrainingDivergence {
            meter?.finish()
            let kept =
                lastSavedEpoch > 0
                ? "the state after epoch \(lastSavedEpoch) is kept in \(stateURL.path) (--resume continues from it)"
                : "no epoch completed, so there is no state to resume from"
            throw ModelError("\(divergence.description); \(kept)")
        }
        return Result(
            model: trainer.model, metricsLines: metricsLines, directory: directory, training: training,
            dataset: dataName, epoch: trainer.epoch, step: trainer.step)
    }
}

/// The lines of `metrics.jsonl` for the `epochs` epochs a resumed run completed.
///
/// The file is read through `InputFile` (a regular file within the memory budget: a FIFO
/// cannot block the resume) and must hold a line for every completed epoch (the epoch
/// handler writes the metrics before the state): a missing or short file would otherwise
/// silently lose the history of the run. Each of those lines must be the metrics of its
/// epoch (epochs `1...epochs` in order), since they are copied into the finished run.
func resumedMetricsLines(_ url: URL, epochs: Int) throws -> [String] {
    guard epochs > 0 else { return [] }
    let text: String
    do { text = try InputFile.readText(url, name: url.path) } catch {
        throw InputError(source: error.source, problem: "cannot resume: \(error.problem)")
    }
    let lines = text.split(separator: "\n").prefix(epochs).map(String.init)
    guard lines.count == epochs else {
        throw InputError(
            source: url.path,
            problem: "cannot resume: holds \(lines.count) of the \(epochs) lines of the epochs the state completed")
    }
    for (index, line) in lines.enumerated() {
        let metrics = try? JSONDecoder().decode(EpochMetricsLine.self, from: Data(line.utf8))
        guard let metrics, metrics.epoch == index + 1 else {
            throw InputError(
                source: url.path,
                problem:
                    "cannot resume: line \(index + 1) is not the metrics of epoch \(index + 1) (\(EscapedText.quoted(String(line.prefix(60)))))"
            )
        }
    }
    return lines
}

extension Optional where Wrapped == TrainingConfiguration.CheckpointInterval {
    var isSteps: Bool { if case .steps = self { true } else { false } }
}
