import Foundation
import LoupeAttribution
import LoupeData
import LoupeNN
import LoupeReport
import LoupeSupport
import LoupeTensor

/// The input-invariance test (Kindermans et al., 2017): each model gets a twin that computes
/// on x + m what it computes on x; the outputs are checked to agree, then every method's maps
/// of both are compared, pass or fail against theory.
public struct InvarianceWorkflow {
    public struct Configuration: Sendable {
        public var data: DataSource
        /// Architectures to train briefly (`mlp`, `cnn`, or JSON files), unless ``modelFiles`` is set.
        public var models = ["mlp", "cnn"]
        /// Hidden widths for mlp (comma-separated), or the hidden width of cnn.
        public var hidden: String?
        /// Checkpoints to test instead of training.
        public var modelFiles: [URL]?
        /// How the trained models normalise their inputs (`--normalize`); checkpoints bring their own.
        public var normalization: InputNormalization = .none
        public var epochs = 1
        public var batchSize = 128
        /// Learning rate of SGD with momentum 0.9.
        public var learningRate: Float = 0.05
        public var trainingSeed: UInt64 = 0
        /// Test images compared (the first N of the test split).
        public var examples = 16
        /// The constant m added to every input element.
        public var shift: Float = -1
        public var compensation: ShiftCompensation = .exact
        /// A method passes when ||A2 - A1|| / ||A1|| over all images is at most this.
        public var tolerance: Float = 1e-2
        /// Logits must agree within this fraction of max(1, largest |logit|).
        public var outputTolerance: Float = 1e-4
        public var methods = MethodSettings()
        public var threads = 1

        public init(data: DataSource) { self.data = data }
    }

    /// Every model's output check and method comparison.
    public struct Result {
        /// Per model and compensation: model, compensation, largest logit difference, allowed, equivalent (1/0).
        public var outputRows: [[CSVTable.Cell]]
        public var outcomes: [(model: String, result: InputInvarianceTest.MethodResult)]
        /// The models tested; those trained here are written to `models/`.
        public var models: [(name: String, model: Model, trained: Bool)]
        var manifestConfiguration: JSONValue
        var seeds: [String: UInt64]
        var threads: Int
        var inputs: [URL]
        /// The data, for the ImageFolder it came from, if any.
        var data: [Dataset]
        var dataName: String

        /// Writes invariance.csv, output-check.csv, models/ (trained models) and manifest.json;
        /// returns the names written before the manifest.
        /// When the workflow's run began: the manifest's wall and CPU seconds cover all its work.
        var start = RunStart()

        public func write(to folder: URL) throws -> [String] {
            var directory = try RunDirectory(
                path: folder.relativePath, configuration: manifestConfiguration, seeds: seeds, threads: threads,
                start: start)
            try directory.recordInputs(inputs)
            directory.recordData(data)
            var table = CSVTable(header: [
                "model", "method", "max_abs_difference", "map_scale", "relative_difference",
                "worst_image_relative_difference", "relative_norm_difference", "tolerance", "pass", "expected",
            ])
            for (name, result) in outcomes {
                table.append([
                    .text(name), .text(result.label), .number(result.largestAbsoluteDifference),
                    .number(result.mapScale), .number(result.relativeDifference),
                    .number(result.worstImageRelativeDifference), .number(result.relativeNormDifference),
                    .number(result.tolerance), .number(result.passes ? 1 : 0), .number(result.expectedToPass ? 1 : 0),
                ])
            }
            try table.write(to: directory.output("invariance.csv"))
            var outputTable = CSVTable(header: [
                "model", "compensation", "max_logit_difference", "allowed_difference", "equivalent",
            ])
            for row in outputRows { outputTable.append(row) }
            try outputTable.write(to: directory.output("output-check.csv"))
            let trainedModels = models.filter(\.trained)
            if !trainedModels.isEmpty {
                try FileManager.default.createDirectory(
                    at: directory.url.appendingPathComponent("models"), withIntermediateDirectories: true)
                for (name, trainedModel, _) in trainedModels {
                    try ModelCheckpoint(model: trainedModel, dataset: dataName).write(
                        to: directory.output("models/\(name).safetensors"))
                }
            }
            try directory.finish()
            return ["invariance.csv", "output-check.csv"] + (trainedModels.isEmpty ? [] : ["models/"])
        }

