import LoupeKernels
import XCTest

/// The pooling kernels against naive loops, on values from a small set so that windows have
/// tied maxima (the gradient must go to the first, row-major) and sums are exact.
final class MaxPoolingTests: XCTestCase {
    var generator = SystemRandomNumberGenerator()

    func values(_ count: Int) -> [Float] {
        (0..<count).map { _ in Float(Int.random(in: -3...3, using: &generator)) / 2 }
    }

    /// Naive pooling: each window's maximum and the offset (from the plane) of its first maximum.
    func naive(_ x: [Float], planes: Int, height h: Int, width w: Int, kernel: Int, stride: Int)
        -> (maximum: [Float], first: [Int])
    {
        let (oh, ow) = ((h - kernel) / stride + 1, (w - kernel) / stride + 1)
        var (maximum, first) = ([Float](), [Int]())
        for p in 0..<planes {
            for oy in 0..<oh {
                for ox in 0..<ow {
                    var best = (value: -Float.infinity, index: -1)
                    for ky in 0..<kernel {
                        for kx in 0..<kernel {
                            let index = p * h * w + (oy * stride + ky) * w + ox * stride + kx
                            if x[index] > best.value { best = (x[index], index) }
                        }
                    }
                    maximum.append(best.value)
                    first.append(best.index)
                }
            }
        }
        return (maximum, first)
    }

    func testGeneralWindowsAndGradients() {
        let shapes = [
            (3, 6, 20, 2, 2), (2, 7, 9, 2, 2), (2, 5, 40, 2, 2), (2, 7, 8, 3, 2), (1, 6, 6, 3, 1), (2, 4, 5, 2, 1),
        ]
        for (planes, h, w, kernel, stride) in shapes {
            let x = values(planes * h * w)
            let expected = naive(x, planes: planes, height: h, width: w, kernel: kernel, stride: stride)
            var y = [Float](repeating: .nan, count: expected.maximum.count)
            MaxPooling.forward(x, planes: planes, height: h, width: w, kernel: kernel, stride: stride, into: &y)
            XCTAssertEqual(y, expected.maximum, "\(planes) x \(h) x \(w), kernel \(kernel), stride \(stride)")
            let g = values(y.count)
            var d = [Float](repeating: 0, count: x.count)
            MaxPooling.backward(
                x, maximum: y, gradient: g, planes: planes, height: h, width: w, kernel: kernel, stride: stride,
                into: &d)
            var naiveGradient = [Float](repeating: 0, count: x.count)
            for (window, index) in expected.first.enumerated() { naiveGradient[index] += g[window] }
            XCTAssertEqual(d, naiveGradient, "\(planes) x \(h) x \(w), kernel \(kernel), stride \(stride)")
        }
    }

