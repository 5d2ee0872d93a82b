import Foundation
import LoupeData
import LoupeNN
import LoupeRandom
import LoupeTensor
import XCTest

@testable import LoupeCompress

/// Structured pruning: which units are prunable (`PrunableUnitLayer`), which are kept
/// (`StructuredPruner`), the physically smaller model (`Model.removingUnits(keeping:)`), the
/// gradual hook, and the population variants.
final class StructuredPruningTests: XCTestCase {
    /// A freshly initialised model whose batch norms have random scales, shifts and running
    /// statistics, so that a masked channel's zero scale and shift matter.
    func randomModel(_ architecture: Architecture, seed: UInt64) throws -> Model {
        var model = try Model(architecture: architecture, seed: seed)
        var generator = SeededGenerator(seed: seed &+ 1000)
        for (name, role) in model.parameterRoles.sorted(by: { $0.key < $1.key }) where role == .normalization {
            let tensor = model.parameters[name]!
            let isScale = name.hasSuffix(".weight")
            model.parameters[name] = Tensor(
                shape: tensor.shape,
                scalars: (0..<tensor.count).map { _ in
                    isScale ? 0.5 + generator.nextUniform() : generator.nextUniform() - 0.5
                })
        }
        for name in model.buffers.keys.sorted() {
            let tensor = model.buffers[name]!
            let isVariance = name.hasSuffix("running_var")
            model.buffers[name] = Tensor(
                shape: tensor.shape,
                scalars: (0..<tensor.count).map { _ in
                    isVariance ? 0.5 + generator.nextUniform() : 0.4 * (generator.nextUniform() - 0.5)
                })
        }
        return model
    }

    func randomImages(_ count: Int, shape: [Int], seed: UInt64) -> Tensor {
        var generator = SeededGenerator(seed: seed)
        let total = count * shape.reduce(1, *)
        return Tensor(shape: [count] + shape, scalars: (0..<total).map { _ in generator.nextUniform() })
    }

    /// The reference: the full-size model with the removed units masked (weights, biases and
    /// the following batch norms' scale and shift zeroed) computes the same logits as the
    /// smaller model, for an MLP, a CNN (a flatten between the last convolution and the hidden
    /// layer) and a residual network with batch norm.
    func testShrunkModelComputesWhatTheMaskedModelComputes() throws {
        let architectures = [
            Architecture.builtin("mlp", inputShape: [1, 6, 6], classes: 5, hiddenWidths: [12, 7])!,
            Architecture.builtin("cnn", inputShape: [1, 8, 8], classes: 4, hiddenWidths: [10])!,
            Architecture.builtin("resnet-mini", inputShape: [3, 8, 8], classes: 3)!,
            // A batch norm over flattened features (4 per channel), leaky ReLU, average pooling,
            // tanh and dropout between units and their consumers.
            Architecture(
                name: "mixed", inputShape: [2, 4, 4],
                layers: [
                    .conv2d(name: nil, outputChannels: 5, kernelSize: 3, stride: 1, padding: 1, bias: true),
                    .leakyReLU(slope: 0.1), .avgPool2d(kernelSize: 2, stride: 2), .flatten, .batchNorm(name: nil),
                    .linear(name: nil, outputFeatures: 6, bias: true), .activation(.tanh), .batchNorm(name: nil),
                    .dropout(rate: 0.5), .linear(name: nil, outputFeatures: 3, bias: true),
                ]),
        ]
        for architecture in architectures {
            for fraction in [0.3, 0.5, 0.8] {
                let context = "\(architecture.name) at \(fraction)"
                let model = try randomModel(architecture, seed: 7)
                let kept = try StructuredPruner.keptUnits(for: model, fraction: fraction)
                XCTAssertFalse(kept.isEmpty, context)
                var masked = model
                try StructuredPruner.masks(for: model, keeping: kept).apply(to: &masked)
                let shrunk = try model.removingUnits(keeping: kept)
                XCTAssertLessThan(shrunk.parameterCount, model.parameterCount, context)
                let images = randomImages(5, shape: architecture.inputShape, seed: 11)
                let expected = masked.logits(images).scalars
                let actual = shrunk.logits(images).scalars
                let original = model.logits(images).scalars
                XCTAssertEqual(actual.count, expected.count, context)
                let scale = expected.map(abs).max()! + 1
                for (a, e) in zip(actual, expected) { XCTAssertEqual(a, e, accuracy: 1e-5 * scale, context) }
                XCTAssertTrue(
                    zip(original, expected).contains { abs($0 - $1) > 1e-3 * scale }, "masking changed \(context)")
                // Every removed unit's tensors are gone from the smaller model, and it reads back.
                let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(UUID()).safetensors")
                defer { try? FileManager.default.removeItem(at: url) }
                try ModelCheckpoint(model: shrunk).write(to: url)
                let loaded = try ModelCheckpoint(contentsOf: url).model
                XCTAssertEqual(loaded.architecture, shrunk.architecture, context)
                XCTAssertEqual(loaded.logits(images).scalars, actual, context)
            }
        }
    }

