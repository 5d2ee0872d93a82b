import LoupeData
import LoupeSupport
import XCTest

@testable import LoupeNN
@testable import LoupeTensor

final class TrainerTests: XCTestCase {
    static let splits = try! DatasetLoader.load("mnist-5k")

    func train(
        _ name: String, epochs: Int, examples: Int, seed: UInt64 = 1,
        optimizer: TrainingConfiguration.OptimizerKind = .sgd
    ) throws -> (Trainer, [EpochMetrics]) {
        let data = Self.splits
        let train = data.train.subset(Array(0..<examples))
        let architecture = Architecture.builtin(name, inputShape: [1, 28, 28], classes: 10)!
        var configuration = TrainingConfiguration()
        configuration.epochs = epochs
        configuration.batchSize = 64
        configuration.learningRate = optimizer == .sgd ? 0.05 : 0.002
        configuration.optimizer = optimizer
        configuration.seed = seed
        var trainer = try Trainer(
            model: try Model(architecture: architecture, seed: seed), configuration: configuration)
        var metrics: [EpochMetrics] = []
        try trainer.train(on: train, test: data.test) { event, _ in
            if case .epoch(let m) = event { metrics.append(m) }
        }
        return (trainer, metrics)
    }

    func testMLPLearnsMNIST5k() throws {
        let (_, metrics) = try train("mlp", epochs: 3, examples: 4000)
        XCTAssertEqual(metrics.count, 3)
        XCTAssertLessThan(metrics[2].trainLoss, metrics[0].trainLoss)
        XCTAssertGreaterThan(metrics[2].testAccuracy!, 0.85, "chance is 0.10")
    }

    func testCNNLearnsMNIST5k() throws {
        let (_, metrics) = try train("cnn", epochs: 1, examples: 4000)
        XCTAssertGreaterThan(metrics[0].testAccuracy!, 0.75, "chance is 0.10")
    }

    /// Same seed and thread count: bit-identical weights. A different seed: different weights.
    func testTrainingIsBitIdenticalForSameSeed() throws {
        let (a, _) = try train("mlp", epochs: 2, examples: 500, seed: 3, optimizer: .adam)
        let (b, _) = try train("mlp", epochs: 2, examples: 500, seed: 3, optimizer: .adam)
        let (c, _) = try train("mlp", epochs: 2, examples: 500, seed: 4, optimizer: .adam)
        XCTAssertEqual(a.model.parameters, b.model.parameters)
        XCTAssertNotEqual(a.model.parameters, c.model.parameters)
    }

    /// Weights carry caches of their packed forms; after every optimiser step the model must
    /// compute with the new weights, exactly as a model rebuilt from copies of them does.
    func testPackedWeightsFollowEveryOptimizerStep() throws {
        let data = Self.splits
        let train = data.train.subset(Array(0..<64))
        var configuration = TrainingConfiguration()
        configuration.epochs = 1
        configuration.batchSize = 16
        configuration.threads = 2
        var trainer = try Trainer(
            model: try Model(architecture: .builtin("cnn", inputShape: [1, 28, 28], classes: 10)!, seed: 5),
            configuration: configuration)
        XCTAssertTrue(trainer.model.parameters.values.allSatisfy { $0.packedOperands != nil })
        let probe = data.test.images(at: Array(0..<8))
        var checked = 0
        try trainer.train(on: train, test: nil) { event, trainer in
            guard case .batch = event else { return }
            let copies = trainer.model.parameters.mapValues { Tensor(shape: $0.shape, scalars: Array($0.scalars)) }
            let rebuilt = try Model(
                architecture: trainer.model.architecture, parameters: copies, buffers: trainer.model.buffers)
            XCTAssertEqual(trainer.model.logits(probe, threads: 2), rebuilt.logits(probe, threads: 2))
            checked += 1
        }
        XCTAssertEqual(checked, 4)
    }

    /// Operations take recycled storage with whatever it held: no value of it may reach a
    /// result. Training with the pool emptied before every step and with its buffers filled
    /// with NaN gives the same weights, for both models and with several threads.
    func testRecycledStorageNeverReachesAResult() throws {
        let data = Self.splits
        let train = data.train.subset(Array(0..<192))
        for name in ["mlp", "cnn"] {
            var weights: [[String: Tensor]] = []
            for poisons in [false, true] {
                var configuration = TrainingConfiguration()
                configuration.epochs = 1
                configuration.batchSize = 48
                configuration.threads = 2
                configuration.seed = 9
                var trainer = try Trainer(
                    model: try Model(architecture: .builtin(name, inputShape: [1, 28, 28], classes: 10)!, seed: 9),
                    configuration: configuration)
                // After every step (no hooks, so the shard gradients go through SGD's fused update).
                try trainer.train(on: train, test: nil) { event, _ in
                    guard case .batch = event else { return }
                    if poisons {
                        TensorStoragePool.shared.overwriteKept(with: .nan)
                    } else {
                        TensorStoragePool.shared.removeAll()
                    }
                }
                XCTAssertTrue(trainer.model.parameters.values.allSatisfy { $0.scalars.allSatisfy(\.isFinite) })
                weights.append(trainer.model.parameters)
            }
            XCTAssertEqual(weights[0], weights[1], name)
        }
    }

