import LoupeKernels
import LoupeNN
import XCTest

@testable import LoupeCompress
@testable import LoupeTensor

/// Integer inference on `Int8GEMM` equals, bit for bit, the naive integer arithmetic it
/// replaced: each convolution lowered in float, centred codes `q - zp` multiplied by the weight
/// codes in Int32, rescaled as `Float(acc) * (s * s_w) + b`.
final class IntegerConvolutionTests: XCTestCase {
    /// The naive integer logits of a sequential int8-full model (the previous implementation).
    private func naiveLogits(_ quantized: QuantizedModel, _ images: Tensor) -> Tensor {
        let model = quantized.model
        let tape = Tape()
        var context = model.makeContext(tape: tape, isTraining: false, trainable: false)
        var x = images
        for layer in model.network.layers {
            x = Self.naiveProduct(layer, x, quantized) ?? layer(tape.constant(x), &context).value
        }
        return x
    }

    /// `layer`'s output on `x` by naive integer arithmetic when it is a linear or convolution
    /// layer, else nil.
    fileprivate static func naiveProduct(_ layer: any Layer, _ x: Tensor, _ quantized: QuantizedModel) -> Tensor? {
        let model = quantized.model
        func centred(_ x: Tensor, _ name: String) -> (codes: [Int32], scale: Float) {
            let range = quantized.activationRanges[name]!
            return (x.scalars.map { Int32(range.code($0)) - Int32(range.zeroPoint) }, range.scale)
        }
        func dot(_ a: [Int32], _ aStart: Int, _ b: [Int32], _ bStart: Int, _ count: Int) -> Int32 {
            (0..<count).reduce(Int32(0)) { $0 &+ a[aStart + $1] &* b[bStart + $1] }
        }
        switch layer {
        case let linear as Linear:
            let (codes, scale) = centred(x, linear.name)
            let (weights, weightScales) = quantized.codes["\(linear.name).weight"]!
            let w = weights.map(Int32.init)
            let bias = model.parameters["\(linear.name).bias"]?.scalars
            let (batch, k, n) = (x.shape[0], linear.inputFeatures, linear.outputFeatures)
            var out = [Float](repeating: 0, count: batch * n)
            for b in 0..<batch {
                for j in 0..<n {
                    out[b * n + j] =
                        Float(dot(codes, b * k, w, j * k, k)) * (scale * weightScales[j]) + (bias?[j] ?? 0)
                }
            }
            return Tensor(shape: [batch, n], scalars: out)
        case let conv as Conv2d:
            let (codes, scale) = centred(x, conv.name)
            let (weights, weightScales) = quantized.codes["\(conv.name).weight"]!
            let w = weights.map(Int32.init)
            let bias = model.parameters["\(conv.name).bias"]?.scalars
            let geometry = ConvolutionGeometry(
                channels: x.shape[1], height: x.shape[2], width: x.shape[3], kernelHeight: conv.kernelSize,
                kernelWidth: conv.kernelSize, stride: conv.stride, padding: conv.padding)
            let (batch, patch) = (x.shape[0], geometry.patchSize)
            let spatial = geometry.outputHeight * geometry.outputWidth
            let imageSize = geometry.channels * geometry.height * geometry.width
            var out = [Float](repeating: 0, count: batch * conv.outputChannels * spatial)
            let asFloats = codes.map(Float.init)
            var columns = [Float](repeating: 0, count: patch * spatial)
            for b in 0..<batch {
                asFloats.withUnsafeBufferPointer { image in
                    columns.withUnsafeMutableBufferPointer {
                        geometry.im2col(image.baseAddress! + b * imageSize, into: $0.baseAddress!)
                    }
                }
                let transposed = (0..<(spatial * patch)).map { Int32(columns[($0 % patch) * spatial + $0 / patch]) }
                for o in 0..<conv.outputChannels {
                    for s in 0..<spatial {
                        out[(b * conv.outputChannels + o) * spatial + s] =
                            Float(dot(transposed, s * patch, w, o * patch, patch)) * (scale * weightScales[o])
                            + (bias?[o] ?? 0)
                    }
                }
            }
            return Tensor(
                shape: [batch, conv.outputChannels, geometry.outputHeight, geometry.outputWidth], scalars: out)
        default:
            return nil
        }
    }

    /// Both integer engines, the pipeline (when `pipelined` and the layers allow) and the layer
    /// by layer one, on every runnable path.
    private func engines(_ quantized: QuantizedModel, pipelined: Bool) throws -> [(String, IntegerInference)] {
        try IntegerKernelPath.runnable.flatMap { path in
            try [true, false].map { pipeline in
                let inference = try IntegerInference(quantized, path: path, pipelined: pipeline)
                XCTAssertEqual(inference.prepared.pipeline != nil, pipeline && pipelined, "\(path)")
                return ("\(path)\(pipeline ? ", pipelined" : "")", inference)
            }
        }
    }

