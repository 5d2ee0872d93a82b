import LoupeKernels
import XCTest

/// `WinogradConvolution` (the forward pass by F(4 x 4, 3 x 3) and F(2 x 2, 3 x 3), the weight
/// gradient by their adjoints) against a naive direct convolution in Double on
/// every kernel path: even and odd image sizes, paddings 0 to 2, wide rows, one-pixel
/// images; each image's outputs independent of how images are grouped.
final class WinogradConvolutionTests: XCTestCase {
    struct Case {
        var batch, channels, height, width, outChannels, padding: Int
        var geometry: ConvolutionGeometry {
            ConvolutionGeometry(
                channels: channels, height: height, width: width, kernelHeight: 3, kernelWidth: 3, stride: 1,
                padding: padding)
        }
    }

    static let cases: [Case] = [
        Case(batch: 3, channels: 16, height: 8, width: 8, outChannels: 16, padding: 1),
        Case(batch: 2, channels: 16, height: 7, width: 9, outChannels: 32, padding: 1),
        Case(batch: 1, channels: 16, height: 6, width: 5, outChannels: 16, padding: 0),
        Case(batch: 2, channels: 32, height: 5, width: 6, outChannels: 16, padding: 2),
        Case(batch: 1, channels: 16, height: 37, width: 35, outChannels: 16, padding: 1),
        Case(batch: 2, channels: 16, height: 4, width: 4, outChannels: 48, padding: 1),
        Case(batch: 2, channels: 16, height: 1, width: 1, outChannels: 16, padding: 1),
        Case(batch: 1, channels: 16, height: 3, width: 3, outChannels: 16, padding: 0),
    ]

