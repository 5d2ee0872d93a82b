import LoupeAttribution
import LoupeData
import LoupeNN
import LoupeRandom
import LoupeSupport
import LoupeTensor
import XCTest

/// Small randomly initialised models and inputs for the attribution tests.
enum Fixtures {
    static func mlp(seed: UInt64 = 3) -> Model {
        try! Model(
            architecture: .builtin("mlp", inputShape: [1, 6, 6], classes: 4, hiddenWidths: [12, 8])!, seed: seed)
    }

    static func cnn(seed: UInt64 = 5) -> Model {
        try! Model(architecture: .builtin("cnn", inputShape: [1, 8, 8], classes: 4, hiddenWidths: [16])!, seed: seed)
    }

    /// Uniform values in [0, 1).
    static func images(_ count: Int, shape: [Int], seed: UInt64 = 11) -> Tensor {
        var rng = SeededGenerator(seed: seed)
        let size = shape.reduce(1, *)
        return Tensor(shape: [count] + shape, scalars: (0..<(count * size)).map { _ in rng.nextUniform() })
    }

    /// `model` with every weight and bias made nonnegative (biases at least 0.05): no ReLU
    /// input is negative on nonnegative images, and every back-propagated gradient of a logit
    /// is nonnegative.
    static func nonnegative(_ model: Model) -> Model {
        var copy = model
        for (name, tensor) in model.parameters {
            copy.parameters[name] = tensor.map { name.hasSuffix(".bias") ? abs($0) + 0.05 : abs($0) }
        }
        return copy
    }

    /// A dataset of `count` random float images of `shape` ([C, H, W]).
    static func dataset(_ count: Int, shape: [Int], classes: Int, seed: UInt64 = 17) -> Dataset {
        let images = images(count, shape: shape, seed: seed)
        return try! Dataset(
            name: "random", shape: ImageShape(channels: shape[0], height: shape[1], width: shape[2]),
            classCount: classes, floats: images.scalars, labels: (0..<count).map { Int64($0 % classes) })
    }

    /// A few real MNIST test digits (blank borders, many equal pixels).
    static let mnist: Dataset = {
        let test = try! DatasetLoader.load("mnist-5k").test
        return test.subset(Array(0..<6))
    }()
}

func maxAbsoluteDifference(_ a: Tensor, _ b: Tensor) -> Float {
    precondition(a.shape == b.shape, "\(a.shape) vs \(b.shape)")
    return zip(a.scalars, b.scalars).reduce(0) { max($0, abs($1.0 - $1.1)) }
}

func maxAbsolute(_ a: Tensor) -> Float { a.scalars.reduce(0) { max($0, abs($1)) } }

/// Asserts that `body` throws an `InputError` whose description contains every fragment.
func assertAttributionError(
    _ fragments: [String], file: StaticString = #filePath, line: UInt = #line,
    _ body: () throws -> Void
) {
    do {
        try body()
        XCTFail("expected an InputError mentioning \(fragments)", file: file, line: line)
    } catch {
        guard let error = error as? InputError else {
            return XCTFail("expected an InputError, got \(error)", file: file, line: line)
        }
        for fragment in fragments {
            XCTAssertTrue(
                error.description.contains(fragment), "'\(fragment)' not in: \(error)", file: file, line: line)
        }
        XCTAssertFalse(error.description.contains("\n"), file: file, line: line)
    }
}
