/// The input and output transforms of Winograd's minimal filtering F(4 x 4, 3 x 3) (Lavin and
/// Gray, "Fast Algorithms for Convolutional Neural Networks", 2016, interpolation points 0,
/// ±1, ±2 and ∞): a stride-1 3 x 3 convolution computed on 6 x 6 input tiles, overlapping by
/// two, that each give 4 x 4 outputs. With `V = Bᵀ d B` (each tile `d`), `U = G g Gᵀ` (each
/// filter `g`) and `Y = Aᵀ M A`, the 36 elements ξ of the transformed tiles are 36 independent
/// matrix products over the channels: 36 multiplications per 4 x 4 outputs and channel, against
/// 144 for the direct convolution and 64 for F(2 x 2, 3 x 3) (`WinogradTransforms`), and 2.25
/// transformed values per output instead of 4.
///
///     Bᵀ = [4  0 -5  0  1  0      G = [ 1/4    0     0      Aᵀ = [1  1  1  1  1  0
///           0 -4 -4  1  1  0           -1/6  -1/6  -1/6            0  1 -1  2 -2  0
///           0  4 -4 -1  1  0           -1/6   1/6  -1/6            0  1  1  4  4  0
///           0 -2 -1  2  1  0           1/24  1/12   1/6            0  1 -1  8 -8  1]
///           0  2 -1 -2  1  0           1/24 -1/12   1/6
///           0  4  0 -5  0  1]             0     0     1]
///
/// Element ξ = 6 * row + column of a 6 x 6 transformed tile. Images are channels-last
/// (`[height, width, channels]`) and the transforms run sixteen channels at a time; channel
/// counts must be multiples of 16. The transforms add, subtract and scale by powers of two
/// (exact), so every kernel path computes the same bits.
@usableFromInline package enum WinogradF4Transforms<Arithmetic: MultiplyAdd> {
    /// Writes element ξ of channel c of tile t to `v[ξ * matrixStride + t * channels + c]`, for
    /// the tiles `tiles` of the channels-last images `images` (`tilesPerImage` tiles each,
    /// tile rows of `tileColumns`, from image `tile / tilesPerImage`), numbered from
    /// `tiles.lowerBound`. Tile (ty, tx) reads rows `4ty - padding ..< 4ty - padding + 6` and
    /// the same columns, zero outside the image. `zeros` holds `channels` zeros.
    @inlinable
    package static func transformInput(
        _ images: UnsafePointer<Float>, channels: Int, height: Int, width: Int, padding: Int, tileColumns: Int,
        tilesPerImage: Int, tiles: Range<Int>, zeros: UnsafePointer<Float>, into v: UnsafeMutablePointer<Float>,
        matrixStride: Int
    ) {
        let imageSize = height * width * channels
        withUnsafeTemporaryAllocation(of: UnsafePointer<Float>.self, capacity: 36) { pixels in
            withUnsafeTemporaryAllocation(of: SIMD16<Float>.self, capacity: 36) { rows in
                for tile in tiles {
                    let (image, within) = tile.quotientAndRemainder(dividingBy: tilesPerImage)
                    let (ty, tx) = within.quotientAndRemainder(dividingBy: tileColumns)
                    let base = images + image * imageSize
                    for i in 0..<6 {
                        let y = 4 * ty - padding + i
                        for j in 0..<6 {
                            let x = 4 * tx - padding + j
                            let inside = y >= 0 && y < height && x >= 0 && x < width
                            pixels[6 * i + j] = inside ? base + (y * width + x) * channels : zeros
                        }
                    }
                    let destination = v + (tile - tiles.lowerBound) * channels
                    var c = 0
                    while c < channels {
                        transformTile(
                            pixels.baseAddress!, offset: c, rows: rows.baseAddress!, into: destination + c,
                            matrixStride: matrixStride)
                        c += 16
                    }
                }
            }
        }
    }

    /// `V = Bᵀ d B` for sixteen channels of one tile: `pixels[6i + j] + offset` holds pixel
    /// (i, j)'s channels; `rows` is room for the 36 values of `Bᵀ d`.
    @inlinable @inline(__always)
    static func transformTile(
        _ pixels: UnsafePointer<UnsafePointer<Float>>, offset: Int, rows: UnsafeMutablePointer<SIMD16<Float>>,
        into v: UnsafeMutablePointer<Float>, matrixStride: Int
    ) {
        // Bᵀ d, column by column.
        for j in 0..<6 {
            @inline(__always) func load(_ i: Int) -> SIMD16<Float> {
                UnsafeRawPointer(pixels[6 * i + j] + offset).loadUnaligned(as: SIMD16<Float>.self)
            }
            let t = inputCombination(load(0), load(1), load(2), load(3), load(4), load(5))
            (rows[j], rows[6 + j], rows[12 + j], rows[18 + j], rows[24 + j], rows[30 + j]) = t
        }
        // (Bᵀ d) B: the same combination of each row's columns.
        let step = matrixStride * MemoryLayout<Float>.stride
        for i in 0..<6 {
            let r = rows + 6 * i
            let t = inputCombination(r[0], r[1], r[2], r[3], r[4], r[5])
            let base = UnsafeMutableRawPointer(v + 6 * i * matrixStride)
            base.storeBytes(of: t.0, as: SIMD16<Float>.self)
            base.storeBytes(of: t.1, toByteOffset: step, as: SIMD16<Float>.self)
            base.storeBytes(of: t.2, toByteOffset: 2 * step, as: SIMD16<Float>.self)
            base.storeBytes(of: t.3, toByteOffset: 3 * step, as: SIMD16<Float>.self)
            base.storeBytes(of: t.4, toByteOffset: 4 * step, as: SIMD16<Float>.self)
            base.storeBytes(of: t.5, toByteOffset: 5 * step, as: SIMD16<Float>.self)
        }
    }

    /// Bᵀ applied to six values: `4d0 - 5d2 + d4`, `d3 + d4 - 4(d1 + d2)`, `d4 - d3 + 4(d1 - d2)`,
    /// `d4 - d2 + 2(d3 - d1)`, `d4 - d2 - 2(d3 - d1)`, `4d1 - 5d3 + d5`.
    @inlinable @inline(__always)
    static func inputCombination(
        _ d0: SIMD16<Float>, _ d1: SIMD16<Float>, _ d2: SIMD16<Float>, _ d3: SIMD16<Float>, _ d4: SIMD16<Float>,
        _ d5: SIMD16<Float>
    ) -> (SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>) {
        let (four, two) = (SIMD16<Float>(repeating: 4), SIMD16<Float>(repeating: 2))
        let (d42, d31) = (d4 - d2, two * (d3 - d1))
        return (
            four * (d0 - d2) + d42, (d3 + d4) - four * (d1 + d2), (d4 - d3) + four * (d1 - d2), d42 + d31,
            d42 - d31, four * (d1 - d3) + (d5 - d3)
        )
    }

    /// `Y = Aᵀ M A` plus the bias, for the tiles `tiles` (numbered as in `transformInput`):
    /// element ξ of output channel o of tile t is `m[ξ * matrixStride + t * outChannels + o]`;
    /// the outputs go to the channels-last `[outputHeight, outputWidth, outChannels]` images
    /// `y` (the last tile row or column cut off where the output size is not a multiple of 4).
    @inlinable
    package static func transformOutput(
        _ m: UnsafePointer<Float>, matrixStride: Int, outChannels: Int, tileColumns: Int, tilesPerImage: Int,
        tiles: Range<Int>, outputHeight: Int, outputWidth: Int, bias: UnsafePointer<Float>?,
        into y: UnsafeMutablePointer<Float>
    ) {
        let imageSize = outputHeight * outputWidth * outChannels
        let (right, below) = (outChannels * MemoryLayout<Float>.stride, outputWidth * outChannels)
        withUnsafeTemporaryAllocation(of: SIMD16<Float>.self, capacity: 24) { rows in
            let rows = rows.baseAddress!
            for tile in tiles {
                let (image, within) = tile.quotientAndRemainder(dividingBy: tilesPerImage)
                let (ty, tx) = within.quotientAndRemainder(dividingBy: tileColumns)
                let (oy, ox) = (4 * ty, 4 * tx)
                let topLeft = y + image * imageSize + (oy * outputWidth + ox) * outChannels
                let (outputRows, outputColumns) = (min(4, outputHeight - oy), min(4, outputWidth - ox))
                let source = m + (tile - tiles.lowerBound) * outChannels
                var o = 0
                while o < outChannels {
                    // Aᵀ M, column by column.
                    for j in 0..<6 {
                        @inline(__always) func load(_ i: Int) -> SIMD16<Float> {
                            UnsafeRawPointer(source + (6 * i + j) * matrixStride + o).loadUnaligned(
                                as: SIMD16<Float>.self)
                        }
                        (rows[j], rows[6 + j], rows[12 + j], rows[18 + j]) = outputCombination(
                            load(0), load(1), load(2), load(3), load(4), load(5))
                    }
                    // (Aᵀ M) A, plus the bias, for the outputs there are.
                    let b =
                        bias.map { UnsafeRawPointer($0 + o).loadUnaligned(as: SIMD16<Float>.self) } ?? SIMD16<Float>()
                    for i in 0..<outputRows {
                        let r = rows + 6 * i
                        let t = outputCombination(r[0], r[1], r[2], r[3], r[4], r[5])
                        let out = UnsafeMutableRawPointer(topLeft + i * below + o)
                        out.storeBytes(of: t.0 + b, as: SIMD16<Float>.self)
                        if outputColumns > 1 {
                            out.storeBytes(of: t.1 + b, toByteOffset: right, as: SIMD16<Float>.self)
                        }
                        if outputColumns > 2 {
                            out.storeBytes(of: t.2 + b, toByteOffset: 2 * right, as: SIMD16<Float>.self)
                        }
                        if outputColumns > 3 {
                            out.storeBytes(of: t.3 + b, toByteOffset: 3 * right, as: SIMD16<Float>.self)
                        }
                    }
                    o += 16
                }
            }
        }
    }

    /// `∂M = A ∂Y Aᵀ`, the adjoint of the output transform, for the tiles `tiles` (numbered as
    /// in `transformInput`) of the channels-last output gradients `g` (`[outputHeight,
    /// outputWidth, outChannels]` images): element ξ of output channel o of tile t goes to
    /// `m[ξ * matrixStride + t * outChannels + o]`. Outputs past the image's edge (a last
    /// tile row or column cut off) read `zeros`, which holds `outChannels` zeros.
    @inlinable
    package static func transformGradient(
        _ g: UnsafePointer<Float>, outChannels: Int, tileColumns: Int, tilesPerImage: Int, tiles: Range<Int>,
        outputHeight: Int, outputWidth: Int, zeros: UnsafePointer<Float>, into m: UnsafeMutablePointer<Float>,
        matrixStride: Int
    ) {
        let imageSize = outputHeight * outputWidth * outChannels
        let step = matrixStride * MemoryLayout<Float>.stride
        withUnsafeTemporaryAllocation(of: UnsafePointer<Float>.self, capacity: 16) { pixels in
            withUnsafeTemporaryAllocation(of: SIMD16<Float>.self, capacity: 24) { rows in
                let rows = rows.baseAddress!
                for tile in tiles {
                    let (image, within) = tile.quotientAndRemainder(dividingBy: tilesPerImage)
                    let (ty, tx) = within.quotientAndRemainder(dividingBy: tileColumns)
                    let base = g + image * imageSize
                    for i in 0..<4 {
                        let y = 4 * ty + i
                        for j in 0..<4 {
                            let x = 4 * tx + j
                            pixels[4 * i + j] =
                                y < outputHeight && x < outputWidth ? base + (y * outputWidth + x) * outChannels : zeros
                        }
                    }
                    let destination = UnsafeMutableRawPointer(m + (tile - tiles.lowerBound) * outChannels)
                    var o = 0
                    while o < outChannels {
                        // A ∂Y, column by column: six rows of four.
                        for j in 0..<4 {
                            @inline(__always) func load(_ i: Int) -> SIMD16<Float> {
                                UnsafeRawPointer(pixels[4 * i + j] + o).loadUnaligned(as: SIMD16<Float>.self)
                            }
                            (rows[j], rows[4 + j], rows[8 + j], rows[12 + j], rows[16 + j], rows[20 + j]) =
                                gradientCombination(load(0), load(1), load(2), load(3))
                        }
                        // (A ∂Y) Aᵀ: the same combination of each row's four values.
                        for i in 0..<6 {
                            let r = rows + 4 * i
                            let t = gradientCombination(r[0], r[1], r[2], r[3])
                            let row = destination + 6 * i * step + o * MemoryLayout<Float>.stride
                            row.storeBytes(of: t.0, as: SIMD16<Float>.self)
                            row.storeBytes(of: t.1, toByteOffset: step, as: SIMD16<Float>.self)
                            row.storeBytes(of: t.2, toByteOffset: 2 * step, as: SIMD16<Float>.self)
                            row.storeBytes(of: t.3, toByteOffset: 3 * step, as: SIMD16<Float>.self)
                            row.storeBytes(of: t.4, toByteOffset: 4 * step, as: SIMD16<Float>.self)
                            row.storeBytes(of: t.5, toByteOffset: 5 * step, as: SIMD16<Float>.self)
                        }
                        o += 16
                    }
                }
            }
        }
    }

    /// A (Aᵀ's transpose) applied to four values: `g0`, `(g0 + g2) + (g1 + g3)`,
    /// `(g0 + g2) - (g1 + g3)`, `(g0 + 4g2) + 2(g1 + 4g3)`, `(g0 + 4g2) - 2(g1 + 4g3)`, `g3`.
    @inlinable @inline(__always)
    static func gradientCombination(
        _ g0: SIMD16<Float>, _ g1: SIMD16<Float>, _ g2: SIMD16<Float>, _ g3: SIMD16<Float>
    ) -> (SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>) {
        let (four, two) = (SIMD16<Float>(repeating: 4), SIMD16<Float>(repeating: 2))
        let (even, odd) = (g0 + g2, g1 + g3)
        let (evenScaled, oddScaled) = (g0 + four * g2, two * (g1 + four * g3))
        return (g0, even + odd, even - odd, evenScaled + oddScaled, evenScaled - oddScaled, g3)
    }

    /// Aᵀ applied to six values: `m0 + (m1 + m2) + (m3 + m4)`, `(m1 - m2) + 2(m3 - m4)`,
    /// `(m1 + m2) + 4(m3 + m4)`, `(m1 - m2) + 8(m3 - m4) + m5`.
    @inlinable @inline(__always)
    static func outputCombination(
        _ m0: SIMD16<Float>, _ m1: SIMD16<Float>, _ m2: SIMD16<Float>, _ m3: SIMD16<Float>, _ m4: SIMD16<Float>,
        _ m5: SIMD16<Float>
    ) -> (SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>) {
        let (sum12, difference12, sum34, difference34) = (m1 + m2, m1 - m2, m3 + m4, m3 - m4)
        return (
            m0 + sum12 + sum34, difference12 + SIMD16(repeating: 2) * difference34,
            sum12 + SIMD16(repeating: 4) * sum34, difference12 + SIMD16(repeating: 8) * difference34 + m5
        )
    }
}
