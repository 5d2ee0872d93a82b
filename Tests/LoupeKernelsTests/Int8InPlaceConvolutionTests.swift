import XCTest

@testable import LoupeKernels

/// The integer pipeline's kernels against naive loops: a convolution read in place from a padded
/// channels-last image (`Int8ConvolutionLayout` + `Int8GEMM`), and the requantization between
/// layers (`Int8Requantization`), on every path the CPU can run.
final class Int8InPlaceConvolutionTests: XCTestCase {
    /// Shapes with one, two, three, six and many channels, 1x1, 2x2, 3x3 and 5x5 kernels,
    /// strides 1 and 2, with and without padding; zero points at both ends of the range.
    func testConvolutionReadInPlaceMatchesTheNaiveConvolution() {
        var numbers = TestNumbers(state: 41)
        let shapes = [
            (1, 5, 5, 3, 1, 1), (3, 7, 6, 3, 2, 1), (2, 4, 9, 2, 1, 0), (2, 6, 5, 5, 2, 2), (32, 9, 10, 3, 1, 1),
            (6, 5, 7, 1, 1, 0), (16, 8, 8, 1, 2, 0), (5, 3, 3, 3, 1, 2), (64, 4, 4, 3, 1, 1),
        ]
        for ((channels, height, width, kernel, stride, padding), zeroPoint) in zip(
            shapes, [-128, 0, 127, -5, 9, 3, -60, 100, 1])
        {
            let geometry = ConvolutionGeometry(
                channels: channels, height: height, width: width, kernelHeight: kernel, kernelWidth: kernel,
                stride: stride, padding: padding)
            let layout = Int8ConvolutionLayout(geometry)
            let outputs = 1 + numbers.next(40)
            let image = (0..<(channels * height * width)).map { _ in numbers.int8() }
            let weights = (0..<(outputs * geometry.patchSize)).map { _ in numbers.int8() }
            // The padded image: the fill (the zero point's code) outside, and random slack.
            var padded = [UInt8](repeating: UInt8(zeroPoint + 128), count: layout.imageBytes!)
            for i in (padded.count - 3)..<padded.count { padded[i] = UInt8(numbers.next(256)) }
            for c in 0..<channels {
                for y in 0..<height {
                    for x in 0..<width {
                        padded[layout.offset(y: y, x: x) + c] = UInt8(Int(image[(c * height + y) * width + x]) + 128)
                    }
                }
            }
            var expected: [Int32] = []
            for oy in 0..<geometry.outputHeight {
                for ox in 0..<geometry.outputWidth {
                    for o in 0..<outputs {
                        var sum = 0
                        for c in 0..<channels {
                            for ky in 0..<kernel {
                                for kx in 0..<kernel {
                                    let (y, x) = (oy * stride - padding + ky, ox * stride - padding + kx)
                                    let inside = y >= 0 && y < height && x >= 0 && x < width
                                    let value = inside ? Int(image[(c * height + y) * width + x]) : zeroPoint
                                    sum += value * Int(weights[((o * channels + c) * kernel + ky) * kernel + kx])
                                }
                            }
                        }
                        expected.append(Int32(sum))
                    }
                }
            }
            let reordered = weights.withUnsafeBufferPointer { layout.weightsInQuadOrder($0, outputs: outputs) }
            XCTAssertEqual(reordered.count, outputs * 4 * layout.quads)
            XCTAssertEqual(reordered.map { Int($0) }.reduce(0, +), weights.map { Int($0) }.reduce(0, +))
            let positions = geometry.outputHeight * geometry.outputWidth
            for path in IntegerKernelPath.runnable {
                let packed = reordered.withUnsafeBufferPointer {
                    Int8PackedWeights($0, outputs: outputs, inputs: 4 * layout.quads, path: path)!
                }
                var sums = [Int32](repeating: 7, count: positions * outputs)
                Int8GEMM.multiply(
                    m: positions, a: padded, rowOffsets: layout.rowOffsets, quadOffsets: layout.quadOffsets,
                    weights: packed, c: &sums, ldc: outputs)
                XCTAssertEqual(sums, expected, "\(path) \(geometry)")
            }
        }
    }

