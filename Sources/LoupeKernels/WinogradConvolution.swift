import LoupeKernelCore
import LoupeKernelsAVX2
import LoupeKernelsAVX512
import LoupeSupport

/// The forward pass of a stride-1 3 x 3 convolution by Winograd's F(2 x 2, 3 x 3)
/// (`WinogradTransforms`): the images are turned channels-last, each 4 x 4 input tile is
/// transformed, the sixteen transformed elements are sixteen products over the channels,
/// `Mᵀ_ξ = Vᵀ_ξ Uᵀ_ξ` (tiles by output channels; the packed GEMM, `U` the transformed
/// weights), and each tile's 2 x 2 outputs come back by the output transform. The products do
/// 2.25 times fewer multiply-adds than the lowered convolution's.
///
/// For inference: the values differ from the lowered convolution's by rounding (the
/// transforms add before multiplying), within a few units in the last place of the largest
/// terms. Each image's outputs are the same bits whatever the batch or its grouping into
/// products (a product's depth is the channels, summed in the same order for every row).
package struct WinogradConvolution: Sendable {
    package let geometry: ConvolutionGeometry
    package let outChannels: Int
    package let path: KernelPath
    /// About how many tiles (of as many images as that takes) one group of sixteen products
    /// covers: the transformed weights are read once per group.
    package let tilesPerProduct: Int

    package static let defaultTilesPerProduct = 256
    /// Fewest input and output channels for which the products, not the transforms, dominate
    /// (`loupe-bench --winograd`, BENCHMARKS.md).
    package static let minimumChannels = 32

    package init(
        geometry: ConvolutionGeometry, outChannels: Int, path: KernelPath = .active,
        tilesPerProduct: Int = WinogradConvolution.defaultTilesPerProduct
    ) {
        precondition(
            Self.computes(geometry, outChannels: outChannels),
            "not a stride-1 3 x 3 convolution with padding at most 2 and channels in multiples of 16")
        (self.geometry, self.outChannels, self.path) = (geometry, outChannels, path)
        self.tilesPerProduct = max(1, tilesPerProduct)
    }

    /// Whether this pass computes the convolution: a 3 x 3 kernel, stride 1, padding at most
    /// 2, at least one output, and input and output channels in multiples of 16 (the
    /// transforms' vectors).
    package static func computes(_ geometry: ConvolutionGeometry, outChannels: Int) -> Bool {
        geometry.kernelHeight == 3 && geometry.kernelWidth == 3 && geometry.stride == 1
            && (0...2).contains(geometry.padding) && geometry.outputHeight > 0 && geometry.outputWidth > 0
            && geometry.channels > 0 && geometry.channels % 16 == 0 && outChannels > 0 && outChannels % 16 == 0
    }

    /// Whether inference should take this pass: one it computes, with at least
    /// `minimumChannels` input and output channels.
    package static func isFaster(for geometry: ConvolutionGeometry, outChannels: Int) -> Bool {
        computes(geometry, outChannels: outChannels) && geometry.channels >= minimumChannels
            && outChannels >= minimumChannels
    }

    /// Whether training's weight gradient takes this form (`accumulateWeightGradient`), on a
    /// path that `trains(on:)`: one it computes, with at least 64 input and output channels.
    /// Its sixteen products are as deep as the tiles but only channels wide, so narrower layers
    /// lose (`loupe-bench --resnet-convolutions`, one thread, 64 images: `resnet-mini`'s
    /// 32-channel 16 x 16 layer 1.88-1.91 ms against 1.63-1.69 ms lowered, its 64-channel
    /// 8 x 8 layer 1.25 ms against 1.76 ms).
    package static func sumsWeightGradient(for geometry: ConvolutionGeometry, outChannels: Int) -> Bool {
        computes(geometry, outChannels: outChannels) && geometry.channels >= 64 && outChannels >= 64
    }

    /// Whether training's passes take this form too, on `path`: the forward pass and the
    /// input gradient (a convolution of the output gradient, `LoweredConvolution`) of wide
    /// layers, as inference does, and the weight gradient of wider ones
    /// (`sumsWeightGradient(for:outChannels:)`). The `avx512` and `avx2` paths do: it makes
    /// `resnet-mini`'s training step 8-13% faster on Zen 5 and about 10% on Zen 2
    /// (BENCHMARKS.md). The portable `generic` path keeps the lowered products.
    package static func trains(on path: KernelPath) -> Bool { path != .generic }

    var tileRows: Int { (geometry.outputHeight + 1) / 2 }
    var tileColumns: Int { (geometry.outputWidth + 1) / 2 }

    /// `y = conv(x, W) + bias` for `batch` images: `x` `[batch, C, H, W]`, `weights` the
    /// transformed `[outChannels, C, 3, 3]` weights, `y` `[batch, outChannels, outputHeight,
    /// outputWidth]`. `affine`, when given, maps each image's outputs right after they are
    /// written, as `LoweredConvolution.forward` does.
    package func forward(
        _ x: UnsafePointer<Float>, batch: Int, weights: WinogradWeights, bias: UnsafePointer<Float>?,
        affine: ChannelAffine? = nil, into y: UnsafeMutablePointer<Float>
    ) {
        let channels = geometry.channels
        precondition(
            weights.channels == channels && weights.outChannels == outChannels && weights.path == path,
            "Winograd weights of \(weights.outChannels) x \(weights.channels) (\(weights.path)) for a convolution of \(outChannels) x \(channels) (\(path))"
        )
        guard batch > 0 else { return }
        let tilesPerImage = tileRows * tileColumns
        let group = max(1, min(batch, tilesPerProduct / tilesPerImage))
        let (pixels, outputPixels) = (geometry.height * geometry.width, geometry.outputHeight * geometry.outputWidth)
        let (imageSize, outputSize) = (channels * pixels, outChannels * outputPixels)
        // Per group: its images channels-last, the transformed tiles and products of at most
        // `tilesPerProduct` tiles at a time (a large image's in several rounds), the outputs
        // channels-last, and a pixel of zeros (the padding).
        let round = min(group * tilesPerImage, tilesPerProduct)
        let counts = [group * imageSize, 16 * round * channels, 16 * round * outChannels, group * outputSize, channels]
        let floats = counts.reduce(0, +)
        ScratchMemory.withBytes(floats * MemoryLayout<Float>.stride) { raw in
            let channelsLast = raw.bindMemory(to: Float.self, capacity: floats)
            let v = channelsLast + counts[0]
            let m = v + counts[1]
            let outputs = m + counts[2]
            let zeros = outputs + counts[3]
            zeros.update(repeating: 0, count: channels)
            var first = 0
            while first < batch {
                let images = min(group, batch - first)
                for image in 0..<images {
                    transpose(
                        x + (first + image) * imageSize, rows: channels, columns: pixels, sourceStride: pixels,
                        into: channelsLast + image * imageSize, destinationStride: channels, path: path)
                }
                for start in stride(from: 0, to: images * tilesPerImage, by: round) {
                    let tiles = start..<min(start + round, images * tilesPerImage)
                    transformInput(
                        channelsLast, tiles: tiles, zeros: zeros, into: v, matrixStride: tiles.count * channels)
                    for element in 0..<16 {
                        GEMM.multiply(
                            transposeB: true, m: tiles.count, n: outChannels, k: channels,
                            a: v + element * tiles.count * channels, lda: channels,
                            // B is read from its packed form only.
                            b: weights.forms[element].panels, ldb: channels, beta: 0,
                            c: m + element * tiles.count * outChannels, ldc: outChannels, path: path,
                            packedB: weights.forms[element])
                    }
                    transformOutput(
                        m, matrixStride: tiles.count * outChannels, tiles: tiles, bias: bias, into: outputs)
                }
                for image in 0..<images {
                    let output = y + (first + image) * outputSize
                    transpose(
                        outputs + image * outputSize, rows: outputPixels, columns: outChannels,
                        sourceStride: outChannels, into: output, destinationStride: outputPixels, path: path)
                    affine?.apply(output, index: first + image, channels: outChannels, inner: outputPixels)
                }
                first += images
            }
        }
    }

    /// `dW += Σ_n (∂y_n/∂W)ᵀ g_n` for `batch` images: `g` `[batch, outChannels, outputHeight,
    /// outputWidth]` the output gradient, `x` the forward input `[batch, C, H, W]`,
    /// `weightGradient` `[outChannels, C, 3, 3]`. The adjoint of `forward` in the weights: for
    /// each element ξ, `∂U_ξ = Σ_t (A g_t Aᵀ)_ξ V_ξ,t` over the tiles t (sixteen products as
    /// deep as the tiles, `V` the forward's transformed input tiles), then `∂W = Gᵀ ∂U G` per
    /// filter and channel: the convolution's weight gradient up to rounding, with 2.25 times
    /// fewer multiply-adds. Deterministic: tiles are summed in the same groups for a batch.
    package func accumulateWeightGradient(
        _ g: UnsafePointer<Float>, input x: UnsafePointer<Float>, batch: Int,
        into weightGradient: UnsafeMutablePointer<Float>
    ) {
        guard batch > 0 else { return }
        let channels = geometry.channels
        let tilesPerImage = tileRows * tileColumns
        let group = max(1, min(batch, tilesPerProduct / tilesPerImage))
        let (pixels, outputPixels) = (geometry.height * geometry.width, geometry.outputHeight * geometry.outputWidth)
        let (imageSize, outputSize, matrix) = (channels * pixels, outChannels * outputPixels, outChannels * channels)
        // Per group: its images and output gradients channels-last, the transformed tiles of
        // at most `tilesPerProduct` tiles at a time, the sixteen sums ∂U_ξ, and zeros.
        let round = min(group * tilesPerImage, tilesPerProduct)
        let counts = [
            group * imageSize, group * outputSize, 16 * round * channels, 16 * round * outChannels, 16 * matrix,
            max(channels, outChannels),
        ]
        let floats = counts.reduce(0, +)
        ScratchMemory.withBytes(floats * MemoryLayout<Float>.stride) { raw in
            let images = raw.bindMemory(to: Float.self, capacity: floats)
            let gradients = images + counts[0]
            let v = gradients + counts[1]
            let m = v + counts[2]
            let sums = m + counts[3]
            let zeros = sums + counts[4]
            sums.update(repeating: 0, count: counts[4] + counts[5])
            var first = 0
            while first < batch {
                let count = min(group, batch - first)
                for image in 0..<count {
                    transpose(
                        x + (first + image) * imageSize, rows: channels, columns: pixels, sourceStride: pixels,
                        into: images + image * imageSize, destinationStride: channels, path: path)
                    transpose(
                        g + (first + image) * outputSize, rows: outChannels, columns: outputPixels,
                        sourceStride: outputPixels, into: gradients + image * outputSize,
                        destinationStride: outChannels,
                        path: path)
                }
                for start in stride(from: 0, to: count * tilesPerImage, by: round) {
                    let tiles = start..<min(start + round, count * tilesPerImage)
                    transformInput(images, tiles: tiles, zeros: zeros, into: v, matrixStride: tiles.count * channels)
                    transformGradient(gradients, tiles: tiles, zeros: zeros, into: m)
                    for element in 0..<16 {
                        GEMM.multiply(
                            transposeA: true, m: outChannels, n: channels, k: tiles.count,
                            a: m + element * tiles.count * outChannels, lda: outChannels,
                            b: v + element * tiles.count * channels, ldb: channels, beta: 1,
                            c: sums + element * matrix, ldc: channels, path: path)
                    }
                }
                first += count
            }
            // ∂W = Gᵀ ∂U G: each row (a, b, c, d) of ∂U, and then of Gᵀ ∂U's columns, becomes
            // (a + (b + c) / 2, (b - c) / 2, (b + c) / 2 + d).
            @inline(__always) func reduce(_ a: Float, _ b: Float, _ c: Float, _ d: Float) -> (Float, Float, Float) {
                (a + (b + c) / 2, (b - c) / 2, (b + c) / 2 + d)
            }
            for pair in 0..<matrix {
                @inline(__always) func u(_ element: Int) -> Float { sums[element * matrix + pair] }
                let (c0, c1, c2, c3) = (
                    reduce(u(0), u(4), u(8), u(12)), reduce(u(1), u(5), u(9), u(13)),
                    reduce(u(2), u(6), u(10), u(14)), reduce(u(3), u(7), u(11), u(15))
                )
                let filter = weightGradient + pair * 9
                @inline(__always) func add(row i: Int, _ w: (Float, Float, Float)) {
                    filter[3 * i] += w.0
                    filter[3 * i + 1] += w.1
                    filter[3 * i + 2] += w.2
                }
                add(row: 0, reduce(c0.0, c1.0, c2.0, c3.0))
                add(row: 1, reduce(c0.1, c1.1, c2.1, c3.1))
                add(row: 2, reduce(c0.2, c1.2, c2.2, c3.2))
            }
        }
    }

    private func transformGradient(
        _ gradients: UnsafePointer<Float>, tiles: Range<Int>, zeros: UnsafePointer<Float>,
        into m: UnsafeMutablePointer<Float>
    ) {
        let (height, width) = (geometry.outputHeight, geometry.outputWidth)
        let (tilesPerImage, matrixStride) = (tileRows * tileColumns, tiles.count * outChannels)
        switch path {
        case .avx512:
            avx512WinogradGradient(
                gradients, outChannels: outChannels, tileColumns: tileColumns, tilesPerImage: tilesPerImage,
                tiles: tiles, outputHeight: height, outputWidth: width, zeros: zeros, into: m,
                matrixStride: matrixStride)
        case .avx2:
            avx2WinogradGradient(
                gradients, outChannels: outChannels, tileColumns: tileColumns, tilesPerImage: tilesPerImage,
                tiles: tiles, outputHeight: height, outputWidth: width, zeros: zeros, into: m,
                matrixStride: matrixStride)
        case .generic:
            WinogradTransforms<SeparateMultiplyAdd>.transformGradient(
                gradients, outChannels: outChannels, tileColumns: tileColumns, tilesPerImage: tilesPerImage,
                tiles: tiles, outputHeight: height, outputWidth: width, zeros: zeros, into: m,
                matrixStride: matrixStride)
        }
    }

    private func transformInput(
        _ images: UnsafePointer<Float>, tiles: Range<Int>, zeros: UnsafePointer<Float>,
        into v: UnsafeMutablePointer<Float>, matrixStride: Int
    ) {
        let (channels, height, width, padding) = (
            geometry.channels, geometry.height, geometry.width, geometry.padding
        )
        let tilesPerImage = tileRows * tileColumns
        switch path {
        case .avx512:
            avx512WinogradInput(
                images, channels: channels, height: height, width: width, padding: padding, tileColumns: tileColumns,
                tilesPerImage: tilesPerImage, tiles: tiles, zeros: zeros, into: v, matrixStride: matrixStride)
        case .avx2:
            avx2WinogradInput(
                images, channels: channels, height: height, width: width, padding: padding, tileColumns: tileColumns,
                tilesPerImage: tilesPerImage, tiles: tiles, zeros: zeros, into: v, matrixStride: matrixStride)
        case .generic:
            WinogradTransforms<SeparateMultiplyAdd>.transformInput(
                images, channels: channels, height: height, width: width, padding: padding, tileColumns: tileColumns,
                tilesPerImage: tilesPerImage, tiles: tiles, zeros: zeros, into: v, matrixStride: matrixStride)
        }
    }

    private func transformOutput(
        _ m: UnsafePointer<Float>, matrixStride: Int, tiles: Range<Int>, bias: UnsafePointer<Float>?,
        into y: UnsafeMutablePointer<Float>
    ) {
        let (height, width) = (geometry.outputHeight, geometry.outputWidth)
        let tilesPerImage = tileRows * tileColumns
        switch path {
        case .avx512:
            avx512WinogradOutput(
                m, matrixStride: matrixStride, outChannels: outChannels, tileColumns: tileColumns,
                tilesPerImage: tilesPerImage, tiles: tiles, outputHeight: height, outputWidth: width, bias: bias,
                into: y)
        case .avx2:
            avx2WinogradOutput(
                m, matrixStride: matrixStride, outChannels: outChannels, tileColumns: tileColumns,
                tilesPerImage: tilesPerImage, tiles: tiles, outputHeight: height, outputWidth: width, bias: bias,
                into: y)
        case .generic:
            WinogradTransforms<SeparateMultiplyAdd>.transformOutput(
                m, matrixStride: matrixStride, outChannels: outChannels, tileColumns: tileColumns,
                tilesPerImage: tilesPerImage, tiles: tiles, outputHeight: height, outputWidth: width, bias: bias,
                into: y)
        }
    }
}

