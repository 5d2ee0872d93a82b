import LoupeKernelCore
import LoupeKernelsAVX2
import LoupeKernelsAVX512
import LoupeSupport

/// A stride-1 3 x 3 convolution by Winograd's minimal filtering. The forward pass takes the
/// form its weights were transformed for (`WinogradWeights.tileEdge`): F(4 x 4, 3 x 3)
/// (`WinogradF4Transforms`) or F(2 x 2, 3 x 3) (`WinogradTransforms`). The images are turned
/// channels-last, each 6 x 6 (4 x 4) input tile is transformed, the 36 (16) transformed
/// elements are as many products over the channels, `Mᵀ_ξ = Vᵀ_ξ Uᵀ_ξ` (tiles by output
/// channels; the packed GEMM, `U` the transformed weights), and each tile's 4 x 4 (2 x 2)
/// outputs come back by the output transform. The products do 4 (2.25) times fewer
/// multiply-adds than the lowered convolution's. The weight gradient is the adjoint of
/// F(4 x 4, 3 x 3) in the weights, 4 times fewer (or of F(2 x 2), 2.25 times).
///
/// For inference: the values differ from the lowered convolution's by rounding (the
/// transforms add before multiplying, and F(4 x 4)'s G has sixths and twenty-fourths), by a
/// few units in the seventh significant digit of the largest terms for F(2 x 2), the sixth
/// for F(4 x 4). Each image's outputs are the same bits whatever the batch or its grouping
/// into products (a product's depth is the channels, summed in the same order for every row).
package struct WinogradConvolution: Sendable {
    package let geometry: ConvolutionGeometry
    package let outChannels: Int
    package let path: KernelPath
    /// About how many output positions (of as many images as that takes) one round of the
    /// forward pass's products covers: its tiles, transformed and multiplied, stay in cache.
    package let positionsPerRound: Int

    /// 3,072 positions, 192 tiles of F(4 x 4). Of rounds of 24 to 768 such tiles
    /// (`loupe-bench --throughput-only --models resnet-mini --threads 2`, Zen 2), 96 to 192
    /// trained and inferred fastest once the transformed matrices no longer shared L1 sets
    /// (`matrixStride`): inference 6-9% and training 2-3% faster than with 48, the best
    /// before (BENCHMARKS.md).
    package static let defaultPositionsPerRound = 3072

    /// The outputs per tile side of the weight gradient's form: 4, F(4 x 4, 3 x 3)'s adjoint,
    /// or 2, F(2 x 2, 3 x 3)'s (less rounding, 1.8 times the multiply-adds).
    package let weightGradientTileEdge: Int

    /// How many tiles (of as many images as that takes) the weight gradient's products sum at
    /// a time: their depth. By default 128 tiles of F(4 x 4), 256 of F(2 x 2): of 64 to 256
    /// F(4 x 4) tiles, 128 was at or near the fastest for `resnet-mini`'s 32- and 64-channel
    /// layers (`loupe-bench --resnet-convolutions --passes weight-gradient`, Zen 2).
    package let weightGradientTilesPerProduct: Int

    package init(
        geometry: ConvolutionGeometry, outChannels: Int, path: KernelPath = .active,
        positionsPerRound: Int = WinogradConvolution.defaultPositionsPerRound,
        weightGradientTileEdge: Int = 4, weightGradientTilesPerProduct: Int? = nil
    ) {
        precondition(
            Self.computes(geometry, outChannels: outChannels),
            "not a stride-1 3 x 3 convolution with padding at most 2 and channels in multiples of 16")
        (self.geometry, self.outChannels, self.path) = (geometry, outChannels, path)
        self.positionsPerRound = max(1, positionsPerRound)
        precondition(
            weightGradientTileEdge == 4 || weightGradientTileEdge == 2, "Winograd tiles of 4 x 4 or 2 x 2 outputs")
        self.weightGradientTileEdge = weightGradientTileEdge
        self.weightGradientTilesPerProduct = max(
            1, weightGradientTilesPerProduct ?? (weightGradientTileEdge == 4 ? 128 : 256))
    }

    /// Whether this pass computes the convolution: a 3 x 3 kernel, stride 1, padding at most
    /// 2, at least one output, and input and output channels in multiples of 16 (the
    /// transforms' vectors).
    package static func computes(_ geometry: ConvolutionGeometry, outChannels: Int) -> Bool {
        geometry.kernelHeight == 3 && geometry.kernelWidth == 3 && geometry.stride == 1
            && (0...2).contains(geometry.padding) && geometry.outputHeight > 0 && geometry.outputWidth > 0
            && geometry.channels > 0 && geometry.channels % 16 == 0 && outChannels > 0 && outChannels % 16 == 0
    }

    /// Whether inference should take this pass in the form of `tileEdge` (4 or 2): F(4 x 4, 3 x 3)
    /// whenever it computes the convolution, since from 16 channels on, the narrowest it
    /// computes, it beats the lowered convolution; F(2 x 2, 3 x 3) from 32 input and output
    /// channels, since at 16 it loses (`loupe-bench --winograd`, 16-16 @32: 4.48 ms against
    /// 4.08 lowered; BENCHMARKS.md).
    package static func isFaster(for geometry: ConvolutionGeometry, outChannels: Int, tileEdge: Int = 4) -> Bool {
        computes(geometry, outChannels: outChannels) && (tileEdge == 4 || min(geometry.channels, outChannels) >= 32)
    }

    /// Whether training's weight gradient takes this form (`accumulateWeightGradient`), on a
    /// path that `trains(on:)`: whenever it computes the convolution. Its 36 products are as
    /// deep as the tiles but only channels wide; read in place rather than packed
    /// (`PackedGEMMKernel.multiply`), they beat the lowered product from 16 channels on
    /// (`loupe-bench --resnet-convolutions --passes weight-gradient --cpu-time`, one thread, 64
    /// images, Zen 2: `resnet-mini`'s 16-channel 32 x 32 layer 3.2-3.3 ms against 4.1-4.4
    /// lowered, its 32-channel 16 x 16 layer 2.1 against 4.2, its 64-channel 8 x 8 layer 1.8
    /// against 2.8-2.9 by F(2 x 2)'s adjoint; BENCHMARKS.md).
    package static func sumsWeightGradient(for geometry: ConvolutionGeometry, outChannels: Int) -> Bool {
        computes(geometry, outChannels: outChannels)
    }

    /// Whether training's passes take this form too, on `path`: the forward pass and the
    /// input gradient (a convolution of the output gradient, `LoweredConvolution`) of the
    /// layers inference takes it for, and the weight gradient of wide ones
    /// (`sumsWeightGradient(for:outChannels:)`). The `avx512` and `avx2` paths do: it makes
    /// `resnet-mini`'s training step 8-13% faster on Zen 5 and about 10% on Zen 2
    /// (BENCHMARKS.md). The portable `generic` path keeps the lowered products.
    package static func trains(on path: KernelPath) -> Bool { path != .generic }

    /// Tile rows and columns of `edge` x `edge` outputs that cover the output: 4 for the
    /// forward pass, 2 for the weight gradient.
    func tileGrid(edge: Int) -> (rows: Int, columns: Int) {
        ((geometry.outputHeight + edge - 1) / edge, (geometry.outputWidth + edge - 1) / edge)
    }

    /// `y = conv(x, W) + bias` for `batch` images: `x` `[batch, C, H, W]`, `weights` the
    /// transformed `[outChannels, C, 3, 3]` weights (whose tile edge picks the form), `y`
    /// `[batch, outChannels, outputHeight, outputWidth]`. `affine`, when given, maps each
    /// image's outputs right after they are written, as `LoweredConvolution.forward` does.
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
        let edge = weights.tileEdge
        let (grid, elements) = (tileGrid(edge: edge), (edge + 2) * (edge + 2))
        let tilesPerImage = grid.rows * grid.columns
        let tilesPerProduct = max(1, positionsPerRound / (edge * edge))
        let group = max(1, min(batch, tilesPerProduct / tilesPerImage))
        let (pixels, outputPixels) = (geometry.height * geometry.width, geometry.outputHeight * geometry.outputWidth)
        let (imageSize, outputSize) = (channels * pixels, outChannels * outputPixels)
        // Per group: its images channels-last, the transformed tiles and products of at most
        // `tilesPerProduct` tiles at a time (a large image's in several rounds), the outputs
        // channels-last, and a pixel of zeros (the padding).
        let round = min(group * tilesPerImage, tilesPerProduct)
        let (vStride, mStride) = (Self.matrixStride(round * channels), Self.matrixStride(round * outChannels))
        let counts = [group * imageSize, elements * vStride, elements * mStride, group * outputSize, channels]
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
                        edge: edge, channelsLast, tileColumns: grid.columns, tiles: tiles, zeros: zeros, into: v,
                        matrixStride: vStride)
                    for element in 0..<elements {
                        GEMM.multiply(
                            transposeB: true, m: tiles.count, n: outChannels, k: channels,
                            a: v + element * vStride, lda: channels,
                            // B is read from its packed form only.
                            b: weights.forms[element].panels, ldb: channels, beta: 0,
                            c: m + element * mStride, ldc: outChannels, path: path,
                            packedB: weights.forms[element])
                    }
                    transformOutput(
                        edge: edge, m, matrixStride: mStride, tileColumns: grid.columns,
                        tiles: tiles, bias: bias, into: outputs)
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
    /// `weightGradient` `[outChannels, C, 3, 3]`. The adjoint of F(`edge` x `edge`, 3 x 3) in
    /// the weights, `weightGradientTileEdge` (4 or 2): for each element ξ, `∂U_ξ = Σ_t (A g_t
    /// Aᵀ)_ξ V_ξ,t` over the tiles t (36 or 16 products as deep as the tiles, `V` the input
    /// tiles transformed as the forward pass transforms them), then `∂W = Gᵀ ∂U G` per filter
    /// and channel: the convolution's weight gradient up to rounding, with 4 (2.25) times fewer
    /// multiply-adds. Deterministic: tiles are summed in the same groups for a batch.
    package func accumulateWeightGradient(
        _ g: UnsafePointer<Float>, input x: UnsafePointer<Float>, batch: Int,
        into weightGradient: UnsafeMutablePointer<Float>
    ) {
        guard batch > 0 else { return }
        let (channels, edge) = (geometry.channels, weightGradientTileEdge)
        let (grid, elements) = (tileGrid(edge: edge), (edge + 2) * (edge + 2))
        let tilesPerImage = grid.rows * grid.columns
        let tilesPerProduct = weightGradientTilesPerProduct
        let group = max(1, min(batch, tilesPerProduct / tilesPerImage))
        let (pixels, outputPixels) = (geometry.height * geometry.width, geometry.outputHeight * geometry.outputWidth)
        let (imageSize, outputSize, matrix) = (channels * pixels, outChannels * outputPixels, outChannels * channels)
        // Per group: its images and output gradients channels-last, the transformed tiles of
        // at most `tilesPerProduct` tiles at a time, the sums ∂U_ξ, and zeros.
        let round = min(group * tilesPerImage, tilesPerProduct)
        let (vStride, mStride) = (Self.matrixStride(round * channels), Self.matrixStride(round * outChannels))
        let counts = [
            group * imageSize, group * outputSize, elements * vStride, elements * mStride,
            elements * matrix, max(channels, outChannels),
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
                    transformInput(
                        edge: edge, images, tileColumns: grid.columns, tiles: tiles, zeros: zeros, into: v,
                        matrixStride: vStride)
                    transformGradient(
                        edge: edge, gradients, tileColumns: grid.columns, tiles: tiles, zeros: zeros, into: m,
                        matrixStride: mStride)
                    for element in 0..<elements {
                        GEMM.multiply(
                            transposeA: true, m: outChannels, n: channels, k: tiles.count,
                            a: m + element * mStride, lda: outChannels, b: v + element * vStride, ldb: channels,
                            beta: 1,
                            c: sums + element * matrix, ldc: channels, path: path)
                    }
                }
                first += count
            }
            if edge == 4 {
                Self.addF4WeightGradient(sums, matrix: matrix, into: weightGradient)
            } else {
                Self.addF2WeightGradient(sums, matrix: matrix, into: weightGradient)
            }
        }
    }

    /// `∂W += Gᵀ ∂U G` for F(2 x 2, 3 x 3): `sums[ξ * matrix + pair]` is element ξ of the 4 x 4
    /// `∂U` of filter and channel `pair`. Each row (a, b, c, d) of ∂U, and then of Gᵀ ∂U's
    /// columns, becomes (a + (b + c) / 2, (b - c) / 2, (b + c) / 2 + d).
    private static func addF2WeightGradient(
        _ sums: UnsafePointer<Float>, matrix: Int, into weightGradient: UnsafeMutablePointer<Float>
    ) {
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

    /// `∂W += Gᵀ ∂U G` for F(4 x 4, 3 x 3), `sums` as in `addF2WeightGradient` for the 6 x 6
    /// `∂U`. Gᵀ takes six values (u0, ..., u5) to (u0/4 - s/6 + t/24, (u2 - u1)/6 + (u3 - u4)/12,
    /// t/6 - s/6 + u5), with s = u1 + u2 and t = u3 + u4.
    private static func addF4WeightGradient(
        _ sums: UnsafePointer<Float>, matrix: Int, into weightGradient: UnsafeMutablePointer<Float>
    ) {
        @inline(__always) func reduce(_ u: (Float, Float, Float, Float, Float, Float)) -> (Float, Float, Float) {
            let (s, t) = (u.1 + u.2, u.3 + u.4)
            return (u.0 / 4 - s / 6 + t / 24, (u.2 - u.1) / 6 + (u.3 - u.4) / 12, (t - s) / 6 + u.5)
        }
        for pair in 0..<matrix {
            @inline(__always) func u(_ element: Int) -> Float { sums[element * matrix + pair] }
            // Gᵀ ∂U, column by column (no array per filter: this runs for every filter and channel).
            @inline(__always) func column(_ j: Int) -> (Float, Float, Float) {
                reduce((u(j), u(6 + j), u(12 + j), u(18 + j), u(24 + j), u(30 + j)))
            }
            let c = (column(0), column(1), column(2), column(3), column(4), column(5))
            let filter = weightGradient + pair * 9
            // Then each of its three rows by Gᵀ again.
            @inline(__always) func add(row i: Int, _ w: (Float, Float, Float)) {
                filter[3 * i] += w.0
                filter[3 * i + 1] += w.1
                filter[3 * i + 2] += w.2
            }
            add(row: 0, reduce((c.0.0, c.1.0, c.2.0, c.3.0, c.4.0, c.5.0)))
            add(row: 1, reduce((c.0.1, c.1.1, c.2.1, c.3.1, c.4.1, c.5.1)))
            add(row: 2, reduce((c.0.2, c.1.2, c.2.2, c.3.2, c.4.2, c.5.2)))
        }
    }

    /// Floats from one element's transformed matrix to the next's, for matrices of `size`
    /// floats: the size rounded up to whole 64-byte lines, and then to an odd number of them.
    /// A tile's 36 (16) values, one to each matrix, then go to 36 different sets of the L1
    /// cache; with the matrices a multiple of 1 KiB apart they shared one to four sets of 8
    /// lines and evicted each other. On Zen 2 (BENCHMARKS.md) the weight gradient of 64
    /// images went from 3.2 to 2.5 ms (16-16 @32) and 2.1 to 1.8 ms (32-32 @16), and the
    /// two-thread training step gained 3.6% more with the forward pass's matrices spaced too.
    /// Only where the values are changes: the same bits.
    package static func matrixStride(_ size: Int) -> Int {
        let lines = (size + 15) / 16
        return (lines | 1) * 16
    }

    /// The adjoint of the output transform of F(`edge` x `edge`, 3 x 3), 4 or 2, on the path.
    private func transformGradient(
        edge: Int, _ gradients: UnsafePointer<Float>, tileColumns: Int, tiles: Range<Int>,
        zeros: UnsafePointer<Float>, into m: UnsafeMutablePointer<Float>, matrixStride: Int
    ) {
        let transform =
            switch (path, edge) {
            case (.avx512, 4): avx512WinogradF4Gradient
            case (.avx512, _): avx512WinogradGradient
            case (.avx2, 4): avx2WinogradF4Gradient
            case (.avx2, _): avx2WinogradGradient
            case (.generic, 4): WinogradF4Transforms<SeparateMultiplyAdd>.transformGradient
            case (.generic, _): WinogradTransforms<SeparateMultiplyAdd>.transformGradient
            }
        transform(
            gradients, outChannels, tileColumns, tileGrid(edge: edge).rows * tileColumns, tiles,
            geometry.outputHeight, geometry.outputWidth, zeros, m, matrixStride)
    }

    /// The input transform of F(`edge` x `edge`, 3 x 3), 4 or 2, on the path.
    private func transformInput(
        edge: Int, _ images: UnsafePointer<Float>, tileColumns: Int, tiles: Range<Int>, zeros: UnsafePointer<Float>,
        into v: UnsafeMutablePointer<Float>, matrixStride: Int
    ) {
        let transform =
            switch (path, edge) {
            case (.avx512, 4): avx512WinogradF4Input
            case (.avx512, _): avx512WinogradInput
            case (.avx2, 4): avx2WinogradF4Input
            case (.avx2, _): avx2WinogradInput
            case (.generic, 4): WinogradF4Transforms<SeparateMultiplyAdd>.transformInput
            case (.generic, _): WinogradTransforms<SeparateMultiplyAdd>.transformInput
            }
        transform(
            images, geometry.channels, geometry.height, geometry.width, geometry.padding, tileColumns,
            tileGrid(edge: edge).rows * tileColumns, tiles, zeros, v, matrixStride)
    }

    /// The output transform of F(`edge` x `edge`, 3 x 3), 4 or 2, on the path.
    private func transformOutput(
        edge: Int, _ m: UnsafePointer<Float>, matrixStride: Int, tileColumns: Int, tiles: Range<Int>,
        bias: UnsafePointer<Float>?, into y: UnsafeMutablePointer<Float>
    ) {
        let transform =
            switch (path, edge) {
            case (.avx512, 4): avx512WinogradF4Output
            case (.avx512, _): avx512WinogradOutput
            case (.avx2, 4): avx2WinogradF4Output
            case (.avx2, _): avx2WinogradOutput
            case (.generic, 4): WinogradF4Transforms<SeparateMultiplyAdd>.transformOutput
            case (.generic, _): WinogradTransforms<SeparateMultiplyAdd>.transformOutput
            }
        transform(
            m, matrixStride, outChannels, tileColumns, tileGrid(edge: edge).rows * tileColumns, tiles,
            geometry.outputHeight, geometry.outputWidth, bias, y)
    }
}

