import Foundation
import LoupeData
import LoupeTensor
import XCTest

@testable import LoupeNN

/// A resume state that lies is refused before anything changes, and a diverging run stops
/// at the first non-finite loss or weight, never reporting or saving the diverged state.
final class ResumeAndDivergenceTests: XCTestCase {
    static let train = try! DatasetLoader.load("mnist-5k").train.subset(Array(0..<256))
    static let architecture = Architecture.builtin("mlp", inputShape: [1, 28, 28], classes: 10, hiddenWidths: [8])!

    func configuration(epochs: Int = 2, learningRate: Float = 0.05) -> TrainingConfiguration {
        var configuration = TrainingConfiguration()
        configuration.epochs = epochs
        configuration.batchSize = 64  // 4 steps per epoch of the 256 examples
        configuration.learningRate = learningRate
        configuration.threads = 1
        return configuration
    }

    /// The model and optimizer state after one epoch.
    func stateAfterOneEpoch() throws -> (Model, [String: Tensor]) {
        var trainer = try Trainer(
            model: try Model(architecture: Self.architecture, seed: 3), configuration: configuration(epochs: 1))
        try trainer.train(on: Self.train, test: nil) { _, _ in }
        XCTAssertEqual(trainer.step, 4)
        return (trainer.model, trainer.optimizer.stateTensors())
    }

    func testRestoreRefusesAPositionThatIsNotTheEndOfAnEpochOfTheRun() throws {
        let (model, state) = try stateAfterOneEpoch()
        func assertRefused(epoch: Int, step: Int, _ expected: ResumeError, line: UInt = #line) throws {
            var trainer = try Trainer(model: model, configuration: configuration())
            XCTAssertThrowsError(
                try trainer.restore(optimizerState: state, epoch: epoch, step: step, trainingExamples: 256),
                line: line
            ) { XCTAssertEqual($0 as? ResumeError, expected, line: line) }
            XCTAssertEqual([trainer.epoch, trainer.step], [0, 0], "nothing changed", line: line)
            XCTAssertEqual(trainer.optimizer.stateTensors(), [:], "nothing changed", line: line)
        }
        try assertRefused(
            epoch: -1, step: 4, .field(name: "epoch", problem: "-1 is outside the run's 0...2 epochs"))
        try assertRefused(
            epoch: 1 << 40, step: 4, .field(name: "epoch", problem: "\(1 << 40) is outside the run's 0...2 epochs"))
        try assertRefused(
            epoch: 1, step: -4,
            .field(
                name: "step",
                problem: "-4 is not the end of epoch 1 (4 steps per epoch: 256 examples in batches of 64)"))
        try assertRefused(
            epoch: 1, step: 5,
            .field(
                name: "step",
                problem: "5 is not the end of epoch 1 (4 steps per epoch: 256 examples in batches of 64)"))

        var resumed = try Trainer(model: model, configuration: configuration())
        try resumed.restore(optimizerState: state, epoch: 1, step: 4, trainingExamples: 256)
        XCTAssertEqual([resumed.epoch, resumed.step], [1, 4])
    }

    /// Momentum SGD has state from its first step: a state without it (a model file) would
    /// resume with fresh momentum, silently.
    func testRestoreRefusesAMissingOptimizerState() throws {
        let (model, _) = try stateAfterOneEpoch()
        var trainer = try Trainer(model: model, configuration: configuration())
        XCTAssertThrowsError(try trainer.restore(optimizerState: [:], epoch: 1, step: 4, trainingExamples: 256)) {
            XCTAssertTrue("\($0)".hasPrefix("optimizer state is missing for a run at step 4"), "\($0)")
        }
        var plain = configuration()
        plain.momentum = 0
        var stateless = try Trainer(model: model, configuration: plain)
        XCTAssertNoThrow(try stateless.restore(optimizerState: [:], epoch: 1, step: 4, trainingExamples: 256))
    }