/// The weights of a 3 x 3 convolution in the Winograd domain: `U = G g Gᵀ` for every filter
/// `g`, as sixteen `[outChannels, channels]` matrices, each packed transposed as the right
/// operand of its product for `path`.
///
///     G = [1 0 0; ½ ½ ½; ½ -½ ½; 0 0 1]
package final class WinogradWeights: @unchecked Sendable {
    package let outChannels: Int
    package let channels: Int
    package let path: KernelPath
    /// Element ξ's matrix, transposed, packed as the right operand of its product.
    let forms: [PackedOperand]

    /// Transforms `[outChannels, channels, 3, 3]` weights.
    package init(weights: UnsafePointer<Float>, outChannels: Int, channels: Int, path: KernelPath = .active) {
        (self.outChannels, self.channels, self.path) = (outChannels, channels, path)
        let matrix = outChannels * channels
        let values = UnsafeMutablePointer<Float>.allocate(capacity: max(1, 16 * matrix))
        /// The transform of three values by G: (a, (a + b + c) / 2, (a - b + c) / 2, c).
        func transform(_ a: Float, _ b: Float, _ c: Float) -> (Float, Float, Float, Float) {
            (a, (a + b + c) * 0.5, (a - b + c) * 0.5, c)
        }
        for filter in 0..<matrix {
            let g = weights + 9 * filter
            // G g, column by column: four rows of three.
            let column0 = transform(g[0], g[3], g[6])
            let column1 = transform(g[1], g[4], g[7])
            let column2 = transform(g[2], g[5], g[8])
            // (G g) Gᵀ: each row's three values the same way.
            func store(_ row: (Float, Float, Float, Float), _ i: Int) {
                values[(4 * i) * matrix + filter] = row.0
                values[(4 * i + 1) * matrix + filter] = row.1
                values[(4 * i + 2) * matrix + filter] = row.2
                values[(4 * i + 3) * matrix + filter] = row.3
            }
            store(transform(column0.0, column1.0, column2.0), 0)
            store(transform(column0.1, column1.1, column2.1), 1)
            store(transform(column0.2, column1.2, column2.2), 2)
            store(transform(column0.3, column1.3, column2.3), 3)
        }
        defer { values.deallocate() }
        forms = (0..<16).map { element in
            PackedOperand(
                side: .right, rows: channels, columns: outChannels, source: values + element * matrix,
                rowStride: channels, isTransposed: true, path: path)
        }
    }
}
