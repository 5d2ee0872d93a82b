import Foundation
import LoupeONNX

/// ONNX models (what the commands that take an `.onnx` file read): whole files, a tensor and a
/// node mutated inside an otherwise valid model, and a model with external data.
///
/// Protobuf merges a message field that appears twice, so a graph fragment appended to a
/// model's bytes (`graph { initializer { ... } }`) adds the mutated tensor or node to the valid
/// graph: mutations then reach tensor, attribute and graph checks instead of stopping at the
/// model's framing.
extension FuzzCorpus {
    /// The names of the ONNX targets.
    static let onnxFormats: Set<String> = ["onnx", "onnx-tensor", "onnx-node", "onnx-external-data"]

    static func onnxTargets() throws -> [FuzzTarget] {
        let pyTorch = try onnxFixture("linear-relu-opset13.onnx")
        let models = [pyTorch, onnxModel.serialized(), onnxTypesModel.serialized()]
        let base = onnxModel.serialized()
        let read: (URL, URL) throws -> Void = { _, file in _ = try ONNXModel(contentsOf: file) }
        let graphFragment: @Sendable (Int, [UInt8]) -> [UInt8] = { field, message in
            base + Containers.protobufField(7, bytes: Containers.protobufField(field, bytes: message))
        }
        let dynamo = "linear-relu-dynamo.onnx"
        let model = try onnxFixture(dynamo)
        let data = try onnxFixture(dynamo + ".data")
        return [
            FuzzTarget(
                name: "onnx", seeds: models.map { .init(path: "model.onnx", bytes: $0) }, style: .binary, read: read),
            FuzzTarget(
                name: "onnx-tensor",
                seeds: onnxTensors.map { .init(path: "model.onnx", bytes: $0, wrap: { graphFragment(5, $0) }) },
                style: .binary, read: read),
            FuzzTarget(
                name: "onnx-node",
                seeds: onnxNodes.map { .init(path: "model.onnx", bytes: $0, wrap: { graphFragment(1, $0) }) },
                style: .binary, read: read),
            FuzzTarget(
                name: "onnx-external-data",
                seeds: [
                    .init(fixed: [dynamo + ".data": data], path: dynamo, bytes: model),
                    .init(fixed: [dynamo: model], path: dynamo + ".data", bytes: data),
                ], style: .binary,
                read: { folder, _ in _ = try ONNXModel(contentsOf: folder.appendingPathComponent(dynamo)) }),
        ]
    }

    /// A file PyTorch wrote (Tests/LoupeONNXTests/Fixtures/format, scripts/make-onnx-format-fixtures.py).
    static func onnxFixture(_ name: String) throws -> [UInt8] {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        return Array(try Data(contentsOf: folder.appendingPathComponent("LoupeONNXTests/Fixtures/format/\(name)")))
    }

    /// y = relu(x W + b), b a Constant node's value.
    static var onnxModel: ONNXModel {
        let bias = ONNXTensor(name: "b", shape: [3], floats: [0.5, -0.25, 0.125])
        return ONNXModel(
            irVersion: 8, opsetVersion: 17, producer: "loupe fuzz",
            graph: ONNXGraph(
                name: "g",
                nodes: [
                    ONNXNode(
                        name: "c", opType: "Constant", inputs: [], outputs: ["b"], attributes: ["value": .tensor(bias)]),
                    ONNXNode(name: "mm", opType: "MatMul", inputs: ["x", "W"], outputs: ["xW"]),
                    ONNXNode(name: "add", opType: "Add", inputs: ["xW", "b"], outputs: ["z"]),
                    ONNXNode(name: "relu", opType: "Relu", inputs: ["z"], outputs: ["y"]),
                ],
                initializers: ["W": ONNXTensor(name: "W", shape: [4, 3], floats: (0..<12).map { Float($0) / 4 })],
                inputs: [ONNXValueInfo(name: "x", shape: [.symbolic("batch"), .fixed(4)])],
                outputs: [ONNXValueInfo(name: "y", shape: [.symbolic("batch"), .fixed(3)])]))
    }

