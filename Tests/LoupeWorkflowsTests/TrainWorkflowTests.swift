import Foundation
import LoupeNN
import LoupeWorkflows
import XCTest

final class TrainWorkflowTests: WorkflowTestCase {
    func configuration(_ data: DataSource, output: String) -> TrainWorkflow.Configuration {
        var training = TrainingConfiguration()
        training.epochs = 2
        training.batchSize = 16
        training.threads = 2
        training.checkpointInterval = .epochs(1)
        return TrainWorkflow.Configuration(
            data: data, model: "mlp", hidden: "16", training: training, output: folder.appendingPathComponent(output))
    }

    /// Two runs of the same configuration write the same bytes; the metrics and checkpoints
    /// match the epochs, and the checkpoint evaluates to the last epoch's test accuracy.
    func testTrainingIsDeterministicAndEvaluatesToItsLastEpoch() throws {
        let data = try syntheticData(classes: 3)
        var written: [[String: Data]] = []
        for name in ["a", "b"] {
            let progress = RecordedProgress()
            let result = try TrainWorkflow(configuration(data, output: name)).run(progress: progress)
            XCTAssertEqual(
                try result.write(to: result.folder), ["model.safetensors", "metrics.jsonl", "manifest.json"])
            XCTAssertEqual(result.metricsLines.count, 2)
            XCTAssertEqual(progress.lines.filter { $0.hasPrefix("epoch ") }.count, 2, "\(progress.lines)")
            written.append(try outputFiles(result.folder))
        }
        XCTAssertEqual(written[0], written[1])
        XCTAssertEqual(
            Set(written[0].keys),
            [
                "model.safetensors", "state.safetensors", "metrics.jsonl", "checkpoints/epoch-000001.safetensors",
                "checkpoints/epoch-000002.safetensors",
            ])

        var evaluation = EvalWorkflow.Configuration(
            modelFile: folder.appendingPathComponent("a/model.safetensors"), data: data)
        evaluation.threads = 2
        let evaluated = try EvalWorkflow(evaluation).run(progress: SilentProgress())
        let last =
            try JSONSerialization.jsonObject(
                with: Data(written[0]["metrics.jsonl"]!.split(separator: UInt8(ascii: "\n")).last!)) as! [String: Any]
        XCTAssertEqual(evaluated.evaluation.accuracy, last["testAccuracy"] as! Double, accuracy: 1e-12)
        XCTAssertEqual(evaluated.evaluation.confusion.count, 3)
        XCTAssertEqual(evaluated.lines[0], "\(data.data) test: \(evaluated.evaluation.count) examples")
        let json = try JSONSerialization.jsonObject(with: Data(try evaluated.json().utf8)) as! [String: Any]
        XCTAssertEqual(json["loss"] as! Double, evaluated.evaluation.loss, accuracy: 1e-12)
        // JSON has no NaN: a diverged model's loss is null, not an encoding error naming no file.
        var diverged = evaluated
        diverged.evaluation.loss = .nan
        let nanJSON = try JSONSerialization.jsonObject(with: Data(try diverged.json().utf8)) as! [String: Any]
        XCTAssertTrue(nanJSON["loss"] is NSNull, "\(nanJSON)")
        XCTAssertEqual(nanJSON["accuracy"] as! Double, evaluated.evaluation.accuracy, accuracy: 1e-12)
    }

    /// A result is written into the folder the run trained into, not elsewhere.
    func testAResultIsWrittenOnlyIntoItsRunFolder() throws {
        let data = try syntheticData(classes: 2, perClass: 10)
        var config = configuration(data, output: "run")
        config.training.epochs = 1
        let result = try TrainWorkflow(config).run(progress: SilentProgress())
        XCTAssertThrowsError(try result.write(to: folder.appendingPathComponent("elsewhere"))) {
            XCTAssertTrue("\($0)".contains("the run's folder"), "\($0)")
        }
    }
}
