import Foundation
import LoupeWorkflows
import XCTest

final class DifficultyWorkflowTests: WorkflowTestCase {
    func settings(epochs: Int = 2) -> DifficultySettings {
        var settings = DifficultySettings(model: ModelRecipe(model: "mlp", hidden: "8", epochs: epochs), threads: 2)
        settings.model.batchSize = 16
        settings.confidentLearningFolds = 2
        return settings
    }

    /// Data with 3 classes (the pipeline once assumed 10): every score covers every training
    /// example, confident learning's probabilities have the data's width, and the written
    /// table agrees with the result; a second run writes the same bytes.
    func testScoresDataOfThreeClassesDeterministically() throws {
        let data = try syntheticData(classes: 3)
        var written: [[String: Data]] = []
        for name in ["a", "b"] {
            let output = folder.appendingPathComponent(name)
            let result = try DifficultyWorkflow(.init(data: data, settings: settings(), output: output))
                .run(progress: SilentProgress())
            let count = result.examples.count
            XCTAssertEqual(result.examples.classCount, 3)
            XCTAssertTrue(result.scores.contains { $0.name == "self-confidence" })
            XCTAssertTrue(result.scores.allSatisfy { $0.values.count == count })
            XCTAssertEqual(result.labelIssues?.count, count)
            XCTAssertTrue(result.finalPredictions!.allSatisfy { (0..<3).contains($0) })
            try result.write(to: output)
            let rows = try csvRows(output.appendingPathComponent("difficulty.csv"))
            XCTAssertEqual(rows.count, count + 1)
            XCTAssertEqual(rows[1][0], String(result.examples.ids[0]))
            XCTAssertEqual(rows[0].count, 4 + 2 * result.scores.count)  // id, label, prediction, cl flag
            written.append(try outputFiles(output))
        }
        XCTAssertEqual(written[0], written[1])
        XCTAssertNotNil(written[0]["checkpoints/epoch-000002.safetensors"])
    }

    /// Scores from the checkpoints of a training run equal the VoG of the run that made them.
    func testCheckpointsOfARunGiveItsVoG() throws {
        let data = try syntheticData(classes: 2, perClass: 20)
        var noFolds = settings()
        noFolds.confidentLearningFolds = 0
        let trained = folder.appendingPathComponent("trained")
        let first = try DifficultyWorkflow(.init(data: data, settings: noFolds, output: trained))
            .run(progress: SilentProgress())
        var again = DifficultyWorkflow.Configuration(
            data: data, settings: noFolds, output: folder.appendingPathComponent("again"))
        again.source = .checkpoints(trained)
        let progress = RecordedProgress()
        let second = try DifficultyWorkflow(again).run(progress: progress)
        XCTAssertEqual(progress.lines.filter { $0.hasSuffix("checkpoint gradients added") }.count, 2)
        XCTAssertEqual(
            first.scores.first { $0.name == "vog" }?.values, second.scores.first { $0.name == "vog" }?.values)
        XCTAssertEqual(first.finalPredictions, second.finalPredictions)

        // A hidden file is not a checkpoint (it was read as one).
        let checkpoints = trained.appendingPathComponent("checkpoints")
        try Data("junk".utf8).write(to: checkpoints.appendingPathComponent(".partial.safetensors"))
        var hidden = again
        hidden.output = folder.appendingPathComponent("hidden")
        let withHidden = RecordedProgress()
        _ = try DifficultyWorkflow(hidden).run(progress: withHidden)
        XCTAssertEqual(withHidden.lines.filter { $0.hasSuffix("checkpoint gradients added") }.count, 2)
        // The early epoch must be one of the checkpoints ("0 logits for shape [1, 1000, 10]").
        var late = again
        late.settings.earlyEpoch = 3
        late.output = folder.appendingPathComponent("late")
        XCTAssertThrowsError(try DifficultyWorkflow(late).run(progress: SilentProgress())) {
            XCTAssertTrue("\($0)".contains("--early-epoch must be in 1...2, the checkpoints given, got 3"), "\($0)")
        }
    }

