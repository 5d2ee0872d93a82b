import LoupeNN
import LoupeTensor
import XCTest

@testable import LoupeONNX

/// Graphs built by hand, converted, and checked against naive evaluation or against the
/// equivalent Loupe architecture written out directly.
final class GraphConversionTests: XCTestCase {
    /// Deterministic values in [-1, 1).
    static func values(_ count: Int, seed: Int) -> [Float] {
        (0..<count).map { Float((($0 + 1) * 7919 + seed * 104_729) % 2000) / 1000 - 1 }
    }

    static func tensor(_ name: String, _ shape: [Int], seed: Int) -> ONNXTensor {
        ONNXTensor(name: name, shape: shape, floats: values(shape.reduce(1, *), seed: seed))
    }

    static func model(
        _ nodes: [ONNXNode], initializers: [ONNXTensor], input: [Int], output: String = "y", opset: Int = 17
    ) -> ONNXModel {
        ONNXModel(
            irVersion: 8, opsetVersion: opset, producer: "test",
            graph: ONNXGraph(
                name: "g", nodes: nodes,
                initializers: Dictionary(uniqueKeysWithValues: initializers.map { ($0.name, $0) }),
                inputs: [ONNXValueInfo(name: "x", shape: [.symbolic("N")] + input.map { .fixed($0) })],
                outputs: [ONNXValueInfo(name: output, shape: nil)]))
    }

    func testGemmWithEitherWeightLayoutAlphaAndBetaIsALinearLayer() throws {
        // y = alpha * x B' + beta * C, checked against the sum written out.
        let x = Self.values(2 * 3, seed: 1)
        let c = Self.tensor("c", [4], seed: 3)
        for transB in [0, 1] {
            let b = Self.tensor("fc.weight", transB == 1 ? [4, 3] : [3, 4], seed: 2)
            let onnx = Self.model(
                [
                    ONNXNode(
                        name: "gemm", opType: "Gemm", inputs: ["x", "fc.weight", "c"], outputs: ["y"],
                        attributes: ["transB": .int(transB), "alpha": .float(0.5), "beta": .float(2)])
                ], initializers: [b, c], input: [3])
            let imported = try ImportedModel(converting: onnx, source: "m.onnx", name: "m")
            XCTAssertEqual(imported.model.architecture.layers, [.linear(name: "fc", outputFeatures: 4, bias: true)])
            let logits = imported.model.logits(Tensor(shape: [2, 3], scalars: x))
            for row in 0..<2 {
                for j in 0..<4 {
                    var sum: Float = 0
                    for k in 0..<3 {
                        sum += x[row * 3 + k] * (transB == 1 ? b.floats[j * 3 + k] : b.floats[k * 4 + j])
                    }
                    XCTAssertEqual(logits.scalars[row * 4 + j], 0.5 * sum + 2 * c.floats[j], accuracy: 1e-5)
                }
            }
        }
    }

    func testMatMulAndConstantAddBecomeOneLinearLayerAndAFinalSoftmaxIsRemoved() throws {
        let w = Self.tensor("w", [6, 2], seed: 4)
        let b = Self.tensor("b", [2], seed: 5)
        let onnx = Self.model(
            [
                ONNXNode(name: "flat", opType: "Flatten", inputs: ["x"], outputs: ["f"]),
                ONNXNode(name: "mm", opType: "MatMul", inputs: ["f", "w"], outputs: ["m"]),
                ONNXNode(name: "add", opType: "Add", inputs: ["m", "b"], outputs: ["z"]),
                ONNXNode(
                    name: "leaky", opType: "LeakyRelu", inputs: ["z"], outputs: ["l"],
                    attributes: ["alpha": .float(0.2)]),
                ONNXNode(name: "soft", opType: "Softmax", inputs: ["l"], outputs: ["y"], attributes: ["axis": .int(1)]),
            ], initializers: [w, b], input: [1, 2, 3])
        let imported = try ImportedModel(converting: onnx, source: "m.onnx", name: "m")
        XCTAssertEqual(
            imported.model.architecture.layers,
            [.flatten, .linear(name: "fc1", outputFeatures: 2, bias: true), .leakyReLU(slope: 0.2)])
        XCTAssertEqual(imported.notes, ["the final Softmax was removed: Loupe's models output logits"])
        let x = Self.values(6, seed: 6)
        let logits = imported.model.logits(Tensor(shape: [1, 1, 2, 3], scalars: x))
        for j in 0..<2 {
            let z = (0..<6).reduce(b.floats[j]) { $0 + x[$1] * w.floats[$1 * 2 + j] }
            XCTAssertEqual(logits.scalars[j], z > 0 ? z : 0.2 * z, accuracy: 1e-5)
        }
    }