        /// The comparison as a table for the terminal, with the verdict against theory.
        public var lines: [String] {
            var lines = [
                "model  method                                  max |A2-A1|  / map scale  ||A2-A1||/||A1||  pass  expected"
            ]
            for (name, result) in outcomes {
                lines.append(
                    name.padding(toLength: 6, withPad: " ", startingAt: 0) + " "
                        + result.label.padding(toLength: 38, withPad: " ", startingAt: 0)
                        + String(
                            format: " %11.4g  %11.4g  %16.4g  ", result.largestAbsoluteDifference,
                            result.relativeDifference,
                            result.relativeNormDifference)
                        + (result.passes ? "pass " : "FAIL ") + (result.expectedToPass ? " pass" : " fail")
                        + (result.asExpected ? "" : "  UNEXPECTED"))
            }
            let surprises = outcomes.filter { !$0.result.asExpected }.count
            lines.append(
                surprises == 0
                    ? "every outcome is as theory predicts" : "\(surprises) outcomes differ from what theory predicts")
            return lines
        }
    }

    public var configuration: Configuration

    public init(_ configuration: Configuration) { self.configuration = configuration }

    /// Checks the settings that need no data.
    public static func validate(_ configuration: Configuration) throws(InputError) {
        guard configuration.examples >= 1 else {
            throw InputError(source: "--examples", problem: "must be at least 1")
        }
        // The test shifts inputs in [0, 1] by a constant; a shift of 1e38 overflowed the first
        // layer to infinity, and the infinite outputs compared as equal.
        guard configuration.shift.isFinite, abs(configuration.shift) <= 1000 else {
            throw InputError(source: "--shift", problem: "must be in [-1000, 1000], got \(configuration.shift)")
        }
        guard configuration.tolerance >= 0, configuration.outputTolerance >= 0 else {
            throw InputError(source: "--tolerance", problem: "tolerances must be nonnegative")
        }
    }

