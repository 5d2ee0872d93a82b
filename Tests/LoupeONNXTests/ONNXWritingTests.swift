import Foundation
import XCTest

@testable import LoupeONNX

final class ONNXWritingTests: XCTestCase {
    /// The written bytes are those of `Fixtures/format/written-matmul-add-relu.onnx`, a file
    /// checked once with the reference implementations:
    ///
    ///     python3 -c "import onnx; onnx.checker.check_model('written-matmul-add-relu.onnx', full_check=True)"
    ///     python3 -c "import onnxruntime as r, numpy as np; s = r.InferenceSession('written-matmul-add-relu.onnx');
    ///         print(s.run(None, {'x': np.array([[1, 2, 3, 4], [0.5, -1, 2, -0.25]], np.float32)})[0].tolist())"
    ///
    /// (onnx 1.23.2: no error; onnxruntime 1.32.0: the outputs in `onnxruntimeOutput`). To write the
    /// fixture again after a deliberate change: `LOUPE_WRITE_ONNX_FIXTURES=1 swift test --filter ONNXWritingTests`.
    func testTheWrittenFileIsTheOneOnnxAndOnnxruntimeChecked() throws {
        let url = FormatFixtures.url("written-matmul-add-relu.onnx")
        if ProcessInfo.processInfo.environment["LOUPE_WRITE_ONNX_FIXTURES"] != nil {
            try FormatFixtures.matMulAddRelu.write(to: url)
        }
        XCTAssertEqual(FormatFixtures.matMulAddRelu.serialized(), Array(try Data(contentsOf: url)))
        XCTAssertEqual(try ONNXModel(contentsOf: url), FormatFixtures.matMulAddRelu)
    }

    /// What onnxruntime computed from the fixture for x = [[1, 2, 3, 4], [0.5, -1, 2, -0.25]]; a
    /// naive evaluation of relu(x W + b) gives the same, so the file means what the model says.
    func testOnnxruntimeOutputIsTheModelsMeaning() throws {
        let model = FormatFixtures.matMulAddRelu
        let w = try XCTUnwrap(model.graph.initializers["W"]).floats
        guard case .tensor(let b)? = model.graph.nodes[0].attributes["value"] else { return XCTFail("no bias") }
        let x: [[Float]] = [[1, 2, 3, 4], [0.5, -1, 2, -0.25]]
        let naive = x.map { row in
            (0..<3).map { j in max(0, (0..<4).reduce(b.floats[j]) { $0 + row[$1] * w[$1 * 3 + j] }) }
        }
        for (computed, expected) in zip(naive.joined(), FormatFixtures.onnxruntimeOutput.joined()) {
            XCTAssertEqual(computed, expected, accuracy: 1e-6)
        }
    }

    func testRoundTripKeepsEveryTypeAttributeAndDeclaration() throws {
        let model = FormatFixtures.everyKind
        let read = try ONNXModel(serialized: model.serialized(), source: "m.onnx", externalDataFolder: nil)
        XCTAssertEqual(read, model)
        XCTAssertEqual(read.graph.initializers["f16"]?.floats, [0.5, -2, 1024, 0])
    }

    func testWriteThenReadFromDiskGivesTheSameModel() throws {
        let folder = try FormatFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("model.onnx")
        try FormatFixtures.everyKind.write(to: url)
        XCTAssertEqual(try ONNXModel(contentsOf: url), FormatFixtures.everyKind)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["model.onnx"])
    }

    /// Half-precision tensors are rounded from the floats: float16 as `Float16(_:)` rounds, and
    /// bfloat16 to nearest with ties to even (1 + 2^-8 is halfway between 1 and 1 + 2^-7), as
    /// PyTorch does: `torch.tensor([0.1, 1 + 2**-8, 1 + 3 * 2**-8, -65520, 3.4e38]).bfloat16().tolist()`
    /// is `[0.10009765625, 1.0, 1.015625, -65536.0, inf]`.
    func testHalfPrecisionTensorsAreRounded() throws {
        let values: [Float] = [0.1, 1 + 0x1p-8, 1 + 3 * 0x1p-8, -65520, 3.4e38]
        let model = FormatFixtures.model(initializers: [
            ONNXTensor(name: "h", shape: [5], floats: values, dataType: .float16),
            ONNXTensor(name: "b", shape: [5], floats: values, dataType: .bfloat16),
        ])
        let read = try ONNXModel(serialized: model.serialized(), source: "m.onnx", externalDataFolder: nil)
        XCTAssertEqual(read.graph.initializers["h"]?.floats, values.map { Float(Float16($0)) })
        XCTAssertEqual(read.graph.initializers["b"]?.floats, [0.10009765625, 1, 1.015625, -65536, .infinity])
        // Raw bytes: 0.1 in float16 is 0x2E66, little-endian.
        let proto = ONNXTensor(name: "h", shape: [1], floats: [0.1], dataType: .float16).proto
        XCTAssertEqual(Array(proto.rawData), [0x66, 0x2E])
    }

    /// A tensor whose values do not fill its shape is refused, and the target is untouched.
    func testWriteRefusesATensorWithTheWrongNumberOfValuesAndWritesNothing() throws {
        let folder = try FormatFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("bad.onnx")
        let model = FormatFixtures.model(initializers: [ONNXTensor(name: "w", shape: [2, 3], floats: [1, 2])])
        XCTAssertThrowsError(try model.write(to: url)) {
            XCTAssertEqual("\($0)", "bad.onnx: initializer 'w' holds 2 floats for shape [2, 3]")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), [])
    }
}