    /// A stem, one residual block with a projection shortcut, one with the identity, global
    /// pooling by ReduceMean and the older exporters' shape arithmetic before the classifier.
    func residualGraph() -> ONNXModel {
        var initializers = [
            Self.tensor("stem.weight", [4, 2, 3, 3], seed: 10),
            Self.tensor("a.conv.weight", [6, 4, 3, 3], seed: 11),
            Self.tensor("a.proj.weight", [6, 4, 1, 1], seed: 12),
            Self.tensor("b.conv.weight", [6, 6, 3, 3], seed: 13),
            Self.tensor("fc.weight", [3, 6], seed: 14), Self.tensor("fc.bias", [3], seed: 15),
            ONNXTensor(name: "axes", shape: [2], integers: [-2, -1]),
        ]
        for (index, name) in ["a.bn", "b.bn"].enumerated() {
            initializers += [
                Self.tensor("\(name).weight", [6], seed: 20 + index),
                Self.tensor("\(name).bias", [6], seed: 30 + index),
                Self.tensor("\(name).running_mean", [6], seed: 40 + index),
                ONNXTensor(
                    name: "\(name).running_var", shape: [6], floats: Self.values(6, seed: 50 + index).map { $0 + 1.5 }),
            ]
        }
        func bn(_ name: String, _ input: String, _ output: String) -> ONNXNode {
            ONNXNode(
                name: name, opType: "BatchNormalization",
                inputs: [input, "\(name).weight", "\(name).bias", "\(name).running_mean", "\(name).running_var"],
                outputs: [output], attributes: ["epsilon": .float(1e-3)])
        }
        let pads: [String: ONNXAttribute] = ["pads": .ints([1, 1, 1, 1])]
        let nodes = [
            ONNXNode(name: "stem", opType: "Conv", inputs: ["x", "stem.weight"], outputs: ["s"], attributes: pads),
            ONNXNode(name: "stem_relu", opType: "Relu", inputs: ["s"], outputs: ["s1"]),
            ONNXNode(
                name: "a.conv", opType: "Conv", inputs: ["s1", "a.conv.weight"], outputs: ["a1"],
                attributes: ["pads": .ints([1, 1, 1, 1]), "strides": .ints([2, 2])]),
            bn("a.bn", "a1", "a2"),
            ONNXNode(
                name: "a.proj", opType: "Conv", inputs: ["s1", "a.proj.weight"], outputs: ["p"],
                attributes: ["strides": .ints([2, 2])]),
            ONNXNode(name: "a.add", opType: "Add", inputs: ["p", "a2"], outputs: ["a3"]),
            ONNXNode(name: "a.relu", opType: "Relu", inputs: ["a3"], outputs: ["a4"]),
            ONNXNode(
                name: "b.conv", opType: "Conv", inputs: ["a4", "b.conv.weight"], outputs: ["b1"], attributes: pads),
            bn("b.bn", "b1", "b2"),
            ONNXNode(name: "b.add", opType: "Add", inputs: ["a4", "b2"], outputs: ["b3"]),
            ONNXNode(name: "b.relu", opType: "Relu", inputs: ["b3"], outputs: ["b4"]),
            ONNXNode(name: "mean", opType: "ReduceMean", inputs: ["b4", "axes"], outputs: ["g"]),
            ONNXNode(name: "shape", opType: "Shape", inputs: ["g"], outputs: ["sh"]),
            ONNXNode(
                name: "zero", opType: "Constant", inputs: [], outputs: ["i0"],
                attributes: ["value": .tensor(ONNXTensor(name: "", shape: [], integers: [0]))]),
            ONNXNode(name: "gather", opType: "Gather", inputs: ["sh", "i0"], outputs: ["n"]),
            ONNXNode(
                name: "unsq", opType: "Unsqueeze", inputs: ["n"], outputs: ["n1"], attributes: ["axes": .ints([0])]),
            ONNXNode(
                name: "minus", opType: "Constant", inputs: [], outputs: ["m1"], attributes: ["value_ints": .ints([-1])]),
            ONNXNode(
                name: "concat", opType: "Concat", inputs: ["n1", "m1"], outputs: ["target"],
                attributes: ["axis": .int(0)]),
            ONNXNode(name: "reshape", opType: "Reshape", inputs: ["g", "target"], outputs: ["f"]),
            ONNXNode(
                name: "fc", opType: "Gemm", inputs: ["f", "fc.weight", "fc.bias"], outputs: ["y"],
                attributes: ["transB": .int(1)]),
        ]
        return Self.model(nodes, initializers: initializers, input: [2, 8, 8])
    }

