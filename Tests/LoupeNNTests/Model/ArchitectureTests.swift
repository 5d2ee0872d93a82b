import Foundation
import LoupeRandom
import LoupeTensor
import XCTest

@testable import LoupeNN

final class ArchitectureTests: XCTestCase {
    func testBuiltinsHaveStableParameterNamesAndShapes() throws {
        let cnn = try Model(architecture: .builtin("cnn", inputShape: [1, 28, 28], classes: 10)!, seed: 1)
        XCTAssertEqual(
            cnn.parameterNames,
            [
                "conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc1.weight", "fc1.bias", "fc2.weight",
                "fc2.bias",
            ])
        XCTAssertEqual(cnn.parameters["conv2.weight"]?.shape, [64, 32, 3, 3])
        XCTAssertEqual(cnn.parameters["fc1.weight"]?.shape, [128, 64 * 7 * 7])
        XCTAssertEqual(cnn.classCount, 10)
        // Same count as PyTorch's reference model: 320 + 18,496 + 401,536 + 1,290.
        XCTAssertEqual(cnn.parameterCount, 421_642)

        let mlp = try Model(architecture: .builtin("mlp", inputShape: [1, 28, 28], classes: 10)!, seed: 1)
        XCTAssertEqual(mlp.parameterCount, 784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10)

        let resnet = try Model(architecture: .builtin("resnet-mini", inputShape: [1, 28, 28], classes: 10)!, seed: 1)
        XCTAssertTrue(resnet.buffers.keys.contains("bn1.running_mean"))
        XCTAssertEqual(resnet.outputShape, [10])
        let logits = resnet.logits(Tensor(zeros: [2, 1, 28, 28]))
        XCTAssertEqual(logits.shape, [2, 10])
    }

    func testInitialisationIsSeededAndBounded() throws {
        let architecture = Architecture.builtin("mlp", inputShape: [1, 4, 4], classes: 3)!
        let a = try Model(architecture: architecture, seed: 7)
        let b = try Model(architecture: architecture, seed: 7)
        let c = try Model(architecture: architecture, seed: 8)
        XCTAssertEqual(a.parameters, b.parameters)
        XCTAssertNotEqual(a.parameters, c.parameters)
        let bound = 1 / Float(16).squareRoot()
        XCTAssertTrue(a.parameters["fc1.weight"]!.scalars.allSatisfy { abs($0) <= bound })
    }

    func testJSONRoundTripAndInference() throws {
        let json = """
            {"name": "tiny", "inputShape": [1, 6, 6], "layers": [
              {"type": "conv2d", "out": 4, "kernel": 3, "padding": 1, "name": "stem"},
              {"type": "batchnorm"}, {"type": "relu"}, {"type": "avgpool", "kernel": 2},
              {"type": "residual", "body": [{"type": "conv2d", "out": 4, "kernel": 3, "padding": 1}, {"type": "tanh"}]},
              {"type": "flatten"}, {"type": "dropout", "rate": 0.5}, {"type": "linear", "out": 3}]}
            """
        let architecture = try JSONDecoder().decode(Architecture.self, from: Data(json.utf8))
        let model = try Model(architecture: architecture, seed: 3)
        XCTAssertEqual(
            model.parameterNames,
            [
                "stem.weight", "stem.bias", "bn1.weight", "bn1.bias", "conv1.weight", "conv1.bias", "fc1.weight",
                "fc1.bias",
            ])
        XCTAssertEqual(model.parameters["fc1.weight"]?.shape, [3, 36])
        let encoded = try JSONEncoder().encode(architecture)
        XCTAssertEqual(try JSONDecoder().decode(Architecture.self, from: encoded), architecture)
    }

