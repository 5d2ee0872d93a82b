import Foundation
import LoupeData
import LoupeNN
import LoupeTensor
import XCTest

@testable import LoupeONNX

/// The models `scripts/onnx-zoo.py` exported from PyTorch 2.13 with both exporters: Loupe's
/// logits against onnxruntime 1.32's output on the same inputs, and input gradients against
/// PyTorch autograd (both written by the script into Fixtures/zoo; see its README).
final class ModelZooTests: XCTestCase {
    static let zoo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/zoo")

    static func array(_ name: String) throws -> NPYArray { try NPYFile.read(zoo.appendingPathComponent(name)) }

    static func floats(_ name: String) throws -> Tensor {
        let array = try array(name)
        guard case .float32(let values) = array.elements else { throw ONNXError(name, "not float32") }
        return Tensor(shape: array.shape, scalars: values)
    }

    static var files: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: zoo.path)) ?? []).filter { $0.hasSuffix(".onnx") }
            .sorted()
    }

    /// `|a - b| <= tolerance * max |b|`, element by element.
    func assertClose(_ a: Tensor, _ b: Tensor, tolerance: Float, _ message: String) {
        XCTAssertEqual(a.shape, b.shape, message)
        let scale = b.scalars.map(abs).max() ?? 0
        let worst = zip(a.scalars, b.scalars).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThanOrEqual(worst, tolerance * scale, "\(message): max difference \(worst), scale \(scale)")
    }

    func softmax(_ logits: Tensor) -> Tensor {
        let classes = logits.shape[1]
        var out = logits.scalars
        for row in 0..<logits.shape[0] {
            let slice = out[(row * classes)..<((row + 1) * classes)]
            let top = slice.max()!
            let total = slice.reduce(0) { $0 + exp(Double($1 - top)) }
            for i in slice.indices { out[i] = Float(exp(Double(out[i] - top)) / total) }
        }
        return Tensor(shape: logits.shape, scalars: out)
    }

    func testEveryZooModelImportsAndMatchesOnnxruntimeAndPyTorch() throws {
        XCTAssertEqual(Self.files.count, 12, "the zoo holds 12 exports")
        for file in Self.files {
            let stem = String(file.dropLast(".onnx".count))
            let modelName = String(stem.prefix { $0 != "-" })
            let onnx = try ONNXModel(contentsOf: Self.zoo.appendingPathComponent(file))
            let imported = try ImportedModel(converting: onnx, source: file, name: stem)
            let input = try Self.floats("\(modelName)-input.npy")
            let logits = imported.model.logits(input)
            let reference = try Self.floats("\(stem)-ort.npy")
            if modelName == "misc" {
                XCTAssertEqual(imported.notes, ["the final Softmax was removed: Loupe's models output logits"])
                assertClose(softmax(logits), reference, tolerance: 1e-4, file)
                assertClose(logits, try Self.floats("misc-logits.npy"), tolerance: 1e-4, file)
            } else {
                assertClose(logits, reference, tolerance: 1e-4, file)
            }
            guard case .int64(let targets) = try Self.array("\(modelName)-targets.npy").elements else {
                return XCTFail("targets are not int64")
            }
            let gradients = imported.model.inputGradients(input, classes: targets.map { Int($0) }).gradients
            assertClose(gradients, try Self.floats("\(modelName)-gradients.npy"), tolerance: 1e-4, file)
        }
    }

    func testPyTorchNamesSurviveAndBatchNormIsKeptWhenTheExportKeepsIt() throws {
        let file = Self.zoo.appendingPathComponent("resnet18-legacy-bn.onnx")
        let model = try ImportedModel(
            converting: try ONNXModel(contentsOf: file), source: "resnet18-legacy-bn.onnx", name: "r"
        ).model
        XCTAssertTrue(model.buffers.keys.contains("layer1.0.bn1.running_var"), "\(model.buffers.keys.sorted())")
        XCTAssertTrue(model.parameters.keys.contains("layer4.1.conv2.weight"))
        guard case .residual(let body, let shortcut) = model.architecture.layers[3] else {
            return XCTFail("\(model.architecture.layers[3])")
        }
        XCTAssertEqual(body.count, 5)  // conv, bn, relu, conv, bn
        XCTAssertNil(shortcut)
        // The dynamo export with optimize=False: the same network, its zero biases computed in
        // the graph recognised as no bias.
        let dynamo = try ImportedModel(
            converting: try ONNXModel(contentsOf: Self.zoo.appendingPathComponent("resnet18-dynamo-bn.onnx")),
            source: "resnet18-dynamo-bn.onnx", name: "r"
        ).model
        XCTAssertEqual(dynamo.architecture.layers, model.architecture.layers)
        XCTAssertEqual(dynamo.parameters, model.parameters)
    }
}
