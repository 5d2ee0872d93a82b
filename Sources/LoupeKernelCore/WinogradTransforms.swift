/// The input and output transforms of Winograd's minimal filtering F(2 x 2, 3 x 3) (Lavin and
/// Gray, "Fast Algorithms for Convolutional Neural Networks", 2016): a stride-1 3 x 3
/// convolution computed on 4 x 4 input tiles, overlapping by two, that each give 2 x 2 outputs.
/// With `V = Bᵀ d B` (each tile `d`), `U = G g Gᵀ` (each filter `g`) and `Y = Aᵀ M A`, the
/// sixteen elements ξ of the transformed tiles are sixteen independent matrix products over
/// the channels: 16 multiplications per 2 x 2 outputs and channel, against 36 for the direct
/// convolution. Its 2 x 2 output tiles are the windows of a 2 x 2 max pooling, and its
/// weight gradient's products are as deep as the tiles (`WinogradConvolution`); F(4 x 4, 3 x 3)
/// (`WinogradF4Transforms`) does fewer multiplications still.
///
///     Bᵀ = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]      Aᵀ = [1 1 1 0; 0 1 -1 -1]
///
/// Element ξ = 4 * row + column of a 4 x 4 transformed tile. Images are channels-last
/// (`[height, width, channels]`) and the transforms run sixteen channels at a time, so every
/// lane is used whatever the image size; channel counts must be multiples of 16. The
/// transforms only add and subtract, so every kernel path computes the same bits.
@usableFromInline package enum WinogradTransforms<Arithmetic: MultiplyAdd> {
    /// Writes element ξ of channel c of tile t to `v[ξ * matrixStride + t * channels + c]`, for
    /// the tiles `tiles` of the channels-last images `images` (`tilesPerImage` tiles each,
    /// tile rows of `tileColumns`, from image `tile / tilesPerImage`), numbered from
    /// `tiles.lowerBound`. Tile (ty, tx) reads rows `2ty - padding ..< 2ty - padding + 4` and
    /// the same columns, zero outside the image. `zeros` holds `channels` zeros.
    @inlinable
    package static func transformInput(
        _ images: UnsafePointer<Float>, channels: Int, height: Int, width: Int, padding: Int, tileColumns: Int,
        tilesPerImage: Int, tiles: Range<Int>, zeros: UnsafePointer<Float>, into v: UnsafeMutablePointer<Float>,
        matrixStride: Int
    ) {
        let imageSize = height * width * channels
        withUnsafeTemporaryAllocation(of: UnsafePointer<Float>.self, capacity: 16) { pixels in
            for tile in tiles {
                let (image, within) = tile.quotientAndRemainder(dividingBy: tilesPerImage)
                let (ty, tx) = within.quotientAndRemainder(dividingBy: tileColumns)
                let base = images + image * imageSize
                for i in 0..<4 {
                    let y = 2 * ty - padding + i
                    for j in 0..<4 {
                        let x = 2 * tx - padding + j
                        let inside = y >= 0 && y < height && x >= 0 && x < width
                        pixels[4 * i + j] = inside ? base + (y * width + x) * channels : zeros
                    }
                }
                let destination = v + (tile - tiles.lowerBound) * channels
                var c = 0
                while c < channels {
                    transformTile(pixels.baseAddress!, offset: c, into: destination + c, matrixStride: matrixStride)
                    c += 16
                }
            }
        }
    }

    /// `V = Bᵀ d B` for sixteen channels of one tile: `pixels[4i + j] + offset` holds
    /// pixel (i, j)'s channels.
    @inlinable @inline(__always)
    static func transformTile(
        _ pixels: UnsafePointer<UnsafePointer<Float>>, offset: Int, into v: UnsafeMutablePointer<Float>,
        matrixStride: Int
    ) {
        @inline(__always) func row(_ i: Int) -> (SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>) {
            @inline(__always) func load(_ j: Int) -> SIMD16<Float> {
                UnsafeRawPointer(pixels[4 * i + j] + offset).loadUnaligned(as: SIMD16<Float>.self)
            }
            return (load(0), load(1), load(2), load(3))
        }
        // Bᵀ d: rows d0 - d2, d1 + d2, d2 - d1, d1 - d3 (element-wise over the four columns).
        let (d0, d1, d2, d3) = (row(0), row(1), row(2), row(3))
        let t0 = (d0.0 - d2.0, d0.1 - d2.1, d0.2 - d2.2, d0.3 - d2.3)
        let t1 = (d1.0 + d2.0, d1.1 + d2.1, d1.2 + d2.2, d1.3 + d2.3)
        let t2 = (d2.0 - d1.0, d2.1 - d1.1, d2.2 - d1.2, d2.3 - d1.3)
        let t3 = (d1.0 - d3.0, d1.1 - d3.1, d1.2 - d3.2, d1.3 - d3.3)
        // (Bᵀ d) B: the same combination of each row's columns.
        @inline(__always) func store(
            _ t: (SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>), row i: Int
        ) {
            let base = UnsafeMutableRawPointer(v + 4 * i * matrixStride)
            let step = matrixStride * MemoryLayout<Float>.stride
            base.storeBytes(of: t.0 - t.2, as: SIMD16<Float>.self)
            base.storeBytes(of: t.1 + t.2, toByteOffset: step, as: SIMD16<Float>.self)
            base.storeBytes(of: t.2 - t.1, toByteOffset: 2 * step, as: SIMD16<Float>.self)
            base.storeBytes(of: t.1 - t.3, toByteOffset: 3 * step, as: SIMD16<Float>.self)
        }
        store(t0, row: 0)
        store(t1, row: 1)
        store(t2, row: 2)
        store(t3, row: 3)
    }

    /// `Y = Aᵀ M A` plus the bias, for the tiles `tiles` (numbered as in `transformInput`):
    /// element ξ of output channel o of tile t is `m[ξ * matrixStride + t * outChannels + o]`;
    /// the outputs go to the channels-last `[outputHeight, outputWidth, outChannels]` images
    /// `y` (the last tile row or column cut off where the output size is odd).
    @inlinable
    package static func transformOutput(
        _ m: UnsafePointer<Float>, matrixStride: Int, outChannels: Int, tileColumns: Int, tilesPerImage: Int,
        tiles: Range<Int>, outputHeight: Int, outputWidth: Int, bias: UnsafePointer<Float>?,
        into y: UnsafeMutablePointer<Float>
    ) {
        let imageSize = outputHeight * outputWidth * outChannels
        for tile in tiles {
            let (image, within) = tile.quotientAndRemainder(dividingBy: tilesPerImage)
            let (ty, tx) = within.quotientAndRemainder(dividingBy: tileColumns)
            let (oy, ox) = (2 * ty, 2 * tx)
            let topLeft = y + image * imageSize + (oy * outputWidth + ox) * outChannels
            let (hasRight, hasBottom) = (ox + 1 < outputWidth, oy + 1 < outputHeight)
            let source = m + (tile - tiles.lowerBound) * outChannels
            var o = 0
            while o < outChannels {
                @inline(__always) func load(_ element: Int) -> SIMD16<Float> {
                    UnsafeRawPointer(source + element * matrixStride + o).loadUnaligned(as: SIMD16<Float>.self)
                }
                // Aᵀ M: s = rows 0 + 1 + 2, r = rows 1 - 2 - 3, column by column.
                let (s0, r0) = outputColumn(load(0), load(4), load(8), load(12))
                let (s1, r1) = outputColumn(load(1), load(5), load(9), load(13))
                let (s2, r2) = outputColumn(load(2), load(6), load(10), load(14))
                let (s3, r3) = outputColumn(load(3), load(7), load(11), load(15))
                // (Aᵀ M) A, plus the bias.
                let b =
                    bias.map { UnsafeRawPointer($0 + o).loadUnaligned(as: SIMD16<Float>.self) } ?? SIMD16<Float>()
                let out = UnsafeMutableRawPointer(topLeft + o)
                let (right, below) = (
                    outChannels * MemoryLayout<Float>.stride, outputWidth * outChannels * MemoryLayout<Float>.stride
                )
                out.storeBytes(of: s0 + s1 + s2 + b, as: SIMD16<Float>.self)
                if hasRight { out.storeBytes(of: s1 - s2 - s3 + b, toByteOffset: right, as: SIMD16<Float>.self) }
                if hasBottom {
                    out.storeBytes(of: r0 + r1 + r2 + b, toByteOffset: below, as: SIMD16<Float>.self)
                    if hasRight {
                        out.storeBytes(of: r1 - r2 - r3 + b, toByteOffset: below + right, as: SIMD16<Float>.self)
                    }
                }
                o += 16
            }
        }
    }

    /// The adjoint of `transformOutput` without the bias, for the weight gradient: writes
    /// `A g Aᵀ` of each tile's 2 x 2 output gradients `g` (zero past the outputs), element ξ of
    /// output channel o of tile t to `m[ξ * matrixStride + t * outChannels + o]`, from the
    /// channels-last `[outputHeight, outputWidth, outChannels]` gradient images `g` (tiles
    /// numbered as in `transformInput`). `zeros` holds `outChannels` zeros.
    /// Each row `(p, q)` of `A g` becomes `(p, p + q, p - q, -q)`.
    @inlinable
    package static func transformGradient(
        _ g: UnsafePointer<Float>, outChannels: Int, tileColumns: Int, tilesPerImage: Int, tiles: Range<Int>,
        outputHeight: Int, outputWidth: Int, zeros: UnsafePointer<Float>, into m: UnsafeMutablePointer<Float>,
        matrixStride: Int
    ) {
        let imageSize = outputHeight * outputWidth * outChannels
        for tile in tiles {
            let (image, within) = tile.quotientAndRemainder(dividingBy: tilesPerImage)
            let (ty, tx) = within.quotientAndRemainder(dividingBy: tileColumns)
            let (oy, ox) = (2 * ty, 2 * tx)
            let topLeft = g + image * imageSize + (oy * outputWidth + ox) * outChannels
            let (hasRight, hasBottom) = (ox + 1 < outputWidth, oy + 1 < outputHeight)
            let pixels = (
                topLeft, hasRight ? topLeft + outChannels : zeros,
                hasBottom ? topLeft + outputWidth * outChannels : zeros,
                hasRight && hasBottom ? topLeft + (outputWidth + 1) * outChannels : zeros
            )
            let destination = UnsafeMutableRawPointer(m + (tile - tiles.lowerBound) * outChannels)
            let step = matrixStride * MemoryLayout<Float>.stride
            var o = 0
            while o < outChannels {
                @inline(__always) func load(_ pixel: UnsafePointer<Float>) -> SIMD16<Float> {
                    UnsafeRawPointer(pixel + o).loadUnaligned(as: SIMD16<Float>.self)
                }
                let (a, b, c, d) = (load(pixels.0), load(pixels.1), load(pixels.2), load(pixels.3))
                // (A g) Aᵀ, row by row of A g: (a, b), (a + c, b + d), (a - c, b - d), (-c, -d).
                @inline(__always) func store(row i: Int, _ p: SIMD16<Float>, _ q: SIMD16<Float>) {
                    let row = destination + 4 * i * step + o * MemoryLayout<Float>.stride
                    row.storeBytes(of: p, as: SIMD16<Float>.self)
                    row.storeBytes(of: p + q, toByteOffset: step, as: SIMD16<Float>.self)
                    row.storeBytes(of: p - q, toByteOffset: 2 * step, as: SIMD16<Float>.self)
                    row.storeBytes(of: -q, toByteOffset: 3 * step, as: SIMD16<Float>.self)
                }
                store(row: 0, a, b)
                store(row: 1, a + c, b + d)
                store(row: 2, a - c, b - d)
                store(row: 3, -c, -d)
                o += 16
            }
        }
    }

    /// One column of `Aᵀ M`: (m0 + m1 + m2, m1 - m2 - m3).
    @inlinable @inline(__always)
    static func outputColumn(
        _ m0: SIMD16<Float>, _ m1: SIMD16<Float>, _ m2: SIMD16<Float>, _ m3: SIMD16<Float>
    ) -> (SIMD16<Float>, SIMD16<Float>) {
        (m0 + m1 + m2, m1 - m2 - m3)
    }
}
