import Foundation
import XCTest

/// `loupe import`, `loupe export` and `.onnx` files where a checkpoint goes, through the
/// command line: outputs, and one-line errors with nothing written.
final class ONNXCommandTests: CLITestCase {
    static let zoo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("LoupeONNXTests/Fixtures/zoo")

    func copy(_ name: String, to target: String? = nil) throws -> URL {
        let url = workDirectory.appendingPathComponent(target ?? name)
        try FileManager.default.copyItem(at: Self.zoo.appendingPathComponent(name), to: url)
        return url
    }

    func testTrainExportImportAndEvalAgree() throws {
        let train = try loupe("train", "--model", "cnn", "--epochs", "1", "--threads", "1", "--out", "run")
        XCTAssertEqual(train.status, 0, train.stderr)
        let export = try loupe("export", "run/model.safetensors", "--out", "cnn.onnx")
        XCTAssertEqual(export.status, 0, export.stderr)
        XCTAssertTrue(
            export.stdout.hasPrefix("cnn.onnx: opset 17, 11 nodes (Conv 2, Flatten 1, Gemm 2,"), export.stdout)
        let imported = try loupe("import", "cnn.onnx", "--out", "back.safetensors")
        XCTAssertEqual(imported.status, 0, imported.stderr)
        // The checkpoint, the ONNX file and its import evaluate alike.
        let results = try ["run/model.safetensors", "cnn.onnx", "back.safetensors"].map {
            try loupe("eval", "--model-file", $0, "--json", "--threads", "1")
        }
        for result in results { XCTAssertEqual(result.status, 0, result.stderr) }
        // The invariance test on the ONNX file: its first convolution's bias compensates the shift.
        let invariance = try loupe(
            "benchmark", "invariance", "--model-file", "cnn.onnx", "--examples", "4", "--threads", "1", "--out", "inv")
        XCTAssertEqual(invariance.status, 0, invariance.stderr)
        XCTAssertTrue(invariance.stdout.contains("every outcome is as theory predicts"), invariance.stdout)
        // The ONNX file's architecture trains afresh like a built-in one.
        let retrain = try loupe("train", "--model", "cnn.onnx", "--epochs", "1", "--threads", "1", "--out", "again")
        XCTAssertEqual(retrain.status, 0, retrain.stderr)
        XCTAssertTrue(
            FileManager.default.fileExists(atPath: workDirectory.appendingPathComponent("again/model.safetensors").path)
        )
        XCTAssertEqual(
            Set(
                results.map(\.stdout).map {
                    $0.replacingOccurrences(of: #""model" : "[^"]*""#, with: "", options: .regularExpression)
                }
            ).count, 1)
    }

    func testDifficultyReadsAFolderOfONNXCheckpoints() throws {
        try FileManager.default.createDirectory(
            at: workDirectory.appendingPathComponent("onnx"), withIntermediateDirectories: true)
        for epoch in 1...2 {
            _ = try loupe(
                "train", "--model", "mlp", "--hidden", "8", "--epochs", "\(epoch)", "--threads", "1", "--out",
                "t\(epoch)")
            let export = try loupe("export", "t\(epoch)/model.safetensors", "--out", "onnx/epoch-\(epoch).onnx")
            XCTAssertEqual(export.status, 0, export.stderr)
        }
        let difficulty = try loupe(
            "difficulty", "--checkpoints", "onnx", "--cl-folds", "0", "--threads", "1", "--out", "vog")
        XCTAssertEqual(difficulty.status, 0, difficulty.stderr)
        XCTAssertTrue(
            FileManager.default.fileExists(atPath: workDirectory.appendingPathComponent("vog/difficulty.csv").path))
    }

    func testBadModelsFailInOneLineAndWriteNothing() throws {
        let good = try Data(contentsOf: Self.zoo.appendingPathComponent("cnn-legacy.onnx"))
        _ = try write(good.prefix(good.count / 2), to: "truncated.onnx")
        assertFailsCleanly(
            try loupe("import", "truncated.onnx", "--out", "x.safetensors"),
            mentioning: ["truncated.onnx: not an ONNX model: truncated or corrupt protobuf"])
        // External data missing: the dynamo export without its .onnx.data.
        _ = try copy("resnet18-dynamo.onnx")
        assertFailsCleanly(
            try loupe("import", "resnet18-dynamo.onnx", "--out", "x.safetensors"),
            mentioning: ["resnet18-dynamo.onnx", "resnet18-dynamo.onnx.data"])
        // A model that does not fit the data.
        _ = try copy("resnet18-legacy.onnx")
        assertFailsCleanly(
            try loupe("eval", "--model-file", "resnet18-legacy.onnx"),
            mentioning: ["resnet18-legacy.onnx: model expects images [3, 32, 32] but mnist-5k has [1, 28, 28]"])
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: workDirectory.appendingPathComponent("x.safetensors").path))
        assertFailsCleanly(
            try loupe("export", "missing.safetensors", "--out", "y.onnx"), mentioning: ["missing.safetensors"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: workDirectory.appendingPathComponent("y.onnx").path))
    }
}
