import LoupeRandom
import XCTest

@testable import LoupeTensor

/// `linearReLU` must compute, bit for bit, what `linear(...).relu()` computes: values and the
/// gradients of input, weight and bias.
final class LinearReLUTests: XCTestCase {
    /// Products that land exactly on 0 (integer data), below and above it.
    func operands(batch: Int, inputs: Int, outputs: Int) -> (Tensor, Tensor, Tensor) {
        let x = Tensor(shape: [batch, inputs], scalars: (0..<batch * inputs).map { Float($0 % 5) - 2 })
        let w = Tensor(shape: [outputs, inputs], scalars: (0..<outputs * inputs).map { Float($0 % 3) - 1 })
        let b = Tensor(shape: [outputs], scalars: (0..<outputs).map { Float($0 % 4) - 1.5 })
        return (x, w, b)
    }

    func run(fused: Bool, _ x: Tensor, _ w: Tensor, _ b: Tensor?, seed: Tensor) -> [Tensor?] {
        let tape = Tape()
        let (input, weight) = (tape.variable(x), tape.variable(w))
        let bias = b.map { tape.variable($0) }
        let output =
            fused ? input.linearReLU(weight: weight, bias: bias) : input.linear(weight: weight, bias: bias).relu()
        let gradients = tape.gradients(of: output, seed: seed)
        return [output.value, gradients[input], gradients[weight], bias.flatMap { gradients[$0] }]
    }

    func testFusedEqualsLinearThenReLU() {
        for (batch, inputs, outputs) in [(1, 1, 1), (7, 13, 33), (64, 784, 256), (5, 20, 10)] {
            let (x, w, b) = operands(batch: batch, inputs: inputs, outputs: outputs)
            let seed = Tensor(
                shape: [batch, outputs], scalars: (0..<batch * outputs).map { Float($0 % 7) * 0.25 - 0.5 })
            for bias in [b, nil] {
                let expected = run(fused: false, x, w, bias, seed: seed)
                let actual = run(fused: true, x, w, bias, seed: seed)
                XCTAssertEqual(actual[0], expected[0], "values \(batch)x\(inputs)x\(outputs)")
                if batch * outputs > 10 {
                    XCTAssertTrue(expected[0]!.scalars.contains(0), "the data must reach the ReLU's kink")
                }
                for (index, name) in ["input", "weight", "bias"].enumerated() {
                    XCTAssertEqual(
                        actual[index + 1], expected[index + 1], "\(name) gradient \(batch)x\(inputs)x\(outputs)")
                }
            }
        }
    }

    /// A fully connected forward pass split by rows across threads gives every row the bits
    /// of one thread, and one thread the bits of `matmul` onto the broadcast bias then ReLU,
    /// with and without bias, ReLU and packed weights, for row counts that do not split evenly;
    /// only products of at least 2^20 multiply-adds split, 32 rows a thread at least.
    func testFullyConnectedSplitByRowsGivesTheSameBits() {
        XCTAssertEqual(Tensor.rowParts(m: 100, n: 64, k: 200, threads: 3), 3)
        XCTAssertEqual(Tensor.rowParts(m: 100, n: 64, k: 200, threads: 8), 3, "32 rows a thread at least")
        XCTAssertEqual(Tensor.rowParts(m: 100, n: 64, k: 100, threads: 3), 1, "under 2^20 multiply-adds")
        XCTAssertEqual(Tensor.rowParts(m: 100, n: 64, k: 200, threads: 1), 1)
        for (rows, inputs, outputs) in [(100, 200, 64), (131, 784, 33), (64, 1024, 17)] {
            var generator = SeededGenerator(seed: UInt64(rows))
            let x = Tensor(
                shape: [rows, inputs], scalars: (0..<rows * inputs).map { _ in generator.nextUniform() - 0.5 })
            var w = Tensor(
                shape: [outputs, inputs], scalars: (0..<outputs * inputs).map { _ in generator.nextUniform() - 0.5 })
            let bias = Tensor(shape: [outputs], scalars: (0..<outputs).map { Float($0) * 0.01 - 0.1 })
            for packed in [false, true] {
                if packed { w.enablePackedOperandCache() }
                for (b, rectified) in [(bias, true), (nil, false), (bias, false)] {
                    var expected = x.matmul(
                        w, transposeOther: true,
                        addingTo: b.map { Tensor(broadcasting: $0, channelsOf: [rows, outputs]) })
                    if rectified {
                        expected = Tensor(shape: expected.shape, scalars: expected.scalars.map { $0 < 0 ? 0 : $0 })
                    }
                    let label = "\(rows)x\(inputs)x\(outputs), packed \(packed), bias \(b != nil), ReLU \(rectified)"
                    if rectified {
                        XCTAssertTrue(expected.scalars.contains(0), "the ReLU must clip something: \(label)")
                    }
                    for threads in [1, 2, 3] {
                        XCTAssertEqual(
                            x.fullyConnected(weight: w, bias: b, rectified: rectified, threads: threads).scalars.map(
                                \.bitPattern), expected.scalars.map(\.bitPattern), "\(label), \(threads) threads")
                    }
                }
            }
        }
    }
}