    func testArchitectureErrorsAreClear() throws {
        func error(_ json: String) -> String {
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("arch-\(UUID().uuidString).json")
            try? Data(json.utf8).write(to: url)
            defer { try? FileManager.default.removeItem(at: url) }
            do {
                let architecture = try Architecture(contentsOf: url)
                _ = try architecture.build()
                return "no error"
            } catch { return error.description }
        }
        XCTAssertTrue(
            error(#"{"name": "x", "inputShape": [1, 4, 4], "layers": [{"type": "warp"}]}"#).contains(
                "unknown layer type 'warp'"))
        // A control character in a name from the file stays visible and on one line (found by fuzzing).
        XCTAssertTrue(
            error(#"{"name": "x", "inputShape": [1, 4, 4], "layers": [{"type": "line\r\u001b[2J"}]}"#).contains(
                #"unknown layer type 'line\r\x1b[2J'"#))
        XCTAssertTrue(
            error(#"{"name": "x", "inputShape": [1, 4, 4], "layers": [{"type": "linear", "out": 3}]}"#).contains(
                "flatten"))
        XCTAssertTrue(
            error(#"{"name": "x", "inputShape": [1, 4, 4], "layers": [{"type": "conv2d", "out": 3, "kernel": 9}]}"#)
                .contains("does not fit"))
        XCTAssertTrue(
            error(#"{"name": "x", "inputShape": [1, 4, 4], "layers": [{"type": "linear", "out": 0}]}"#).contains(
                "must be positive"))
        XCTAssertTrue(error("{not json").contains("invalid architecture"))
        XCTAssertTrue(
            error(
                #"{"name": "x", "inputShape": [1, 4, 4], "layers": [{"type": "flatten"}, {"type": "linear", "out": 2, "name": "a"}, {"type": "linear", "out": 2, "name": "a"}]}"#
            ).contains("duplicate"))
    }

    func testModelRejectsTensorsOfWrongShape() throws {
        let architecture = Architecture.builtin("mlp", inputShape: [1, 4, 4], classes: 3)!
        var parameters = try Model(architecture: architecture, seed: 1).parameters
        parameters["fc2.weight"] = Tensor(zeros: [3, 3])
        XCTAssertThrowsError(try Model(architecture: architecture, parameters: parameters, buffers: [:])) {
            XCTAssertTrue("\($0)".contains("fc2.weight has shape [3, 3]"))
        }
    }

    /// The whole model's input gradient against finite differences: what VoG and saliency use.
    func testInputGradientMatchesFiniteDifferences() throws {
        let model = try Model(architecture: .builtin("cnn", inputShape: [1, 8, 8], classes: 4)!, seed: 5)
        var rng = SeededGenerator(seed: 2)
        let images = Tensor(shape: [2, 1, 8, 8], scalars: (0..<128).map { _ in rng.nextUniform() })
        let (_, gradients) = model.inputGradients(images, classes: [1, 3])
        for (row, target) in [(0, 1), (1, 3)] {
            for pixel in [0, 9, 27, 63] {
                let index = row * 64 + pixel
                var plus = images
                var minus = images
                plus.scalars[index] += 1e-2
                minus.scalars[index] -= 1e-2
                let numeric =
                    (model.logits(plus).scalars[row * 4 + target] - model.logits(minus).scalars[row * 4 + target])
                    / 2e-2
                XCTAssertEqual(gradients.scalars[index], numeric, accuracy: 2e-3)
            }
        }
    }
}

final class ParameterGradientNormTests: XCTestCase {
    /// GraNd of one example equals the norm of its loss gradient taken by central finite
    /// differences over every parameter, and does not depend on the thread count.
    func testMatchesFiniteDifferenceGradientNorm() throws {
        let model = try Model(
            architecture: .builtin("mlp", inputShape: [1, 4, 4], classes: 3, hiddenWidths: [5])!, seed: 3)
        let images = randomImages(count: 3, size: 16)
        let labels: [Int32] = [0, 2, 1]
        let norms = model.parameterGradientNorms(images, labels: labels, threads: 1)
        XCTAssertEqual(norms, model.parameterGradientNorms(images, labels: labels, threads: 3))
        func loss(_ m: Model, _ index: Int) -> Double {
            let z = m.logits(images.slice(index..<(index + 1))).scalars.map(Double.init)
            let largest = z.max()!
            return -(z[Int(labels[index])] - largest - log(z.map { exp($0 - largest) }.reduce(0, +)))
        }
        for index in 0..<3 {
            var squares = 0.0
            for name in model.parameterNames {
                for element in 0..<model.parameters[name]!.count {
                    var plus = model
                    var minus = model
                    plus.parameters[name]!.scalars[element] += 1e-2
                    minus.parameters[name]!.scalars[element] -= 1e-2
                    let derivative = (loss(plus, index) - loss(minus, index)) / 2e-2
                    squares += derivative * derivative
                }
            }
            XCTAssertEqual(norms[index], squares.squareRoot(), accuracy: 2e-3 * max(1, norms[index]))
        }
    }

    func randomImages(count: Int, size: Int) -> Tensor {
        var rng = SeededGenerator(seed: 9)
        return Tensor(shape: [count, 1, 4, 4], scalars: (0..<(count * size)).map { _ in rng.nextUniform() })
    }
}
