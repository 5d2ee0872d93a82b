import LoupeKernels
import XCTest

/// The padded lowering against im2col and naive sums.
final class ConvolutionLoweringTests: XCTestCase {
    func randomArray(_ count: Int, _ rng: inout SystemRandomNumberGenerator) -> [Float] {
        (0..<count).map { _ in Float.random(in: -1...1, using: &rng) }
    }

    /// Row `(c, ky, kx)` read at padded position `y * paddedWidth + x` is im2col's entry for
    /// output `(y, x)`, for every output position; positions past a row's outputs are not
    /// compared.
    func testPaddedRowsAreTheIm2colRows() {
        var rng = SystemRandomNumberGenerator()
        for (c, h, w, k, pad) in [(1, 28, 28, 3, 1), (3, 9, 13, 3, 1), (2, 8, 8, 5, 2), (2, 6, 7, 3, 0)] {
            let geometry = ConvolutionGeometry(
                channels: c, height: h, width: w, kernelHeight: k, kernelWidth: k, stride: 1, padding: pad)
            let image = randomArray(c * h * w, &rng)
            var columns = [Float](
                repeating: .nan, count: geometry.patchSize * geometry.outputHeight * geometry.outputWidth)
            geometry.im2col(image, into: &columns)
            var padded = [Float](repeating: 0, count: geometry.paddedImageCount)
            geometry.pad(image, into: &padded)
            let offsets = geometry.paddedRowOffsets()
            for row in 0..<geometry.patchSize {
                for y in 0..<geometry.outputHeight {
                    for x in 0..<geometry.outputWidth {
                        XCTAssertEqual(
                            padded[offsets[row] + y * geometry.paddedWidth + x],
                            columns[(row * geometry.outputHeight + y) * geometry.outputWidth + x])
                    }
                }
            }
            var back = [Float](repeating: .nan, count: image.count)
            geometry.unpad(padded, into: &back)
            XCTAssertEqual(back, image)
        }
    }

    /// `pad`, `unpad`, `compactOutputs` and `expandOutputs` against naive loops over the
    /// phase-split layout, for strides 1 to 3, kernels narrower and wider than the stride, and
    /// rows shorter than, equal to and past sixteen pixels (the stride-2 split's vector steps).
    /// Nothing outside the copied values is written.
    func testPaddingCopiesMatchNaiveLoops() {
        var rng = SystemRandomNumberGenerator()
        for (stride, kernel) in [(1, 3), (1, 1), (2, 3), (2, 1), (2, 2), (3, 2)] {
            for (h, w) in [(3, 1), (4, 7), (5, 16), (3, 17), (6, 31), (2, 32), (3, 33), (4, 50)] {
                for padding in 0...min(2, kernel) where w + 2 * padding >= kernel && h + 2 * padding >= kernel {
                    let g = ConvolutionGeometry(
                        channels: 2, height: h, width: w, kernelHeight: kernel, kernelWidth: kernel, stride: stride,
                        padding: padding)
                    let label = "stride \(stride) kernel \(kernel) \(h)x\(w) padding \(padding)"
                    let image = randomArray(g.channels * h * w, &rng)
                    // The naive layout: phase (a, b) row y column x holds pixel
                    // (a + stride * y - padding, b + stride * x - padding) when a tap reads the phase.
                    var want = [Float](repeating: 0, count: g.paddedImageCount)
                    for c in 0..<g.channels {
                        for a in 0..<stride where a < kernel {
                            for b in 0..<stride where b < kernel {
                                for y in 0..<g.phaseHeight {
                                    for x in 0..<g.phaseWidth {
                                        let (iy, ix) = (a + stride * y - padding, b + stride * x - padding)
                                        guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                                        want[(c * g.phases + a * stride + b) * g.paddedPlane + y * g.phaseWidth + x] =
                                            image[(c * h + iy) * w + ix]
                                    }
                                }
                            }
                        }
                    }
                    var padded = [Float](repeating: 0, count: g.paddedImageCount)
                    g.pad(image, into: &padded)
                    XCTAssertEqual(padded.map(\.bitPattern), want.map(\.bitPattern), label)
                    // unpad reads every pixel back from its phase (zero in a phase no tap reads).
                    var back = [Float](repeating: .nan, count: image.count)
                    g.unpad(padded, into: &back)
                    for c in 0..<g.channels {
                        for iy in 0..<h {
                            for ix in 0..<w {
                                let (py, px) = (iy + padding, ix + padding)
                                let phase = (c * g.phases + py % stride * stride + px % stride) * g.paddedPlane
                                XCTAssertEqual(
                                    back[(c * h + iy) * w + ix].bitPattern,
                                    padded[phase + py / stride * g.phaseWidth + px / stride].bitPattern, label)
                            }
                        }
                    }
                    if kernel >= stride { XCTAssertEqual(back.map(\.bitPattern), image.map(\.bitPattern), label) }
                    // Outputs to rows of padded positions and back; the gaps keep their sentinel.
                    let (oh, ow, rows) = (g.outputHeight, g.outputWidth, 3)
                    let outputs = randomArray(rows * oh * ow, &rng)
                    var lowered = [Float](repeating: -7, count: rows * g.paddedPositions)
                    g.expandOutputs(outputs, rows: rows, into: &lowered)
                    for r in 0..<rows {
                        for y in 0..<oh {
                            for x in 0..<g.phaseWidth {
                                XCTAssertEqual(
                                    lowered[r * g.paddedPositions + y * g.phaseWidth + x],
                                    x < ow ? outputs[(r * oh + y) * ow + x] : -7, label)
                            }
                        }
                    }
                    var compact = [Float](repeating: .nan, count: outputs.count)
                    g.compactOutputs(lowered, rows: rows, into: &compact)
                    XCTAssertEqual(compact.map(\.bitPattern), outputs.map(\.bitPattern), label)
                }
            }
        }
    }