    /// The prunable layers: every convolution and linear layer but the classifier, and in a
    /// residual network only the first convolution of each body (the others feed a sum).
    func testPrunableLayersAndTheirConsumers() throws {
        let resnet = try PrunableUnitLayer.layers(
            of: Architecture.builtin("resnet-mini", inputShape: [1, 28, 28], classes: 10)!)
        XCTAssertEqual(resnet.map(\.name), ["conv2", "conv4", "conv7"])
        XCTAssertEqual(resnet.map(\.consumer.tensor), ["conv3.weight", "conv5.weight", "conv8.weight"])
        XCTAssertEqual(
            resnet[0].unitTensors.map(\.tensor),
            ["conv2.weight", "bn2.weight", "bn2.bias", "bn2.running_mean", "bn2.running_var"])
        let cnn = try PrunableUnitLayer.layers(of: Architecture.builtin("cnn", inputShape: [1, 28, 28], classes: 10)!)
        XCTAssertEqual(cnn.map(\.name), ["conv1", "conv2", "fc1"])
        XCTAssertEqual(cnn.map(\.consumer.tensor), ["conv2.weight", "fc1.weight", "fc2.weight"])
        XCTAssertEqual(cnn.map(\.consumer.block), [1, 49, 1], "flatten of 64 x 7 x 7: 49 features per channel")
        let mixed = try PrunableUnitLayer.layers(
            of: Architecture(
                name: "mixed", inputShape: [2, 4, 4],
                layers: [
                    .conv2d(name: nil, outputChannels: 5, kernelSize: 3, stride: 1, padding: 1, bias: false),
                    .avgPool2d(kernelSize: 2, stride: 2), .flatten, .batchNorm(name: nil),
                    .linear(name: nil, outputFeatures: 3, bias: true),
                ]))
        XCTAssertEqual(
            mixed,
            [
                PrunableUnitLayer(
                    name: "conv1", unitCount: 5, weight: "conv1.weight",
                    unitTensors: [
                        .init(tensor: "conv1.weight", block: 1), .init(tensor: "bn1.weight", block: 4),
                        .init(tensor: "bn1.bias", block: 4), .init(tensor: "bn1.running_mean", block: 4),
                        .init(tensor: "bn1.running_var", block: 4),
                    ], consumer: .init(tensor: "fc1.weight", block: 4))
            ])
        let mlp = try PrunableUnitLayer.layers(
            of: Architecture.builtin("mlp", inputShape: [1, 28, 28], classes: 10, hiddenWidths: [8, 8, 8])!)
        XCTAssertEqual(mlp.map(\.name), ["fc1", "fc2", "fc3"])
    }

