import LoupeNN
import LoupeRandom
import LoupeTensor
import XCTest

final class InputGradientsTests: XCTestCase {
    func images(_ count: Int, shape: [Int], seed: UInt64) -> Tensor {
        var rng = SeededGenerator(seed: seed)
        return Tensor(
            shape: [count] + shape, scalars: (0..<(count * shape.reduce(1, *))).map { _ in rng.nextUniform() })
    }

    /// Chunks and threads change neither the gradients nor the logits, bit for bit, on
    /// every built-in architecture, with and without a ReLU override.
    func testBatchingDoesNotChangeTheValues() throws {
        for name in ["mlp", "cnn", "resnet-mini"] {
            let model = try Model(architecture: .builtin(name, inputShape: [1, 12, 12], classes: 5)!, seed: 7)
            let rows = images(23, shape: [1, 12, 12], seed: 1)
            let classes = (0..<23).map { $0 % 5 }
            for override in [nil, { (_: [Tensor], _: Tensor, g: Tensor) -> [Tensor?] in [g] }] {
                let whole = model.inputGradients(
                    rows, classes: classes, batching: InputGradientBatching(rowsPerChunk: 23), reluBackward: override)
                for batching in [
                    InputGradientBatching(rowsPerChunk: 1), InputGradientBatching(rowsPerChunk: 5, threads: 2),
                    InputGradientBatching(rowsPerChunk: 100, threads: 3), InputGradientBatching(for: model, threads: 2),
                ] {
                    let chunked = model.inputGradients(
                        rows, classes: classes, batching: batching, reluBackward: override)
                    XCTAssertEqual(chunked.gradients.scalars, whole.gradients.scalars, "\(name) \(batching)")
                    XCTAssertEqual(chunked.logits.scalars, whole.logits.scalars, "\(name) \(batching)")
                }
                XCTAssertEqual(whole.logits.scalars, model.logits(rows).scalars, name)
            }
        }
    }

    /// The gradient equals a hand-built tape's: one forward pass, the chosen logit seeded.
    func testEqualsOnePassOnATape() throws {
        let model = try Model(architecture: .builtin("cnn", inputShape: [1, 8, 8], classes: 4)!, seed: 5)
        let rows = images(6, shape: [1, 8, 8], seed: 3)
        let classes = [0, 3, 2, 1, 1, 0]
        let tape = Tape()
        var context = model.makeContext(tape: tape, isTraining: false, trainable: false)
        let input = tape.variable(rows)
        let output = model(input, &context)
        var seed = Tensor(zeros: output.shape)
        for (row, target) in classes.enumerated() { seed.scalars[row * 4 + target] = 1 }
        let expected = tape.gradients(of: output, seed: seed)[input]!
        let actual = model.inputGradients(rows, classes: classes, batching: InputGradientBatching(rowsPerChunk: 4))
        XCTAssertEqual(actual.gradients.scalars, expected.scalars)
        XCTAssertEqual(actual.logits.scalars, output.value.scalars)
    }

    /// The default chunk holds as many rows as fit the byte budget: within it, and at least one.
    func testDefaultChunkFitsTheByteBudget() throws {
        let model = try Model(architecture: .builtin("cnn", inputShape: [1, 28, 28], classes: 10)!, seed: 1)
        let batching = InputGradientBatching(for: model)
        XCTAssertLessThanOrEqual(
            batching.rowsPerChunk * model.inputGradientBytesPerRow, InputGradientBatching.defaultChunkBytes)
        XCTAssertGreaterThan(
            (batching.rowsPerChunk + 1) * model.inputGradientBytesPerRow,
            InputGradientBatching.defaultChunkBytes)
        // The input and 10 layer outputs of one image (conv 32x28x28, relu, pool, conv
        // 64x14x14, relu, pool, flatten, fc, relu, fc), as value and gradient.
        let scalars = 784 + 2 * 25_088 + 6_272 + 2 * 12_544 + 2 * 3_136 + 2 * 128 + 10
        XCTAssertEqual(model.inputGradientBytesPerRow, 8 * scalars)
        XCTAssertEqual(InputGradientBatching(for: model, chunkBytes: 1).rowsPerChunk, 1)
    }
}