    /// Stopping after epoch 1 and resuming from the saved model and optimiser state gives
    /// exactly the weights of an uninterrupted two-epoch run.
    func testResumeAtEpochBoundaryIsBitIdentical() throws {
        let data = Self.splits
        let train = data.train.subset(Array(0..<300))
        var configuration = TrainingConfiguration()
        configuration.epochs = 2
        configuration.batchSize = 32
        configuration.nesterov = true
        configuration.augmentation = Augmentation(cropPadding: 2, horizontalFlip: true)
        configuration.schedule = .cosine(minimum: 0)
        let architecture = Architecture(
            name: "bn-mlp", inputShape: [1, 28, 28],
            layers: [
                .flatten, .linear(name: nil, outputFeatures: 32, bias: true), .batchNorm(name: nil), .activation(.relu),
                .dropout(rate: 0.2), .linear(name: nil, outputFeatures: 10, bias: true),
            ])
        var full = try Trainer(model: try Model(architecture: architecture, seed: 1), configuration: configuration)
        var saved: (Model, [String: Tensor])?
        try full.train(on: train, test: nil) { event, trainer in
            if case .epoch(let m) = event, m.epoch == 1 { saved = (trainer.model, trainer.optimizer.stateTensors()) }
        }
        var resumed = try Trainer(model: saved!.0, configuration: configuration)
        try resumed.restore(optimizerState: saved!.1, epoch: 1, step: full.step / 2, trainingExamples: train.count)
        try resumed.train(on: train, test: nil) { _, _ in }
        XCTAssertEqual(resumed.model.parameters, full.model.parameters)
        XCTAssertEqual(resumed.model.buffers, full.model.buffers)
    }

    func testMismatchedDataIsRejected() throws {
        let architecture = Architecture.builtin("mlp", inputShape: [1, 8, 8], classes: 10)!
        var trainer = try Trainer(
            model: try Model(architecture: architecture, seed: 1), configuration: TrainingConfiguration())
        XCTAssertThrowsError(try trainer.train(on: Self.splits.test, test: nil) { _, _ in }) {
            XCTAssertTrue("\($0)".contains("expects [1, 8, 8]"), "\($0)")
        }
        var bad = TrainingConfiguration()
        bad.batchSize = 0
        XCTAssertThrowsError(try Trainer(model: try Model(architecture: architecture, seed: 1), configuration: bad))
    }

    func testTestImagesOfAnotherShapeAreRejected() throws {
        let architecture = Architecture.builtin("mlp", inputShape: [1, 28, 28], classes: 10)!
        var trainer = try Trainer(
            model: try Model(architecture: architecture, seed: 1), configuration: TrainingConfiguration())
        let other = try Dataset(
            name: "small", shape: ImageShape(channels: 1, height: 4, width: 4), classCount: 10,
            bytes: [UInt8](repeating: 0, count: 32), labels: [0, 1])
        XCTAssertThrowsError(try trainer.train(on: Self.splits.test, test: other) { _, _ in }) {
            XCTAssertTrue("\($0)".contains("small images are 1x4x4 but"), "\($0)")
        }
    }

    /// The architecture's own check counts one image; a step holds a batch of them with
    /// their gradients: 64 images of resnet-mini at 28 x 28 need more than 16 MiB.
    func testAStepOverTheMemoryBudgetIsRefusedBeforeTraining() throws {
        let architecture = Architecture.builtin("resnet-mini", inputShape: [1, 28, 28], classes: 10)!
        var configuration = TrainingConfiguration()
        configuration.batchSize = 64
        var trainer = try Trainer(model: try Model(architecture: architecture, seed: 1), configuration: configuration)
        let train = Self.splits.train.subset(Array(0..<100))
        let perImage = trainer.model.inputGradientBytesPerRow
        XCTAssertGreaterThan(64 * perImage, 16 << 20)
        setenv("LOUPE_MEMORY_BUDGET", "16M", 1)
        defer { unsetenv("LOUPE_MEMORY_BUDGET") }
        var events = 0
        XCTAssertThrowsError(try trainer.train(on: train, test: nil) { _, _ in events += 1 }) {
            XCTAssertTrue(
                "\($0)".contains("a training step of 64 images needs \(MemoryBudget.describe(64 * perImage))"), "\($0)")
        }
        XCTAssertEqual([events, trainer.step], [0, 0])
        // Batches no larger than the data: 3 images fit.
        XCTAssertThrowsError(
            try trainer.train(on: train.subset(Array(0..<3)), test: nil) { _, _ in throw CancellationError() }
        ) { XCTAssertTrue($0 is CancellationError, "\($0)") }
    }
}

final class EvaluationTests: XCTestCase {
    /// Results do not depend on the thread count, even with more threads than examples.
    func testEvaluationIsIndependentOfThreadCount() throws {
        let data = try DatasetLoader.load("mnist-5k").test
        let model = try Model(
            architecture: .builtin("mlp", inputShape: [1, 28, 28], classes: 10, hiddenWidths: [8])!, seed: 2)
        let reference = Evaluation(model: model, dataset: data.subset(Array(0..<37)), batchSize: 16, threads: 1)
        for threads in [2, 3, 64] {
            let other = Evaluation(model: model, dataset: data.subset(Array(0..<37)), batchSize: 16, threads: threads)
            XCTAssertEqual(other.predictions, reference.predictions)
            XCTAssertEqual(other.loss, reference.loss, accuracy: 1e-12)
            XCTAssertEqual(other.confusion, reference.confusion)
        }
        let single = Evaluation(model: model, dataset: data.subset([5]), threads: 4)
        XCTAssertEqual(single.count, 1)
        XCTAssertEqual(model.logits(of: data.subset([5, 6, 7]), threads: 8), model.logits(data.images(at: [5, 6, 7])))
    }
}
