import Foundation
import LoupeSupport
import XCTest

@testable import LoupeNN

/// Architectures whose sizes lie (a width of 10^9 or 2^62, a padding of 2^62, an input shape
/// that overflows) are refused when built, with an error naming the layer, before anything
/// is allocated; never a trap or an allocation the machine cannot serve.
final class ArchitectureSizeTests: XCTestCase {
    func message(_ body: () throws -> Void) -> String {
        do {
            try body()
            return "no error"
        } catch { return "\(error)" }
    }

    /// Asserts that making a model of `architecture` fails with one line holding every
    /// fragment, marked as a size limit (or not: layers that do not fit together).
    func assertRefused(
        _ architecture: Architecture, mentioning fragments: [String], isSizeLimit: Bool = true,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        var caught: ModelError?
        do { _ = try Model(architecture: architecture, seed: 0) } catch { caught = error }
        let text = caught?.description ?? "no error"
        for fragment in fragments {
            XCTAssertTrue(text.contains(fragment), "'\(fragment)' not in: \(text)", file: file, line: line)
        }
        XCTAssertFalse(text.contains("\n"), "one line: \(text)", file: file, line: line)
        XCTAssertEqual(caught?.isSizeLimit, isSizeLimit, text, file: file, line: line)
    }

    func testAThousandMillionUnitsExceedTheBudgetAndSayWhichLayer() {
        let mlp = Architecture.builtin("mlp", inputShape: [1, 28, 28], classes: 10, hiddenWidths: [1_000_000_000])!
        assertRefused(mlp, mentioning: ["fc1", "over the memory budget of 4.0 GiB", "LOUPE_MEMORY_BUDGET"])
    }

    /// An inference pass keeps every layer's output: ten thousand ReLUs after a 64-wide layer
    /// hold 2.6 MB per image, so passes take as many images as the budget holds, and a stack
    /// whose outputs for one image exceed the budget is refused by the layer that crosses it.
    func testInferencePassesAndOneImagesOutputsStayWithinTheBudget() throws {
        let deep = Architecture(
            name: "deep", inputShape: [1, 28, 28],
            layers: [LayerDescription.flatten, .linear(name: nil, outputFeatures: 64, bias: true)]
                + Array(repeating: LayerDescription.activation(.relu), count: 10_000)
                + [.linear(name: nil, outputFeatures: 10, bias: true)])
        setenv("LOUPE_MEMORY_BUDGET", "64M", 1)
        defer { unsetenv("LOUPE_MEMORY_BUDGET") }
        let model = try Model(architecture: deep, seed: 0)
        let perImage = (784 + 784 + 10_001 * 64 + 10) * 4
        XCTAssertEqual(model.imagesPerInferencePass, (64 << 20) / perImage)
        XCTAssertEqual(
            try Model(architecture: Architecture.builtin("mlp", inputShape: [1, 28, 28], classes: 10)!, seed: 0)
                .imagesPerInferencePass, (1 << 20) / (784 * 4))
        setenv("LOUPE_MEMORY_BUDGET", "2M", 1)
        assertRefused(
            deep, mentioning: ["relu", "the outputs of every layer for one image", "over the memory budget of 2.0 MiB"])
    }

    func testWidthsAndPaddingsOf2To62DoNotOverflow() {
        let huge = 1 << 62
        let mlp = Architecture.builtin("mlp", inputShape: [1, 28, 28], classes: 10, hiddenWidths: [huge])!
        assertRefused(mlp, mentioning: ["fc1.weight", "[\(huge), 784]", "more elements than a size can hold"])
        let cnn = Architecture.builtin("cnn", inputShape: [1, 28, 28], classes: 10, hiddenWidths: [huge])!
        assertRefused(cnn, mentioning: ["fc1"])

        let padded = Architecture(
            name: "padded", inputShape: [1, 28, 28],
            layers: [.conv2d(name: nil, outputChannels: 4, kernelSize: 3, stride: 1, padding: huge, bias: true)])
        assertRefused(padded, mentioning: ["conv1", "padding \(huge)"])
        let wideKernel = Architecture(
            name: "kernel", inputShape: [1, 28, 28],
            layers: [.conv2d(name: nil, outputChannels: 4, kernelSize: huge, stride: huge, padding: 0, bias: true)])
        assertRefused(wideKernel, mentioning: ["conv1", "does not fit"], isSizeLimit: false)
        let channels = Architecture(
            name: "channels", inputShape: [1, 28, 28],
            layers: [.conv2d(name: nil, outputChannels: huge, kernelSize: 3, stride: 1, padding: 1, bias: true)])
        assertRefused(channels, mentioning: ["conv1"])
    }

    func testAnInputShapeThatOverflowsIsRefused() {
        let flat = Architecture(
            name: "flat", inputShape: [1, 1 << 62, 8],
            layers: [.flatten, .linear(name: nil, outputFeatures: 2, bias: true)])
        assertRefused(flat, mentioning: ["input", "[1, \(1 << 62), 8]"])
        let tall = Architecture(
            name: "tall", inputShape: [1, 1 << 40, 8],
            layers: [.conv2d(name: nil, outputChannels: 2, kernelSize: 3, stride: 1, padding: 1, bias: true)])
        assertRefused(tall, mentioning: ["memory budget"])
    }

