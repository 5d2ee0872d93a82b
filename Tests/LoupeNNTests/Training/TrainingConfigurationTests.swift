import LoupeData
import XCTest

@testable import LoupeNN

/// `TrainingConfiguration.validate(for:)`: the checks that need the data, made before a
/// command writes anything and again when training starts.
final class TrainingConfigurationTests: XCTestCase {
    static let train = try! DatasetLoader.load("mnist-5k").train.subset(Array(0..<100))

    func message(_ configuration: TrainingConfiguration) -> String? {
        do {
            try configuration.validate(for: Self.train)
            return nil
        } catch { return error.description }
    }

    func testAStepCountThatOverflowsIsRefused() {
        var configuration = TrainingConfiguration()
        configuration.batchSize = 10
        configuration.epochs = Int.max
        let text = message(configuration)
        XCTAssertTrue(text?.contains("\(Int.max) epochs of 10 steps") ?? false, text ?? "accepted")
        configuration.epochs = Int.max / 10
        XCTAssertNil(message(configuration))
    }

    func testStepsPerEpochNeverOverflows() {
        var configuration = TrainingConfiguration()
        configuration.batchSize = Int.max
        XCTAssertEqual(configuration.stepsPerEpoch(examples: 100), 1)
        XCTAssertEqual(configuration.totalSteps(examples: 100), configuration.epochs)
        configuration.batchSize = 30
        XCTAssertEqual(configuration.stepsPerEpoch(examples: 100), 4)
    }

    func testACropPaddingLargerThanTheImagesIsRefused() {
        var configuration = TrainingConfiguration()
        configuration.augmentation = Augmentation(cropPadding: 1 << 62)
        XCTAssertTrue(message(configuration)?.contains("larger than the 28x28 images") ?? false)
        configuration.augmentation = Augmentation(cropPadding: 28)
        XCTAssertNil(message(configuration))
    }

    /// The trainer runs the same check, so no caller can skip it.
    func testTrainingChecksTheConfigurationForItsData() throws {
        var configuration = TrainingConfiguration()
        configuration.epochs = Int.max
        configuration.batchSize = 10  // 10 steps per epoch: Int.max epochs overflow the step count
        let architecture = Architecture.builtin("mlp", inputShape: [1, 28, 28], classes: 10, hiddenWidths: [4])!
        var trainer = try Trainer(model: try Model(architecture: architecture, seed: 0), configuration: configuration)
        var events = 0
        XCTAssertThrowsError(try trainer.train(on: Self.train, test: nil) { _, _ in events += 1 })
        XCTAssertEqual(events, 0, "trained before the check")
    }
}
