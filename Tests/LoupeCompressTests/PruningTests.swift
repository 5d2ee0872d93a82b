import LoupeData
import LoupeNN
import LoupeRandom
import LoupeTensor
import XCTest

@testable import LoupeCompress

final class PruningTests: XCTestCase {
    func tinyModel(seed: UInt64 = 1) throws -> Model {
        try Model(architecture: .builtin("mlp", inputShape: [1, 4, 4], classes: 3, hiddenWidths: [8, 6])!, seed: seed)
    }

    func zeros(_ tensor: Tensor) -> Int { tensor.scalars.filter { $0 == 0 }.count }

    /// Exactly round(n * (1 - s)) weights kept per tensor; ties go to the lower index.
    func testLayerwiseCountsAreExactAndTiesBreakByIndex() throws {
        var model = try tinyModel()
        model.parameters["fc2.weight"] = Tensor(shape: [6, 8], scalars: (0..<48).map { Float($0 % 4) })  // many ties
        var generator = SeededGenerator(seed: 0)
        let policy = PruningPolicy(keepFirstLayerDense: false, lastLayerCap: nil)
        let masks = try MagnitudePruner.masks(for: model, sparsity: 0.7, policy: policy, generator: &generator)
        XCTAssertEqual(Set(masks.masks.keys), ["fc1.weight", "fc2.weight", "fc3.weight"])
        for name in masks.masks.keys {
            let n = model.parameters[name]!.count
            XCTAssertEqual(Int(masks.masks[name]!.sum), MagnitudePruner.keptCount(n, sparsity: 0.7), name)
        }
        // fc2: 48 weights, keep round(14.4) = 14: the twelve 3s, then the 2s at indices 2 and 6.
        let kept = masks.masks["fc2.weight"]!.scalars.enumerated().filter { $0.element == 1 }.map(\.offset)
        XCTAssertEqual(kept, ((0..<48).filter { $0 % 4 == 3 } + [2, 6]).sorted())
        XCTAssertEqual(kept.count, 14)
        masks.apply(to: &model)
        XCTAssertEqual(zeros(model.parameters["fc2.weight"]!), 48 - 14 + 0)  // no kept weight is 0 here
    }

    func testFirstLayerDenseLastLayerCapAndBiasesUntouched() throws {
        var model = try tinyModel()
        var generator = SeededGenerator(seed: 0)
        let masks = try MagnitudePruner.masks(
            for: model, sparsity: 0.95, policy: PruningPolicy(), generator: &generator)
        XCTAssertNil(masks.masks["fc1.weight"], "first layer stays dense")
        XCTAssertEqual(Int(masks.masks["fc2.weight"]!.sum), MagnitudePruner.keptCount(48, sparsity: 0.95))
        XCTAssertEqual(
            Int(masks.masks["fc3.weight"]!.sum), MagnitudePruner.keptCount(18, sparsity: 0.8), "capped at 80%")
        let biases = model.parameters.filter { $0.key.hasSuffix("bias") }
        masks.apply(to: &model)
        XCTAssertEqual(model.parameters.filter { $0.key.hasSuffix("bias") }, biases)
    }

    func testGlobalScopeKeepsLargestMagnitudesAcrossLayers() throws {
        let model = try tinyModel()
        var generator = SeededGenerator(seed: 0)
        let policy = PruningPolicy(scope: .global, keepFirstLayerDense: false, lastLayerCap: nil)
        let masks = try MagnitudePruner.masks(for: model, sparsity: 0.5, policy: policy, generator: &generator)
        let all = ["fc1.weight", "fc2.weight", "fc3.weight"].flatMap { name in
            zip(model.parameters[name]!.scalars, masks.masks[name]!.scalars).map { (abs($0), $1) }
        }
        XCTAssertEqual(Int(all.reduce(0) { $0 + $1.1 }), MagnitudePruner.keptCount(all.count, sparsity: 0.5))
        let smallestKept = all.filter { $0.1 == 1 }.map(\.0).min()!
        let largestRemoved = all.filter { $0.1 == 0 }.map(\.0).max()!
        XCTAssertGreaterThanOrEqual(smallestKept, largestRemoved)
    }

    func testRandomPruningKeepsCountsAndIsSeeded() throws {
        let model = try tinyModel()
        let policy = PruningPolicy(method: .random, keepFirstLayerDense: false, lastLayerCap: nil)
        var a = SeededGenerator(seed: 5)
        var b = SeededGenerator(seed: 5)
        var c = SeededGenerator(seed: 6)
        let first = try MagnitudePruner.masks(for: model, sparsity: 0.5, policy: policy, generator: &a)
        XCTAssertEqual(first, try MagnitudePruner.masks(for: model, sparsity: 0.5, policy: policy, generator: &b))
        XCTAssertNotEqual(first, try MagnitudePruner.masks(for: model, sparsity: 0.5, policy: policy, generator: &c))
        XCTAssertEqual(Int(first.masks["fc1.weight"]!.sum), 64)
    }

    func testBadSparsityIsRejected() throws {
        var generator = SeededGenerator(seed: 0)
        for bad in [1.0, -0.1, .nan] {
            XCTAssertThrowsError(
                try MagnitudePruner.masks(
                    for: try tinyModel(), sparsity: bad, policy: PruningPolicy(), generator: &generator)
            ) {
                XCTAssertTrue("\($0)".contains("sparsity must be in [0, 1)"))
            }
        }
    }