    func testResidualBlocksBecomeLoupeResidualBlocksWithPyTorchNames() throws {
        let onnx = residualGraph()
        let imported = try ImportedModel(converting: onnx, source: "r.onnx", name: "r")
        let conv = { (name: String, out: Int, kernel: Int, stride: Int, padding: Int) in
            LayerDescription.conv2d(
                name: name, outputChannels: out, kernelSize: kernel, stride: stride, padding: padding, bias: false)
        }
        let expected: [LayerDescription] = [
            conv("stem", 4, 3, 1, 1), .activation(.relu),
            .residual(
                body: [conv("a.conv", 6, 3, 2, 1), .batchNorm(name: "a.bn", epsilon: 1e-3)],
                shortcut: [conv("a.proj", 6, 1, 2, 0)]),
            .residual(body: [conv("b.conv", 6, 3, 1, 1), .batchNorm(name: "b.bn", epsilon: 1e-3)], shortcut: nil),
            .globalAvgPool, .linear(name: "fc", outputFeatures: 3, bias: true),
        ]
        XCTAssertEqual(imported.model.architecture.layers, expected)
        // The tensors keep their ONNX (PyTorch state-dict) names.
        XCTAssertEqual(
            Set(imported.model.parameters.keys).union(imported.model.buffers.keys),
            Set(onnx.graph.initializers.keys).subtracting(["axes"]))
        for (name, tensor) in imported.model.parameters {
            XCTAssertEqual(tensor.scalars, onnx.graph.initializers[name]!.floats, name)
        }
    }

    func testResidualLogitsEqualANaiveEvaluationOfTheGraph() throws {
        let onnx = residualGraph()
        let imported = try ImportedModel(converting: onnx, source: "r.onnx", name: "r")
        let x = Self.values(2 * 2 * 8 * 8, seed: 77)
        let logits = imported.model.logits(Tensor(shape: [2, 2, 8, 8], scalars: x))
        let reference = NaiveGraphEvaluation(onnx.graph).run(x, batch: 2, shape: [2, 8, 8])
        XCTAssertEqual(logits.shape, [2, 3])
        for (a, b) in zip(logits.scalars, reference) { XCTAssertEqual(a, b, accuracy: 1e-4 * max(1, abs(b))) }
    }

    func testAConstantPassedThroughIdentityIsStillAConstant() throws {
        // The older exporter shares equal folded biases through Identity nodes.
        var onnx = residualGraph()
        onnx.graph.initializers["shared"] = Self.tensor("shared", [4], seed: 60)
        onnx.graph.nodes.insert(
            ONNXNode(name: "copy", opType: "Identity", inputs: ["shared"], outputs: ["bias"]), at: 0)
        onnx.graph.nodes[1].inputs.append("bias")
        let model = try ImportedModel(converting: onnx, source: "m.onnx", name: "m").model
        XCTAssertEqual(model.parameters["stem.bias"]?.scalars, onnx.graph.initializers["shared"]!.floats)
        let x = Self.values(2 * 8 * 8, seed: 3)
        let reference = NaiveGraphEvaluation(onnx.graph).run(x, batch: 1, shape: [2, 8, 8])
        for (a, b) in zip(model.logits(Tensor(shape: [1, 2, 8, 8], scalars: x)).scalars, reference) {
            XCTAssertEqual(a, b, accuracy: 1e-4 * max(1, abs(b)))
        }
    }

