import ArgumentParser
import Foundation
import LoupeAttribution
import LoupeData
import LoupeNN
import LoupeReport
import LoupeSupport
import LoupeTensor

struct InvarianceBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "invariance",
        abstract: "The input-invariance test: which attribution methods survive a constant shift of the input.",
        discussion: """
            For each model (trained briefly on --data, or loaded with --model-file), builds the \
            model f2 that computes on x + m what the original computes on x: the first layer's \
            bias is compensated, b2 = b1 - W1 m, and for a zero-padded convolution the \
            compensation is a per-position bias map, exact at the borders. The logits of both \
            models on the first --examples test images are checked to agree (the run stops \
            with an error if they do not: with --compensation none, the published mistake, \
            they never do), then every method is computed on both and its maps compared.

            A method passes when ||A2 - A1|| / ||A1|| <= --tolerance (Euclidean norms over all \
            images): rounding can send one of the many path points or noisy copies across a \
            ReLU or pooling kink, which moves a few elements, so the largest element-wise \
            difference is reported (absolute and over the map's scale, max |A1|) but not judged. \
            Expected (Kindermans et al., 2017): gradient, the SmoothGrad family of the \
            gradient, guided backprop and integrated gradients from a baseline that moves with \
            the input (black, mean) pass; gradient x input and integrated gradients from zero \
            fail; the random and Sobel controls ignore the model and pass.

            Writes invariance.csv (model, method, max_abs_difference, map_scale, \
            relative_difference = max_abs_difference / map_scale, worst_image_relative_difference, \
            relative_norm_difference, tolerance, pass, expected), output-check.csv (the logit \
            agreement of no, uniform-bias and exact compensation), models/ (trained models) \
            and manifest.json.
            """)

    @OptionGroup var dataOptions: DataOptions
    @Option(help: "Comma-separated architectures to train: mlp, cnn, or architecture JSON files.")
    var model: String = "mlp,cnn"
    @Option(help: "Hidden widths for mlp (comma-separated), or the hidden width of cnn.") var hidden: String?
    @Option(help: "Comma-separated checkpoints to test instead of training.") var modelFile: String?
    @Option(help: "Training epochs.") var epochs: Int = 1
    @Option(help: "Training mini-batch size.") var batchSize: Int = 128
    @Option(help: "Training learning rate (SGD, momentum 0.9).") var lr: Float = 0.05
    @Option(help: "Training seed.") var trainingSeed: UInt64 = 0
    @Option(help: "Test images compared (the first N of the test split).") var examples: Int = 16
    @Option(help: "The constant m added to every input element.") var shift: Float = -1
    @Option(help: "How the shifted model is compensated: exact, uniform-bias or none.")
    var compensation: String = "exact"
    @Option(help: "A method passes when ||A2 - A1|| / ||A1|| over all images is at most this.")
    var tolerance: Float = 1e-2
    @Option(help: "Logits must agree within this fraction of max(1, largest |logit|).") var outputTolerance: Float =
        1e-4
    @OptionGroup var methodOptions: AttributionMethodOptions
    @Option(help: "Threads.") var threads: Int = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "Output directory.") var out: String = "runs/invariance"

    func run() throws {
        guard let chosenCompensation = ShiftCompensation(rawValue: compensation) else {
            throw AttributionError(
                source: "--compensation", problem: "expected exact, uniform-bias or none, got '\(compensation)'")
        }
        guard examples >= 1 else { throw AttributionError(source: "--examples", problem: "must be at least 1") }
        guard shift.isFinite else { throw AttributionError(source: "--shift", problem: "must be finite") }
        guard tolerance >= 0, outputTolerance >= 0 else {
            throw AttributionError(source: "--tolerance", problem: "tolerances must be nonnegative")
        }
        let threads = max(1, threads)
        let splits = try dataOptions.load().splits
        let (train, test) = (splits.train, splits.test)
        let inputRange = InputRange(of: train)
        let meanImage = Baseline.meanImage(of: train)
        let settings = methodOptions.settings(inputRange: inputRange)
        // Rejects settings no method can use (no steps or samples, negative noise).
        _ = try AttributionMethodParser.method(named: "integrated-gradients", settings: settings)
        let cases = InvarianceCase.standard(
            inputRange: inputRange, shift: shift, meanImage: meanImage, steps: settings.steps,
            samples: settings.samples, noiseFraction: settings.noiseFraction)
        let positions = Array(0..<min(examples, test.count))
        let images = test.images(at: positions)
        let seeds = positions.map { exampleSeed(runSeed: methodOptions.seed, id: test.ids[$0]) }
        let invariance = InputInvarianceTest(
            shift: shift, compensation: chosenCompensation, outputTolerance: outputTolerance,
            attributionTolerance: tolerance)

        var inputs = train.sources + test.sources
        var models: [(name: String, model: Model, trained: Bool)] = []
        if let modelFile {
            for path in modelFile.split(separator: ",").map(String.init) {
                let loaded = try ModelCheckpoint(contentsOf: URL(fileURLWithPath: path)).model
                guard loaded.architecture.inputShape == [train.shape.channels, train.shape.height, train.shape.width]
                else {
                    throw FileError(
                        path: path,
                        problem:
                            "model expects images \(loaded.architecture.inputShape) but \(dataOptions.data) has \(train.shape)"
                    )
                }
                models.append((URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent, loaded, false))
                inputs.append(URL(fileURLWithPath: path))
            }
        } else {
            var training = TrainingConfiguration()
            training.epochs = epochs
            training.batchSize = batchSize
            training.learningRate = lr
            training.seed = trainingSeed
            training.threads = threads
            try training.validate(for: train)
            for name in model.split(separator: ",").map(String.init) {
                let architecture = try resolveArchitecture(name, hidden: hidden, data: train)
                var trainer = try Trainer(
                    model: try Model(architecture: architecture, seed: trainingSeed), configuration: training)
                try trainer.train(on: train, test: test) { event, _ in
                    if case .epoch(let metrics) = event {
                        print(
                            String(
                                format: "trained %@ epoch %d: test accuracy %.4f", architecture.name, metrics.epoch,
                                metrics.testAccuracy ?? 0))
                    }
                }
                models.append((architecture.name, trainer.model, true))
            }
        }

        print(
            "input invariance: shift \(shift), \(chosenCompensation.rawValue) compensation, \(images.shape[0]) test images, tolerance \(tolerance)"
        )
        var outputRows: [[String]] = []
        var outcomes: [(model: String, result: InputInvarianceTest.MethodResult)] = []
        for (name, candidate, _) in models {
            for kind in ShiftCompensation.allCases {
                let check = try InputInvarianceTest(shift: shift, compensation: kind, outputTolerance: outputTolerance)
                    .checkOutputs(model: candidate, images: images).check
                outputRows.append([
                    name, kind.rawValue, CSVTable.cell(check.largestDifference), CSVTable.cell(check.allowedDifference),
                    check.agrees ? "1" : "0",
                ])
                print(
                    "  \(name): \(kind.rawValue) compensation, largest logit difference \(check.largestDifference) (allowed \(check.allowedDifference)): \(check.agrees ? "equivalent" : "NOT equivalent")"
                )
            }
            let targets = try AttributionTarget.predicted.classes(
                for: test.subset(positions), model: candidate, threads: threads)
            let (_, results) = try invariance.run(
                model: candidate, images: images, targets: targets, seeds: seeds, cases: cases, threads: threads)
            outcomes += results.map { (name, $0) }
        }

        struct Configuration: Encodable {
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
        }
        var directory = try RunDirectory(
            path: out,
            configuration: Configuration(
                data: dataOptions.description, models: models.map(\.name), epochs: modelFile == nil ? epochs : nil,
                examples: images.shape[0], shift: shift, compensation: chosenCompensation.rawValue,
                tolerance: tolerance, outputTolerance: outputTolerance, steps: settings.steps,
                samples: settings.samples, noise: settings.noiseFraction),
            seeds: ["training": trainingSeed, "attribution": methodOptions.seed], threads: threads)
        try directory.recordInputs(inputs)
        var table = CSVTable(header: [
            "model", "method", "max_abs_difference", "map_scale", "relative_difference",
            "worst_image_relative_difference", "relative_norm_difference", "tolerance", "pass", "expected",
        ])
        for (name, result) in outcomes {
            table.append([
                name, result.label, CSVTable.cell(result.largestAbsoluteDifference), CSVTable.cell(result.mapScale),
                CSVTable.cell(result.relativeDifference), CSVTable.cell(result.worstImageRelativeDifference),
                CSVTable.cell(result.relativeNormDifference), CSVTable.cell(result.tolerance),
                result.passes ? "1" : "0", result.expectedToPass ? "1" : "0",
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
                try ModelCheckpoint(model: trainedModel, dataset: dataOptions.data).write(
                    to: directory.output("models/\(name).safetensors"))
            }
        }
        try directory.finish()

        print(
            "model  method                                  max |A2-A1|  / map scale  ||A2-A1||/||A1||  pass  expected")
        for (name, result) in outcomes {
            print(
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
        print(
            surprises == 0
                ? "every outcome is as theory predicts" : "\(surprises) outcomes differ from what theory predicts")
        print(
            "wrote invariance.csv, output-check.csv\(trainedModels.isEmpty ? "" : ", models/") and manifest.json to \(directory.url.path)"
        )
    }
}
