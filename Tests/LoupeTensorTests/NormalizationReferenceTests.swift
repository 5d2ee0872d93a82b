import LoupeRandom
import XCTest

@testable import LoupeTensor

/// Batch norm, global average pooling and the residual sum against naive `Double` loops and
/// the closed-form gradients, and the fused ReLU forms against the unfused operations, bit for bit.
final class NormalizationReferenceTests: XCTestCase {
    /// `[N, C, inner]` of `x`.
    func layout(_ shape: [Int]) -> (batch: Int, channels: Int, inner: Int) {
        (shape[0], shape[1], shape.count == 4 ? shape[2] * shape[3] : 1)
    }

    /// Mean, biased variance, output and (for the output gradient `g`) the gradients of batch
    /// norm, in `Double`; in inference mode with the given running statistics.
    func reference(
        _ x: Tensor, gamma: [Float], beta: [Float], g: Tensor, running: (mean: [Float], variance: [Float])?
    ) -> (mean: [Double], variance: [Double], y: [Double], dx: [Double], dGamma: [Double], dBeta: [Double]) {
        let (batch, channels, inner) = layout(x.shape)
        let count = Double(batch * inner)
        var (mean, variance) = ([Double](repeating: 0, count: channels), [Double](repeating: 0, count: channels))
        var (y, dx) = ([Double](repeating: 0, count: x.count), [Double](repeating: 0, count: x.count))
        var (dGamma, dBeta) = ([Double](repeating: 0, count: channels), [Double](repeating: 0, count: channels))
        for c in 0..<channels {
            let own = (0..<batch).flatMap { n in (0..<inner).map { (n * channels + c) * inner + $0 } }
            if let running {
                (mean[c], variance[c]) = (Double(running.mean[c]), Double(running.variance[c]))
            } else {
                mean[c] = own.reduce(0) { $0 + Double(x.scalars[$1]) } / count
                variance[c] = own.reduce(0) { $0 + pow(Double(x.scalars[$1]) - mean[c], 2) } / count
            }
            let inverseStd = 1 / (variance[c] + 1e-5).squareRoot()
            let h = own.map { (Double(x.scalars[$0]) - mean[c]) * inverseStd }
            for (i, index) in own.enumerated() { y[index] = Double(gamma[c]) * h[i] + Double(beta[c]) }
            dBeta[c] = own.reduce(0) { $0 + Double(g.scalars[$1]) }
            dGamma[c] = zip(own, h).reduce(0) { $0 + Double(g.scalars[$1.0]) * $1.1 }
            for (i, index) in own.enumerated() {
                let k = Double(gamma[c]) * inverseStd
                dx[index] =
                    running == nil
                    ? k * (Double(g.scalars[index]) - dBeta[c] / count - h[i] * dGamma[c] / count)
                    : k * Double(g.scalars[index])
            }
        }
        return (mean, variance, y, dx, dGamma, dBeta)
    }

    func assertClose(_ a: [Float], _ b: [Double], _ tolerance: Double, _ label: String) {
        XCTAssertEqual(a.count, b.count, label)
        let worst = zip(a, b).map { abs(Double($0) - $1) }.max() ?? 0
        XCTAssertLessThan(worst, tolerance, label)
    }

    func testBatchNormMatchesDoubleReferenceInTrainingAndInference() {
        let gamma = randomTensor([3], seed: 1).scalars.map { $0 + 1.5 }
        let beta = randomTensor([3], seed: 2).scalars
        let running = (
            mean: randomTensor([3], seed: 3).scalars, variance: randomTensor([3], seed: 4).scalars.map { abs($0) + 0.5 }
        )
        // Plane sizes with and without a partial vector, and [N, C]; a channel offset of 5.
        for shape in [[4, 3, 6, 6], [2, 3, 4, 4], [5, 3, 3, 7], [9, 3]] {
            let x = randomTensor(shape, seed: 5).map { $0 * 2 + 5 }
            let g = randomTensor(shape, seed: 6)
            for inference in [false, true] {
                let tape = Tape()
                let (input, scale, shift) = (
                    tape.variable(x), tape.variable(Tensor(shape: [3], scalars: gamma)),
                    tape.variable(Tensor(shape: [3], scalars: beta))
                )
                let (output, statistics) = input.batchNorm(
                    scale: scale, shift: shift,
                    running: inference
                        ? (Tensor(shape: [3], scalars: running.mean), Tensor(shape: [3], scalars: running.variance))
                        : nil)
                let gradients = tape.gradients(of: output, seed: g)
                let expected = reference(x, gamma: gamma, beta: beta, g: g, running: inference ? running : nil)
                let label = "\(shape) \(inference ? "inference" : "training")"
                if let statistics {
                    assertClose(statistics.mean.scalars, expected.mean, 1e-5, label)
                    assertClose(statistics.variance.scalars, expected.variance, 1e-5, label)
                }
                XCTAssertEqual(statistics == nil, inference)
                assertClose(output.value.scalars, expected.y, 2e-5, label)
                assertClose(gradients[input]!.scalars, expected.dx, 2e-5, label)
                assertClose(gradients[scale]!.scalars, expected.dGamma, 1e-4, label)
                assertClose(gradients[shift]!.scalars, expected.dBeta, 1e-4, label)
            }
        }
    }

    /// Values and gradients of `f` and `g` on the same inputs, as bit patterns.
    func bits(_ inputs: [Tensor], _ f: ([Variable]) -> Variable) -> [[UInt32]] {
        let tape = Tape()
        let variables = inputs.map { tape.variable($0) }
        let output = f(variables)
        let gradients = tape.gradients(of: output, seed: randomTensor(output.shape, seed: 77))
        return [output.value.scalars.map(\.bitPattern)] + variables.map { gradients[$0]!.scalars.map(\.bitPattern) }
    }

