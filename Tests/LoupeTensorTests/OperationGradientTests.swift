import LoupeRandom
import LoupeTensor
import XCTest

/// Every differentiable operation's backward rule against central finite differences,
/// including edge shapes: batch 1, odd sizes, stride 2, padding.
final class OperationGradientTests: XCTestCase {
    func testMatmul() {
        assertGradientsMatchFiniteDifferences([randomTensor([3, 4], seed: 1), randomTensor([4, 5], seed: 2)]) {
            $0[0].matmul($0[1])
        }
        assertGradientsMatchFiniteDifferences([randomTensor([1, 7], seed: 3), randomTensor([7, 1], seed: 4)]) {
            $0[0].matmul($0[1])
        }
    }

    func testLinearWithAndWithoutBias() {
        let inputs = [randomTensor([5, 7], seed: 1), randomTensor([3, 7], seed: 2), randomTensor([3], seed: 3)]
        assertGradientsMatchFiniteDifferences(inputs) { $0[0].linear(weight: $0[1], bias: $0[2]) }
        assertGradientsMatchFiniteDifferences(Array(inputs.prefix(2))) { $0[0].linear(weight: $0[1], bias: nil) }
        assertGradientsMatchFiniteDifferences([
            randomTensor([1, 4], seed: 5), randomTensor([2, 4], seed: 6), randomTensor([2], seed: 7),
        ]) {
            $0[0].linear(weight: $0[1], bias: $0[2])
        }
    }

    func testConv2dShapesStridesAndPadding() {
        let cases: [(x: [Int], w: [Int], stride: Int, padding: Int)] = [
            ([2, 3, 6, 6], [4, 3, 3, 3], 1, 1),
            ([1, 2, 5, 7], [3, 2, 3, 3], 2, 0),
            ([1, 1, 7, 5], [2, 1, 2, 2], 2, 1),
            ([2, 2, 4, 4], [1, 2, 1, 1], 1, 0),
            // resnet-mini's shapes, small: the transposed input gradient (at least as many
            // inputs as outputs, stride 1), stride-2 3 x 3 and 1 x 1 shortcuts, odd sizes.
            ([2, 4, 5, 7], [3, 4, 3, 3], 1, 1),
            ([1, 3, 5, 5], [3, 3, 3, 3], 1, 0),
            ([2, 3, 9, 9], [5, 3, 3, 3], 2, 1),
            ([1, 4, 7, 6], [6, 4, 1, 1], 2, 0),
            ([1, 2, 8, 7], [2, 2, 3, 3], 3, 1),
        ]
        for (offset, c) in cases.enumerated() {
            let seed = UInt64(offset * 10)
            let inputs = [
                randomTensor(c.x, seed: seed), randomTensor(c.w, seed: seed + 1),
                randomTensor([c.w[0]], seed: seed + 2),
            ]
            assertGradientsMatchFiniteDifferences(inputs) {
                $0[0].conv2d(weight: $0[1], bias: $0[2], stride: c.stride, padding: c.padding)
            }
        }
    }

    func testConv2dForwardMatchesDirectLoop() {
        let x = randomTensor([2, 3, 5, 6], seed: 1)
        let w = randomTensor([4, 3, 3, 2], seed: 2)
        let b = randomTensor([4], seed: 3)
        let (stride, padding) = (2, 1)
        let tape = Tape()
        let out = tape.variable(x).conv2d(
            weight: tape.variable(w), bias: tape.variable(b), stride: stride, padding: padding
        ).value
        XCTAssertEqual(out.shape, [2, 4, 3, 4])
        for n in 0..<2 {
            for o in 0..<4 {
                for oy in 0..<3 {
                    for ox in 0..<4 {
                        var expected = Double(b.scalars[o])
                        for c in 0..<3 {
                            for ky in 0..<3 {
                                for kx in 0..<2 {
                                    let iy = oy * stride - padding + ky
                                    let ix = ox * stride - padding + kx
                                    guard iy >= 0, iy < 5, ix >= 0, ix < 6 else { continue }
                                    expected +=
                                        Double(x.scalars[((n * 3 + c) * 5 + iy) * 6 + ix])
                                        * Double(w.scalars[((o * 3 + c) * 3 + ky) * 2 + kx])
                                }
                            }
                        }
                        XCTAssertEqual(Double(out.scalars[((n * 4 + o) * 3 + oy) * 4 + ox]), expected, accuracy: 1e-5)
                    }
                }
            }
        }
    }

