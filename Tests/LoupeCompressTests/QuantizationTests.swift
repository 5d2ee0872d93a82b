import Foundation
import LoupeData
import LoupeNN
import XCTest

@testable import LoupeCompress
@testable import LoupeTensor

final class QuantizationTests: XCTestCase {
    static let model: Model = {
        let splits = try! DatasetLoader.load("mnist-5k")
        let architecture = Architecture.builtin("cnn", inputShape: [1, 28, 28], classes: 10, hiddenWidths: [32])!
        var configuration = TrainingConfiguration()
        configuration.epochs = 1
        configuration.batchSize = 64
        var trainer = try! Trainer(model: try! Model(architecture: architecture, seed: 1), configuration: configuration)
        try! trainer.train(on: splits.train.subset(Array(stride(from: 0, to: 4000, by: 2))), test: nil) { _, _ in }
        return trainer.model
    }()
    static let images = try! DatasetLoader.load("mnist-5k").test.images(at: Array(0..<200))

    /// Dequantized weights are within half a step of the originals; per-channel steps are
    /// the channel's max |w| / levels.
    func testWeightRoundingErrorIsBoundedByHalfAStep() throws {
        for scheme in [QuantizationScheme.int8PerTensor, .int8PerChannel, .int4PerChannel] {
            let quantized = try Quantizer.quantize(Self.model, scheme: scheme)
            let levels: Float = scheme == .int4PerChannel ? 7 : 127
            let original = Self.model.parameters["conv2.weight"]!
            let rounded = quantized.model.parameters["conv2.weight"]!
            let channels = scheme == .int8PerTensor ? 1 : 64
            let size = original.count / channels
            for channel in 0..<channels {
                let range = (channel * size)..<((channel + 1) * size)
                let step = original.scalars[range].map(abs).max()! / levels
                for i in range {
                    XCTAssertLessThanOrEqual(abs(original.scalars[i] - rounded.scalars[i]), step / 2 * 1.0001)
                }
                XCTAssertEqual(quantized.codes["conv2.weight"]!.scales[channel], step, accuracy: step * 1e-6)
            }
            XCTAssertEqual(
                quantized.model.parameters["conv2.bias"], Self.model.parameters["conv2.bias"], "biases stay float")
            let levelsUsed = Set(quantized.codes["conv2.weight"]!.values)
            XCTAssertLessThanOrEqual(levelsUsed.count, Int(2 * levels + 1))
        }
    }

    func testFloat16RoundsEveryParameter() throws {
        let quantized = try Quantizer.quantize(Self.model, scheme: .float16)
        for (name, tensor) in quantized.model.parameters {
            XCTAssertEqual(tensor.scalars, Self.model.parameters[name]!.scalars.map { Float(Float16($0)) })
        }
    }

    /// Every scheme keeps the predictions close to the float model's; int4 the least.
    func testQuantizedModelsAgreeWithFloatModel() throws {
        let reference = Self.model.logits(Self.images).argmaxRows()
        for scheme in QuantizationScheme.allCases {
            let quantized = try Quantizer.quantize(Self.model, scheme: scheme, calibration: Self.images.slice(0..<100))
            let predictions = quantized.logits(Self.images).argmaxRows()
            let agreement = Double(zip(reference, predictions).filter { $0 == $1 }.count) / Double(reference.count)
            XCTAssertGreaterThan(agreement, scheme == .int4PerChannel ? 0.85 : 0.97, "\(scheme)")
        }
        XCTAssertThrowsError(try Quantizer.quantize(Self.model, scheme: .int8Full)) {
            XCTAssertTrue("\($0)".contains("calibration"))
        }
    }

    /// int8-full: every layer input is on its calibrated 256-level grid.
    func testFullIntegerActivationsLieOnTheGrid() throws {
        let quantized = try Quantizer.quantize(Self.model, scheme: .int8Full, calibration: Self.images.slice(0..<100))
        XCTAssertEqual(Set(quantized.activationRanges.keys), ["conv1", "conv2", "fc1", "fc2"])
        let seen = Counter()
        let ranges = quantized.activationRanges
        _ = quantized.model.wrappingLayerInputs(observe: { layer, input in
            let range = ranges[layer]!
            let q = input.map {
                min(max(($0 / range.scale).rounded(.toNearestOrEven) + Float(range.zeroPoint), -128), 127)
            }
            XCTAssertTrue(q.scalars.allSatisfy { $0 >= -128 && $0 <= 127 })
            seen.increment()
        }).logits(Self.images.slice(0..<4))
        XCTAssertEqual(seen.value, 4)
    }