    public func run(progress: any WorkflowProgress) throws -> Result {
        let start = RunStart()
        let config = configuration
        try Self.validate(config)
        let (shift, tolerance, outputTolerance) = (config.shift, config.tolerance, config.outputTolerance)
        let threads = max(1, config.threads)
        let splits = try config.data.load().splits
        let (train, test) = (splits.train, splits.test)
        let inputRange = InputRange(of: train)
        let meanImage = Baseline.meanImage(of: train)
        let settings = config.methods.settings(inputRange: inputRange)
        // Rejects settings no method can use (no steps or samples, negative noise).
        _ = try AttributionMethodParser.method(named: "integrated-gradients", settings: settings)
        let cases = InvarianceCase.standard(
            inputRange: inputRange, shift: shift, meanImage: meanImage, steps: settings.steps,
            samples: settings.samples, noiseFraction: settings.noiseFraction)
        let positions = Array(0..<min(config.examples, test.count))
        let images = test.images(at: positions)
        let seeds = positions.map { exampleSeed(runSeed: config.methods.seed, id: test.ids[$0]) }
        let invariance = InputInvarianceTest(
            shift: shift, compensation: config.compensation, outputTolerance: outputTolerance,
            attributionTolerance: tolerance)

        var inputs = train.sources + test.sources
        var models: [(name: String, model: Model, trained: Bool)] = []
        if let modelFiles = config.modelFiles {
            for url in modelFiles {
                let path = url.relativePath
                let loaded = try ModelFile.load(url).model
                guard loaded.architecture.inputShape == [train.shape.channels, train.shape.height, train.shape.width]
                else {
                    throw InputError(
                        source: path,
                        problem:
                            "model expects images \(loaded.architecture.inputShape) but \(config.data.data) has \(train.shape)"
                    )
                }
                models.append((url.deletingPathExtension().lastPathComponent, loaded, false))
                inputs += ModelFile.inputs(url)
            }
        } else {
            var training = TrainingConfiguration()
            training.epochs = config.epochs
            training.batchSize = config.batchSize
            training.learningRate = config.learningRate
            training.seed = config.trainingSeed
            training.threads = threads
            try training.validate(for: train)
            for name in config.models {
                let architecture = try config.normalization.applied(
                    to: try resolveArchitecture(name, hidden: config.hidden, data: train), train: train)
                if let line = architecture.normalizationLine { progress.log("\(architecture.name): \(line)") }
                var trainer = try Trainer(
                    model: try Model(architecture: architecture, seed: config.trainingSeed), configuration: training)
                try trainer.train(on: train, test: test) { event, _ in
                    if case .epoch(let metrics) = event {
                        progress.log(
                            String(
                                format: "trained %@ epoch %d: test accuracy %.4f", architecture.name, metrics.epoch,
                                metrics.testAccuracy ?? 0))
                    }
                }
                models.append((architecture.name, trainer.model, true))
            }
        }

        progress.log(
            "input invariance: shift \(shift), \(config.compensation.rawValue) compensation, \(images.shape[0]) test images, tolerance \(tolerance)"
        )
        var outputRows: [[CSVTable.Cell]] = []
        var outcomes: [(model: String, result: InputInvarianceTest.MethodResult)] = []
        for (name, candidate, _) in models {
            for kind in ShiftCompensation.allCases {
                let check = try InputInvarianceTest(shift: shift, compensation: kind, outputTolerance: outputTolerance)
                    .checkOutputs(model: candidate, images: images).check
                outputRows.append([
                    .text(name), .text(kind.rawValue), .number(check.largestDifference),
                    .number(check.allowedDifference), .number(check.agrees ? 1 : 0),
                ])
                progress.log(
                    "  \(name): \(kind.rawValue) compensation, largest logit difference \(check.largestDifference) (allowed \(check.allowedDifference)): \(check.agrees ? "equivalent" : "NOT equivalent")"
                )
            }
            let targets = try AttributionTarget.predicted.classes(
                for: test.subset(positions), model: candidate, threads: threads)
            let (_, results) = try invariance.run(
                model: candidate, images: images, targets: targets, seeds: seeds, cases: cases, threads: threads)
            outcomes += results.map { (name, $0) }
        }

        struct ManifestConfiguration: Encodable {
            var command = "benchmark invariance"
            var data: String
            var models: [String]
            var epochs: Int?
            var examples: Int
            var shift: Float
            var compensation: String
            var tolerance: Float
            var outputTolerance: Float
            var steps: Int
            var samples: Int
            var noise: Float
            /// Each model's input normalisation, by name; absent when none has one.
            var normalize: [String: LayerDescription]?
        }
        var manifestConfiguration = ManifestConfiguration(
            data: config.data.description, models: models.map(\.name),
            epochs: config.modelFiles == nil ? config.epochs : nil, examples: images.shape[0], shift: shift,
            compensation: config.compensation.rawValue, tolerance: tolerance, outputTolerance: outputTolerance,
            steps: settings.steps, samples: settings.samples, noise: settings.noiseFraction)
        let normalizations = Dictionary(
            models.compactMap { model in model.model.architecture.inputNormalization.map { (model.name, $0) } },
            uniquingKeysWith: { first, _ in first })
        manifestConfiguration.normalize = normalizations.isEmpty ? nil : normalizations
        return Result(
            outputRows: outputRows, outcomes: outcomes, models: models,
            manifestConfiguration: try DeterministicJSON.decode(
                JSONValue.self, from: try DeterministicJSON.encode(manifestConfiguration)),
            seeds: ["training": config.trainingSeed, "attribution": config.methods.seed], threads: threads,
            inputs: inputs, data: [train, test], dataName: config.data.data, start: start)
    }
}