    func testWindowPairsAndTheirGradients() {
        for (planes, h, w) in [
            (1, 2, 8), (3, 4, 8), (2, 6, 24), (4, 2, 10), (2, 8, 28), (2, 4, 34), (1, 6, 64), (3, 2, 40),
        ] {
            let x = values(planes * h * w)
            let pairs = planes * h / 2
            let expected = naive(x, planes: planes, height: h, width: w, kernel: 2, stride: 2)
            for rectifying in [false, true] {
                var y = [Float](repeating: .nan, count: expected.maximum.count)
                var windows = [Float](repeating: .nan, count: y.count)
                MaxPooling.windowPairs(
                    x, pairs: pairs, rowLength: w, width: w, rectifying: rectifying, into: &y, windows: &windows)
                XCTAssertEqual(y, expected.maximum.map { rectifying ? max($0, 0) : $0 })
                let firstInWindow = expected.first.map { index in Float((index / w) % 2 * 2 + index % w % 2) }
                XCTAssertEqual(windows, firstInWindow)
                for path in KernelPath.allCases where path <= KernelPath.supported {
                    var (pathY, pathWindows) = (
                        [Float](repeating: .nan, count: y.count), [Float](repeating: .nan, count: y.count)
                    )
                    MaxPooling.windowPairs(
                        x, pairs: pairs, rowLength: w, width: w, rectifying: rectifying, into: &pathY,
                        windows: &pathWindows, path: path)
                    XCTAssertEqual(pathY.map(\.bitPattern), y.map(\.bitPattern), "\(path)")
                    XCTAssertEqual(pathWindows, windows, "\(path)")
                    var unrecorded = [Float](repeating: .nan, count: y.count)
                    MaxPooling.windowPairs(
                        x, pairs: pairs, rowLength: w, width: w, rectifying: rectifying, into: &unrecorded,
                        windows: nil, path: path)
                    XCTAssertEqual(unrecorded.map(\.bitPattern), y.map(\.bitPattern), "\(path) without recording")
                }
                let g = values(y.count)
                var d = [Float](repeating: .nan, count: x.count)
                MaxPooling.windowPairGradients(
                    x, maximum: y, gradient: g, pairs: pairs, width: w, rectified: rectifying, into: &d)
                var naiveGradient = [Float](repeating: 0, count: x.count)
                for (window, index) in expected.first.enumerated() where !rectifying || y[window] > 0 {
                    naiveGradient[index] = g[window]
                }
                XCTAssertEqual(d, naiveGradient, "\(planes) x \(h) x \(w), rectifying \(rectifying)")
            }
        }
    }

    /// A bias added as the windows are read is, bit for bit and on every path, the bias
    /// added to every value first (one value per `pairsPerBias` row pairs), ties and signed
    /// zeros included; without one, -0 stays -0.
    func testWindowPairsAddingABiasEqualTheBiasAddedFirst() {
        for (channels, pairsPerChannel, width, rowLength) in [
            (3, 2, 8, 10), (2, 7, 28, 30), (4, 1, 14, 16), (2, 3, 40, 40),
        ] {
            let pairs = channels * pairsPerChannel
            // Values and biases in halves: their sums are exact, many windows tie, and some
            // sums are -0 + -0 or 0.5 + -0.5.
            let x = values(2 * pairs * rowLength).map { $0 == 0 ? -0.0 : $0 }
            let bias = (0..<channels).map { [-0.0, 0.5, -1.5, 1][$0 % 4] } as [Float]
            var shifted = x
            for index in x.indices { shifted[index] += bias[index / (2 * pairsPerChannel * rowLength)] }
            let count = pairs * width / 2
            for path in KernelPath.allCases where path <= KernelPath.supported {
                for rectifying in [false, true] {
                    var (expected, expectedWindows) = (
                        [Float](repeating: .nan, count: count), [Float](repeating: .nan, count: count)
                    )
                    MaxPooling.windowPairs(
                        shifted, pairs: pairs, rowLength: rowLength, width: width, rectifying: rectifying,
                        into: &expected, windows: &expectedWindows, path: path)
                    var (y, windows) = ([Float](repeating: .nan, count: count), [Float](repeating: .nan, count: count))
                    MaxPooling.windowPairs(
                        x, pairs: pairs, rowLength: rowLength, width: width, rectifying: rectifying, bias: bias,
                        pairsPerBias: pairsPerChannel, into: &y, windows: &windows, path: path)
                    let label = "\(channels) x \(pairsPerChannel) pairs of \(width), \(path), rectifying \(rectifying)"
                    XCTAssertEqual(y.map(\.bitPattern), expected.map(\.bitPattern), label)
                    XCTAssertEqual(windows, expectedWindows, label)
                }
                var unbiased = [Float](repeating: .nan, count: count)
                MaxPooling.windowPairs(
                    [Float](repeating: -0.0, count: 2 * pairs * rowLength), pairs: pairs, rowLength: rowLength,
                    width: width, rectifying: false, into: &unbiased, windows: nil, path: path)
                XCTAssertTrue(unbiased.allSatisfy { $0 == 0 && $0.sign == .minus }, "\(path): -0 without a bias")
            }
        }
    }