    /// A hand-checked example: the kept units are the largest L1 norms, ties to the lower index,
    /// at least one; the smaller tensors are the kept rows and the kept channels' columns.
    func testKeptUnitsAreTheLargestL1NormsByHand() throws {
        // conv1: 3 filters of a 2-channel 1x1 convolution, L1 norms 2, 3, 1; fc1 reads the
        // flattened 3 x 3 x 3 activation (27 features, 9 per channel); fc2 is the classifier.
        let architecture = Architecture(
            name: "hand", inputShape: [2, 3, 3],
            layers: [
                .conv2d(name: nil, outputChannels: 3, kernelSize: 1, stride: 1, padding: 0, bias: true),
                .activation(.relu), .flatten, .linear(name: nil, outputFeatures: 4, bias: true), .activation(.relu),
                .linear(name: nil, outputFeatures: 2, bias: true),
            ])
        var model = try Model(architecture: architecture, seed: 1)
        model.parameters["conv1.weight"] = Tensor(shape: [3, 2, 1, 1], scalars: [1, -1, -3, 0, 0.5, -0.5])
        model.parameters["conv1.bias"] = Tensor(shape: [3], scalars: [10, 20, 30])
        model.parameters["fc1.weight"] = Tensor(shape: [4, 27], scalars: (0..<108).map(Float.init))
        // fc1's rows have L1 norms 3, 2, 2, 1: the tie between rows 1 and 2 keeps row 1.
        var rows = [[Float]](repeating: [Float](repeating: 0, count: 27), count: 4)
        rows[0][0] = 1
        rows[0][5] = -2
        rows[1][26] = -2
        rows[2][3] = 2
        rows[3][9] = 1
        model.parameters["fc1.weight"] = Tensor(shape: [4, 27], scalars: rows.flatMap { $0 })
        model.parameters["fc2.weight"] = Tensor(shape: [2, 4], scalars: [1, 2, 3, 4, 5, 6, 7, 8])
        XCTAssertEqual(StructuredPruner.l1Norms(of: model.parameters["conv1.weight"]!), [2, 3, 1])
        XCTAssertEqual(StructuredPruner.l1Norms(of: model.parameters["fc1.weight"]!), [3, 2, 2, 1])
        let cases: [(Double, [String: [Int]])] = [
            (0.25, ["conv1": [0, 1], "fc1": [0, 1, 2]]),  // round(2.25) = 2, round(3) = 3
            (0.5, ["conv1": [0, 1], "fc1": [0, 1]]),  // round(1.5) = 2 (half away from zero), 2
            (0.75, ["conv1": [1], "fc1": [0]]),  // round(0.75) = 1, 1
            (0.95, ["conv1": [1], "fc1": [0]]),  // round(0.15) = 0 and round(0.2) = 0: at least 1
        ]
        for (fraction, expected) in cases {
            XCTAssertEqual(try StructuredPruner.keptUnits(for: model, fraction: fraction), expected, "\(fraction)")
        }
        let shrunk = try model.removingUnits(keeping: ["conv1": [0, 2], "fc1": [1, 3]])
        XCTAssertEqual(shrunk.parameters["conv1.weight"]!.shape, [2, 2, 1, 1])
        XCTAssertEqual(shrunk.parameters["conv1.weight"]!.scalars, [1, -1, 0.5, -0.5])
        XCTAssertEqual(shrunk.parameters["conv1.bias"]!.scalars, [10, 30])
        // fc1 keeps rows 1 and 3, and the columns of channels 0 (0..<9) and 2 (18..<27).
        let columns = Array(0..<9) + Array(18..<27)
        XCTAssertEqual(shrunk.parameters["fc1.weight"]!.shape, [2, 18])
        XCTAssertEqual(
            shrunk.parameters["fc1.weight"]!.scalars, [1, 3].flatMap { row in columns.map { rows[row][$0] } })
        XCTAssertEqual(shrunk.parameters["fc2.weight"]!.shape, [2, 2])
        XCTAssertEqual(shrunk.parameters["fc2.weight"]!.scalars, [2, 4, 6, 8])
        XCTAssertEqual(
            shrunk.architecture.layers[0],
            .conv2d(name: nil, outputChannels: 2, kernelSize: 1, stride: 1, padding: 0, bias: true))
        XCTAssertEqual(shrunk.architecture.layers[3], .linear(name: nil, outputFeatures: 2, bias: true))
        XCTAssertEqual(shrunk.architecture.layers[5], architecture.layers[5], "the classifier keeps its classes")
    }

