import Foundation
import LoupeAttribution
import LoupeNN
import LoupeWorkflows
import XCTest

final class AttributionWorkflowTests: WorkflowTestCase {
    /// A checkpoint trained by ``TrainWorkflow`` on `data`.
    func trainedModel(_ data: DataSource) throws -> URL {
        var training = TrainingConfiguration()
        training.epochs = 1
        training.batchSize = 16
        let result = try TrainWorkflow(
            .init(data: data, model: "mlp", hidden: "8", training: training, output: folder.appendingPathComponent("m"))
        ).run(progress: SilentProgress())
        _ = try result.write(to: result.folder)
        return result.folder.appendingPathComponent("model.safetensors")
    }

    /// Maps of chosen ids: one `[examples, C, H, W]` map per method, integrated gradients'
    /// completeness errors in the table, and the ids in the order given.
    func testAttributeWritesAMapPerMethod() throws {
        let data = try syntheticData(classes: 3, perClass: 10)
        let model = try trainedModel(data)
        let test = try data.load().splits.test
        let ids = Array(test.ids.prefix(3).reversed())
        var configuration = AttributeWorkflow.Configuration(modelFile: model, data: data, selection: .ids(ids))
        configuration.methods = "gradient,integrated-gradients"
        configuration.settings.steps = 8
        let result = try AttributeWorkflow(configuration).run(progress: SilentProgress())
        XCTAssertEqual(result.examples.ids, ids)
        XCTAssertEqual(result.maps.map(\.shape), [[3, 1, 8, 8], [3, 1, 8, 8]])
        XCTAssertEqual(result.completeness.map(\.name), ["integrated-gradients"])
        let output = folder.appendingPathComponent("maps")
        try result.write(to: output)
        let rows = try csvRows(output.appendingPathComponent("examples.csv"))
        XCTAssertEqual(rows[0], ["id", "label", "prediction", "target", "integrated-gradients_completeness_error"])
        XCTAssertEqual(rows.dropFirst().map { $0[0] }, ids.map(String.init))
        XCTAssertEqual(rows.dropFirst().map { $0[2] }, result.predictions.map(String.init))
        XCTAssertEqual(
            Set(try outputFiles(output).keys),
            ["gradient.npy", "integrated-gradients.npy", "ids.npy", "examples.csv", "attributions.html"])
    }

    /// The invariance test on a trained mlp comes out as theory predicts: exact compensation
    /// keeps the outputs, no compensation does not, and every method's verdict is the expected one.
    func testInvarianceComesOutAsTheoryPredicts() throws {
        let data = try syntheticData(classes: 3, perClass: 10)
        var configuration = InvarianceWorkflow.Configuration(data: data)
        configuration.models = ["mlp"]
        configuration.hidden = "8"
        configuration.batchSize = 16
        configuration.examples = 4
        configuration.methods.steps = 8
        configuration.methods.samples = 4
        let result = try InvarianceWorkflow(configuration).run(progress: SilentProgress())
        XCTAssertEqual(
            result.outputRows.map { [$0[1].written, $0[4].written] },
            [["none", "0"], ["uniform-bias", "1"], ["exact", "1"]])
        XCTAssertFalse(result.outcomes.isEmpty)
        XCTAssertTrue(result.outcomes.allSatisfy(\.result.asExpected), "\(result.lines)")
        XCTAssertEqual(result.lines.last, "every outcome is as theory predicts")
        let output = folder.appendingPathComponent("invariance")
        XCTAssertEqual(try result.write(to: output), ["invariance.csv", "output-check.csv", "models/"])
        XCTAssertEqual(try csvRows(output.appendingPathComponent("invariance.csv")).count, result.outcomes.count + 1)
    }

    /// A tiny ROAR run: the base model's row and one row per cell; resuming it trains nothing
    /// and writes the same roar.csv.
    func testRemoveAndRetrainResumesToTheSameTable() throws {
        let data = try syntheticData(classes: 3, perClass: 20)
        var configuration = RoarWorkflow.Configuration(
            data: data, model: ModelRecipe(model: "mlp", hidden: "8", epochs: 1), methods: ["gradient", "random"],
            threads: 2, output: folder.appendingPathComponent("roar"))
        configuration.percents = [50]
        configuration.modes = [.roar]
        configuration.retrains = 1
        var tables: [Data] = []
        for _ in 0..<2 {
            let result = try RoarWorkflow(configuration).run(progress: SilentProgress())
            XCTAssertEqual(result.result.cells.count, 2)
            _ = try result.write(to: result.folder)
            tables.append(try Data(contentsOf: result.folder.appendingPathComponent("roar.csv")))
            if tables.count == 2 { XCTAssertEqual(result.result.trainedRetrains, 0) }
        }
        XCTAssertEqual(tables[0], tables[1])
        XCTAssertEqual(String(decoding: tables[0], as: UTF8.self).split(whereSeparator: \.isNewline).count, 4)
    }
}