    /// The fused block's layout: convolution rows `rowLength` apart with unused cells after
    /// each row's outputs; the gradient leaves those cells at zero.
    func testRecordedWindowGradientsAndBiasSums() {
        for (pairs, width, rowLength) in [(1, 8, 8), (3, 8, 10), (5, 26, 30), (4, 12, 12), (3, 36, 40), (2, 32, 33)] {
            let rows = 2 * pairs
            var x = [Float](repeating: 0, count: rows * rowLength)
            for row in 0..<rows {
                for column in 0..<width { x[row * rowLength + column] = values(1)[0] }
            }
            let count = pairs * width / 2
            var y = [Float](repeating: .nan, count: count)
            var windows = [Float](repeating: .nan, count: count)
            MaxPooling.windowPairs(
                x, pairs: pairs, rowLength: rowLength, width: width, rectifying: true, into: &y, windows: &windows)
            for path in KernelPath.allCases where path <= KernelPath.supported {
                var (pathY, pathWindows) = (
                    [Float](repeating: .nan, count: count), [Float](repeating: .nan, count: count)
                )
                MaxPooling.windowPairs(
                    x, pairs: pairs, rowLength: rowLength, width: width, rectifying: true, into: &pathY,
                    windows: &pathWindows, path: path)
                XCTAssertEqual(pathY.map(\.bitPattern), y.map(\.bitPattern), "\(path)")
                XCTAssertEqual(pathWindows, windows, "\(path)")
            }
            let g = values(count)
            var d = [Float](repeating: 0, count: x.count)
            MaxPooling.recordedWindowGradients(
                g, maximum: y, windows: windows, pairs: pairs, width: width, rowLength: rowLength, into: &d)
            var naiveGradient = [Float](repeating: 0, count: x.count)
            var naiveSum: Float = 0
            for pair in 0..<pairs {
                for ox in 0..<width / 2 {
                    let window = pair * width / 2 + ox
                    let cells = [0, 1, rowLength, rowLength + 1].map { pair * 2 * rowLength + 2 * ox + $0 }
                    let maximum = cells.map { x[$0] }.max()!
                    let first = cells.first { x[$0] == maximum }!
                    XCTAssertEqual(y[window], max(maximum, 0))
                    if maximum > 0 {
                        naiveGradient[first] = g[window]
                        naiveSum += g[window]
                    }
                }
            }
            XCTAssertEqual(d, naiveGradient, "\(pairs) pairs of \(width) in rows of \(rowLength)")
            XCTAssertEqual(MaxPooling.rectifiedSum(g, maximum: y, count: count), naiveSum)
        }
    }

    /// Signed zeros and NaN, where a maximum depends on which operand a comparison keeps: every
    /// path keeps the same one, so the pooled values and recorded windows are the same bits.
    func testWindowPairsKeepTheSameOperandOnEveryPath() {
        let choices: [Float] = [0, -0, 1, -1, .nan, .infinity, -.infinity]
        for (pairs, width, rowLength) in [(4, 8, 8), (3, 34, 36), (2, 64, 64)] {
            let x = (0..<(2 * pairs * rowLength)).map { _ in choices.randomElement(using: &generator)! }
            let count = pairs * width / 2
            for rectifying in [false, true] {
                var results: [(KernelPath, [UInt32], [UInt32])] = []
                for path in KernelPath.allCases where path <= KernelPath.supported {
                    var (y, windows) = ([Float](repeating: 7, count: count), [Float](repeating: 7, count: count))
                    MaxPooling.windowPairs(
                        x, pairs: pairs, rowLength: rowLength, width: width, rectifying: rectifying, into: &y,
                        windows: &windows, path: path)
                    results.append((path, y.map(\.bitPattern), windows.map(\.bitPattern)))
                }
                for (path, y, windows) in results.dropFirst() {
                    XCTAssertEqual(y, results[0].1, "\(path) against \(results[0].0), rectifying \(rectifying)")
                    XCTAssertEqual(windows, results[0].2, "\(path) against \(results[0].0)")
                }
            }
        }
    }
}