    /// Widths and parameter counts of the built-in CNN and residual network at half their units.
    func testWidthsAndParameterCountsAfterShrinking() throws {
        let cnn = try Model(
            architecture: Architecture.builtin("cnn", inputShape: [1, 28, 28], classes: 10)!, seed: 3)
        let smallCNN = try StructuredPruner.pruned(cnn, fraction: 0.5)
        XCTAssertEqual(
            smallCNN.architecture.layers.compactMap { layer -> Int? in
                switch layer {
                case .conv2d(_, let out, _, _, _, _): out
                case .linear(_, let out, _): out
                default: nil
                }
            }, [16, 32, 64, 10])
        XCTAssertEqual(smallCNN.parameters["fc1.weight"]!.shape, [64, 32 * 7 * 7])
        XCTAssertEqual(smallCNN.parameters["conv2.weight"]!.shape, [32, 16, 3, 3])
        // conv1 16*1*9+16, conv2 32*16*9+32, fc1 64*1568+64, fc2 10*64+10.
        XCTAssertEqual(smallCNN.parameterCount, 160 + 4640 + 100_416 + 650)
        let resnet = try Model(
            architecture: Architecture.builtin("resnet-mini", inputShape: [1, 12, 12], classes: 10)!, seed: 3)
        let smallResNet = try StructuredPruner.pruned(resnet, fraction: 0.5)
        let shapes = smallResNet.parameters.mapValues(\.shape)
        XCTAssertEqual(shapes["conv2.weight"], [8, 16, 3, 3])
        XCTAssertEqual(shapes["bn2.weight"], [8])
        XCTAssertEqual(smallResNet.buffers["bn2.running_var"]!.shape, [8])
        XCTAssertEqual(shapes["conv3.weight"], [16, 8, 3, 3])
        XCTAssertEqual(shapes["conv4.weight"], [16, 16, 3, 3])
        XCTAssertEqual(shapes["conv5.weight"], [32, 16, 3, 3])
        XCTAssertEqual(shapes["conv6.weight"], [32, 16, 1, 1], "the shortcut is untouched")
        XCTAssertEqual(shapes["conv7.weight"], [32, 32, 3, 3])
        XCTAssertEqual(shapes["conv8.weight"], [64, 32, 3, 3])
        XCTAssertEqual(shapes["fc1.weight"], [10, 64])
        let removed =
            (16 - 8) * (16 * 9 + 16 * 9 + 2) + (32 - 16) * (16 * 9 + 32 * 9 + 2) + (64 - 32) * (32 * 9 + 64 * 9 + 2)
        XCTAssertEqual(smallResNet.parameterCount, resnet.parameterCount - removed)
        XCTAssertEqual(try smallResNet.removedUnitFraction(relativeTo: resnet.architecture), 0.5)
    }