    // MARK: Errors: one line naming the node

    func convert(_ onnx: ONNXModel) -> String {
        do {
            _ = try ImportedModel(converting: onnx, source: "m.onnx", name: "m")
            return "converted"
        } catch { return error.description }
    }

    func testAnUnsupportedOperatorIsNamedWithItsOpsetBeforeAnyWork() {
        var onnx = residualGraph()
        onnx.graph.nodes[1].opType = "Selu"
        XCTAssertEqual(
            convert(onnx),
            "m.onnx: Selu node 'stem_relu': op type Selu (opset 17) is not supported; Loupe imports "
                + SupportedOperators.list)
        onnx = residualGraph()
        onnx.opsetVersion = 11
        XCTAssertEqual(convert(onnx), "m.onnx: opset 11 is not supported (Loupe imports opsets 13 to 20)")
    }

    func testGraphsLoupeCannotRepresentFailOnTheNodeThatDoesNotFit() {
        var onnx = residualGraph()
        onnx.graph.nodes[6].opType = "Sigmoid"  // the Add's Relu
        XCTAssertEqual(
            convert(onnx),
            "m.onnx: Add node 'a.add': a residual sum must be followed by Relu (Loupe's residual block is relu(body + shortcut))"
        )
        onnx = residualGraph()
        onnx.graph.nodes[2].attributes["group"] = .int(2)
        XCTAssertEqual(convert(onnx), "m.onnx: Conv node 'a.conv': grouped convolutions are not supported (group 2)")
        onnx = residualGraph()
        onnx.graph.nodes[0].attributes["pads"] = .ints([1, 1, 0, 0])
        XCTAssertEqual(convert(onnx), "m.onnx: Conv node 'stem': pads [1, 1, 0, 0] are not one padding on every side")
        onnx = residualGraph()
        onnx.graph.nodes[0].attributes["dilations"] = .ints([2, 2])
        XCTAssertEqual(convert(onnx), "m.onnx: Conv node 'stem': dilated windows are not supported")
        onnx = residualGraph()
        onnx.graph.initializers["fc.weight"] = Self.tensor("fc.weight", [3, 5], seed: 1)
        XCTAssertEqual(
            convert(onnx),
            "m.onnx: Gemm node 'fc': takes 5 features but its input has shape [6] (flatten first)")
        onnx = residualGraph()
        onnx.graph.nodes.append(ONNXNode(name: "extra", opType: "Relu", inputs: ["s1"], outputs: ["e"]))
        XCTAssertEqual(
            convert(onnx),
            "m.onnx: value 's1' feeds 3 nodes; Loupe imports chains and two-way residual blocks")
    }

    func testWeightsHoldingNaNOrInfinityAreRefusedByName() {
        for bad in [Float.nan, .infinity] {
            var onnx = residualGraph()
            onnx.graph.initializers["fc.bias"]!.floats[1] = bad
            XCTAssertEqual(convert(onnx), "m.onnx: fc.bias holds NaN or infinity")
        }
    }

    func testTheInputMustHaveFixedSizesButTheBatch() {
        var onnx = residualGraph()
        onnx.graph.inputs[0].shape = [.symbolic("N"), .fixed(2), .symbolic("H"), .fixed(8)]
        XCTAssertEqual(convert(onnx), "m.onnx: input 'x': dimension 2 must be a fixed positive size")
        onnx = residualGraph()
        onnx.graph.inputs[0].shape = [.fixed(1), .fixed(2), .fixed(8), .fixed(8)]
        XCTAssertEqual(
            try ImportedModel(converting: onnx, source: "m.onnx", name: "m").notes,
            ["the file fixes the batch size at 1; Loupe runs any batch size"])
    }
}