    /// Average pooling against a naive loop, bit for bit: 2 x 2 windows of stride 2 on rows
    /// long enough for the eight-wide path and its scalar tail, and a 3 x 3 stride-2 window.
    func testAveragePoolingMatchesANaiveLoop() {
        for (kernel, stride, shape) in [(2, 2, [2, 3, 9, 37]), (2, 2, [1, 2, 4, 16]), (3, 2, [1, 2, 9, 21])] {
            let x = randomTensor(shape, seed: 11)
            let tape = Tape()
            let pooled = tape.constant(x).avgPool2d(kernel: kernel, stride: stride).value
            let (h, w) = (shape[2], shape[3])
            let (oh, ow) = ((h - kernel) / stride + 1, (w - kernel) / stride + 1)
            var expected: [Float] = []
            for plane in 0..<(shape[0] * shape[1]) {
                for oy in 0..<oh {
                    for ox in 0..<ow {
                        var total: Float = 0
                        for ky in 0..<kernel {
                            for kx in 0..<kernel {
                                total += x.scalars[plane * h * w + (oy * stride + ky) * w + ox * stride + kx]
                            }
                        }
                        expected.append(total * (1 / Float(kernel * kernel)))
                    }
                }
            }
            XCTAssertEqual(pooled.shape, [shape[0], shape[1], oh, ow])
            XCTAssertEqual(
                pooled.scalars.map(\.bitPattern), expected.map(\.bitPattern), "kernel \(kernel), shape \(shape)")
        }
    }

    func testPooling() {
        assertGradientsMatchFiniteDifferences([distinctTensor([2, 3, 6, 6], seed: 1)], step: 1e-3) {
            $0[0].maxPool2d(kernel: 2)
        }
        assertGradientsMatchFiniteDifferences([distinctTensor([1, 2, 7, 5], seed: 2)], step: 1e-3) {
            $0[0].maxPool2d(kernel: 3, stride: 2)
        }
        assertGradientsMatchFiniteDifferences([randomTensor([2, 2, 5, 5], seed: 3)]) { $0[0].avgPool2d(kernel: 2) }
        assertGradientsMatchFiniteDifferences([randomTensor([1, 3, 7, 7], seed: 4)]) {
            $0[0].avgPool2d(kernel: 3, stride: 2)
        }
        assertGradientsMatchFiniteDifferences([randomTensor([2, 3, 3, 5], seed: 5)]) { $0[0].globalAvgPool() }
    }

    /// Wide rows take the vectorised path; ties must send the gradient to the first maximum
    /// of each window in row-major order, as a naive loop does.
    func testMaxPoolGradientWithTiesMatchesNaiveLoop() {
        // Streamed row pairs (28, 14: the cnn's; 8; 6 x 22), short rows (4 x 6) and one
        // plane only (1 x 1 x 16 x 16: the last-pair path) against the naive loop.
        for (h, w) in [(6, 22), (28, 28), (14, 14), (8, 8), (4, 6), (16, 16)] {
            checkMaxPoolGradientAgainstNaiveLoop(h: h, w: w, planes: w == 16 ? 1 : 6)
        }
    }

    func checkMaxPoolGradientAgainstNaiveLoop(h: Int, w: Int, planes: Int) {
        var rng = SeededGenerator(seed: 31)
        let x = Tensor(
            shape: [planes == 1 ? 1 : 2, planes == 1 ? 1 : 3, h, w],
            scalars: (0..<(planes * h * w)).map { _ in Float(rng.nextInt(below: 3)) })
        let g = randomTensor([x.shape[0], x.shape[1], h / 2, w / 2], seed: 32)
        let tape = Tape()
        let input = tape.variable(x)
        let output = input.maxPool2d(kernel: 2)
        let dx = tape.gradients(of: output, seed: g)[input]!
        var expected = [Float](repeating: 0, count: x.count)
        for plane in 0..<planes {
            for oy in 0..<(h / 2) {
                for ox in 0..<(w / 2) {
                    let cells = [(0, 0), (0, 1), (1, 0), (1, 1)].map {
                        plane * h * w + (2 * oy + $0.0) * w + 2 * ox + $0.1
                    }
                    let maximum = cells.map { x.scalars[$0] }.max()!
                    XCTAssertEqual(output.value.scalars[(plane * (h / 2) + oy) * (w / 2) + ox], maximum)
                    expected[cells.first { x.scalars[$0] == maximum }!] +=
                        g.scalars[(plane * (h / 2) + oy) * (w / 2) + ox]
                }
            }
        }
        XCTAssertEqual(dx.scalars, expected, "h=\(h) w=\(w)")
    }