    /// Layouts structured pruning cannot shrink are one clear error; bad kept lists too.
    func testUnsupportedLayoutsAndBadKeptUnitsAreErrors() throws {
        let sigmoid = Architecture(
            name: "sigmoid", inputShape: [1, 2, 2],
            layers: [
                .flatten, .linear(name: nil, outputFeatures: 4, bias: true), .activation(.sigmoid),
                .linear(name: nil, outputFeatures: 2, bias: true),
            ])
        XCTAssertThrowsError(try PrunableUnitLayer.layers(of: sigmoid)) {
            XCTAssertTrue("\($0)".contains("fc1 pass through a sigmoid"), "\($0)")
        }
        let normalize = Architecture(
            name: "normalize", inputShape: [1, 2, 2],
            layers: [
                .conv2d(name: nil, outputChannels: 2, kernelSize: 1, stride: 1, padding: 0, bias: true),
                .normalize(mean: [0, 0], std: [1, 1]), .flatten, .linear(name: nil, outputFeatures: 2, bias: true),
            ])
        XCTAssertThrowsError(try PrunableUnitLayer.layers(of: normalize)) {
            XCTAssertTrue("\($0)".contains("conv1 pass through a normalize layer"), "\($0)")
        }
        let spec = PopulationSpec(
            data: "mnist-5k", architecture: sigmoid, training: TrainingConfiguration(), members: 1, firstSeed: 0,
            variants: [.prunedFilters(fraction: 0.5)])
        XCTAssertThrowsError(try spec.validate()) {
            XCTAssertTrue("\($0)".hasPrefix("variant 'prune-filters-0.50': structured pruning"), "\($0)")
        }
        let model = try Model(
            architecture: Architecture.builtin("mlp", inputShape: [1, 2, 2], classes: 2, hiddenWidths: [4])!, seed: 0)
        let badKept: [([String: [Int]], String)] = [
            (["fc2": [0]], "fc2 is not a prunable layer (prunable: fc1)"), (["fc1": []], "at least one"),
            (["fc1": [1, 0]], "increasing"), (["fc1": [0, 4]], "in 0..<4"), (["fc1": [2, 2]], "distinct"),
        ]
        for (kept, fragment) in badKept {
            XCTAssertThrowsError(try model.removingUnits(keeping: kept), "\(kept)") {
                XCTAssertTrue("\($0)".contains(fragment), "\($0)")
            }
        }
        XCTAssertThrowsError(try StructuredPruner.keptUnits(for: model, fraction: 1))
    }

    /// The gradual hook: units are masked whole while training, the masked model computes what
    /// the shrunk one does, and the last update removes exactly the target fraction.
    func testGradualHookMasksWholeUnitsAndShrinks() throws {
        let splits = try DatasetLoader.load("mnist-5k")
        let train = splits.train.subset(Array(stride(from: 0, to: splits.train.count, by: 16)))
        let architecture = Architecture.builtin("mlp", inputShape: [1, 28, 28], classes: 10, hiddenWidths: [20, 10])!
        var configuration = TrainingConfiguration()
        configuration.epochs = 2
        configuration.batchSize = 25
        configuration.learningRate = 0.05
        configuration.threads = 1
        var trainer = try Trainer(model: try Model(architecture: architecture, seed: 5), configuration: configuration)
        let steps = configuration.totalSteps(examples: train.count)!
        let schedule = PruningSchedule(finalSparsity: 0.5, beginStep: 2, endStep: steps / 2, frequency: 3)
        trainer.hooks = [try GradualStructuredPruning(schedule: schedule, architecture: architecture)]
        try trainer.train(on: train, test: nil) { _, _ in }
        let hook = try XCTUnwrap(trainer.hooks.first as? GradualStructuredPruning)
        XCTAssertEqual(hook.kept?.mapValues(\.count), ["fc1": 10, "fc2": 5])
        let trained = trainer.model
        for (name, units) in hook.kept! {
            let weight = trained.parameters["\(name).weight"]!
            let rowLength = weight.count / weight.shape[0]
            for row in 0..<weight.shape[0] {
                let zeros = weight.scalars[(row * rowLength)..<((row + 1) * rowLength)].allSatisfy { $0 == 0 }
                XCTAssertEqual(zeros, !units.contains(row), "\(name) row \(row)")
                XCTAssertEqual(trained.parameters["\(name).bias"]!.scalars[row] == 0, !units.contains(row))
            }
        }
        let shrunk = try hook.shrunk(trained)
        XCTAssertEqual(shrunk.parameters["fc1.weight"]!.shape, [10, 784])
        XCTAssertEqual(shrunk.parameters["fc2.weight"]!.shape, [5, 10])
        XCTAssertEqual(shrunk.parameters["fc3.weight"]!.shape, [10, 5])
        let images = splits.test.images(at: Array(0..<20))
        for (a, e) in zip(shrunk.logits(images).scalars, trained.logits(images).scalars) {
            XCTAssertEqual(a, e, accuracy: 1e-4 * (abs(e) + 1))
        }
    }

