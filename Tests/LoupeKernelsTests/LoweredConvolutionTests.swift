import LoupeKernels
import XCTest

/// `LoweredConvolution`'s three passes against naive direct-convolution loops in Double, on
/// every kernel path, for the strides, kernels and paddings of resnet-mini and odd sizes; the
/// forward pass and the lowered input gradient against the im2col formulation bit for bit.
final class LoweredConvolutionTests: XCTestCase {
    struct Case {
        var batch, channels, height, width, outChannels, kernelHeight, kernelWidth, stride, padding: Int
        var geometry: ConvolutionGeometry {
            ConvolutionGeometry(
                channels: channels, height: height, width: width, kernelHeight: kernelHeight,
                kernelWidth: kernelWidth, stride: stride, padding: padding)
        }
    }

    static let cases: [Case] = [
        // (batch, C, H, W, O, KH, KW, stride, padding)
        Case(
            batch: 2, channels: 3, height: 9, width: 9, outChannels: 16, kernelHeight: 3, kernelWidth: 3, stride: 1,
            padding: 1),
        Case(
            batch: 2, channels: 16, height: 8, width: 8, outChannels: 16, kernelHeight: 3, kernelWidth: 3, stride: 1,
            padding: 1),
        Case(
            batch: 1, channels: 9, height: 7, width: 5, outChannels: 6, kernelHeight: 3, kernelWidth: 3, stride: 1,
            padding: 0),
        Case(
            batch: 2, channels: 16, height: 9, width: 11, outChannels: 32, kernelHeight: 3, kernelWidth: 3, stride: 2,
            padding: 1),
        Case(
            batch: 1, channels: 8, height: 10, width: 10, outChannels: 16, kernelHeight: 3, kernelWidth: 3, stride: 2,
            padding: 0),
        Case(
            batch: 2, channels: 16, height: 9, width: 8, outChannels: 32, kernelHeight: 1, kernelWidth: 1, stride: 2,
            padding: 0),
        Case(
            batch: 1, channels: 12, height: 6, width: 7, outChannels: 5, kernelHeight: 1, kernelWidth: 1, stride: 1,
            padding: 0),
        Case(
            batch: 1, channels: 4, height: 7, width: 9, outChannels: 3, kernelHeight: 1, kernelWidth: 1, stride: 2,
            padding: 1),
        // Stride 2 over rows of 37 and 34 pixels: split sixteen at a time into the phases, from
        // odd (padding 1) and even (padding 0) padded columns, then the ragged ends.
        Case(
            batch: 1, channels: 3, height: 6, width: 37, outChannels: 4, kernelHeight: 3, kernelWidth: 3, stride: 2,
            padding: 1),
        Case(
            batch: 2, channels: 2, height: 5, width: 34, outChannels: 4, kernelHeight: 3, kernelWidth: 3, stride: 2,
            padding: 0),
        // Output rows of 25: a full sixteen, then eight, then one.
        Case(
            batch: 1, channels: 4, height: 5, width: 25, outChannels: 8, kernelHeight: 3, kernelWidth: 3, stride: 1,
            padding: 1),
        Case(
            batch: 1, channels: 2, height: 11, width: 10, outChannels: 3, kernelHeight: 3, kernelWidth: 2, stride: 3,
            padding: 1),
        Case(
            batch: 1, channels: 40, height: 5, width: 5, outChannels: 40, kernelHeight: 3, kernelWidth: 3, stride: 1,
            padding: 1),
        // Wide stride-1 layers, whose input gradient takes Winograd's form where training does
        // (`WinogradConvolution.trains(on:)`): as wide as the input, and narrowing; and the
        // weight gradient too from 64 channels.
        Case(
            batch: 2, channels: 32, height: 7, width: 6, outChannels: 32, kernelHeight: 3, kernelWidth: 3, stride: 1,
            padding: 1),
        Case(
            batch: 1, channels: 48, height: 5, width: 9, outChannels: 32, kernelHeight: 3, kernelWidth: 3, stride: 1,
            padding: 1),
        Case(
            batch: 2, channels: 64, height: 5, width: 6, outChannels: 64, kernelHeight: 3, kernelWidth: 3, stride: 1,
            padding: 1),
        // Rows of sixteen pixels and more at stride 2 (split sixteen at a time), both paddings.
        Case(
            batch: 1, channels: 3, height: 5, width: 37, outChannels: 4, kernelHeight: 3, kernelWidth: 3, stride: 2,
            padding: 1),
        Case(
            batch: 1, channels: 2, height: 4, width: 35, outChannels: 3, kernelHeight: 3, kernelWidth: 3, stride: 2,
            padding: 0),
        Case(
            batch: 2, channels: 3, height: 4, width: 33, outChannels: 5, kernelHeight: 1, kernelWidth: 1, stride: 2,
            padding: 0),
    ]