    /// The footprint is 5 copies of every parameter at 4 bytes plus the largest activation
    /// of one image, checked against the budget: exactly at the limit passes, a byte less fails.
    func testFootprintIsFiveCopiesOfTheParametersPlusTheLargestActivation() throws {
        let mlp = Architecture.builtin("mlp", inputShape: [1, 4, 4], classes: 3, hiddenWidths: [8])!
        let network = try mlp.build()
        let parameters = network.parameterSpecs.reduce(0) { $0 + $1.shape.reduce(1, *) }
        XCTAssertEqual(parameters, 16 * 8 + 8 + 8 * 3 + 3)
        let needed = parameters * 5 * 4 + 16 * 4  // the input (16 values) is the largest activation

        func build(budget: Int) throws {
            var footprint = ArchitectureFootprint(budget: MemoryBudget(bytes: budget))
            try footprint.addInput(mlp.inputShape)
            var shape = mlp.inputShape
            for layer in network.layers {
                shape = try layer.outputShape(for: shape)
                try footprint.add(layer, label: layer.description.label, output: shape)
            }
            XCTAssertEqual(footprint.trainingBytes, needed)
        }
        XCTAssertNoThrow(try build(budget: needed))
        XCTAssertThrowsError(try build(budget: needed - 1)) { error in
            XCTAssertTrue("\(error)".contains("over the memory budget"), "\(error)")
        }
    }

    func testBuiltinsFitTheDefaultBudget() throws {
        for name in Architecture.builtinNames {
            XCTAssertNoThrow(try Architecture.builtin(name, inputShape: [3, 32, 32], classes: 10)!.build(), name)
        }
    }

    /// `out: 10^7` after 784 inputs is refused, naming the file, the layer and the limit.
    func testArchitectureFileErrorsNameTheFileAndTheLayer() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-arch-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        func error(_ json: String, file: String) -> String {
            let url = directory.appendingPathComponent(file)
            try? Data(json.utf8).write(to: url)
            return message { _ = try Architecture(contentsOf: url) }
        }
        let big = error(
            #"{"name": "x", "inputShape": [1, 28, 28], "layers": [{"type": "flatten"}, {"type": "linear", "out": 10000000}]}"#,
            file: "big.json")
        for fragment in ["big.json", "fc1", "4.0 GiB", "LOUPE_MEMORY_BUDGET"] {
            XCTAssertTrue(big.contains(fragment), "'\(fragment)' not in: \(big)")
        }
        let unflattened = error(
            #"{"name": "x", "inputShape": [1, 4, 4], "layers": [{"type": "linear", "out": 3, "name": "head"}]}"#,
            file: "flat.json")
        XCTAssertTrue(unflattened.hasPrefix("flat.json: head: "), unflattened)
        let missing = error(
            #"{"name": "x", "inputShape": [1, 4, 4], "layers": [{"type": "flatten"}, {"type": "linear"}]}"#,
            file: "missing.json")
        XCTAssertEqual(missing, "missing.json: invalid architecture: missing 'out' at layers.1")
    }
}

/// Sizes written in an architecture JSON file that do not fit an integer (`1e30`, `10.5`,
/// `2^64`) name the field and the value, instead of Foundation's "not valid JSON".
final class ArchitectureJSONSizeTests: XCTestCase {
    func decodingMessage(_ json: String) -> String {
        do {
            _ = try JSONDecoder().decode(Architecture.self, from: Data(json.utf8))
            return "decoded"
        } catch let error as DecodingError { return Architecture.describe(error) } catch { return "\(error)" }
    }

    func testUnitsThatDoNotFitAnIntegerNameTheField() {
        for value in ["1e30", "10.5", "18446744073709551616"] {
            let text = decodingMessage(
                #"{"name": "x", "inputShape": [1, 2, 2], "layers": [{"type": "flatten"}, {"type": "linear", "out": \#(value)}]}"#
            )
            XCTAssertTrue(text.contains("linear: out must be a whole number"), text)
            XCTAssertTrue(text.contains("at layers.1.out"), text)
        }
        let kernel = decodingMessage(
            #"{"name": "x", "inputShape": [1, 2, 2], "layers": [{"type": "conv2d", "out": 2, "kernel": 3.5}]}"#)
        XCTAssertTrue(kernel.contains("conv2d: kernel must be a whole number") && kernel.contains("3.5"), kernel)
    }

    func testAnInputShapeThatDoesNotFitAnIntegerNamesTheElement() {
        let text = decodingMessage(#"{"name": "x", "inputShape": [1, 1e30, 2], "layers": []}"#)
        XCTAssertTrue(text.contains("inputShape[1] must be a whole number"), text)
    }

    func testWholeNumbersStillDecode() throws {
        let json =
            #"{"name": "x", "inputShape": [1, 2, 2], "layers": [{"type": "flatten"}, {"type": "linear", "out": 3}]}"#
        let architecture = try JSONDecoder().decode(Architecture.self, from: Data(json.utf8))
        XCTAssertEqual(architecture.inputShape, [1, 2, 2])
        XCTAssertEqual(architecture.layers.last, .linear(name: nil, outputFeatures: 3, bias: true))
    }
}