    /// Gradual and one-shot structured members through `PopulationRunner`: the saved member is
    /// the smaller network (its file smaller than the dense one), the record reports the units
    /// and weights removed, and a second run with the same seeds writes the same bytes.
    func testPopulationMembersAreSmallerAndDeterministic() throws {
        let splits = try DatasetLoader.load("mnist-5k")
        let train = splits.train.subset(Array(stride(from: 0, to: splits.train.count, by: 8)))
        let evaluate = splits.test.subset(Array(0..<200))
        var training = TrainingConfiguration()
        training.epochs = 2
        training.batchSize = 50
        training.learningRate = 0.05
        let architecture = Architecture.builtin("mlp", inputShape: [1, 28, 28], classes: 10, hiddenWidths: [32, 16])!
        let variants: [CompressionVariant] = [
            .prunedFilters(fraction: 0.5), .oneShotFilters(fraction: 0.5, fineTuneEpochs: 1),
        ]
        var bytes: [[Data]] = []
        for _ in 0..<2 {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                "loupe-filters-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: directory) }
            let spec = PopulationSpec(
                data: "mnist-5k", architecture: architecture, training: training, members: 1, firstSeed: 3,
                variants: variants)
            let result = try PopulationRunner(spec: spec, directory: directory).run(
                train: train, evaluate: evaluate, threads: 1)
            let dense = result.records[.dense]!.first!
            XCTAssertNil(dense.unitsRemoved)
            var files: [Data] = []
            for variant in variants {
                let url = directory.appendingPathComponent("\(variant.name)/000/model.safetensors")
                files.append(try Data(contentsOf: url))
                let model = try ModelCheckpoint(contentsOf: url).model
                XCTAssertEqual(model.parameters["fc1.weight"]!.shape, [16, 784], variant.name)
                XCTAssertEqual(model.parameters["fc2.weight"]!.shape, [8, 16], variant.name)
                XCTAssertEqual(model.parameters["fc3.weight"]!.shape, [10, 8], variant.name)
                let record = try XCTUnwrap(result.records[variant]?.first)
                XCTAssertEqual(record.unitsRemoved, 0.5, variant.name)
                let denseWeights = 784 * 32 + 32 * 16 + 16 * 10
                XCTAssertEqual(
                    record.sparsity, Double(denseWeights - 16 * 784 - 8 * 16 - 10 * 8) / Double(denseWeights))
                XCTAssertEqual(record.layerSparsity?["fc2.weight"], 0.75, variant.name)
                XCTAssertEqual(record.layerSparsity?["fc3.weight"], 0.5, variant.name)
                XCTAssertLessThan(record.bytesOnDisk, dense.bytesOnDisk * 6 / 10, variant.name)
                // The recorded accuracy is the saved smaller network's (a gradual run this short
                // loses accuracy at half the units; the fine-tuned one-shot member keeps most).
                let predicted = model.logits(evaluate.images(at: Array(0..<evaluate.count))).argmaxPerRow()
                let correct = zip(predicted, evaluate.labels).filter { $0 == $1 }.count
                XCTAssertEqual(record.accuracy, Double(correct) / Double(evaluate.count), variant.name)
                if !variant.isTrained { XCTAssertGreaterThan(record.accuracy, 0.5, variant.name) }
                let json = try String(
                    contentsOf: directory.appendingPathComponent("\(variant.name)/000/member.json"), encoding: .utf8)
                XCTAssertTrue(json.contains("\"unitsRemoved\""), json)
            }
            bytes.append(files)
        }
        XCTAssertEqual(bytes[0], bytes[1], "same seeds, same bytes")
    }
}