    /// The requantization equals its formula evaluated in Swift, element by element: with and
    /// without pooling (odd sizes drop their last row and column) and ReLU, to codes and to
    /// floats, channels-last and channel-major outputs, channel counts that are not multiples
    /// of 16, and sums that clamp at both ends of the code range.
    func testRequantizationMatchesItsFormula() {
        var numbers = TestNumbers(state: 5)
        var seen = Set<UInt8>()
        for (height, width, channels, pool, relu) in [
            (4, 6, 16, 2, true), (5, 7, 21, 2, false), (3, 1, 5, 1, true), (1, 1, 40, 1, false), (9, 9, 33, 2, true),
        ] {
            let ldc = channels + numbers.next(3)
            let sums = (0..<(height * width * ldc)).map { _ in Int32(numbers.next(200_001) - 100_000) }
            let corrections = (0..<channels).map { _ in Int32(numbers.next(2001) - 1000) }
            let rescales = (0..<channels).map { _ in Float(numbers.next(1000) + 1) * 1e-8 }
            let offsets = (0..<channels).map { _ in Float(numbers.next(2001) - 1000) * 1e-4 }
            let (scale, zeroPoint) = (Float(0.004), -17)
            let (ph, pw) = (height / pool, width / pool)
            func value(_ y: Int, _ x: Int, _ c: Int) -> Float {
                var best = Int32.min
                for dy in 0..<pool {
                    for dx in 0..<pool {
                        best = max(best, sums[((y * pool + dy) * width + x * pool + dx) * ldc + c] &- corrections[c])
                    }
                }
                let v = Float(best) * rescales[c] + offsets[c]
                return relu ? (v > 0 ? v : 0) : v
            }
            for channelMajor in [false, true] {
                let (rowStride, columnStride, channelStride) =
                    channelMajor ? (pw, 1, ph * pw) : (pw * channels, channels, 1)
                let requantization = Int8Requantization(
                    height: height, width: width, ldc: ldc, pool: pool, corrections: corrections, rescales: rescales,
                    offsets: offsets, relu: relu, rowStride: rowStride, columnStride: columnStride,
                    channelStride: channelStride)
                var expectedCodes = [UInt8](repeating: 0, count: ph * pw * channels)
                var expectedValues = [Float](repeating: 0, count: ph * pw * channels)
                for y in 0..<ph {
                    for x in 0..<pw {
                        for c in 0..<channels {
                            let v = value(y, x, c)
                            let code = min(max((v / scale).rounded(.toNearestOrEven) + Float(zeroPoint), -128), 127)
                            let at = y * rowStride + x * columnStride + c * channelStride
                            (expectedCodes[at], expectedValues[at]) = (UInt8(Int(code) + 128), v)
                        }
                    }
                }
                seen.formUnion(expectedCodes)
                for path in IntegerKernelPath.runnable {
                    var codes = [UInt8](repeating: 0, count: expectedCodes.count)
                    var values = [Float](repeating: 0, count: expectedValues.count)
                    requantization.codes(sums, scale: scale, zeroPoint: zeroPoint, into: &codes, path: path)
                    requantization.values(sums, into: &values, path: path)
                    let label = "\(path) \(height)x\(width)x\(channels) pool \(pool) relu \(relu) \(channelMajor)"
                    XCTAssertEqual(codes, expectedCodes, label)
                    XCTAssertEqual(values.map(\.bitPattern), expectedValues.map(\.bitPattern), label)
                }
            }
        }
        // Codes clamped at both ends and many in between.
        XCTAssertTrue(seen.contains(0) && seen.contains(255) && seen.count > 100, "\(seen.count) codes")
    }
}