    /// The fused ReLU + max pooling gives, bit for bit, the values and input gradients of
    /// ReLU followed by max pooling: ties, windows with no positive value, exact zeros, on
    /// streamed shapes and on shapes that fall back to the two operations.
    func testFusedReLUMaxPoolEqualsReLUThenMaxPool() {
        for shape in [[2, 3, 28, 28], [2, 3, 14, 14], [1, 1, 8, 8], [2, 2, 6, 22], [1, 2, 4, 6], [1, 2, 7, 9]] {
            var rng = SeededGenerator(seed: 41)
            let count = shape.reduce(1, *)
            let x = Tensor(shape: shape, scalars: (0..<count).map { _ in Float(rng.nextInt(below: 5)) - 3 })
            let g = randomTensor([shape[0], shape[1], shape[2] / 2, shape[3] / 2], seed: 42)
            func run(_ fused: Bool) -> (Tensor, Tensor) {
                let tape = Tape()
                let input = tape.variable(x)
                let output = fused ? input.reluMaxPool2d(kernel: 2) : input.relu().maxPool2d(kernel: 2)
                return (output.value, tape.gradients(of: output, seed: g)[input]!)
            }
            let (fused, unfused) = (run(true), run(false))
            XCTAssertEqual(fused.0, unfused.0, "\(shape)")
            XCTAssertEqual(fused.1, unfused.1, "\(shape)")
        }
        assertGradientsMatchFiniteDifferences([distinctTensor([2, 3, 8, 10], seed: 6)], step: 1e-3) {
            $0[0].reluMaxPool2d(kernel: 2)
        }
    }

    func testMaxPoolForwardPicksWindowMaximum() {
        let x = Tensor(shape: [1, 1, 2, 4], scalars: [1, 5, 2, 0, 3, 4, 9, -1])
        let tape = Tape()
        XCTAssertEqual(tape.variable(x).maxPool2d(kernel: 2).value.scalars, [5, 9])
    }

    func testActivations() {
        let x = randomTensor([4, 6], seed: 7, margin: 0.05)
        assertGradientsMatchFiniteDifferences([x]) { $0[0].relu() }
        assertGradientsMatchFiniteDifferences([x.scaled(by: 3)]) { $0[0].sigmoid() }
        assertGradientsMatchFiniteDifferences([x.scaled(by: 2)]) { $0[0].tanh() }
        assertGradientsMatchFiniteDifferences([x]) { $0[0].leakyReLU(slope: 0.1) }
    }

    func testLeakyReLUKeepsPositivesAndScalesTheRest() {
        // 37 values: two full 16-lane blocks and a tail.
        let x = Tensor(shape: [37], scalars: (0..<37).map { Float($0 - 18) / 4 })
        let y = Tape().variable(x).leakyReLU(slope: 0.25).value
        XCTAssertEqual(y.scalars, x.scalars.map { $0 > 0 ? $0 : 0.25 * $0 })
    }

    func testSoftmaxFamily() {
        let logits = randomTensor([3, 5], seed: 8).scaled(by: 3)
        assertGradientsMatchFiniteDifferences([logits]) { $0[0].softmax() }
        assertGradientsMatchFiniteDifferences([logits]) { $0[0].logSoftmax() }
        assertGradientsMatchFiniteDifferences([logits]) { $0[0].crossEntropy(labels: [0, 4, 2]) }
        assertGradientsMatchFiniteDifferences([logits]) { $0[0].crossEntropy(labels: [1, 1, 3], labelSmoothing: 0.1) }
        assertGradientsMatchFiniteDifferences([randomTensor([1, 2], seed: 9)]) { $0[0].crossEntropy(labels: [1]) }
    }

    /// Cross-entropy values computed once with numpy:
    /// `z = np.array([[1., 2., 3.], [0., -1., 0.5]]); m = z.max(1, keepdims=True)`,
    /// `lp = z - m - np.log(np.exp(z - m).sum(1, keepdims=True))`;
    /// plain: `-(lp[0,2] + lp[1,0]) / 2`; smoothing 0.3: `q = 0.1 + 0.7 * onehot`, `-(q * lp).sum() / 2`.
    func testCrossEntropyValues() {
        let tape = Tape()
        let z = tape.variable(Tensor(shape: [2, 3], scalars: [1, 2, 3, 0, -1, 0.5]))
        XCTAssertEqual(z.crossEntropy(labels: [2, 0]).value.scalar, 0.7558683, accuracy: 1e-5)
        XCTAssertEqual(z.crossEntropy(labels: [2, 0], labelSmoothing: 0.3).value.scalar, 0.9308683, accuracy: 1e-5)
    }