    /// int8-full simulated in float: every linear and convolution layer is replaced by its
    /// `InputQuantized` form, which runs fused as the layer does and computes the layer on
    /// its input rounded to the grid; the quantized model itself is left as it is.
    func testSimulatedModelRoundsEveryLayerInput() throws {
        let quantized = try Quantizer.quantize(Self.model, scheme: .int8Full, calibration: Self.images.slice(0..<100))
        let simulated = quantized.simulatedModel
        XCTAssertEqual(simulated.network.layers.filter { $0 is InputQuantized<Conv2d> }.count, 2)
        XCTAssertEqual(simulated.network.layers.filter { $0 is InputQuantized<Linear> }.count, 2)
        XCTAssertEqual(quantized.model.network.layers.filter { $0 is Linear || $0 is Conv2d }.count, 4)
        XCTAssertEqual(simulated.network.description, quantized.model.network.description)
        let images = Self.images.slice(0..<3)
        let tape = Tape()
        var context = simulated.makeContext(tape: tape, isTraining: false, trainable: false)
        _ = simulated(tape.constant(images), &context)
        let kinds = tape.nodes.map(\.kind)
        XCTAssertEqual(kinds.filter { $0 == .conv2dReLUMaxPool2d }.count, 2)
        XCTAssertEqual(kinds.filter { $0 == .linearReLU }.count, 1)
        // By hand: each layer on its own, its input rounded first.
        var x = images
        var plain = quantized.model.makeContext(tape: tape, isTraining: false, trainable: false)
        for layer in quantized.model.network.layers {
            if let name = (layer as? Linear)?.name ?? (layer as? Conv2d)?.name {
                let range = quantized.activationRanges[name]!
                x = x.map {
                    let q = min(max(($0 / range.scale).rounded(.toNearestOrEven) + Float(range.zeroPoint), -128), 127)
                    return range.scale * (q - Float(range.zeroPoint))
                }
            }
            x = layer(tape.constant(x), &plain).value
        }
        XCTAssertEqual(quantized.simulatedLogits(images).scalars, x.scalars)
    }

    /// Compact files: int8 about a quarter of float32, int4 about an eighth, float16 a half.
    func testCompactSizeOnDisk() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("quant-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let floatBytes = Double(Self.model.parameterCount * 4)
        var sizes: [QuantizationScheme: Double] = [:]
        for scheme in QuantizationScheme.allCases {
            let quantized = try Quantizer.quantize(Self.model, scheme: scheme, calibration: Self.images.slice(0..<100))
            sizes[scheme] =
                Double(
                    try quantized.writeCompact(to: directory.appendingPathComponent("\(scheme.rawValue).safetensors")))
                / floatBytes
        }
        XCTAssertEqual(sizes[.float16]!, 0.5, accuracy: 0.03)
        XCTAssertEqual(sizes[.int8PerChannel]!, 0.25, accuracy: 0.03)
        XCTAssertEqual(sizes[.int4PerChannel]!, 0.125, accuracy: 0.03)
        let reloaded = try SafeTensorsArchive(contentsOf: directory.appendingPathComponent("int8-channel.safetensors"))
        XCTAssertEqual(reloaded.storageTypes["conv2.weight"], .int8)
    }
}

/// A count shared with a layer's observer.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var value: Int { lock.withLock { count } }
    func increment() { lock.withLock { count += 1 } }
}

extension Tensor {
    func argmaxRows() -> [Int] {
        let classes = shape[1]
        return (0..<shape[0]).map { row in
            (0..<classes).max { scalars[row * classes + $0] < scalars[row * classes + $1] }!
        }
    }
}