    /// From checkpoints, `evaluate: .test` scores the held-out examples: every score covers
    /// each test example once, the final predictions are the last checkpoint's (its confusion
    /// matrix from the eval workflow has the same errors as the deciles), and a training run
    /// here refuses it before writing anything.
    func testCheckpointsScoreTheTestSplit() throws {
        let data = try syntheticData(classes: 2, perClass: 20)
        var noFolds = settings(epochs: 3)
        noFolds.confidentLearningFolds = 0
        let trained = folder.appendingPathComponent("trained")
        _ = try DifficultyWorkflow(.init(data: data, settings: noFolds, output: trained)).run(
            progress: SilentProgress())
        var onTest = DifficultyWorkflow.Configuration(
            data: data, settings: noFolds, output: folder.appendingPathComponent("test"))
        onTest.source = .checkpoints(trained)
        onTest.evaluate = .test
        let result = try DifficultyWorkflow(onTest).run(progress: SilentProgress())
        let test = try data.load().splits.test
        XCTAssertEqual(result.examples.ids, test.ids)
        XCTAssertTrue(result.scores.allSatisfy { $0.values.count == test.count })
        let evaluation = try EvalWorkflow(
            .init(modelFile: trained.appendingPathComponent("checkpoints/epoch-000003.safetensors"), data: data)
        ).run(progress: SilentProgress()).evaluation
        let errors = zip(result.finalPredictions!, test.labels).filter { $0 != $1 }.count
        XCTAssertEqual(errors, evaluation.count - Int((evaluation.accuracy * Double(evaluation.count)).rounded()))
        try result.write(to: onTest.output)
        let vogDeciles = try csvRows(onTest.output.appendingPathComponent("deciles.csv")).filter { $0[0] == "vog" }
        XCTAssertEqual(vogDeciles.map { Int($0[6])! }.reduce(0, +), errors)
        XCTAssertEqual(vogDeciles.map { Int($0[3])! }.reduce(0, +), test.count)

        var training = onTest
        training.source = .training
        training.output = folder.appendingPathComponent("refused")
        XCTAssertThrowsError(try DifficultyWorkflow(training).run(progress: SilentProgress())) {
            XCTAssertTrue("\($0)".contains("--evaluate test needs --checkpoints"), "\($0)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: training.output.path))
    }

    /// The label-noise benchmark flips the requested fraction and scores every difficulty
    /// measure plus confident learning's flag, as written to label-noise.csv.
    func testLabelNoiseBenchmarkReportsEveryScore() throws {
        let data = try syntheticData(classes: 3)
        let output = folder.appendingPathComponent("noise")
        var configuration = LabelNoiseBenchmarkWorkflow.Configuration(data: data, settings: settings(), output: output)
        configuration.noise = 0.1
        let result = try LabelNoiseBenchmarkWorkflow(configuration).run(progress: SilentProgress())
        let trainCount = result.difficulty.examples.count
        XCTAssertGreaterThan(result.flipped.count, 0)
        XCTAssertLessThan(result.flipped.count, trainCount / 5)
        XCTAssertEqual(result.rows.count, result.difficulty.scores.count + 1)
        XCTAssertEqual(result.rows.last?.score, "cl-label-issue (flag)")
        XCTAssertTrue(result.rows.dropLast().allSatisfy { ($0.auroc ?? -1) >= 0 && $0.auroc! <= 1 })
        try result.write(to: output)
        let rows = try csvRows(output.appendingPathComponent("label-noise.csv"))
        XCTAssertEqual(rows.map { $0[0] }, ["score"] + result.rows.map(\.score))
        let table = try csvRows(output.appendingPathComponent("difficulty.csv"))
        let flippedColumn = try XCTUnwrap(table[0].firstIndex(of: "label_flipped"))
        XCTAssertEqual(table.dropFirst().filter { $0[flippedColumn] == "1" }.count, result.flipped.count)
    }
}
