import LoupeKernels
import XCTest

/// The batch-normalization kernels on every kernel path the CPU has, against naive `Double`
/// loops, on plane sizes with and without a partial last vector (1, 5, 16, 37, 64).
final class BatchNormalizationTests: XCTestCase {
    typealias Shape = (batch: Int, channels: Int, inner: Int)
    let shapes: [Shape] = [(3, 2, 1), (4, 3, 5), (2, 5, 16), (3, 2, 37), (5, 4, 64)]
    var paths: [KernelPath] { KernelPath.allCases.filter { $0 <= KernelPath.supported } }

    /// Values of mean `offset` and spread about 1, from a fixed linear congruential sequence.
    func values(_ count: Int, seed: UInt64, offset: Float = 0) -> [Float] {
        var state = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return offset + Float(Double(state >> 40) / Double(1 << 24) * 2 - 1)
        }
    }

    /// The indices of channel `c`'s values in `[batch, channels, inner]`.
    func indices(_ c: Int, batch: Int, channels: Int, inner: Int) -> [Int] {
        (0..<batch).flatMap { n in (0..<inner).map { (n * channels + c) * inner + $0 } }
    }

    func testStatisticsMatchDoubleLoops() {
        for path in paths {
            for (index, s) in shapes.enumerated() {
                // A large offset: the variance must not come from E[x^2] - E[x]^2.
                let x = values(s.batch * s.channels * s.inner, seed: UInt64(index), offset: 100)
                let kernels = BatchNormalization(batch: s.batch, channels: s.channels, inner: s.inner, path: path)
                var (mean, variance) = (
                    [Float](repeating: 0, count: s.channels), [Float](repeating: 0, count: s.channels)
                )
                kernels.statistics(x, mean: &mean, variance: &variance)
                for c in 0..<s.channels {
                    let own: [Double] = indices(c, batch: s.batch, channels: s.channels, inner: s.inner).map {
                        Double(x[$0])
                    }
                    let m: Double = own.reduce(0, +) / Double(own.count)
                    var v: Double = 0
                    for value in own { v += (value - m) * (value - m) }
                    v /= Double(own.count)
                    XCTAssertEqual(Double(mean[c]), m, accuracy: 1e-4, "\(path) \(s) channel \(c)")
                    XCTAssertEqual(Double(variance[c]), v, accuracy: 1e-4 * max(v, 1), "\(path) \(s) channel \(c)")
                }
            }
        }
    }

    func testAffineWithAndWithoutReLUAndResidual() {
        for path in paths {
            for (index, s) in shapes.enumerated() {
                let x = values(s.batch * s.channels * s.inner, seed: UInt64(10 + index))
                let residual = values(x.count, seed: UInt64(90 + index))
                let (scale, shift) = (values(s.channels, seed: 20), values(s.channels, seed: 21))
                let kernels = BatchNormalization(batch: s.batch, channels: s.channels, inner: s.inner, path: path)
                for (rectify, adds) in [(false, false), (true, false), (true, true)] {
                    var y = [Float](repeating: .nan, count: x.count)
                    residual.withUnsafeBufferPointer { r in
                        kernels.affine(
                            x, scale: scale, shift: shift, adding: adds ? r.baseAddress! : nil, rectify: rectify,
                            into: &y)
                    }
                    for c in 0..<s.channels {
                        for i in indices(c, batch: s.batch, channels: s.channels, inner: s.inner) {
                            let exact =
                                Double(x[i]) * Double(scale[c]) + Double(shift[c]) + (adds ? Double(residual[i]) : 0)
                            XCTAssertEqual(
                                Double(y[i]), rectify ? max(exact, 0) : exact, accuracy: 1e-6, "\(path) \(s)")
                        }
                    }
                }
            }
        }
    }

    func testGradientSumsAndInputGradient() {
        for path in paths {
            for (index, s) in shapes.enumerated() {
                let count = s.batch * s.channels * s.inner
                let (x, g) = (values(count, seed: UInt64(30 + index)), values(count, seed: UInt64(40 + index)))
                let mean = values(s.channels, seed: 60)
                let (a, b, k) = (
                    values(s.channels, seed: 61), values(s.channels, seed: 62), values(s.channels, seed: 63)
                )
                // The forward's affine map, whose rectified output masks the gradient.
                let (scale, shift) = (values(s.channels, seed: 64), values(s.channels, seed: 65))
                let kernels = BatchNormalization(batch: s.batch, channels: s.channels, inner: s.inner, path: path)
                for rectified in [false, true] {
                    var (sums, products) = (
                        [Double](repeating: 0, count: s.channels), [Double](repeating: 0, count: s.channels)
                    )
                    var dx = [Float](repeating: .nan, count: count)
                    scale.withUnsafeBufferPointer { sp in
                        shift.withUnsafeBufferPointer { hp in
                            let affine = rectified ? (scale: sp.baseAddress!, shift: hp.baseAddress!) : nil
                            kernels.gradientSums(
                                g, input: x, rectifiedBy: affine, mean: mean, sums: &sums, products: &products)
                            kernels.inputGradient(
                                g, input: x, rectifiedBy: affine, mean: mean, gradientScale: a, inputScale: b,
                                constant: k, into: &dx)
                        }
                    }
                    for c in 0..<s.channels {
                        var (sum, product) = (0.0, 0.0)
                        for i in indices(c, batch: s.batch, channels: s.channels, inner: s.inner) {
                            let output = Double(x[i]) * Double(scale[c]) + Double(shift[c])
                            let gradient = rectified && output <= 0 ? 0 : Double(g[i])
                            let centred = Double(x[i]) - Double(mean[c])
                            sum += gradient
                            product += gradient * centred
                            let exact = Double(a[c]) * gradient + Double(b[c]) * centred + Double(k[c])
                            XCTAssertEqual(Double(dx[i]), exact, accuracy: 1e-5, "\(path) \(s)")
                        }
                        XCTAssertEqual(sums[c], sum, accuracy: 1e-4, "\(path) \(s)")
                        XCTAssertEqual(products[c], product, accuracy: 1e-4, "\(path) \(s)")
                    }
                }
            }
        }
    }

    /// Channels computed in parts (as threads would share them) give the same bits as all at
    /// once, and a second run gives the same bits as the first.
    func testChannelSplitsAndRepeatsAreBitIdentical() {
        let s: Shape = (4, 6, 37)
        let x = values(s.batch * s.channels * s.inner, seed: 70, offset: 3)
        for path in paths {
            let kernels = BatchNormalization(batch: s.batch, channels: s.channels, inner: s.inner, path: path)
            func run(_ parts: [Range<Int>]) -> [Float] {
                var (mean, variance) = (
                    [Float](repeating: 0, count: s.channels), [Float](repeating: 0, count: s.channels)
                )
                var y = [Float](repeating: 0, count: x.count)
                for part in parts { kernels.statistics(x, mean: &mean, variance: &variance, channels: part) }
                for part in parts {
                    kernels.affine(x, scale: variance, shift: mean, rectify: true, into: &y, channels: part)
                }
                return mean + variance + y
            }
            let whole = run([0..<6])
            XCTAssertEqual(whole.map(\.bitPattern), run([0..<6]).map(\.bitPattern), "\(path)")
            XCTAssertEqual(whole.map(\.bitPattern), run([0..<1, 1..<4, 4..<6]).map(\.bitPattern), "\(path)")
        }
    }
}