    /// The direct and product weight gradients against a naive double sum, on every path: 9
    /// and 27 taps (one- and three-channel 3 x 3), leftover outputs and taps, the 288-tap
    /// product path, and the deep patches AVX-512 sums directly (resnet-mini's first stage,
    /// and 13 outputs over 540 positions).
    func testPaddedWeightGradientMatchesNaiveSum() {
        var rng = SystemRandomNumberGenerator()
        for path in KernelPath.allCases where path <= KernelPath.supported {
            for (c, h, w, outputs) in [
                (1, 28, 28, 32), (3, 10, 9, 6), (32, 14, 14, 64), (2, 5, 6, 5), (16, 32, 32, 16), (4, 20, 25, 13),
            ] {
                let geometry = ConvolutionGeometry(
                    channels: c, height: h, width: w, kernelHeight: 3, kernelWidth: 3, stride: 1, padding: 1)
                let positions = geometry.paddedPositions
                var padded = [Float](repeating: 0, count: geometry.paddedImageCount)
                geometry.pad(randomArray(c * h * w, &rng), into: &padded)
                var gradient = randomArray(outputs * positions, &rng)
                for o in 0..<outputs {  // zero past each row's outputs, as the lowering requires
                    for y in 0..<geometry.outputHeight {
                        for x in geometry.outputWidth..<geometry.paddedWidth {
                            gradient[o * positions + y * geometry.paddedWidth + x] = 0
                        }
                    }
                }
                let offsets = geometry.paddedRowOffsets()
                let start = randomArray(outputs * geometry.patchSize, &rng)
                var weights = start
                geometry.accumulatePaddedWeightGradient(
                    outputs: outputs, gradient: gradient, padded: padded, offsets: offsets, into: &weights, path: path)
                for o in 0..<outputs {
                    for j in 0..<geometry.patchSize {
                        var sum = Double(start[o * geometry.patchSize + j])
                        for q in 0..<positions {
                            sum += Double(gradient[o * positions + q]) * Double(padded[offsets[j] + q])
                        }
                        XCTAssertEqual(
                            Double(weights[o * geometry.patchSize + j]), sum,
                            accuracy: 1e-4 * Double(positions).squareRoot(),
                            "\(path) c=\(c) o=\(o) j=\(j)")
                    }
                }
            }
        }
    }

    /// The direct sums give each weight the same bits however the outputs are grouped: 16 (or
    /// 13) outputs at once, in blocks of four by four taps and four-output columns for the
    /// leftover taps (AVX2: two outputs by three taps, a last odd output alone), against one
    /// output at a time, where every weight is a single dot product.
    func testDirectWeightGradientIsTheSameForAnyOutputGrouping() {
        var rng = SystemRandomNumberGenerator()
        for path in KernelPath.allCases where path <= KernelPath.supported {
            for (c, outputs) in [(3, 16), (1, 13), (3, 13)] {
                let geometry = ConvolutionGeometry(
                    channels: c, height: 20, width: 30, kernelHeight: 3, kernelWidth: 3, stride: 1, padding: 1)
                let (positions, patch) = (geometry.paddedPositions, geometry.patchSize)
                XCTAssertTrue(geometry.sumsWeightGradientDirectly(outputs: outputs, path: path))
                XCTAssertTrue(geometry.sumsWeightGradientDirectly(outputs: 1, path: path))
                var padded = [Float](repeating: 0, count: geometry.paddedImageCount)
                geometry.pad(randomArray(c * 20 * 30, &rng), into: &padded)
                let gradient = randomArray(outputs * positions, &rng)
                let offsets = geometry.paddedRowOffsets()
                let start = randomArray(outputs * patch, &rng)
                var together = start
                geometry.accumulatePaddedWeightGradient(
                    outputs: outputs, gradient: gradient, padded: padded, offsets: offsets, into: &together, path: path)
                for o in 0..<outputs {
                    var alone = Array(start[(o * patch)..<((o + 1) * patch)])
                    geometry.accumulatePaddedWeightGradient(
                        outputs: 1, gradient: Array(gradient[(o * positions)..<((o + 1) * positions)]), padded: padded,
                        offsets: offsets, into: &alone, path: path)
                    XCTAssertEqual(
                        alone.map(\.bitPattern), together[(o * patch)..<((o + 1) * patch)].map(\.bitPattern),
                        "\(path) c=\(c) outputs=\(outputs) o=\(o)")
                }
            }
        }
    }