final class StructuredVariantTests: XCTestCase {
    func testParsingNamesRoundTripAndSparsity() throws {
        let cases: [(String, CompressionVariant, String, Bool)] = [
            ("prune-filters:0.5", .prunedFilters(fraction: 0.5), "prune-filters-0.50", true),
            ("PRUNE-FILTERS:0.25", .prunedFilters(fraction: 0.25), "prune-filters-0.25", true),
            (
                "oneshot-filters:0.5", .oneShotFilters(fraction: 0.5, fineTuneEpochs: 1), "oneshot-filters-0.50-ft1",
                false
            ),
            (
                "oneshot-filters:0.3:0", .oneShotFilters(fraction: 0.3, fineTuneEpochs: 0), "oneshot-filters-0.30-ft0",
                false
            ),
            (
                "oneshot-filters:0.9:12", .oneShotFilters(fraction: 0.9, fineTuneEpochs: 12),
                "oneshot-filters-0.90-ft12", false
            ),
        ]
        for (text, expected, name, trained) in cases {
            let variant = try CompressionVariant(parsing: text)
            XCTAssertEqual(variant, expected, text)
            XCTAssertEqual(variant.name, name, text)
            XCTAssertEqual(variant.isTrained, trained, text)
            XCTAssertTrue(variant.removesUnits, text)
            XCTAssertEqual(try CompressionVariant(parsing: variant.specification), variant, text)
            let json = try JSONEncoder().encode([variant])
            XCTAssertEqual(try JSONDecoder().decode([CompressionVariant].self, from: json), [variant])
            XCTAssertNoThrow(try variant.validate())
        }
        XCTAssertEqual(try CompressionVariant(parsing: "oneshot-filters:0.5").specification, "oneshot-filters:0.5:1")
        XCTAssertEqual(try CompressionVariant(parsing: "prune-filters:0.5").sparsity, 0.5)
        XCTAssertFalse(try CompressionVariant(parsing: "prune:0.5").removesUnits)
        XCTAssertNotEqual(
            try CompressionVariant(parsing: "prune-filters:0.5"), try CompressionVariant(parsing: "prune:0.5"))
    }

    func testBadSpecificationsGiveOneLineNamingTheVariant() throws {
        let cases: [(String, String)] = [
            ("prune-filters:1.5", "must be in (0, 1), got 1.5"), ("prune-filters:0", "must be in (0, 1), got 0"),
            ("prune-filters:1", "got 1"), ("prune-filters:-0.5", "got -0.5"), ("prune-filters:nan", "got nan"),
            ("prune-filters", "expected prune-filters:S"), ("prune-filters:x", "got 'x'"),
            ("prune-filters:0.5:2", "unknown structured pruning option '2' (none)"),
            ("prune-filters:0.5:global", "option 'global'"),
            ("oneshot-filters:0.5:all", "unknown structured pruning option 'all' (fine-tuning epochs)"),
            ("oneshot-filters:0.5:-1", "option '-1'"), ("oneshot-filters:0.5:1:2", "option '2'"),
            ("oneshot-filters:0.5:", "option ''"),
        ]
        for (text, fragment) in cases {
            XCTAssertThrowsError(try CompressionVariant(parsing: text), text) { error in
                let line = "\(error)"
                XCTAssertTrue(line.contains("variant '\(text)'"), line)
                XCTAssertTrue(line.contains(fragment), "'\(fragment)' not in: \(line)")
                XCTAssertFalse(line.contains("\n"), line)
            }
        }
        XCTAssertThrowsError(try CompressionVariant(parsing: "prune-filterz:0.5")) {
            XCTAssertTrue("\($0)".contains("variant 'prune-filterz:0.5'"), "\($0)")
        }
        XCTAssertThrowsError(try CompressionVariant(parsing: "filters:0.5")) {
            XCTAssertTrue("\($0)".contains("prune-filters:S, oneshot-filters:S[:E]"), "\($0)")
        }
        XCTAssertThrowsError(try CompressionVariant.prunedFilters(fraction: 1.2).validate()) {
            XCTAssertTrue("\($0)".contains("variant 'prune-filters-1.20'"), "\($0)")
        }
        XCTAssertThrowsError(try CompressionVariant.oneShotFilters(fraction: 0.5, fineTuneEpochs: -1).validate())
    }
}