    /// The trained cnn (two padded convolutions, two linear layers): equal on every runnable
    /// path and thread count, pipelined or not, and through `QuantizedModel.logits`.
    func testCNNMatchesNaiveIntegerArithmeticBitForBit() throws {
        let images = QuantizationTests.images.slice(0..<6)
        let quantized = try Quantizer.quantize(
            QuantizationTests.model, scheme: .int8Full, calibration: QuantizationTests.images.slice(0..<100))
        let expected = naiveLogits(quantized, images).scalars
        for (label, inference) in try engines(quantized, pipelined: true) {
            XCTAssertEqual(inference.logits(images).scalars, expected, label)
            XCTAssertEqual(inference.logits(images, threads: 3).scalars, expected, "\(label), 3 threads")
            XCTAssertEqual(inference.logits(images.slice(2..<3)).scalars, Array(expected[20..<30]), label)
            XCTAssertEqual(inference.logits(images.slice(0..<0)).shape, [0, 10], label)
        }
        XCTAssertEqual(quantized.logits(images).scalars, expected)
    }

    /// Chains of every form the pipeline takes, and one it does not (tanh): the same logits as
    /// the naive integer arithmetic. Kernels 1 to 5, strides 1 and 2, 1 to 8 input channels,
    /// pooling before and after ReLU, pooling of odd sizes, dropout, normalisation first, a
    /// convolution as the last layer, and linear layers whose inputs are not whole quads.
    func testPipelinesOfEveryFormMatchNaiveIntegerArithmetic() throws {
        func conv(_ out: Int, _ kernel: Int, stride: Int = 1, padding: Int = 0) -> LayerDescription {
            .conv2d(name: nil, outputChannels: out, kernelSize: kernel, stride: stride, padding: padding, bias: true)
        }
        let pool = LayerDescription.maxPool2d(kernelSize: 2, stride: 2)
        let relu = LayerDescription.activation(.relu)
        let cases: [(shape: [Int], layers: [LayerDescription], pipelined: Bool)] = [
            (
                [6, 9, 7],
                [
                    conv(8, 5, padding: 2), pool, relu, conv(12, 1), relu, .dropout(rate: 0.5),
                    conv(5, 3, stride: 2, padding: 1), .flatten, .linear(name: nil, outputFeatures: 7, bias: true),
                    relu, .linear(name: nil, outputFeatures: 3, bias: false),
                ], true
            ),
            ([2, 8, 11], [conv(4, 3, padding: 1), relu, pool, .flatten], true),
            (
                [1, 5, 5],
                [
                    .flatten, .linear(name: nil, outputFeatures: 9, bias: true), relu,
                    .linear(name: nil, outputFeatures: 4, bias: true),
                ], true
            ),
            (
                [3, 6, 6],
                [
                    .normalize(mean: [0.5, 0.4, 0.3], std: [0.2, 0.25, 0.3]), conv(4, 3, padding: 1), relu, pool,
                    conv(8, 2), .flatten, .linear(name: nil, outputFeatures: 5, bias: true),
                ], true
            ),
            (
                [1, 6, 6],
                [conv(3, 3), .activation(.tanh), .flatten, .linear(name: nil, outputFeatures: 2, bias: true)], false
            ),
        ]
        for (index, (shape, layers, pipelined)) in cases.enumerated() {
            let model = try Model(architecture: Architecture(name: "chain", inputShape: shape, layers: layers), seed: 3)
            let count = shape.reduce(1, *)
            let images = Tensor(shape: [5] + shape, scalars: (0..<(5 * count)).map { Float(($0 * 7919) % 101) / 100 })
            let quantized = try Quantizer.quantize(model, scheme: .int8Full, calibration: images)
            let expected = naiveLogits(quantized, images)
            for (label, inference) in try engines(quantized, pipelined: pipelined) {
                let logits = inference.logits(images)
                XCTAssertEqual(logits.shape, expected.shape, "case \(index), \(label)")
                XCTAssertEqual(logits.scalars, expected.scalars, "case \(index), \(label)")
            }
        }
    }