/// The models and files the format tests share.
enum FormatFixtures {
    /// A file of `Fixtures/format/`.
    static func url(_ name: String) -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/format/\(name)")
    }

    static func temporaryFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-onnx-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    /// y = relu(x W + b), W an initializer, b a Constant node's value.
    static var matMulAddRelu: ONNXModel {
        let weights = ONNXTensor(name: "W", shape: [4, 3], floats: (0..<12).map { Float($0 - 5) / 8 })
        let bias = ONNXTensor(name: "b", shape: [3], floats: [0.5, -0.25, 0.125])
        let graph = ONNXGraph(
            name: "matmul_add_relu",
            nodes: [
                ONNXNode(
                    name: "bias", opType: "Constant", inputs: [], outputs: ["b"], attributes: ["value": .tensor(bias)]),
                ONNXNode(name: "matmul", opType: "MatMul", inputs: ["x", "W"], outputs: ["xW"]),
                ONNXNode(name: "add", opType: "Add", inputs: ["xW", "b"], outputs: ["z"]),
                ONNXNode(name: "relu", opType: "Relu", inputs: ["z"], outputs: ["y"]),
            ],
            initializers: ["W": weights], inputs: [ONNXValueInfo(name: "x", shape: [.symbolic("batch"), .fixed(4)])],
            outputs: [ONNXValueInfo(name: "y", shape: [.symbolic("batch"), .fixed(3)])])
        return ONNXModel(irVersion: 8, opsetVersion: 17, producer: "loupe tests", graph: graph)
    }

    /// onnxruntime's output for `matMulAddRelu` (see `testTheWrittenFileIsTheOneOnnxAndOnnxruntimeChecked`).
    static let onnxruntimeOutput: [[Float]] = [[1.75, 2.25, 3.875], [0.5625, 0.0, 0.5]]

    /// One input passed through a node, with `initializers` beside it.
    static func model(initializers: [ONNXTensor], opset: Int = 17) -> ONNXModel {
        ONNXModel(
            irVersion: 8, opsetVersion: opset, producer: "loupe",
            graph: ONNXGraph(
                name: "g", nodes: [ONNXNode(name: "n", opType: "Identity", inputs: ["x"], outputs: ["y"])],
                initializers: Dictionary(uniqueKeysWithValues: initializers.map { ($0.name, $0) }),
                inputs: [ONNXValueInfo(name: "x", shape: [.fixed(2)])], outputs: [ONNXValueInfo(name: "y", shape: nil)])
        )
    }

    /// Every element type, attribute kind and form of declaration the format layer handles.
    static var everyKind: ONNXModel {
        let tensors = [
            ONNXTensor(name: "f32", shape: [2, 2], floats: [1.5, -0.25, .infinity, -0.0]),
            ONNXTensor(name: "f64", shape: [2], floats: [0.1, -1e30], dataType: .double),
            ONNXTensor(name: "f16", shape: [4], floats: [0.5, -2, 1024, 0], dataType: .float16),
            ONNXTensor(name: "bf16", shape: [2], floats: [1.5, -3], dataType: .bfloat16),
            ONNXTensor(name: "i8", shape: [3], integers: [-128, 0, 127], dataType: .int8),
            ONNXTensor(name: "u8", shape: [3], integers: [0, 1, 255], dataType: .uint8),
            ONNXTensor(name: "i32", shape: [2], integers: [-2_147_483_648, 7], dataType: .int32),
            ONNXTensor(name: "i64", shape: [], integers: [Int64.min]),
            ONNXTensor(name: "b", shape: [2, 1], integers: [1, 0], dataType: .bool),
            ONNXTensor(name: "empty", shape: [0, 3], floats: []),
        ]
        var model = model(initializers: tensors, opset: 20)
        model.graph.nodes.append(
            ONNXNode(
                name: "custom", opType: "Everything", domain: "loupe.test", inputs: ["y", "", "f32"],
                outputs: ["z", ""],
                attributes: [
                    "f": .float(-0.5), "i": .int(-3), "s": .string("héllo"), "floats": .floats([1, 2.5]),
                    "ints": .ints([-1, 0, 1 << 40]), "strings": .strings(["a", ""]),
                    "t": .tensor(ONNXTensor(name: "", shape: [1], integers: [9], dataType: .int32)),
                ]))
        model.graph.outputs.append(ONNXValueInfo(name: "z", elementType: nil, shape: [.symbolic(""), .fixed(0)]))
        model.graph.valueInfos = [
            ONNXValueInfo(name: "y", elementType: .float16, shape: [.symbolic("n")]),
            ONNXValueInfo(name: "f32", elementType: nil, shape: nil),
        ]
        return model
    }
}
