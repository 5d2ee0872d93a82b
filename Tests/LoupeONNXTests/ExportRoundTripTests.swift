import LoupeNN
import LoupeTensor
import XCTest

@testable import LoupeONNX

/// Export then import gives back the same network: the same layers, tensors and logits.
final class ExportRoundTripTests: XCTestCase {
    static func images(_ shape: [Int], count: Int) -> Tensor {
        Tensor(
            shape: [count] + shape,
            scalars: GraphConversionTests.values(count * shape.reduce(1, *), seed: 9).map { ($0 + 1) / 2 })
    }

    /// Built-in architectures, with per-channel normalisation, leaky ReLU, average pooling and
    /// batch norm with a non-default epsilon; BN buffers made non-trivial.
    static func architectures() -> [Architecture] {
        var resnet = Architecture.builtin("resnet-mini", inputShape: [3, 8, 8], classes: 5)!
        resnet.layers.insert(.normalize(mean: [0.4, 0.5, 0.6], std: [0.2, 0.25, 0.3]), at: 0)
        let pooled = Architecture(
            name: "pooled", inputShape: [2, 8, 8],
            layers: [
                .conv2d(name: nil, outputChannels: 4, kernelSize: 3, stride: 1, padding: 1, bias: true),
                .batchNorm(name: nil, epsilon: 1e-3), .leakyReLU(slope: 0.1), .avgPool2d(kernelSize: 2, stride: 2),
                .dropout(rate: 0.3), .activation(.tanh), .flatten, .linear(name: nil, outputFeatures: 3, bias: false),
                .activation(.sigmoid),
            ])
        return [
            Architecture.builtin("mlp", inputShape: [1, 6, 6], classes: 4, hiddenWidths: [8])!,
            Architecture.builtin("cnn", inputShape: [1, 8, 8], classes: 4, hiddenWidths: [16])!, resnet, pooled,
        ]
    }

    static func trained(_ architecture: Architecture) throws -> Model {
        var model = try Model(architecture: architecture, seed: 3)
        for (name, tensor) in model.buffers {
            model.buffers[name] = tensor.map { name.hasSuffix("var") ? 1.5 + $0 / 4 : 0.1 }
        }
        return model
    }

    func testExportThenImportGivesTheSameNetworkAndLogits() throws {
        for architecture in Self.architectures() {
            let model = try Self.trained(architecture)
            let onnx = try ONNXModel(exporting: model)
            XCTAssertEqual(onnx.opsetVersion, 17)
            let back = try ImportedModel(converting: onnx, source: "x.onnx", name: architecture.name).model
            XCTAssertEqual(back.parameters, model.parameters, architecture.name)
            XCTAssertEqual(back.buffers, model.buffers, architecture.name)
            let images = Self.images(architecture.inputShape, count: 3)
            // The same layers (dropout aside: the export is an inference graph), so the same bits.
            XCTAssertEqual(back.logits(images).scalars, model.logits(images).scalars, architecture.name)
            let withoutDropout = architecture.layers.filter { if case .dropout = $0 { false } else { true } }
            XCTAssertEqual(
                try Architecture(name: "", inputShape: architecture.inputShape, layers: withoutDropout).build()
                    .description,
                back.network.description, architecture.name)
        }
    }

    func testInt8WeightsExportAsCodesBehindDequantizeLinearAndImportAsTheirValues() throws {
        let model = try Self.trained(Self.architectures()[1])
        // Per-channel codes of every weight: q = round(w / s), s = max|w| / 127, as Loupe's
        // int8-channel quantizer computes them; the model holding s * q is what it evaluates.
        var codes: [String: (values: [Int8], scales: [Float])] = [:]
        var dequantized = model
        for (name, tensor) in model.parameters where name.hasSuffix("weight") {
            let channels = tensor.shape[0]
            let inner = tensor.count / channels
            var values = [Int8](repeating: 0, count: tensor.count)
            var scales = [Float](repeating: 0, count: channels)
            var rounded = tensor.scalars
            for c in 0..<channels {
                let largest = tensor.scalars[(c * inner)..<((c + 1) * inner)].map(abs).max()!
                scales[c] = largest / 127
                for i in (c * inner)..<((c + 1) * inner) {
                    values[i] = Int8((tensor.scalars[i] / scales[c]).rounded())
                    rounded[i] = scales[c] * Float(values[i])
                }
            }
            codes[name] = (values, scales)
            dequantized.parameters[name] = Tensor(shape: tensor.shape, scalars: rounded)
        }
        let onnx = try ONNXModel(exporting: dequantized, weights: .int8(codes: codes, inputRanges: [:]))
        XCTAssertEqual(onnx.graph.initializers["conv1.weight.int8"]?.dataType, .int8)
        XCTAssertEqual(onnx.graph.nodes.filter { $0.opType == "DequantizeLinear" }.count, codes.count)
        let back = try ImportedModel(converting: onnx, source: "q.onnx", name: "q").model
        XCTAssertEqual(back.parameters, dequantized.parameters)
        let images = Self.images([1, 8, 8], count: 2)
        XCTAssertEqual(back.logits(images).scalars, dequantized.logits(images).scalars)
    }

    func testInt8InputRoundingIsAQuantizeDequantizePairThatImportRemovesWithANote() throws {
        let model = try Self.trained(Self.architectures()[0])
        let onnx = try ONNXModel(
            exporting: model, weights: .int8(codes: [:], inputRanges: ["fc1": (scale: 0.01, zeroPoint: -3)]))
        let pair = onnx.graph.nodes.filter { $0.opType.hasSuffix("Linear") }
        XCTAssertEqual(pair.map(\.opType), ["QuantizeLinear", "DequantizeLinear"])
        XCTAssertEqual(onnx.graph.initializers["fc1.input_zero_point"]?.integers, [-3])
        let imported = try ImportedModel(converting: onnx, source: "q.onnx", name: "q")
        XCTAssertEqual(
            imported.notes,
            ["activation QuantizeLinear/DequantizeLinear pairs were removed: imported layers compute in float"])
        XCTAssertEqual(imported.model.parameters, model.parameters)
    }

    func testFloat16WeightsAreHalfInitializersCastToFloat() throws {
        let model = try Self.trained(Self.architectures()[0])
        let onnx = try ONNXModel(exporting: model, weights: .float16)
        XCTAssertEqual(
            Set(onnx.graph.initializers.values.map(\.dataType)), [.float16])
        XCTAssertEqual(onnx.graph.nodes.filter { $0.opType == "Cast" }.count, model.parameters.count)
        let back = try ImportedModel(converting: onnx, source: "h.onnx", name: "h").model
        XCTAssertEqual(back.parameters, model.parameters)  // rounding to half happens when written

        // A weight beyond ±65504 became infinite in the file, which import then refused.
        var large = model
        let name = model.parameterNames[0]
        var scalars = model.parameters[name]!.scalars
        scalars[0] = 70_000
        large.parameters[name] = Tensor(shape: model.parameters[name]!.shape, scalars: scalars)
        XCTAssertThrowsError(try ONNXModel(exporting: large, weights: .float16)) {
            XCTAssertTrue("\($0)".contains("\(name) holds values beyond float16's range (±65504)"), "\($0)")
        }
        XCTAssertNoThrow(try ONNXModel(exporting: large, weights: .float32))
    }
}