    /// A strided, unpadded convolution on three channels, with zero points at the ends of the
    /// int8 range (inputs all above or all below zero).
    func testStridedConvolutionAndExtremeZeroPoints() throws {
        let architecture = Architecture(
            name: "strided", inputShape: [3, 9, 7],
            layers: [
                .conv2d(name: nil, outputChannels: 5, kernelSize: 3, stride: 2, padding: 0, bias: true),
                .activation(.relu), .flatten, .linear(name: nil, outputFeatures: 4, bias: false),
            ])
        let model = try Model(architecture: architecture, seed: 7)
        for offset: Float in [3, -3] {
            let images = Tensor(shape: [6, 3, 9, 7], scalars: (0..<(6 * 189)).map { Float($0 % 17) * 0.1 + offset })
            let quantized = try Quantizer.quantize(model, scheme: .int8Full, calibration: images)
            XCTAssertTrue(quantized.activationRanges.values.contains { abs($0.zeroPoint) >= 127 }, "\(offset)")
            let expected = naiveLogits(quantized, images).scalars
            for (label, inference) in try engines(quantized, pipelined: true) {
                XCTAssertEqual(inference.logits(images).scalars, expected, "\(label), inputs from \(offset)")
            }
        }
    }

    /// The packed weights follow the model: changing the codes after a first inference is seen.
    func testChangedCodesAreRepacked() throws {
        let images = QuantizationTests.images.slice(0..<3)
        var quantized = try Quantizer.quantize(
            QuantizationTests.model, scheme: .int8Full, calibration: QuantizationTests.images.slice(0..<100))
        let before = quantized.logits(images).scalars
        let copy = quantized
        quantized.codes["fc2.weight"]!.values = quantized.codes["fc2.weight"]!.values.map { $0 / 2 }
        XCTAssertNotEqual(quantized.logits(images).scalars, before)
        XCTAssertEqual(quantized.logits(images).scalars, naiveLogits(quantized, images).scalars)
        XCTAssertEqual(copy.logits(images).scalars, before)
    }

    /// resnet-mini (batch norm, residual blocks with a strided 1 x 1 shortcut, global average
    /// pooling) runs layer by layer: every convolution, nested ones included, and the linear
    /// layer on integers, the rest in float. Equal to the naive integer arithmetic put in the
    /// same places, bit for bit, on every runnable path and thread count and through
    /// `QuantizedModel.logits`, and to the float simulation up to the rounding of float sums.
    func testResNetRunsOnIntegersLayerByLayer() throws {
        let model = try Model(architecture: .builtin("resnet-mini", inputShape: [3, 12, 12], classes: 4)!, seed: 3)
        var state: UInt64 = 11
        let images = Tensor(shape: [7, 3, 12, 12]) { buffer in
            for i in buffer.indices {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                buffer[i] = Float(state >> 40) / Float(1 << 24)
            }
        }
        let quantized = try Quantizer.quantize(model, scheme: .int8Full, calibration: images)
        var products = 0
        let naive = try quantized.model.rewritingLayers(
            where: { $0 is Linear || $0 is Conv2d },
            with: {
                products += 1
                return NaiveIntegerProduct(base: $0, quantized: quantized)
            })
        XCTAssertEqual(products, 10, "7 convolutions in the stem and blocks, 2 strided shortcuts, 1 linear layer")
        let expected = naive.logits(images).scalars
        for path in IntegerKernelPath.runnable {
            let inference = try IntegerInference(quantized, path: path)
            XCTAssertFalse(inference.isPipelined, "\(path)")
            XCTAssertEqual(inference.logits(images).scalars, expected, "\(path)")
            XCTAssertEqual(inference.logits(images, threads: 3).scalars, expected, "\(path), 3 threads")
            XCTAssertEqual(inference.logits(images.slice(4..<5)).scalars, Array(expected[16..<20]), "\(path)")
        }
        XCTAssertEqual(quantized.logits(images).scalars, expected, "QuantizedModel.logits runs on integers")
        let simulated = quantized.simulatedLogits(images).scalars
        let scale = simulated.map(abs).max()!
        XCTAssertGreaterThan(scale, 0)
        for (integer, float) in zip(expected, simulated) { XCTAssertEqual(integer, float, accuracy: 1e-3 * scale) }
        XCTAssertNotEqual(expected, model.logits(images).scalars, "the products are quantized")
    }
}

/// A linear or convolution layer computed by `IntegerConvolutionTests.naiveProduct`, to put
/// the naive integer arithmetic in the places of a nested network's products.
private struct NaiveIntegerProduct: Layer {
    let base: any Layer
    let quantized: QuantizedModel

    var parameterSpecs: [ParameterSpec] { base.parameterSpecs }
    func outputShape(for input: [Int]) throws(ModelError) -> [Int] { try base.outputShape(for: input) }
    var description: LayerDescription { base.description }

    func callAsFunction(_ input: Variable, _ context: inout ForwardContext) -> Variable {
        context.tape.constant(IntegerConvolutionTests.naiveProduct(base, input.value, quantized)!)
    }
}
