import Foundation
import XCTest

@testable import LoupeONNX

/// Files PyTorch 2.13 wrote (scripts/make-onnx-format-fixtures.py): Linear(4, 3) + ReLU with
/// torch.manual_seed(0), through the TorchScript exporter at opset 13 and through the
/// torch.export (dynamo) exporter at opset 18 with the weights in `<name>.onnx.data`.
final class ONNXReadingPyTorchTests: XCTestCase {
    /// `print(model[0].weight.tolist())` and `print(model[0].bias.tolist())` in the script.
    static let weight: [Float] = [
        -0.003743410110473633, 0.26822179555892944, -0.4115225672721863, -0.3679695129394531,
        -0.19257718324661255, 0.13407868146896362, -0.009906589984893799, 0.39644473791122437,
        -0.04437202215194702, 0.1323062777519226, -0.15110653638839722, -0.09828269481658936,
    ]
    static let bias: [Float] = [-0.4776742458343506, -0.33114105463027954, -0.20611155033111572]

    func testTorchScriptExportAtOpset13() throws {
        let model = try ONNXModel(contentsOf: FormatFixtures.url("linear-relu-opset13.onnx"))
        XCTAssertEqual(model.irVersion, 7)
        XCTAssertEqual(model.opsetVersion, 13)
        XCTAssertEqual(model.producer, "pytorch 2.13.0")
        XCTAssertEqual(model.graph.nodes.map(\.opType), ["Gemm", "Relu"])
        XCTAssertEqual(model.graph.nodes[0].inputs, ["x", "0.weight", "0.bias"])
        XCTAssertEqual(model.graph.nodes[0].attributes, ["alpha": .float(1), "beta": .float(1), "transB": .int(1)])
        XCTAssertEqual(model.graph.nodes[1].inputs, model.graph.nodes[0].outputs)
        assertWeights(model)
        XCTAssertEqual(
            model.graph.inputs, [ONNXValueInfo(name: "x", elementType: .float, shape: [.symbolic("batch"), .fixed(4)])])
        XCTAssertEqual(
            model.graph.outputs,
            [ONNXValueInfo(name: "y", elementType: .float, shape: [.symbolic("batch"), .fixed(3)])])
    }

    func testDynamoExportWithExternalData() throws {
        let model = try ONNXModel(contentsOf: FormatFixtures.url("linear-relu-dynamo.onnx"))
        XCTAssertEqual(model.irVersion, 10)
        XCTAssertEqual(model.opsetVersion, 18)
        XCTAssertEqual(model.producer, "pytorch 2.13.0+cpu")
        XCTAssertEqual(model.graph.nodes.map(\.name), ["node_linear", "node_relu"])
        XCTAssertEqual(
            model.graph.nodes[0].attributes,
            ["alpha": .float(1), "beta": .float(1), "transA": .int(0), "transB": .int(1)])
        assertWeights(model)
        XCTAssertEqual(model.graph.inputs.map(\.shape), [[.symbolic("batch"), .fixed(4)]])
        XCTAssertEqual(model.graph.valueInfos.map(\.name), ["0.weight", "0.bias", "linear"])
        XCTAssertEqual(model.graph.valueInfos.last?.shape, [.symbolic("batch"), .fixed(3)])
    }

    /// The same bytes given without a folder cannot reach the external data.
    func testExternalDataNeedsAFolder() throws {
        let bytes = Array(try Data(contentsOf: FormatFixtures.url("linear-relu-dynamo.onnx")))
        XCTAssertThrowsError(try ONNXModel(serialized: bytes, source: "m.onnx", externalDataFolder: nil)) {
            XCTAssertEqual(
                "\($0)",
                "m.onnx: initializer '0.weight': its data is in an external file, and no folder was given to read it from"
            )
        }
    }

    func assertWeights(_ model: ONNXModel, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(
            model.graph.initializers,
            [
                "0.weight": ONNXTensor(name: "0.weight", shape: [3, 4], floats: Self.weight),
                "0.bias": ONNXTensor(name: "0.bias", shape: [3], floats: Self.bias),
            ], file: file, line: line)
    }
}
