import Foundation
import LoupeCompress
import LoupeData
import LoupeNN
import LoupeONNX
import LoupeSupport
import LoupeTensor
import LoupeWorkflows
import XCTest

/// `loupe audit --models`: the user's trained models (here: trained by Loupe, exported to
/// ONNX as a PyTorch user would hand them over) are the dense population; the compressed
/// populations are derived from them.
final class AuditGivenModelsTests: WorkflowTestCase {
    /// Three small trained models written as ONNX files.
    func givenModels(_ data: DataSource) throws -> [URL] {
        let splits = try data.load().splits
        return try (0..<3).map { index in
            var configuration = TrainingConfiguration()
            configuration.epochs = 1
            configuration.seed = UInt64(40 + index)
            var trainer = try Trainer(
                model: try Model(
                    architecture: try ModelRecipe(model: "mlp", hidden: "8").architecture(for: splits.train),
                    seed: UInt64(index)),
                configuration: configuration)
            try trainer.train(on: splits.train, test: nil) { _, _ in }
            let url = folder.appendingPathComponent("model-\(index).onnx")
            try ONNXModel(exporting: trainer.model).write(to: url)
            return url
        }
    }

    func testGivenModelsAreTheDensePopulationAndTheVariantsDeriveFromThem() throws {
        let data = try syntheticData(classes: 3)
        let files = try givenModels(data)
        var population = PopulationRecipe(
            model: ModelRecipe(model: "mlp"),
            variants: try PopulationRecipe.variants(parsing: "oneshot:0.5:1,int8-channel"),
            threads: 2)
        population.baseModels = files
        population.members = 7  // the given models decide
        let output = folder.appendingPathComponent("audit")
        let result = try AuditWorkflow(.init(data: data, population: population, output: output))
            .run(progress: SilentProgress())
        XCTAssertEqual(result.analyses.map(\.variant), ["oneshot-0.50-ft1", "int8-channel"])
        XCTAssertEqual(result.analyses.map(\.members), [3, 3])
        _ = try result.write(to: output)
        // Dense member i predicts what given model i predicts.
        let test = try data.load().splits.test
        for (index, file) in files.enumerated() {
            let model = try ModelFile.load(file).model
            let logits = try NPYFile.read(
                output.appendingPathComponent(String(format: "population/dense/%03d/logits.npy", index)))
            guard case .float32(let values) = logits.elements else { return XCTFail("logits are not float32") }
            XCTAssertEqual(values, model.logits(of: test).scalars, file.lastPathComponent)
        }
        // The population records the files by hash, and a different file is refused.
        let spec = String(
            decoding: try Data(contentsOf: output.appendingPathComponent("population/population.json")), as: UTF8.self)
        XCTAssertTrue(spec.contains(try SHA256.hex(ofFile: files[1])), spec)
        try ONNXModel(exporting: try Model(architecture: try ModelFile.load(files[0]).model.architecture, seed: 99))
            .write(to: files[1])
        XCTAssertThrowsError(
            try AuditWorkflow(.init(data: data, population: population, output: output)).run(progress: SilentProgress())
        ) { XCTAssertTrue("\($0)".contains("describes a different population"), "\($0)") }
    }

    func testTrainingFromScratchAndModelsOfTwoArchitecturesAreRefused() throws {
        let data = try syntheticData(classes: 3)
        var files = try givenModels(data)
        var population = PopulationRecipe(
            model: ModelRecipe(model: "mlp"), variants: try PopulationRecipe.variants(parsing: "prune:0.5"), threads: 1)
        population.baseModels = files
        let output = folder.appendingPathComponent("audit")
        XCTAssertThrowsError(
            try AuditWorkflow(.init(data: data, population: population, output: output)).run(progress: SilentProgress())
        ) {
            XCTAssertTrue(
                "\($0)".hasSuffix(
                    "variant 'prune-0.50' trains from scratch; with given models use oneshot:S[:E], oneshot-N:M[:E] or oneshot-filters:S[:E] (prune each model, fine-tune E epochs)"
                ), "\($0)")
        }
        let other = folder.appendingPathComponent("other.onnx")
        let splits = try data.load().splits
        try ONNXModel(
            exporting: try Model(
                architecture: try ModelRecipe(model: "mlp", hidden: "6").architecture(for: splits.train), seed: 1)
        ).write(to: other)
        files.append(other)
        population.baseModels = files
        population.variants = [.quantized(.int8PerChannel)]
        XCTAssertThrowsError(
            try AuditWorkflow(.init(data: data, population: population, output: output)).run(progress: SilentProgress())
        ) {
            XCTAssertTrue(
                "\($0)".hasSuffix("other.onnx: has another architecture than model-0.onnx; a population shares one"),
                "\($0)")
        }
        // The same model twice (a copy under another name too) is one network, not two members.
        files.removeLast()
        let copy = folder.appendingPathComponent("copy.onnx")
        try FileManager.default.copyItem(at: files[0], to: copy)
        population.baseModels = files + [copy]
        XCTAssertThrowsError(
            try AuditWorkflow(.init(data: data, population: population, output: output)).run(progress: SilentProgress())
        ) {
            XCTAssertTrue("\($0)".contains("copy.onnx: is the same model as"), "\($0)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: output.path))
    }
}