    func random(_ count: Int, seed: UInt64) -> [Float] {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Double(state >> 40) / Double(1 << 24) * 2 - 1)
        }
    }

    /// The convolution plus bias in Double, `[batch, outChannels, outputHeight, outputWidth]`.
    func direct(_ t: Case, x: [Float], w: [Float], bias: [Float]) -> [Double] {
        let g = t.geometry
        let (oh, ow) = (g.outputHeight, g.outputWidth)
        var y = [Double](repeating: 0, count: t.batch * t.outChannels * oh * ow)
        for n in 0..<t.batch {
            for o in 0..<t.outChannels {
                for oy in 0..<oh {
                    for ox in 0..<ow {
                        var sum = Double(bias[o])
                        for c in 0..<t.channels {
                            for ky in 0..<3 {
                                for kx in 0..<3 {
                                    let (iy, ix) = (oy - t.padding + ky, ox - t.padding + kx)
                                    guard iy >= 0, iy < t.height, ix >= 0, ix < t.width else { continue }
                                    sum +=
                                        Double(x[((n * t.channels + c) * t.height + iy) * t.width + ix])
                                        * Double(w[((o * t.channels + c) * 3 + ky) * 3 + kx])
                                }
                            }
                        }
                        y[((n * t.outChannels + o) * oh + oy) * ow + ox] = sum
                    }
                }
            }
        }
        return y
    }

    func testMatchesDirectConvolution() {
        for path in KernelPath.allCases where path <= KernelPath.supported {
            for (index, t) in Self.cases.enumerated() {
                let g = t.geometry
                let x = random(t.batch * t.channels * t.height * t.width, seed: UInt64(index))
                let w = random(t.outChannels * t.channels * 9, seed: UInt64(index) + 100)
                let bias = random(t.outChannels, seed: UInt64(index) + 200)
                let want = direct(t, x: x, w: w, bias: bias)
                let convolution = WinogradConvolution(geometry: g, outChannels: t.outChannels, path: path)
                for edge in [4, 2] {
                    let weights = WinogradWeights(
                        weights: w, outChannels: t.outChannels, channels: t.channels, tileEdge: edge, path: path)
                    var y = [Float](repeating: .nan, count: want.count)
                    convolution.forward(x, batch: t.batch, weights: weights, bias: bias, into: &y)
                    // F(4 x 4) rounds about ten times as far from the exact sum as F(2 x 2).
                    let tolerance = (edge == 4 ? 2e-6 : 2e-7) * Double(9 * t.channels)
                    for (got, expected) in zip(y, want) {
                        XCTAssertEqual(
                            Double(got), expected, accuracy: tolerance, "\(path) F(\(edge)) case \(index)")
                    }
                }
            }
        }
    }

    /// The weight gradient (the adjoint of the forward pass in the weights, F(4 x 4)'s and
    /// F(2 x 2)'s) against `Σ_n Σ_q g[n, o, q] * x[n, c, q + tap]` in Double on every path,
    /// for every case's sizes and paddings (outputs not a multiple of the tile cut the last
    /// tiles): it adds to what the gradient holds, and agrees whatever groups of tiles the
    /// products take.
    func testWeightGradientMatchesTheDirectSum() {
        for path in KernelPath.allCases where path <= KernelPath.supported {
            for (index, t) in Self.cases.enumerated() {
                let g = t.geometry
                let (oh, ow) = (g.outputHeight, g.outputWidth)
                let x = random(t.batch * t.channels * t.height * t.width, seed: UInt64(index) + 300)
                let dy = random(t.batch * t.outChannels * oh * ow, seed: UInt64(index) + 400)
                let start = random(t.outChannels * t.channels * 9, seed: UInt64(index) + 500)
                var want = start.map(Double.init)
                for n in 0..<t.batch {
                    for o in 0..<t.outChannels {
                        for c in 0..<t.channels {
                            for ky in 0..<3 {
                                for kx in 0..<3 {
                                    var sum = 0.0
                                    for oy in 0..<oh {
                                        for ox in 0..<ow {
                                            let (iy, ix) = (oy - t.padding + ky, ox - t.padding + kx)
                                            guard iy >= 0, iy < t.height, ix >= 0, ix < t.width else { continue }
                                            sum +=
                                                Double(dy[((n * t.outChannels + o) * oh + oy) * ow + ox])
                                                * Double(x[((n * t.channels + c) * t.height + iy) * t.width + ix])
                                        }
                                    }
                                    want[((o * t.channels + c) * 3 + ky) * 3 + kx] += sum
                                }
                            }
                        }
                    }
                }
                let scale = Double(t.batch * oh * ow)
                for edge in [4, 2] {
                    let label = "\(path) F(\(edge)) case \(index)"
                    // F(4 x 4)'s adjoint came within 5.4e-7 of the sum per term, F(2 x 2)'s 2.1e-7.
                    let tolerance = 4e-6 * scale
                    let convolution = WinogradConvolution(
                        geometry: g, outChannels: t.outChannels, path: path, weightGradientTileEdge: edge)
                    var dw = start
                    convolution.accumulateWeightGradient(dy, input: x, batch: t.batch, into: &dw)
                    for (got, expected) in zip(dw, want) {
                        XCTAssertEqual(Double(got), expected, accuracy: tolerance, label)
                    }
                    // One tile per product: other groups, the same sums.
                    let regrouped = WinogradConvolution(
                        geometry: g, outChannels: t.outChannels, path: path, weightGradientTileEdge: edge,
                        weightGradientTilesPerProduct: 1)
                    var again = start
                    regrouped.accumulateWeightGradient(dy, input: x, batch: t.batch, into: &again)
                    for (got, expected) in zip(again, want) {
                        XCTAssertEqual(Double(got), expected, accuracy: tolerance, label)
                    }
                }
            }
        }
    }

    /// A batch norm, residual and ReLU mapped as the outputs are written: the map of the
    /// unmapped outputs, bit for bit.
    func testAffineMapsTheOutputs() {
        let t = Case(batch: 2, channels: 16, height: 5, width: 7, outChannels: 16, padding: 1)
        let g = t.geometry
        let x = random(t.batch * t.channels * t.height * t.width, seed: 1)
        let w = random(t.outChannels * t.channels * 9, seed: 2)
        let (scale, shift) = (random(t.outChannels, seed: 3), random(t.outChannels, seed: 4))
        let count = t.batch * t.outChannels * g.outputHeight * g.outputWidth
        let residual = random(count, seed: 5)
        let weights = WinogradWeights(weights: w, outChannels: t.outChannels, channels: t.channels)
        let convolution = WinogradConvolution(geometry: g, outChannels: t.outChannels)
        var plain = [Float](repeating: .nan, count: count)
        convolution.forward(x, batch: t.batch, weights: weights, bias: nil, into: &plain)
        var mapped = [Float](repeating: .nan, count: count)
        scale.withUnsafeBufferPointer { scale in
            shift.withUnsafeBufferPointer { shift in
                residual.withUnsafeBufferPointer { residual in
                    let affine = ChannelAffine(
                        scale: scale.baseAddress!, shift: shift.baseAddress!, rectify: true,
                        residual: residual.baseAddress!)
                    convolution.forward(x, batch: t.batch, weights: weights, bias: nil, affine: affine, into: &mapped)
                    plain.withUnsafeMutableBufferPointer { plain in
                        for n in 0..<t.batch {
                            affine.apply(
                                plain.baseAddress! + n * count / t.batch, index: n, channels: t.outChannels,
                                inner: g.outputHeight * g.outputWidth)
                        }
                    }
                }
            }
        }
        XCTAssertEqual(mapped.map(\.bitPattern), plain.map(\.bitPattern))
        XCTAssertTrue(mapped.contains(0) && mapped.contains { $0 > 0 }, "the ReLU clamps some outputs, not all")
    }

    /// Images grouped one, two or all at a time into the products, or alone in a batch of
    /// one: every image's outputs are the same bits.
    func testAnImagesOutputsDoNotDependOnItsGroup() {
        for path in KernelPath.allCases where path <= KernelPath.supported {
            let t = Case(batch: 5, channels: 16, height: 6, width: 10, outChannels: 16, padding: 1)
            let g = t.geometry
            let imageSize = t.channels * t.height * t.width
            let outputSize = t.outChannels * g.outputHeight * g.outputWidth
            let x = random(t.batch * imageSize, seed: 7)
            let w = random(t.outChannels * t.channels * 9, seed: 8)
            for edge in [4, 2] {
                let weights = WinogradWeights(
                    weights: w, outChannels: t.outChannels, channels: t.channels, tileEdge: edge, path: path)
                var results: [[UInt32]] = []
                for positions in [1, 80, 180, 40_000] {
                    let convolution = WinogradConvolution(
                        geometry: g, outChannels: t.outChannels, path: path, positionsPerRound: positions)
                    var y = [Float](repeating: .nan, count: t.batch * outputSize)
                    convolution.forward(x, batch: t.batch, weights: weights, bias: nil, into: &y)
                    results.append(y.map(\.bitPattern))
                }
                XCTAssertTrue(results.allSatisfy { $0 == results[0] }, "\(path) F(\(edge))")
                let convolution = WinogradConvolution(geometry: g, outChannels: t.outChannels, path: path)
                var last = [Float](repeating: .nan, count: outputSize)
                x.withUnsafeBufferPointer {
                    convolution.forward(
                        $0.baseAddress! + 4 * imageSize, batch: 1, weights: weights, bias: nil, into: &last)
                }
                XCTAssertEqual(last.map(\.bitPattern), Array(results[0][(4 * outputSize)...]), "\(path) F(\(edge))")
            }
        }
    }

    /// F(2 x 2)'s tiles are 2 x 2 pooling windows: a window whose four 3 x 3 inputs are one
    /// constant has four equal outputs, bit for bit, as the lowered convolution gives, though
    /// the rest of the image varies. F(4 x 4)'s tile around that window reads the varying
    /// pixels too and rounds its outputs apart.
    func testTwoByTwoTilesKeepAConstantWindowsOutputsEqual() {
        let t = Case(batch: 1, channels: 16, height: 8, width: 8, outChannels: 16, padding: 0)
        let g = t.geometry
        // Each channel constant (its own value) but for row and column 4: output window
        // (0...1, 0...1) reads rows and columns 0...3 only; its 4 x 4 tile (rows and columns
        // 0...5) reads row and column 4 too.
        var x = (0..<t.channels).flatMap { c in [Float](repeating: 0.37 + 0.11 * Float(c), count: 64) }
        for c in 0..<t.channels {
            for i in 0..<8 {
                x[c * 64 + 4 * 8 + i] = -2.3 + 0.7 * Float(c) + 0.13 * Float(i)
                x[c * 64 + i * 8 + 4] = 1.9 - 0.3 * Float(c) + 0.17 * Float(i)
            }
        }
        let w = random(t.outChannels * t.channels * 9, seed: 11)
        let outputs = g.outputHeight * g.outputWidth
        func window(edge: Int) -> [[Float]] {
            let weights = WinogradWeights(weights: w, outChannels: t.outChannels, channels: t.channels, tileEdge: edge)
            var y = [Float](repeating: .nan, count: t.outChannels * outputs)
            WinogradConvolution(geometry: g, outChannels: t.outChannels).forward(
                x, batch: 1, weights: weights, bias: nil, into: &y)
            return (0..<t.outChannels).map { o in [0, 1, 6, 7].map { y[o * outputs + $0] } }
        }
        let pooled = window(edge: 2)
        for values in pooled { XCTAssertEqual(Set(values.map(\.bitPattern)).count, 1, "\(values)") }
        XCTAssertTrue(
            window(edge: 4).contains { Set($0.map(\.bitPattern)).count > 1 },
            "F(4 x 4) rounds some window's outputs apart")
    }

    /// Inference takes it for every convolution it computes: stride 1, 3 x 3, padding at most
    /// 2, channels in multiples of 16 (from 16 on, F(4 x 4, 3 x 3) beats the lowered form); in
    /// F(2 x 2) form, from 32 channels. Training's weight gradient from 32 channels.
    func testStrideOneThreeByThreeConvolutionsOfWholeVectorsTakeIt() {
        func geometry(channels: Int = 64, kernel: Int = 3, stride: Int = 1, padding: Int = 1) -> ConvolutionGeometry {
            ConvolutionGeometry(
                channels: channels, height: 8, width: 8, kernelHeight: kernel, kernelWidth: kernel, stride: stride,
                padding: padding)
        }
        XCTAssertTrue(WinogradConvolution.isFaster(for: geometry(), outChannels: 64))
        XCTAssertTrue(WinogradConvolution.isFaster(for: geometry(channels: 32), outChannels: 64))
        XCTAssertTrue(WinogradConvolution.isFaster(for: geometry(channels: 16), outChannels: 16))
        // F(2 x 2), where pooling follows, only from 32 channels: at 16 it loses to the lowered form.
        XCTAssertFalse(WinogradConvolution.isFaster(for: geometry(channels: 16), outChannels: 16, tileEdge: 2))
        XCTAssertFalse(WinogradConvolution.isFaster(for: geometry(channels: 16), outChannels: 64, tileEdge: 2))
        XCTAssertTrue(WinogradConvolution.isFaster(for: geometry(channels: 32), outChannels: 64, tileEdge: 2))
        XCTAssertFalse(WinogradConvolution.isFaster(for: geometry(stride: 2), outChannels: 64))
        XCTAssertFalse(WinogradConvolution.isFaster(for: geometry(kernel: 1, padding: 0), outChannels: 64))
        XCTAssertFalse(WinogradConvolution.isFaster(for: geometry(padding: 3), outChannels: 64))
        XCTAssertFalse(
            WinogradConvolution.isFaster(for: geometry(channels: 8), outChannels: 16), "not a multiple of 16")
        XCTAssertFalse(WinogradConvolution.computes(geometry(channels: 72), outChannels: 64), "not a multiple of 16")
        XCTAssertFalse(WinogradConvolution.computes(geometry(), outChannels: 72), "not a multiple of 16")
        // Training's weight gradient wherever the form computes the convolution, from 16 channels.
        XCTAssertTrue(WinogradConvolution.sumsWeightGradient(for: geometry(channels: 32), outChannels: 32))
        XCTAssertTrue(WinogradConvolution.sumsWeightGradient(for: geometry(), outChannels: 64))
        XCTAssertTrue(WinogradConvolution.sumsWeightGradient(for: geometry(channels: 16), outChannels: 16))
        XCTAssertTrue(WinogradConvolution.sumsWeightGradient(for: geometry(channels: 16), outChannels: 32))
        XCTAssertFalse(WinogradConvolution.sumsWeightGradient(for: geometry(channels: 8), outChannels: 16))
        XCTAssertFalse(WinogradConvolution.sumsWeightGradient(for: geometry(stride: 2), outChannels: 64))
    }

    /// The transformed matrices lie an odd number of whole cache lines apart, no closer than
    /// their size: 36 consecutive matrices' values of one tile fall into 36 different sets of
    /// a 64-set L1 cache.
    func testTransformedMatricesLieAnOddNumberOfLinesApart() {
        for size in [1, 15, 16, 17, 256, 768, 1024, 2048, 3072, 4095, 4096, 12_288] {
            let stride = WinogradConvolution.matrixStride(size)
            XCTAssertGreaterThanOrEqual(stride, size, "\(size)")
            XCTAssertLessThan(stride, size + 32, "\(size)")
            XCTAssertEqual(stride % 16, 0, "\(size)")
            XCTAssertEqual(stride / 16 % 2, 1, "\(size)")
            XCTAssertEqual(Set((0..<36).map { $0 * stride / 16 % 64 }).count, 36, "\(size)")
        }
    }

    /// The cache of a weight tensor's packed forms keeps its Winograd form until the weights
    /// change.
    func testTheCacheKeepsTheTransformedWeightsUntilTheyChange() {
        let w = random(16 * 16 * 9, seed: 9)
        let cache = PackedOperandCache()
        w.withUnsafeBufferPointer { w in
            let first = cache.winogradWeights(outChannels: 16, channels: 16, source: w.baseAddress!)
            XCTAssertTrue(first === cache.winogradWeights(outChannels: 16, channels: 16, source: w.baseAddress!))
            cache.retireOperands()
            XCTAssertFalse(first === cache.winogradWeights(outChannels: 16, channels: 16, source: w.baseAddress!))
        }
    }

    /// After a weight update, `repackRetired` makes the Winograd forms the old weights had for
    /// the new ones (on several threads), so a step finds them made: the same values as made
    /// on first use, and only the forms that were in use.
    func testRepackingMakesTheRetiredWinogradFormsForTheNewWeights() {
        let (old, new) = (random(32 * 16 * 9, seed: 10), random(32 * 16 * 9, seed: 11))
        let cache = PackedOperandCache()
        // A form's values, as the outputs of a convolution with it.
        let geometry = ConvolutionGeometry(
            channels: 16, height: 8, width: 8, kernelHeight: 3, kernelWidth: 3, stride: 1, padding: 1)
        let x = random(2 * 16 * 64, seed: 12)
        func panels(_ form: WinogradWeights) -> [UInt32] {
            var y = [Float](repeating: 0, count: 2 * 32 * 64)
            WinogradConvolution(geometry: geometry, outChannels: 32).forward(
                x, batch: 2, weights: form, bias: nil, into: &y)
            return y.map(\.bitPattern)
        }
        new.withUnsafeBufferPointer { new in
            old.withUnsafeBufferPointer { old in
                _ = cache.winogradWeights(outChannels: 32, channels: 16, tileEdge: 2, source: old.baseAddress!)
                _ = cache.winogradWeights(outChannels: 32, channels: 16, tileEdge: 4, source: old.baseAddress!)
            }
            cache.retireOperands()
            PackedOperandCache.repackRetired([(cache, new.baseAddress!)], threads: 2)
            for edge in [2, 4] {
                let made = cache.winogradWeights(
                    outChannels: 32, channels: 16, tileEdge: edge, source: new.baseAddress!)
                let fresh = WinogradWeights(weights: new.baseAddress!, outChannels: 32, channels: 16, tileEdge: edge)
                XCTAssertEqual(panels(made), panels(fresh), "tile edge \(edge)")
                XCTAssertTrue(
                    made
                        === cache.winogradWeights(
                            outChannels: 32, channels: 16, tileEdge: edge, source: new.baseAddress!))
            }
            // Repacking again (no update between) makes nothing new.
            let before = cache.winogradWeights(outChannels: 32, channels: 16, tileEdge: 4, source: new.baseAddress!)
            PackedOperandCache.repackRetired([(cache, new.baseAddress!)], threads: 2)
            XCTAssertTrue(
                before === cache.winogradWeights(outChannels: 32, channels: 16, tileEdge: 4, source: new.baseAddress!))
        }
    }

    /// The input gradient's Winograd form made from the weights as they are
    /// (`transposedAndFlipped`) is the form of their flipped, transposed copy (a naive loop
    /// here), bit for bit; the cache keeps it apart from the forward pass's form of the same
    /// shape and makes it again after an update.
    func testTheInputGradientsFormIsTheFormOfTheFlippedTransposedWeights() {
        for (outChannels, channels) in [(32, 16), (16, 16)] {
            let w = random(outChannels * channels * 9, seed: UInt64(13 + outChannels))
            var flipped = [Float](repeating: 0, count: w.count)
            for o in 0..<outChannels {
                for c in 0..<channels {
                    for tap in 0..<9 { flipped[(c * outChannels + o) * 9 + 8 - tap] = w[(o * channels + c) * 9 + tap] }
                }
            }
            // The input gradient's convolution: `outChannels` inputs to `channels` outputs.
            let geometry = ConvolutionGeometry(
                channels: outChannels, height: 8, width: 8, kernelHeight: 3, kernelWidth: 3, stride: 1, padding: 1)
            let g = random(2 * outChannels * 64, seed: 14)
            func outputs(_ form: WinogradWeights) -> [UInt32] {
                var y = [Float](repeating: 0, count: 2 * channels * 64)
                WinogradConvolution(geometry: geometry, outChannels: channels).forward(
                    g, batch: 2, weights: form, bias: nil, into: &y)
                return y.map(\.bitPattern)
            }
            let want = outputs(WinogradWeights(weights: flipped, outChannels: channels, channels: outChannels))
            w.withUnsafeBufferPointer { w in
                let source = w.baseAddress!
                let label = "\(outChannels) x \(channels)"
                let made = WinogradWeights(
                    weights: source, outChannels: channels, channels: outChannels, transposedAndFlipped: true)
                XCTAssertEqual(outputs(made), want, label)
                let cache = PackedOperandCache()
                let forward = cache.winogradWeights(outChannels: outChannels, channels: channels, source: source)
                let backward = cache.winogradWeights(
                    outChannels: channels, channels: outChannels, transposedAndFlipped: true, source: source)
                XCTAssertFalse(forward === backward, label)
                XCTAssertFalse(backward.isTransposedAndFlipped == forward.isTransposedAndFlipped, label)
                XCTAssertEqual(outputs(backward), want, label)
                cache.retireOperands()
                PackedOperandCache.repackRetired([(cache, source)], threads: 2)
                let remade = cache.winogradWeights(
                    outChannels: channels, channels: outChannels, transposedAndFlipped: true, source: source)
                XCTAssertFalse(remade === backward, label)
                XCTAssertTrue(remade.isTransposedAndFlipped, label)
                XCTAssertEqual(outputs(remade), want, label)
            }
        }
    }
}