    /// Every optimizer tensor is checked against the model's parameter at its position.
    func testRestoreChecksOptimizerTensorsAgainstTheModel() throws {
        let (model, state) = try stateAfterOneEpoch()
        XCTAssertEqual(model.parameterNames, ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"])
        func assertRefused(_ state: [String: Tensor], _ expected: OptimizerStateError, line: UInt = #line) throws {
            var trainer = try Trainer(model: model, configuration: configuration())
            XCTAssertThrowsError(
                try trainer.restore(optimizerState: state, epoch: 1, step: 4, trainingExamples: 256), line: line
            ) { XCTAssertEqual($0 as? ResumeError, .optimizerState(expected), line: line) }
        }
        var transposed = state
        transposed["state.0.momentum_buffer"] = Tensor(zeros: [784, 8])
        try assertRefused(
            transposed, .shapeMismatch(name: "state.0.momentum_buffer", shape: [784, 8], expected: [8, 784]))
        var swapped = state
        swapped["state.1.momentum_buffer"] = state["state.3.momentum_buffer"]
        try assertRefused(swapped, .shapeMismatch(name: "state.1.momentum_buffer", shape: [10], expected: [8]))
        var farAway = state
        farAway["state.2147483648.momentum_buffer"] = Tensor(zeros: [10])
        try assertRefused(
            farAway, .positionOutOfRange(name: "state.2147483648.momentum_buffer", parameterCount: 4))
        var missing = state
        missing["state.2.momentum_buffer"] = nil
        try assertRefused(missing, .missingTensor(name: "state.2.momentum_buffer"))
        var unknown = state
        unknown["state.0.exp_avg"] = Tensor(zeros: [8, 784])
        try assertRefused(unknown, .unexpectedTensor(name: "state.0.exp_avg"))
    }

    /// `--lr 1e30`: the run stops at the first non-finite loss; no event ever hands the
    /// handler a non-finite weight to save.
    func testADivergingRunStopsBeforeSavingNonFiniteWeights() throws {
        var settings = configuration(learningRate: 1e30)
        settings.checkpointInterval = .steps(1)
        var trainer = try Trainer(model: try Model(architecture: Self.architecture, seed: 3), configuration: settings)
        var saved = 0
        XCTAssertThrowsError(
            try trainer.train(on: Self.train, test: Self.train) { event, trainer in
                switch event {
                case .checkpoint, .epoch:
                    saved += 1
                    for (name, tensor) in trainer.model.parameters {
                        XCTAssertTrue(tensor.scalars.allSatisfy(\.isFinite), "\(name) saved with non-finite values")
                    }
                default: break
                }
            }
        ) { error in
            let divergence = error as? TrainingDivergence
            XCTAssertNotNil(divergence, "\(error)")
            XCTAssertEqual(divergence?.epoch, 1)
            XCTAssertTrue("\(error)".hasPrefix("training diverged in epoch 1 after step "), "\(error)")
        }
        XCTAssertLessThan(saved, 4, "stopped within the first epoch")
    }

    /// A run that diverges in its second epoch reports the first epoch and stops in the second.
    func testDivergenceInALaterEpochKeepsTheEpochsBefore() throws {
        var settings = configuration(epochs: 3)
        settings.schedule = .step(interval: 4, gamma: 1e30)  // the base rate for epoch 1, 5e28 after
        var trainer = try Trainer(model: try Model(architecture: Self.architecture, seed: 3), configuration: settings)
        var epochs: [EpochMetrics] = []
        XCTAssertThrowsError(
            try trainer.train(on: Self.train, test: Self.train) { event, _ in
                if case .epoch(let metrics) = event { epochs.append(metrics) }
            }
        ) { error in
            XCTAssertEqual((error as? TrainingDivergence)?.epoch, 2, "\(error)")
        }
        XCTAssertEqual(epochs.map(\.epoch), [1])
        XCTAssertTrue(epochs[0].trainLoss.isFinite && epochs[0].testLoss!.isFinite)
    }

    /// JSON has no NaN: metrics encode non-finite numbers as null, so writing them never fails.
    func testMetricsWithNonFiniteNumbersEncodeAsNull() throws {
        let metrics = EpochMetrics(
            epoch: 1, step: 4, learningRate: .infinity, trainLoss: .nan, trainAccuracy: 0.5, testLoss: -.infinity,
            testAccuracy: nil, seconds: 1, imagesPerSecond: 2)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(metrics), as: UTF8.self)
        XCTAssertEqual(
            json,
            #"{"epoch":1,"imagesPerSecond":2,"learningRate":null,"seconds":1,"step":4,"testLoss":null,"trainAccuracy":0.5,"trainLoss":null}"#
        )
        let decoded = try JSONDecoder().decode(EpochMetrics.self, from: Data(json.utf8))
        XCTAssertTrue(decoded.trainLoss.isNaN && decoded.learningRate.isNaN && decoded.testLoss!.isNaN)
        XCTAssertNil(decoded.testAccuracy)
        XCTAssertEqual(decoded.trainAccuracy, 0.5)
    }
}