    /// s(t) = s_f + (s_i - s_f)(1 - p)^3, p = (t - begin) / (end - begin), hand-computed.
    func testPolynomialScheduleValues() throws {
        let schedule = PruningSchedule(
            initialSparsity: 0.1, finalSparsity: 0.9, beginStep: 100, endStep: 300, frequency: 50)
        XCTAssertEqual(schedule.sparsity(atStep: 0), 0.1, accuracy: 1e-12)
        XCTAssertEqual(schedule.sparsity(atStep: 200), 0.9 - 0.8 * 0.125, accuracy: 1e-12)
        XCTAssertEqual(schedule.sparsity(atStep: 250), 0.9 - 0.8 * 0.015625, accuracy: 1e-12)
        XCTAssertEqual(schedule.sparsity(atStep: 1000), 0.9, accuracy: 1e-12)
        XCTAssertFalse(schedule.updatesMasks(atStep: 99, lastUpdate: nil))
        XCTAssertTrue(schedule.updatesMasks(atStep: 100, lastUpdate: nil))
        XCTAssertFalse(schedule.updatesMasks(atStep: 149, lastUpdate: 100))
        XCTAssertTrue(schedule.updatesMasks(atStep: 150, lastUpdate: 100))
        XCTAssertTrue(schedule.updatesMasks(atStep: 300, lastUpdate: 290), "the end step always updates")
        XCTAssertFalse(schedule.updatesMasks(atStep: 301, lastUpdate: 300))
        XCTAssertThrowsError(try PruningSchedule(finalSparsity: 0.5, beginStep: 10, endStep: 5).validate())
    }

    /// Gradual pruning during training ends exactly at the final sparsity per layer, the
    /// removed weights stay zero, and the model still learns.
    /// A population's window covers the steps its hooks see (1...total), so even a run of one
    /// step ends at its final sparsity; longer runs keep the 10%...70% window.
    func testPopulationWindowReachesFinalSparsityInTheShortestRun() throws {
        let architecture = Architecture.builtin("mlp", inputShape: [1, 28, 28], classes: 10, hiddenWidths: [8])!
        let spec = PopulationSpec(
            data: "d", architecture: architecture, training: TrainingConfiguration(), members: 1, firstSeed: 0,
            variants: [.pruned(sparsity: 0.5, policy: PruningPolicy())])
        let one = spec.pruningSchedule(finalSparsity: 0.5, totalSteps: 1)
        XCTAssertTrue(one.updatesMasks(atStep: 1, lastUpdate: nil))
        XCTAssertEqual(one.sparsity(atStep: 1), 0.5)
        let two = spec.pruningSchedule(finalSparsity: 0.5, totalSteps: 2)
        XCTAssertEqual([two.beginStep, two.endStep], [0, 1])
        let hundred = spec.pruningSchedule(finalSparsity: 0.5, totalSteps: 100)
        XCTAssertEqual([hundred.beginStep, hundred.endStep], [10, 70])
    }

    func testGradualPruningDuringTraining() throws {
        let splits = try DatasetLoader.load("mnist-5k")
        let train = splits.train.subset(Array(stride(from: 0, to: 4000, by: 4)))  // all classes
        let architecture = Architecture.builtin("mlp", inputShape: [1, 28, 28], classes: 10, hiddenWidths: [64])!
        var configuration = TrainingConfiguration()
        configuration.epochs = 3
        configuration.batchSize = 50
        configuration.learningRate = 0.05
        var trainer = try Trainer(model: try Model(architecture: architecture, seed: 1), configuration: configuration)
        let schedule = PruningSchedule(finalSparsity: 0.9, beginStep: 10, endStep: 40, frequency: 10)
        trainer.hooks = [
            try GradualPruning(
                schedule: schedule, policy: PruningPolicy(keepFirstLayerDense: false, lastLayerCap: nil), seed: 0)
        ]
        var accuracy = 0.0
        try trainer.train(on: train, test: splits.test) { event, _ in
            if case .epoch(let metrics) = event { accuracy = metrics.testAccuracy! }
        }
        for name in ["fc1.weight", "fc2.weight"] {
            let tensor = trainer.model.parameters[name]!
            XCTAssertEqual(zeros(tensor), tensor.count - MagnitudePruner.keptCount(tensor.count, sparsity: 0.9), name)
        }
        XCTAssertGreaterThan(accuracy, 0.7)
    }
}

final class CompressionVariantTests: XCTestCase {
    func testParsingNamesAndRoundTrip() throws {
        let cases: [(String, String)] = [
            ("dense", "dense"), ("prune:0.9", "prune-0.90"), ("prune:0.5:global", "prune-0.50-global"),
            ("prune:0.95:random", "prune-0.95-random"), ("prune:0.9:all", "prune-0.90-all"),
            ("oneshot:0.9", "oneshot-0.90-ft1"),
            ("oneshot:0.8:3:global", "oneshot-0.80-ft3-global"),
            ("int8-channel", "int8-channel"), ("float16", "float16"), ("int8-full", "int8-full"),
        ]
        for (text, name) in cases {
            let variant = try CompressionVariant(parsing: text)
            XCTAssertEqual(variant.name, name)
            XCTAssertEqual(try CompressionVariant(parsing: variant.specification), variant)
            let json = try JSONEncoder().encode([variant])
            XCTAssertEqual(try JSONDecoder().decode([CompressionVariant].self, from: json), [variant])
        }
        XCTAssertFalse(try CompressionVariant(parsing: "oneshot:0.9").isTrained)
        for bad in ["prune:1.5", "prune:0", "prune:0.5:sideways", "int9", "oneshot:0.5:-1"] {
            XCTAssertThrowsError(try CompressionVariant(parsing: bad), bad)
        }
    }
}