/// The weights of a 3 x 3 convolution in the domain of Winograd's F(4 x 4, 3 x 3) or
/// F(2 x 2, 3 x 3) (`tileEdge` 4 or 2): `U = G g Gᵀ` for every filter `g`, as 36 (16)
/// `[outChannels, channels]` matrices, each packed transposed as the right operand of its
/// product for `path`. Made `transposedAndFlipped`, they are the weights of the input
/// gradient as a convolution of the output gradient: filter (c, o) is filter (o, c) turned
/// by 180 degrees.
///
///     F(4 x 4): G = [1/4 0 0; -1/6 -1/6 -1/6; -1/6 1/6 -1/6; 1/24 1/12 1/6; 1/24 -1/12 1/6; 0 0 1]
///     F(2 x 2): G = [1 0 0; ½ ½ ½; ½ -½ ½; 0 0 1]
package final class WinogradWeights: @unchecked Sendable {
    package let outChannels: Int
    package let channels: Int
    /// Outputs per tile side of the form: 4 or 2.
    package let tileEdge: Int
    /// Whether these are the transformed weights of the input gradient's convolution.
    package let isTransposedAndFlipped: Bool
    package let path: KernelPath
    /// Element ξ's matrix, transposed, packed as the right operand of its product.
    let forms: [PackedOperand]

    /// Transforms `[outChannels, channels, 3, 3]` weights; `transposedAndFlipped`, the
    /// `[channels, outChannels, 3, 3]` weights of a convolution whose input gradient this
    /// convolution is: `W[c, o, 2 - ky, 2 - kx]` for filter (o, c) and tap (ky, kx).
    package init(
        weights: UnsafePointer<Float>, outChannels: Int, channels: Int, tileEdge: Int = 4,
        transposedAndFlipped: Bool = false, path: KernelPath = .active
    ) {
        precondition(tileEdge == 4 || tileEdge == 2, "Winograd tiles of 4 x 4 or 2 x 2 outputs")
        (self.outChannels, self.channels, self.tileEdge, self.path) = (outChannels, channels, tileEdge, path)
        isTransposedAndFlipped = transposedAndFlipped
        let (matrix, side) = (outChannels * channels, tileEdge + 2)
        /// G applied to three values, in the first `side` lanes: for F(4 x 4), (a/4,
        /// -(a + b + c)/6, -(a - b + c)/6, a/24 + b/12 + c/6, a/24 - b/12 + c/6, c); for
        /// F(2 x 2), (a, (a + b + c)/2, (a - b + c)/2, c).
        func transform(_ a: Float, _ b: Float, _ c: Float) -> SIMD8<Float> {
            guard tileEdge == 4 else { return [a, (a + b + c) * 0.5, (a - b + c) * 0.5, c, 0, 0, 0, 0] }
            let (outer, middle) = (a / 24 + c / 6, b / 12)
            return [a / 4, -(a + b + c) / 6, -(a - b + c) / 6, outer + middle, outer - middle, c, 0, 0]
        }
        // The transformed matrices before packing, in the thread's scratch memory: training
        // transforms every step, and a fresh buffer this large (590 KB for 64 x 64 filters)
        // would come from the kernel as pages to clear.
        forms = ScratchMemory.withBytes(side * side * matrix * MemoryLayout<Float>.stride) { raw in
            let values = raw.bindMemory(to: Float.self, capacity: side * side * matrix)
            for filter in 0..<matrix {
                let (o, c) = filter.quotientAndRemainder(dividingBy: channels)
                let source = weights + 9 * (transposedAndFlipped ? c * outChannels + o : filter)
                @inline(__always) func g(_ tap: Int) -> Float { source[transposedAndFlipped ? 8 - tap : tap] }
                // G g, column by column: `side` rows of three.
                let (column0, column1, column2) = (
                    transform(g(0), g(3), g(6)), transform(g(1), g(4), g(7)), transform(g(2), g(5), g(8))
                )
                // (G g) Gᵀ: each row's three values the same way.
                for i in 0..<side {
                    let row = transform(column0[i], column1[i], column2[i])
                    for j in 0..<side { values[(side * i + j) * matrix + filter] = row[j] }
                }
            }
            return (0..<side * side).map { element in
                PackedOperand(
                    side: .right, rows: channels, columns: outChannels, source: values + element * matrix,
                    rowStride: channels, isTransposed: true, path: path)
            }
        }
    }
}
