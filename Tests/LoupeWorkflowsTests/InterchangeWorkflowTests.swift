import Foundation
import LoupeCompress
import LoupeData
import LoupeNN
import LoupeONNX
import LoupeTensor
import LoupeWorkflows
import XCTest

/// `loupe import` and `loupe export`: exported files run in onnxruntime (the independent
/// engine) with Loupe's logits, imported checkpoints compute what the ONNX file computes.
final class InterchangeWorkflowTests: WorkflowTestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let zoo = repository.appendingPathComponent("Tests/LoupeONNXTests/Fixtures/zoo")

    /// onnxruntime's output for `input`, through scripts/onnx-check.py; skips (visibly) when
    /// python3 cannot import onnxruntime and onnx (CI installs them).
    func onnxruntime(_ model: URL, _ input: Tensor, optimized: Bool = true) throws -> Tensor {
        func run(_ arguments: [String]) throws -> (status: Int32, errors: String) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3"] + arguments
            let errors = Pipe()
            process.standardError = errors
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return (process.terminationStatus, text)
        }
        guard (try? run(["-c", "import numpy, onnx, onnxruntime"]))?.status == 0 else {
            let message =
                "SKIPPED: python3 cannot import onnxruntime and onnx; run `pip install onnxruntime onnx numpy`"
            print(message)
            throw XCTSkip(message)
        }
        let inputURL = folder.appendingPathComponent("input.npy")
        let outputURL = folder.appendingPathComponent("output.npy")
        try NPYFile.write(input.scalars, shape: input.shape, to: inputURL)
        let script = Self.repository.appendingPathComponent("scripts/onnx-check.py").path
        let result = try run(
            [script, model.path, inputURL.path, outputURL.path] + (optimized ? [] : ["--no-optimization"]))
        guard result.status == 0 else { throw OptionError("onnx-check.py failed: \(result.errors)") }
        let array = try NPYFile.read(outputURL)
        guard case .float32(let values) = array.elements else { throw OptionError("output is not float32") }
        return Tensor(shape: array.shape, scalars: values)
    }

    func assertClose(_ a: Tensor, _ b: Tensor, _ message: String) {
        XCTAssertEqual(a.shape, b.shape, message)
        let scale = b.scalars.map(abs).max() ?? 0
        let worst = zip(a.scalars, b.scalars).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThanOrEqual(worst, 1e-4 * scale, "\(message): max difference \(worst), scale \(scale)")
    }

    func images(_ shape: [Int], count: Int) -> Tensor {
        var state: UInt64 = 99
        let values = (0..<(count * shape.reduce(1, *))).map { _ -> Float in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(state >> 40) / Float(1 << 24)
        }
        return Tensor(shape: [count] + shape, scalars: values)
    }

    func testEveryWeightStorageRunsInOnnxruntimeAsLoupeComputesIt() throws {
        let data = try syntheticData(classes: 4)
        var resnet = Architecture.builtin("resnet-mini", inputShape: [1, 8, 8], classes: 4)!
        resnet.layers.insert(.normalize(mean: [0.3], std: [0.2]), at: 0)
        let cnn = Architecture.builtin("cnn", inputShape: [1, 8, 8], classes: 4, hiddenWidths: [16])!
        let calibration = try data.load().splits.train
        let input = images([1, 8, 8], count: 5)
        for architecture in [resnet, cnn] {
            var model = try Model(architecture: architecture, seed: 5)
            for (name, tensor) in model.buffers {
                model.buffers[name] = tensor.map { name.hasSuffix("var") ? 1.2 + $0 / 4 : 0.05 }
            }
            let checkpoint = folder.appendingPathComponent("\(architecture.name).safetensors")
            try ModelCheckpoint(model: model).write(to: checkpoint)
            let schemes: [QuantizationScheme?] = [nil, .float16, .int8PerTensor, .int8PerChannel, .int8Full]
            for scheme in schemes {
                let output = folder.appendingPathComponent("\(architecture.name)-\(scheme?.rawValue ?? "float32").onnx")
                try ExportWorkflow(.init(modelFile: checkpoint, output: output, quantization: scheme, data: data))
                    .run(progress: SilentProgress()).write()
                // int8-full against Loupe's float simulation of it, which rounds every layer input
                // as ONNX's QuantizeLinear does, with onnxruntime computing the graph as written:
                // its optimizer fuses the pairs into integer kernels whose fixed-point
                // requantization moves some codes by one step.
                let expected =
                    try scheme.map {
                        try Quantizer.quantize(
                            model, scheme: $0, calibration: calibration.images(at: Array(0..<100))
                        ).simulatedLogits(input)
                    } ?? model.logits(input)
                assertClose(
                    try onnxruntime(output, input, optimized: scheme != .int8Full), expected, output.lastPathComponent)
            }
        }
    }

    func testAnImportedCheckpointComputesWhatTheONNXFileComputes() throws {
        let output = folder.appendingPathComponent("cnn.safetensors")
        let result = try ImportWorkflow(
            .init(model: Self.zoo.appendingPathComponent("cnn-legacy.onnx"), output: output)
        ).run(progress: SilentProgress())
        try result.write()
        XCTAssertEqual(result.lines[1], "input [1, 28, 28] -> 10 classes, 421642 parameters")
        let reloaded = try ModelCheckpoint(contentsOf: output).model
        let input = try NPYFile.read(Self.zoo.appendingPathComponent("cnn-input.npy"))
        guard case .float32(let values) = input.elements else { return XCTFail("input is not float32") }
        let images = Tensor(shape: input.shape, scalars: values)
        XCTAssertEqual(reloaded.logits(images).scalars, result.imported.model.logits(images).scalars)
        let ort = try NPYFile.read(Self.zoo.appendingPathComponent("cnn-legacy-ort.npy"))
        guard case .float32(let reference) = ort.elements else { return XCTFail("reference is not float32") }
        assertClose(reloaded.logits(images), Tensor(shape: ort.shape, scalars: reference), "cnn-legacy")
    }

    func testAManifestNamesAnONNXModelsExternalDataAmongItsInputs() {
        let dynamo = Self.zoo.appendingPathComponent("resnet18-dynamo.onnx")
        XCTAssertEqual(
            ModelFile.inputs(dynamo).map(\.lastPathComponent), ["resnet18-dynamo.onnx", "resnet18-dynamo.onnx.data"])
        XCTAssertEqual(ModelFile.inputs(Self.zoo.appendingPathComponent("cnn-legacy.onnx")).count, 1)
    }

    func testAModelThatDoesNotFitTheDataIsRefusedBeforeAnythingIsWritten() throws {
        let output = folder.appendingPathComponent("r.safetensors")
        let data = try syntheticData(classes: 4)
        XCTAssertThrowsError(
            try ImportWorkflow(
                .init(model: Self.zoo.appendingPathComponent("resnet18-legacy.onnx"), output: output, data: data)
            ).run(progress: SilentProgress())
        ) { error in
            XCTAssertTrue(
                "\(error)".hasSuffix("model expects images [3, 32, 32] but \(data.data) has [1, 8, 8]"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: output.path))
    }
}