    func random(_ count: Int, seed: UInt64) -> [Float] {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Double(state >> 40) / Double(1 << 24) * 2 - 1)
        }
    }

    /// Calls `body(n, o, c, oy, ox, iy, ix, tap)` for every product term of the convolution.
    func forEachTerm(_ t: Case, _ body: (Int, Int, Int, Int, Int, Int, Int, Int) -> Void) {
        let g = t.geometry
        for n in 0..<t.batch {
            for o in 0..<t.outChannels {
                for oy in 0..<g.outputHeight {
                    for ox in 0..<g.outputWidth {
                        for c in 0..<t.channels {
                            for ky in 0..<t.kernelHeight {
                                for kx in 0..<t.kernelWidth {
                                    let (iy, ix) = (oy * t.stride - t.padding + ky, ox * t.stride - t.padding + kx)
                                    guard iy >= 0, iy < t.height, ix >= 0, ix < t.width else { continue }
                                    body(n, o, c, oy, ox, iy, ix, (c * t.kernelHeight + ky) * t.kernelWidth + kx)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    func testPassesMatchDirectConvolution() {
        for path in KernelPath.allCases where path <= KernelPath.supported {
            for (index, t) in Self.cases.enumerated() {
                let g = t.geometry
                let (oh, ow, patch) = (g.outputHeight, g.outputWidth, g.patchSize)
                let imageSize = t.channels * t.height * t.width
                let x = random(t.batch * imageSize, seed: UInt64(index))
                let w = random(t.outChannels * patch, seed: UInt64(index) + 100)
                let bias = random(t.outChannels, seed: UInt64(index) + 200)
                let dy = random(t.batch * t.outChannels * oh * ow, seed: UInt64(index) + 300)
                var (y, yd) = ([Float](repeating: .nan, count: dy.count), [Double](repeating: 0, count: dy.count))
                var (dxd, dwd) = ([Double](repeating: 0, count: x.count), [Double](repeating: 0, count: w.count))
                for n in 0..<t.batch {
                    for o in 0..<t.outChannels {
                        for q in 0..<(oh * ow) { yd[(n * t.outChannels + o) * oh * ow + q] = Double(bias[o]) }
                    }
                }
                forEachTerm(t) { n, o, c, oy, ox, iy, ix, tap in
                    let (out, input) = (
                        ((n * t.outChannels + o) * oh + oy) * ow + ox,
                        ((n * t.channels + c) * t.height + iy) * t.width + ix
                    )
                    yd[out] += Double(x[input]) * Double(w[o * patch + tap])
                    dxd[input] += Double(dy[out]) * Double(w[o * patch + tap])
                    dwd[o * patch + tap] += Double(dy[out]) * Double(x[input])
                }
                let convolution = LoweredConvolution(geometry: g, outChannels: t.outChannels, path: path)
                convolution.forward(x, batch: t.batch, weights: w, packedWeights: nil, bias: bias, into: &y)
                var dw = [Float](repeating: 0, count: w.count)
                convolution.accumulateWeightGradient(dy, input: x, batch: t.batch, into: &dw)
                var dx = [Float](repeating: .nan, count: x.count)
                convolution.inputGradient(dy, batch: t.batch, weights: w, packedTransposedWeights: nil, into: &dx)
                let label = "\(path) case \(index)"
                for (got, want) in zip(y, yd) { XCTAssertEqual(Double(got), want, accuracy: 1e-4, label) }
                for (got, want) in zip(dw, dwd) { XCTAssertEqual(Double(got), want, accuracy: 1e-4, label) }
                // The input gradient by Winograd's F(4 x 4, 3 x 3) rounds as its tests allow: a
                // bound that grows with the depth of each sum, outputs times taps.
                let depth = t.outChannels * t.kernelHeight * t.kernelWidth
                let inputTolerance = max(1e-4, 2e-6 * Double(depth))
                for (got, want) in zip(dx, dxd) { XCTAssertEqual(Double(got), want, accuracy: inputTolerance, label) }

                // Same inputs, same path: the same bits.
                var again = [Float](repeating: 0, count: x.count)
                convolution.inputGradient(dy, batch: t.batch, weights: w, packedTransposedWeights: nil, into: &again)
                var dwAgain = [Float](repeating: 0, count: w.count)
                convolution.accumulateWeightGradient(dy, input: x, batch: t.batch, into: &dwAgain)
                XCTAssertEqual(again.map(\.bitPattern), dx.map(\.bitPattern), label)
                XCTAssertEqual(dwAgain.map(\.bitPattern), dw.map(\.bitPattern), label)
            }
        }
    }

    /// The forward pass is the im2col product bit for bit, and so is the lowered input
    /// gradient (`Wᵀ g` added back tap by tap, as col2im does), with and without packed weights.
    func testForwardAndLoweredInputGradientAreTheIm2colResults() {
        for path in KernelPath.allCases where path <= KernelPath.supported {
            for (index, t) in Self.cases.enumerated() {
                let g = t.geometry
                let (spatial, patch) = (g.outputHeight * g.outputWidth, g.patchSize)
                let imageSize = t.channels * t.height * t.width
                let x = random(t.batch * imageSize, seed: UInt64(index) + 400)
                let w = random(t.outChannels * patch, seed: UInt64(index) + 500)
                let dy = random(t.batch * t.outChannels * spatial, seed: UInt64(index) + 600)
                var (y, dx) = ([Float](repeating: 0, count: dy.count), [Float](repeating: 0, count: x.count))
                var columns = [Float](repeating: 0, count: patch * spatial)
                for n in 0..<t.batch {
                    x.withUnsafeBufferPointer { g.im2col($0.baseAddress! + n * imageSize, into: &columns) }
                    y.withUnsafeMutableBufferPointer {
                        GEMM.multiply(
                            m: t.outChannels, n: spatial, k: patch, a: w, lda: patch, b: columns, ldb: spatial,
                            c: $0.baseAddress! + n * t.outChannels * spatial, ldc: spatial, path: path)
                    }
                    dy.withUnsafeBufferPointer {
                        GEMM.multiply(
                            transposeA: true, m: patch, n: spatial, k: t.outChannels, a: w, lda: patch,
                            b: $0.baseAddress! + n * t.outChannels * spatial, ldb: spatial, c: &columns, ldc: spatial,
                            path: path)
                    }
                    dx.withUnsafeMutableBufferPointer { g.col2im(columns, addingInto: $0.baseAddress! + n * imageSize) }
                }
                let convolution = LoweredConvolution(geometry: g, outChannels: t.outChannels, path: path)
                let packed = w.withUnsafeBufferPointer {
                    PackedOperand(
                        side: .left, rows: t.outChannels, columns: patch, source: $0.baseAddress!, rowStride: patch,
                        isTransposed: false, path: path)
                }
                let packedTransposed = w.withUnsafeBufferPointer {
                    PackedOperand(
                        side: .left, rows: patch, columns: t.outChannels, source: $0.baseAddress!, rowStride: patch,
                        isTransposed: true, path: path)
                }
                for packedWeights in [nil, packed] {
                    var lowered = [Float](repeating: .nan, count: y.count)
                    convolution.forward(
                        x, batch: t.batch, weights: w, packedWeights: packedWeights, bias: nil, into: &lowered)
                    XCTAssertEqual(lowered.map(\.bitPattern), y.map(\.bitPattern), "\(path) case \(index)")
                }
                guard !convolution.transposesInputGradient else { continue }
                for packedWeights in [nil, packedTransposed] {
                    var lowered = [Float](repeating: .nan, count: x.count)
                    convolution.inputGradient(
                        dy, batch: t.batch, weights: w, packedTransposedWeights: packedWeights, into: &lowered)
                    XCTAssertEqual(lowered.map(\.bitPattern), dx.map(\.bitPattern), "\(path) case \(index)")
                }
            }
        }
    }

    /// The forward pass gives the same bits however many images each product covers (one,
    /// some with a last smaller group, all), with and without a bias.
    func testForwardIsTheSameForAnyImagesPerProduct() {
        for path in KernelPath.allCases where path <= KernelPath.supported {
            for (index, base) in Self.cases.enumerated() {
                var t = base
                t.batch = 5
                let g = t.geometry
                let spatial = g.outputHeight * g.outputWidth
                let imageSize = t.channels * t.height * t.width
                let x = random(t.batch * imageSize, seed: UInt64(index) + 800)
                let w = random(t.outChannels * g.patchSize, seed: UInt64(index) + 900)
                let bias = random(t.outChannels, seed: UInt64(index) + 1000)
                for withBias in [false, true] {
                    var outputs: [[UInt32]] = []
                    for columns in [1, 2 * spatial, 1 << 20] {
                        let convolution = LoweredConvolution(
                            geometry: g, outChannels: t.outChannels, path: path, columnsPerProduct: columns)
                        var y = [Float](repeating: .nan, count: t.batch * t.outChannels * spatial)
                        convolution.forward(
                            x, batch: t.batch, weights: w, packedWeights: nil, bias: withBias ? bias : nil, into: &y)
                        outputs.append(y.map(\.bitPattern))
                    }
                    XCTAssertEqual(outputs[1], outputs[0], "\(path) case \(index) bias \(withBias)")
                    XCTAssertEqual(outputs[2], outputs[0], "\(path) case \(index) bias \(withBias)")
                }
            }
        }
    }

    /// A channel map given to the forward pass (an inference batch norm, with and without
    /// ReLU) gives the bits of the forward pass followed by `BatchNormalization.affine`, for
    /// outputs read in place and gathered, one image or several per product.
    func testForwardWithAChannelMapIsTheForwardPassThenTheMap() {
        for path in KernelPath.allCases where path <= KernelPath.supported {
            for (index, base) in Self.cases.enumerated() {
                var t = base
                t.batch = 3
                let g = t.geometry
                let spatial = g.outputHeight * g.outputWidth
                let x = random(t.batch * t.channels * t.height * t.width, seed: UInt64(index) + 1100)
                let w = random(t.outChannels * g.patchSize, seed: UInt64(index) + 1200)
                let bias = random(t.outChannels, seed: UInt64(index) + 1300)
                let scale = random(t.outChannels, seed: UInt64(index) + 1400)
                let shift = random(t.outChannels, seed: UInt64(index) + 1500)
                for (columns, rectify) in [(1, false), (2 * spatial, true), (1 << 20, true), (1 << 20, false)] {
                    let convolution = LoweredConvolution(
                        geometry: g, outChannels: t.outChannels, path: path, columnsPerProduct: columns)
                    var plain = [Float](repeating: .nan, count: t.batch * t.outChannels * spatial)
                    convolution.forward(x, batch: t.batch, weights: w, packedWeights: nil, bias: bias, into: &plain)
                    var expected = plain
                    BatchNormalization(batch: t.batch, channels: t.outChannels, inner: spatial, path: path)
                        .affine(plain, scale: scale, shift: shift, rectify: rectify, into: &expected)
                    // The convolution with the map (and a residual) applied as each product is written.
                    func mappedForward(adding residual: [Float]?) -> [Float] {
                        var mapped = [Float](repeating: .nan, count: plain.count)
                        scale.withUnsafeBufferPointer { scale in
                            shift.withUnsafeBufferPointer { shift in
                                (residual ?? []).withUnsafeBufferPointer { sum in
                                    let affine = ChannelAffine(
                                        scale: scale.baseAddress!, shift: shift.baseAddress!, rectify: rectify,
                                        residual: residual == nil ? nil : sum.baseAddress!, path: path)
                                    convolution.forward(
                                        x, batch: t.batch, weights: w, packedWeights: nil, bias: bias, affine: affine,
                                        into: &mapped)
                                }
                            }
                        }
                        return mapped
                    }
                    let mapped = mappedForward(adding: nil)
                    XCTAssertEqual(
                        mapped.map(\.bitPattern), expected.map(\.bitPattern),
                        "\(path) case \(index) columns \(columns) rectify \(rectify)")
                    XCTAssertNotEqual(mapped.map(\.bitPattern), plain.map(\.bitPattern))

                    // With a residual: the map, then the sum, then (if asked) ReLU.
                    let residual = random(plain.count, seed: UInt64(index) + 1600)
                    var unrectified = plain
                    BatchNormalization(batch: t.batch, channels: t.outChannels, inner: spatial, path: path)
                        .affine(plain, scale: scale, shift: shift, rectify: false, into: &unrectified)
                    let summed = zip(unrectified, residual).map { $0 + $1 }.map { rectify && $0 < 0 ? 0 : $0 }
                    let withResidual = mappedForward(adding: residual)
                    XCTAssertEqual(
                        withResidual.map(\.bitPattern), summed.map(\.bitPattern),
                        "\(path) case \(index) columns \(columns) rectify \(rectify), residual")
                }
            }
        }
    }

    /// Stride 2 and 3: row `(c, ky, kx)` of the phase-split image read at position
    /// `y * phaseWidth + x` is im2col's entry for output `(y, x)`, and `unpad` inverts `pad`.
    func testPhaseRowsAreTheIm2colRows() {
        for (index, t) in Self.cases.enumerated() {
            let g = t.geometry
            let image = random(t.channels * t.height * t.width, seed: UInt64(index) + 700)
            var columns = [Float](repeating: .nan, count: g.patchSize * g.outputHeight * g.outputWidth)
            g.im2col(image, into: &columns)
            var padded = [Float](repeating: 0, count: g.paddedImageCount)
            g.pad(image, into: &padded)
            let offsets = g.paddedRowOffsets()
            for row in 0..<g.patchSize {
                for y in 0..<g.outputHeight {
                    for x in 0..<g.outputWidth {
                        XCTAssertEqual(
                            padded[offsets[row] + y * g.phaseWidth + x],
                            columns[(row * g.outputHeight + y) * g.outputWidth + x], "case \(index)")
                    }
                }
            }
            // Every pixel, read phases or not, comes back.
            var full = g
            (full.kernelHeight, full.kernelWidth) = (max(g.kernelHeight, g.stride), max(g.kernelWidth, g.stride))
            var all = [Float](repeating: 0, count: full.paddedImageCount)
            full.pad(image, into: &all)
            var back = [Float](repeating: .nan, count: image.count)
            full.unpad(all, into: &back)
            XCTAssertEqual(back, image, "case \(index)")
        }
    }
}