    /// `dWᵀ = patches * gᵀ` (the patches read in place as A) adds onto `dW` bit for bit what
    /// the product `g * patchesᵀ` adds: every path, one and several depth slices, stride 1
    /// and 2, outputs that fill column tiles and ragged ones, a non-zero `dW` to add onto.
    func testTransposedWeightGradientIsTheProductBitForBit() {
        var rng = SystemRandomNumberGenerator()
        for path in KernelPath.allCases where path <= KernelPath.supported {
            for (c, h, w, stride, outputs) in [
                (16, 32, 32, 1, 16), (16, 32, 32, 2, 32), (32, 16, 16, 1, 32), (5, 7, 9, 1, 5),
            ] {
                let geometry = ConvolutionGeometry(
                    channels: c, height: h, width: w, kernelHeight: 3, kernelWidth: 3, stride: stride, padding: 1)
                let positions = geometry.paddedPositions
                var padded = [Float](repeating: 0, count: geometry.paddedImageCount)
                geometry.pad(randomArray(c * h * w, &rng), into: &padded)
                let gradient = randomArray(outputs * positions, &rng)
                let offsets = geometry.paddedRowOffsets()
                let start = randomArray(outputs * geometry.patchSize, &rng)
                var expected = start
                GEMM.multiply(
                    transposeB: true, m: outputs, n: geometry.patchSize, k: positions, a: gradient, lda: positions,
                    b: padded, ldb: 0, beta: 1, c: &expected, ldc: geometry.patchSize, path: path, bRowOffsets: offsets)
                var weights = start
                var product = [Float](repeating: .nan, count: outputs * geometry.patchSize)
                geometry.accumulateTransposedWeightGradient(
                    outputs: outputs, gradient: gradient, padded: padded, offsets: offsets, into: &weights,
                    product: &product, path: path)
                XCTAssertEqual(
                    weights.map(\.bitPattern), expected.map(\.bitPattern),
                    "\(path) c=\(c) stride=\(stride) o=\(outputs)")
            }
        }
        // resnet-mini's first stage takes the transposed form on the 16-wide paths.
        let stage1 = ConvolutionGeometry(
            channels: 16, height: 32, width: 32, kernelHeight: 3, kernelWidth: 3, stride: 1, padding: 1)
        XCTAssertTrue(stage1.transposesWeightGradient(outputs: 16, path: .generic))
        XCTAssertFalse(stage1.transposesWeightGradient(outputs: 5, path: .generic))
    }

    /// Which layers sum their weight gradient directly: shallow patches on every path; on
    /// AVX-512 also up to 16 filters over at least 512 positions.
    func testDirectWeightGradientRule() {
        func geometry(_ c: Int, _ size: Int, stride: Int = 1) -> ConvolutionGeometry {
            ConvolutionGeometry(
                channels: c, height: size, width: size, kernelHeight: 3, kernelWidth: 3, stride: stride, padding: 1)
        }
        for path in KernelPath.allCases {
            XCTAssertTrue(geometry(3, 32).sumsWeightGradientDirectly(outputs: 16, path: path), "\(path) stem")
            XCTAssertFalse(geometry(32, 16).sumsWeightGradientDirectly(outputs: 32, path: path), "\(path) stage 2")
            XCTAssertFalse(geometry(16, 32).sumsWeightGradientDirectly(outputs: 32, path: path), "\(path) 32 filters")
            XCTAssertEqual(
                geometry(16, 32).sumsWeightGradientDirectly(outputs: 16, path: path), path == .avx512, "\(path) stage 1"
            )
        }
        // 16 x 16 outputs of a 16-filter layer: 288 positions, a product.
        XCTAssertFalse(geometry(16, 16).sumsWeightGradientDirectly(outputs: 16, path: .avx512))
        XCTAssertEqual(geometry(16, 32).paddedWeightGradientScratchCount(outputs: 16, path: .avx512), 0)
    }
}