    func testFusedBatchNormReLUIsBitIdenticalToBatchNormThenReLU() {
        let parameters = [randomTensor([4], seed: 8).map { $0 + 1 }, randomTensor([4], seed: 9)]
        let running = (mean: randomTensor([4], seed: 10), variance: randomTensor([4], seed: 11).map { abs($0) + 0.5 })
        for shape in [[3, 4, 5, 5], [2, 4, 8, 8], [6, 4]] {
            let inputs = [randomTensor(shape, seed: 12)] + parameters
            for stats in [nil, running] {
                XCTAssertEqual(
                    bits(inputs) { $0[0].rectifiedBatchNorm(scale: $0[1], shift: $0[2], running: stats).output },
                    bits(inputs) { $0[0].batchNorm(scale: $0[1], shift: $0[2], running: stats).output.relu() },
                    "\(shape)")
            }
        }
    }

    /// Batch norm with a residual block's sum and ReLU in one pass has the values and the
    /// gradients (the input's, the parameters' and the residual's) of the three operations one
    /// after the other, bit for bit, in training and in inference mode.
    func testFusedBatchNormSumIsBitIdenticalToBatchNormThenRectifiedSum() {
        let parameters = [randomTensor([4], seed: 30).map { $0 + 1 }, randomTensor([4], seed: 31)]
        let running = (mean: randomTensor([4], seed: 32), variance: randomTensor([4], seed: 33).map { abs($0) + 0.5 })
        for shape in [[3, 4, 5, 5], [2, 4, 8, 8], [6, 4]] {
            let inputs = [randomTensor(shape, seed: 34)] + parameters + [randomTensor(shape, seed: 35)]
            for stats in [nil, running] {
                let fused = bits(inputs) {
                    $0[0].rectifiedBatchNormSum(scale: $0[1], shift: $0[2], running: stats, adding: $0[3]).output
                }
                XCTAssertEqual(
                    fused,
                    bits(inputs) {
                        $0[0].batchNorm(scale: $0[1], shift: $0[2], running: stats).output.rectifiedSum($0[3])
                    }, "\(shape)")
                // Some outputs rectified, some not: the mask is exercised.
                let zeros = fused[0].filter { $0 == 0 }.count
                XCTAssertTrue(zeros > 0 && zeros < fused[0].count, "\(shape)")
            }
        }
    }

    /// A frozen batch norm in inference mode (constant scale and shift, as in attribution and
    /// VoG) skips the sums that only its parameters' gradients need: the input gradient has
    /// the bits it has when the parameters are variables, plain and rectified.
    func testAFrozenBatchNormsInputGradientIsTheOneWithVariableParameters() {
        let (gamma, beta) = (randomTensor([4], seed: 20).map { $0 + 1 }, randomTensor([4], seed: 21))
        let running = (mean: randomTensor([4], seed: 22), variance: randomTensor([4], seed: 23).map { abs($0) + 0.5 })
        for shape in [[3, 4, 5, 5], [6, 4]] {
            let (x, seed) = (randomTensor(shape, seed: 24), randomTensor(shape, seed: 25))
            for rectify in [false, true] {
                func inputGradient(frozen: Bool) -> [UInt32] {
                    let tape = Tape()
                    let input = tape.variable(x)
                    let (scale, shift) =
                        frozen
                        ? (tape.constant(gamma), tape.constant(beta)) : (tape.variable(gamma), tape.variable(beta))
                    let output =
                        rectify
                        ? input.rectifiedBatchNorm(scale: scale, shift: shift, running: running).output
                        : input.batchNorm(scale: scale, shift: shift, running: running).output
                    return tape.gradients(of: output, seed: seed)[input]!.scalars.map(\.bitPattern)
                }
                XCTAssertEqual(inputGradient(frozen: true), inputGradient(frozen: false), "\(shape) \(rectify)")
            }
        }
    }

    func testRectifiedSumIsBitIdenticalToSumThenReLUAndMatchesFiniteDifferences() {
        for shape in [[2, 3, 5, 5], [1, 17]] {
            let inputs = [randomTensor(shape, seed: 13), randomTensor(shape, seed: 14)]
            XCTAssertEqual(bits(inputs) { $0[0].rectifiedSum($0[1]) }, bits(inputs) { ($0[0] + $0[1]).relu() })
        }
        // Sums kept away from the kink: both addends of one sign per element.
        let a = randomTensor([2, 3, 4, 4], seed: 15, margin: 0.1)
        let b = a.map { $0 * 0.5 }
        assertGradientsMatchFiniteDifferences([a, b], step: 1e-2) { $0[0].rectifiedSum($0[1]) }
    }

    func testGlobalAveragePoolingMatchesDoubleLoops() {
        for shape in [[2, 3, 8, 8], [1, 2, 5, 7], [3, 1, 1, 1]] {
            let x = randomTensor(shape, seed: 16).map { $0 + 3 }
            let spatial = shape[2] * shape[3]
            let tape = Tape()
            let input = tape.variable(x)
            let output = input.globalAvgPool()
            let g = randomTensor([shape[0], shape[1]], seed: 17)
            let dx = tape.gradients(of: output, seed: g)[input]!
            let planes = shape[0] * shape[1]
            let expected = (0..<planes).map { p in
                (0..<spatial).reduce(0.0) { $0 + Double(x.scalars[p * spatial + $1]) } / Double(spatial)
            }
            assertClose(output.value.scalars, expected, 1e-6, "\(shape)")
            assertClose(
                dx.scalars, (0..<x.count).map { Double(g.scalars[$0 / spatial]) / Double(spatial) }, 1e-7, "\(shape)")
        }
    }
}