    func testBroadcastingArithmetic() {
        let a = randomTensor([2, 3], seed: 10)
        let row = randomTensor([3], seed: 11)
        assertGradientsMatchFiniteDifferences([a, row]) { $0[0] + $0[1] }
        assertGradientsMatchFiniteDifferences([a, row]) { $0[0] - $0[1] }
        assertGradientsMatchFiniteDifferences([a, row]) { $0[0] * $0[1] }
        assertGradientsMatchFiniteDifferences([a, row.map { $0 + 2 }]) { $0[0] / $0[1] }
        let image = randomTensor([2, 3, 2, 2], seed: 12)
        let channel = randomTensor([3, 1, 1], seed: 13)
        assertGradientsMatchFiniteDifferences([image, channel]) { $0[0] * $0[1] }
        assertGradientsMatchFiniteDifferences([image, channel.map { $0 + 3 }]) { $0[0] / $0[1] }
        assertGradientsMatchFiniteDifferences([a, Tensor(0.7)]) { $0[0] * $0[1] }
    }

    func testShapesAndReductions() {
        let x = randomTensor([2, 3, 4], seed: 14)
        assertGradientsMatchFiniteDifferences([x]) { $0[0].reshaped([6, 4]).tanh() }
        assertGradientsMatchFiniteDifferences([x]) { $0[0].flattened().sigmoid() }
        assertGradientsMatchFiniteDifferences([x]) { ($0[0] * $0[0]).sum() }
        assertGradientsMatchFiniteDifferences([x]) { ($0[0] * $0[0]).mean() }
        for axis in 0..<3 {
            assertGradientsMatchFiniteDifferences([x]) { ($0[0] * $0[0]).sum(alongAxis: axis) }
            assertGradientsMatchFiniteDifferences([x]) { $0[0].tanh().mean(alongAxis: axis) }
        }
    }

    func testBatchNormTrainingAndInference() {
        let gamma = randomTensor([3], seed: 15).map { $0 + 1.5 }
        let beta = randomTensor([3], seed: 16)
        for shape in [[4, 3], [2, 3, 3, 3], [1, 3, 2, 2]] {
            assertGradientsMatchFiniteDifferences(
                [randomTensor(shape, seed: 17), gamma, beta], step: 1e-2, tolerance: 2e-3
            ) {
                $0[0].batchNorm(scale: $0[1], shift: $0[2], running: nil).output.tanh()
            }
        }
        let running = (mean: randomTensor([3], seed: 18), variance: randomTensor([3], seed: 19).map { abs($0) + 0.5 })
        assertGradientsMatchFiniteDifferences([randomTensor([2, 3, 2, 2], seed: 20), gamma, beta]) {
            $0[0].batchNorm(scale: $0[1], shift: $0[2], running: running).output
        }
    }

    func testBatchNormTrainingNormalizesPerChannel() {
        let tape = Tape()
        let x = tape.variable(randomTensor([8, 2, 3, 3], seed: 21).map { $0 * 4 + 1 })
        let (y, stats) = x.batchNorm(
            scale: tape.variable(Tensor(repeating: 1, shape: [2])), shift: tape.variable(Tensor(zeros: [2])),
            running: nil)
        XCTAssertEqual(stats?.count, 72)
        for c in 0..<2 {
            var values: [Double] = []
            for n in 0..<8 { for s in 0..<9 { values.append(Double(y.value.scalars[(n * 2 + c) * 9 + s])) } }
            let mean = values.reduce(0, +) / 72
            let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 72
            XCTAssertEqual(mean, 0, accuracy: 1e-5)
            XCTAssertEqual(variance, 1, accuracy: 1e-3)
        }
    }

    func testDropoutMasksAndScales() {
        let x = randomTensor([20, 20], seed: 22, margin: 0.01)
        var generator = SeededGenerator(seed: 5)
        let tape = Tape()
        let y = tape.variable(x).dropout(rate: 0.25, generator: &generator).value
        let zeros = y.scalars.filter { $0 == 0 }.count
        XCTAssertGreaterThan(zeros, 60)
        XCTAssertLessThan(zeros, 140)
        for (a, b) in zip(x.scalars, y.scalars) where b != 0 { XCTAssertEqual(b, a / 0.75, accuracy: 1e-6) }
        assertGradientsMatchFiniteDifferences([x]) { variables in
            var g = SeededGenerator(seed: 5)
            return variables[0].dropout(rate: 0.25, generator: &g)
        }
    }
}