    /// Every element type and attribute kind.
    static var onnxTypesModel: ONNXModel {
        var model = onnxModel
        let tensors = [
            ONNXTensor(name: "d", shape: [2], floats: [0.1, -3], dataType: .double),
            ONNXTensor(name: "h", shape: [2, 1], floats: [0.5, 2], dataType: .float16),
            ONNXTensor(name: "bh", shape: [1], floats: [1.5], dataType: .bfloat16),
            ONNXTensor(name: "i8", shape: [2], integers: [-1, 5], dataType: .int8),
            ONNXTensor(name: "u8", shape: [2], integers: [0, 200], dataType: .uint8),
            ONNXTensor(name: "i32", shape: [1], integers: [7], dataType: .int32),
            ONNXTensor(name: "i64", shape: [], integers: [-9]),
            ONNXTensor(name: "t", shape: [3], integers: [1, 0, 1], dataType: .bool),
        ]
        for tensor in tensors { model.graph.initializers[tensor.name] = tensor }
        model.graph.nodes.append(
            ONNXNode(
                name: "all", opType: "Everything", domain: "loupe.fuzz", inputs: ["y", "", "i64"], outputs: ["o"],
                attributes: [
                    "f": .float(2), "i": .int(-1), "s": .string("s"), "fs": .floats([1, 2]), "is": .ints([3, 4]),
                    "ss": .strings(["a", "b"]), "t": .tensor(ONNXTensor(name: "", shape: [1], integers: [1])),
                ]))
        model.graph.outputs.append(ONNXValueInfo(name: "o", elementType: nil, shape: nil))
        model.graph.valueInfos = [ONNXValueInfo(name: "z", elementType: .float, shape: [.symbolic(""), .fixed(3)])]
        return model
    }

    /// TensorProtos named `extra` (unused by the model's nodes): raw data of two types, and the
    /// typed fields (packed floats, int32 holding float16 bits, int64s).
    static var onnxTensors: [[UInt8]] {
        func tensor(dims: [Int64], type: Int64, _ data: [UInt8]) -> [UInt8] {
            dims.flatMap { Containers.protobufField(1, varint: $0) } + Containers.protobufField(2, varint: type)
                + Containers.protobufField(8, bytes: Array("extra".utf8)) + data
        }
        let floats: [Float] = [1, -2, 0.5, 3, 4, 5]
        let raw = floats.flatMap { Containers.littleEndian($0.bitPattern) }
        return [
            tensor(dims: [2, 3], type: 1, Containers.protobufField(9, bytes: raw)),
            tensor(
                dims: [3], type: 7,
                Containers.protobufField(9, bytes: [1, 2, 3].flatMap { Containers.littleEndian(Int64($0)) })),
            tensor(dims: [6], type: 1, Containers.protobufField(4, bytes: raw)),
            tensor(
                dims: [2], type: 10,
                Containers.protobufField(5, bytes: Containers.varint(0x3C00) + Containers.varint(0xC000))),
            tensor(
                dims: [1, 2], type: 7,
                Containers.protobufField(7, bytes: Containers.varint(5) + Containers.varint(UInt64(bitPattern: -5)))),
        ]
    }

    /// NodeProtos reading `y` and writing `extra`: a Constant with a tensor, and a node with an
    /// attribute of every kind Loupe reads.
    static var onnxNodes: [[UInt8]] {
        func attribute(_ name: String, type: Int64, _ value: [UInt8]) -> [UInt8] {
            Containers.protobufField(
                5,
                bytes: Containers.protobufField(1, bytes: Array(name.utf8)) + value
                    + Containers.protobufField(20, varint: type))
        }
        func node(_ opType: String, inputs: [String], _ attributes: [UInt8]) -> [UInt8] {
            inputs.flatMap { Containers.protobufField(1, bytes: Array($0.utf8)) }
                + Containers.protobufField(2, bytes: Array("extra".utf8))
                + Containers.protobufField(3, bytes: Array("fuzzed".utf8))
                + Containers.protobufField(4, bytes: Array(opType.utf8)) + attributes
        }
        let tensor =
            Containers.protobufField(1, varint: 2) + Containers.protobufField(2, varint: 1)
            + Containers.protobufField(
                9, bytes: Containers.littleEndian(Float(1).bitPattern) + Containers.littleEndian(Float(-1).bitPattern))
        return [
            node("Constant", inputs: [], attribute("value", type: 4, Containers.protobufField(5, bytes: tensor))),
            node(
                "Custom", inputs: ["y", "", "W"],
                attribute("f", type: 1, Containers.protobufField(2, fixed32: Float(0.5).bitPattern))
                    + attribute("i", type: 2, Containers.protobufField(3, varint: -7))
                    + attribute("s", type: 3, Containers.protobufField(4, bytes: Array("text".utf8)))
                    + attribute("fs", type: 6, Containers.protobufField(7, fixed32: Float(1).bitPattern))
                    + attribute(
                        "is", type: 7,
                        Containers.protobufField(8, varint: 3) + Containers.protobufField(8, varint: 1 << 40))
                    + attribute("ss", type: 8, Containers.protobufField(9, bytes: Array("a".utf8)))),
        ]
    }
}