final class IntegerInferenceTests: XCTestCase {
    /// An mlp's int8-full logits equal a naive Int64 reference built from the codes,
    /// bit for bit.
    func testLinearLayersMatchNaiveIntegerReference() throws {
        let splits = try DatasetLoader.load("mnist-5k")
        let model = try Model(
            architecture: .builtin("mlp", inputShape: [1, 28, 28], classes: 10, hiddenWidths: [12])!, seed: 4)
        let calibration = splits.train.images(at: Array(0..<100))
        let quantized = try Quantizer.quantize(model, scheme: .int8Full, calibration: calibration)
        let images = splits.test.images(at: Array(0..<5))
        let logits = try IntegerInference(quantized).logits(images)
        func layer(_ x: [Float], rows: Int, k: Int, n: Int, name: String, relu: Bool) -> [Float] {
            let range = quantized.activationRanges[name]!
            let (codes, scales) = quantized.codes["\(name).weight"]!
            let bias = quantized.model.parameters["\(name).bias"]!.scalars
            var out = [Float](repeating: 0, count: rows * n)
            for r in 0..<rows {
                for j in 0..<n {
                    var total: Int64 = 0
                    for i in 0..<k {
                        let q = min(
                            max((x[r * k + i] / range.scale).rounded(.toNearestOrEven) + Float(range.zeroPoint), -128),
                            127)
                        total += (Int64(q) - Int64(range.zeroPoint)) * Int64(codes[j * k + i])
                    }
                    let value = Float(total) * (range.scale * scales[j]) + bias[j]
                    out[r * n + j] = relu ? max(value, 0) : value
                }
            }
            return out
        }
        let hidden = layer(images.scalars, rows: 5, k: 784, n: 12, name: "fc1", relu: true)
        XCTAssertEqual(logits.scalars, layer(hidden, rows: 5, k: 12, n: 10, name: "fc2", relu: false))
    }

    /// A cnn's integer logits agree with the float simulation of the same quantization.
    func testConvolutionsAgreeWithSimulation() throws {
        let images = QuantizationTests.images.slice(0..<20)
        let quantized = try Quantizer.quantize(
            QuantizationTests.model, scheme: .int8Full, calibration: QuantizationTests.images.slice(0..<100))
        let integer = try IntegerInference(quantized).logits(images)
        let simulated = quantized.simulatedLogits(images)
        let scale = simulated.scalars.map(abs).max()!
        for (a, b) in zip(integer.scalars, simulated.scalars) { XCTAssertEqual(a, b, accuracy: 1e-3 * scale) }
        XCTAssertEqual(integer.argmaxRows(), simulated.argmaxRows())
    }

    /// Integer inference needs an int8-full model whose every product, nested ones included,
    /// has an input grid; without one, `QuantizedModel.logits` falls back to the simulation.
    func testModelsIntegerInferenceCannotRunAreRejected() throws {
        let model = try Model(architecture: .builtin("resnet-mini", inputShape: [1, 8, 8], classes: 3)!, seed: 1)
        let calibration = Tensor(repeating: 0.5, shape: [2, 1, 8, 8])
        XCTAssertThrowsError(try IntegerInference(try Quantizer.quantize(model, scheme: .int8PerChannel))) {
            XCTAssertTrue("\($0)".contains("int8-full"), "\($0)")
        }
        var quantized = try Quantizer.quantize(model, scheme: .int8Full, calibration: calibration)
        XCTAssertNoThrow(try IntegerInference(quantized))
        let topLevel = Set(quantized.model.network.layers.compactMap { ($0 as? Conv2d)?.name ?? ($0 as? Linear)?.name })
        let nested = quantized.activationRanges.keys.sorted().first { !topLevel.contains($0) }
        XCTAssertNotNil(nested, "a convolution inside a residual block: \(quantized.activationRanges.keys.sorted())")
        quantized.activationRanges[nested!] = nil
        XCTAssertThrowsError(try IntegerInference(quantized)) {
            XCTAssertTrue("\($0)".contains("input range of layer \(nested!)"), "\($0)")
        }
        XCTAssertEqual(
            quantized.logits(Tensor(repeating: 0.5, shape: [1, 1, 8, 8])).shape, [1, 3], "falls back to the simulation")
    }
}
