import LoupeRandom
import LoupeSupport
import LoupeTensor
import XCTest

/// The fused convolution + ReLU + 2 x 2 max pooling against the three operations.
final class ConvolutionBlockTests: XCTestCase {
    /// Small integers, so that convolution outputs tie within windows, are exactly zero or
    /// negative often: the cases where the choice of the gradient's cell matters.
    func integerTensor(_ shape: [Int], seed: UInt64) -> Tensor {
        var rng = SeededGenerator(seed: seed)
        return Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in Float(rng.nextInt(below: 3)) - 1 })
    }

    func run(
        fused: Bool, x: Tensor, w: Tensor, b: Tensor?, stride: Int = 1, padding: Int, seed g: Tensor?,
        inputIsConstant: Bool = false
    ) -> (output: Tensor, gradients: [Tensor?]) {
        let tape = Tape()
        let input = inputIsConstant ? tape.constant(x) : tape.variable(x)
        let (weight, bias) = (tape.variable(w), b.map { tape.variable($0) })
        let output =
            fused
            ? input.conv2dReLUMaxPool2x2(weight: weight, bias: bias, stride: stride, padding: padding)
            : input.conv2d(weight: weight, bias: bias, stride: stride, padding: padding).relu().maxPool2d(kernel: 2)
        let seed = g ?? Tensor(repeating: 1, shape: output.shape)
        let gradients = tape.gradients(of: output, seed: seed)
        return (output.value, [input, weight].map { gradients[$0] } + [bias.map { gradients[$0]! }])
    }

    func testFusedBlockEqualsConvolutionReLUMaxPoolBitForBit() {
        let cases: [(x: [Int], w: [Int], stride: Int, padding: Int, bias: Bool)] = [
            ([2, 1, 28, 28], [8, 1, 3, 3], 1, 1, true),  // the cnn's first block, fewer channels
            ([3, 4, 14, 14], [6, 4, 3, 3], 1, 1, true),  // its second block
            ([2, 3, 10, 18], [5, 3, 3, 3], 1, 1, false),  // no bias, rectangular
            ([2, 2, 10, 10], [3, 2, 3, 3], 1, 0, true),  // 8 x 8 output, no padding
            ([2, 2, 12, 12], [3, 2, 5, 5], 1, 2, true),  // 5 x 5 kernel
            ([2, 2, 32, 32], [3, 2, 3, 3], 2, 1, true),  // stride 2: patches copied out (im2col)
            ([2, 2, 7, 9], [3, 2, 3, 3], 1, 1, true),  // odd output: the three operations
        ]
        for (index, shapes) in cases.enumerated() {
            let seed = UInt64(index * 10)
            let x = integerTensor(shapes.x, seed: seed + 1)
            let w = integerTensor(shapes.w, seed: seed + 2)
            let b = shapes.bias ? integerTensor([shapes.w[0]], seed: seed + 3) : nil
            let out = (shapes.x[2] + 2 * shapes.padding - shapes.w[2]) / shapes.stride + 1
            let outW = (shapes.x[3] + 2 * shapes.padding - shapes.w[3]) / shapes.stride + 1
            let g = integerTensor([shapes.x[0], shapes.w[0], out / 2, outW / 2], seed: seed + 4)
            let fused = run(fused: true, x: x, w: w, b: b, stride: shapes.stride, padding: shapes.padding, seed: g)
            let plain = run(fused: false, x: x, w: w, b: b, stride: shapes.stride, padding: shapes.padding, seed: g)
            XCTAssertEqual(fused.output, plain.output, "case \(index)")
            XCTAssertEqual(fused.gradients, plain.gradients, "case \(index)")
            XCTAssertTrue(fused.output.scalars.contains(0) && fused.output.scalars.contains { $0 > 0 })
        }
    }

    /// With general values the weight and bias gradients, sums that the fused block takes in
    /// another order (over padded rows of positions; over pooled windows), agree to float
    /// rounding; values and the input gradient stay equal.
    func testFusedBlockOnRandomValues() {
        for (xShape, wShape) in [([3, 1, 28, 28], [8, 1, 3, 3]), ([3, 5, 14, 14], [7, 5, 3, 3])] {
            let x = randomTensor(xShape, seed: 11)
            let w = randomTensor(wShape, seed: 12)
            let b = randomTensor([wShape[0]], seed: 13)
            let g = randomTensor([xShape[0], wShape[0], xShape[2] / 2, xShape[3] / 2], seed: 14)
            let fused = run(fused: true, x: x, w: w, b: b, padding: 1, seed: g)
            let plain = run(fused: false, x: x, w: w, b: b, padding: 1, seed: g)
            XCTAssertEqual(fused.output, plain.output)
            XCTAssertEqual(fused.gradients[0], plain.gradients[0])
            for parameter in [1, 2] {  // weight and bias: sums in another order
                let (a, e) = (fused.gradients[parameter]!.scalars, plain.gradients[parameter]!.scalars)
                let scale = e.map(abs).max()!
                XCTAssertLessThan(zip(a, e).map { abs($0 - $1) }.max()!, 1e-5 * scale, "\(xShape) \(parameter)")
            }
        }
    }

    /// With a constant input (the first layer of a network) only weight and bias gradients
    /// are computed, and they still match.
    func testConstantInputGetsNoGradient() {
        let x = integerTensor([2, 1, 12, 12], seed: 7)
        let w = integerTensor([4, 1, 3, 3], seed: 8)
        let b = integerTensor([4], seed: 9)
        let fused = run(fused: true, x: x, w: w, b: b, padding: 1, seed: nil, inputIsConstant: true)
        let plain = run(fused: false, x: x, w: w, b: b, padding: 1, seed: nil, inputIsConstant: true)
        XCTAssertNil(fused.gradients[0])
        XCTAssertEqual(fused.gradients, plain.gradients)
        XCTAssertEqual(fused.output, plain.output)
    }
}
