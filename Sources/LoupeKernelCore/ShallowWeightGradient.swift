/// The weight gradient of a convolution with few kernel taps (a first layer on one or three
/// channels: 9 or 27 taps), `dW[o, j] += Σ_q g[o, q] * image[offsets[j] + q]`, computed
/// directly: as a matrix product its 9 columns would fill a 32-wide panel and packing would
/// cost more than the arithmetic.
///
/// Blocks of four outputs by four taps keep sixteen 16-wide accumulators over the positions
/// (eight loads for sixteen multiply-adds); leftover outputs or taps take one accumulator each.
/// Where a 16-wide vector is two registers of sixteen (AVX2), `pairedBlocks` takes two
/// outputs by three taps instead (six accumulators, twelve registers): the sixteen would
/// spill. Each weight is one sum in the same order whatever its block, so the blocks give the
/// same bits. Sums are reduced across lanes at the end, so they round differently from a
/// product that adds positions in order.
@usableFromInline package enum ShallowWeightGradient<Arithmetic: MultiplyAdd> {
    /// - Parameters:
    ///   - gradient: `outputs` rows of `positions` values, `gradientStride` apart.
    ///   - image: the padded image; tap `j` reads `positions` values from `image + offsets[j]`.
    ///   - weights: `outputs` rows of `taps` values, `weightStride` apart, added onto.
    @inlinable
    package static func accumulate(
        outputs: Int, taps: Int, positions: Int, gradient: UnsafePointer<Float>, gradientStride: Int,
        image: UnsafePointer<Float>, offsets: UnsafePointer<Int>,
        into weights: UnsafeMutablePointer<Float>, weightStride: Int, pairedBlocks: Bool = false
    ) {
        if pairedBlocks {
            accumulateInPairs(
                outputs: outputs, taps: taps, positions: positions, gradient: gradient,
                gradientStride: gradientStride, image: image, offsets: offsets, into: weights,
                weightStride: weightStride)
            return
        }
        var o = 0
        while o < outputs {
            var j = 0
            while j < taps {
                if o + 4 <= outputs && j + 4 <= taps {
                    block(
                        o: o, j: j, positions: positions, gradient: gradient, gradientStride: gradientStride,
                        image: image, offsets: offsets, into: weights, weightStride: weightStride)
                    j += 4
                    continue
                }
                if o + 4 <= outputs {
                    column(
                        o: o, j: j, positions: positions, gradient: gradient, gradientStride: gradientStride,
                        image: image, offsets: offsets, into: weights, weightStride: weightStride)
                } else {
                    for output in o..<outputs {
                        let row = gradient + output * gradientStride
                        weights[output * weightStride + j] += dot(row, image + offsets[j], count: positions)
                    }
                }
                j += 1
            }
            o += 4
        }
    }

    /// `accumulate` in blocks of two outputs by three taps; leftover taps and a last odd
    /// output one weight at a time.
    @inlinable
    static func accumulateInPairs(
        outputs: Int, taps: Int, positions: Int, gradient: UnsafePointer<Float>, gradientStride: Int,
        image: UnsafePointer<Float>, offsets: UnsafePointer<Int>,
        into weights: UnsafeMutablePointer<Float>, weightStride: Int
    ) {
        @inline(__always) func single(_ output: Int, _ j: Int) {
            weights[output * weightStride + j] += dot(
                gradient + output * gradientStride, image + offsets[j], count: positions)
        }
        var o = 0
        while o + 2 <= outputs {
            var j = 0
            while j + 3 <= taps {
                pairBlock(
                    o: o, j: j, positions: positions, gradient: gradient, gradientStride: gradientStride,
                    image: image, offsets: offsets, into: weights, weightStride: weightStride)
                j += 3
            }
            for tap in j..<taps {
                single(o, tap)
                single(o + 1, tap)
            }
            o += 2
        }
        if o < outputs {
            for tap in 0..<taps { single(o, tap) }
        }
    }

    /// Two outputs by three taps: six accumulators, five loads for six multiply-adds.
    @inlinable @inline(__always)
    static func pairBlock(
        o: Int, j: Int, positions: Int, gradient: UnsafePointer<Float>, gradientStride: Int,
        image: UnsafePointer<Float>, offsets: UnsafePointer<Int>,
        into weights: UnsafeMutablePointer<Float>, weightStride: Int
    ) {
        let (g0, g1) = (gradient + o * gradientStride, gradient + (o + 1) * gradientStride)
        let (p0, p1, p2) = (image + offsets[j], image + offsets[j + 1], image + offsets[j + 2])
        var a00 = SIMD16<Float>()
        var (a01, a02, a10, a11, a12) = (a00, a00, a00, a00, a00)
        var q = 0
        while q + 16 <= positions {
            let (x0, x1, x2) = (load(p0, q), load(p1, q), load(p2, q))
            var y = load(g0, q)
            a00 = Arithmetic.multiplyAdd(a00, y, x0)
            a01 = Arithmetic.multiplyAdd(a01, y, x1)
            a02 = Arithmetic.multiplyAdd(a02, y, x2)
            y = load(g1, q)
            a10 = Arithmetic.multiplyAdd(a10, y, x0)
            a11 = Arithmetic.multiplyAdd(a11, y, x1)
            a12 = Arithmetic.multiplyAdd(a12, y, x2)
            q += 16
        }
        @inline(__always) func finish(_ sum: SIMD16<Float>, _ row: UnsafePointer<Float>, _ a: Int, _ b: Int) {
            add(
                sum, row: row, tap: image + offsets[j + b], from: q, to: positions,
                onto: weights + (o + a) * weightStride + j + b)
        }
        finish(a00, g0, 0, 0)
        finish(a01, g0, 0, 1)
        finish(a02, g0, 0, 2)
        finish(a10, g1, 1, 0)
        finish(a11, g1, 1, 1)
        finish(a12, g1, 1, 2)
    }

    @inlinable @inline(__always)
    static func dot(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, count: Int) -> Float {
        var accumulator = SIMD16<Float>()
        var q = 0
        while q + 16 <= count {
            accumulator = Arithmetic.multiplyAdd(
                accumulator, UnsafeRawPointer(x + q).loadUnaligned(as: SIMD16<Float>.self),
                UnsafeRawPointer(y + q).loadUnaligned(as: SIMD16<Float>.self))
            q += 16
        }
        var total = accumulator.sum()
        while q < count {
            total += x[q] * y[q]
            q += 1
        }
        return total
    }

    /// Four outputs of one leftover tap: `dot` four times over, each output's sum in the same
    /// order (so the same bits), in four independent accumulators instead of one chain at a
    /// time.
    @inlinable @inline(__always)
    static func column(
        o: Int, j: Int, positions: Int, gradient: UnsafePointer<Float>, gradientStride: Int,
        image: UnsafePointer<Float>, offsets: UnsafePointer<Int>,
        into weights: UnsafeMutablePointer<Float>, weightStride: Int
    ) {
        let (g0, g1, g2, g3) = rows(gradient, stride: gradientStride, from: o)
        let tap = image + offsets[j]
        var (a0, a1, a2, a3) = (SIMD16<Float>(), SIMD16<Float>(), SIMD16<Float>(), SIMD16<Float>())
        var q = 0
        while q + 16 <= positions {
            let x = load(tap, q)
            a0 = Arithmetic.multiplyAdd(a0, load(g0, q), x)
            a1 = Arithmetic.multiplyAdd(a1, load(g1, q), x)
            a2 = Arithmetic.multiplyAdd(a2, load(g2, q), x)
            a3 = Arithmetic.multiplyAdd(a3, load(g3, q), x)
            q += 16
        }
        add(a0, row: g0, tap: tap, from: q, to: positions, onto: weights + o * weightStride + j)
        add(a1, row: g1, tap: tap, from: q, to: positions, onto: weights + (o + 1) * weightStride + j)
        add(a2, row: g2, tap: tap, from: q, to: positions, onto: weights + (o + 2) * weightStride + j)
        add(a3, row: g3, tap: tap, from: q, to: positions, onto: weights + (o + 3) * weightStride + j)
    }

    /// The gradient rows of outputs `o` to `o + 3`.
    @inlinable @inline(__always)
    static func rows(_ gradient: UnsafePointer<Float>, stride: Int, from o: Int) -> (
        UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>
    ) {
        (gradient + o * stride, gradient + (o + 1) * stride, gradient + (o + 2) * stride, gradient + (o + 3) * stride)
    }

    /// Sixteen floats from `pointer + q`, unaligned.
    @inlinable @inline(__always)
    static func load(_ pointer: UnsafePointer<Float>, _ q: Int) -> SIMD16<Float> {
        UnsafeRawPointer(pointer + q).loadUnaligned(as: SIMD16<Float>.self)
    }

    /// Adds onto `weight` one weight's sum: the lanes of `sum` in order, then the products of
    /// `row` and `tap` from position `end` on, as `dot` adds them.
    @inlinable @inline(__always)
    static func add(
        _ sum: SIMD16<Float>, row: UnsafePointer<Float>, tap: UnsafePointer<Float>, from end: Int, to positions: Int,
        onto weight: UnsafeMutablePointer<Float>
    ) {
        var total = sum.sum()
        for q in end..<positions { total += row[q] * tap[q] }
        weight.pointee += total
    }

    @inlinable @inline(__always)
    static func block(
        o: Int, j: Int, positions: Int, gradient: UnsafePointer<Float>, gradientStride: Int,
        image: UnsafePointer<Float>, offsets: UnsafePointer<Int>,
        into weights: UnsafeMutablePointer<Float>, weightStride: Int
    ) {
        let (g0, g1, g2, g3) = rows(gradient, stride: gradientStride, from: o)
        let (p0, p1, p2, p3) = (
            image + offsets[j], image + offsets[j + 1], image + offsets[j + 2], image + offsets[j + 3]
        )
        var a00 = SIMD16<Float>()
        var (a01, a02, a03, a10, a11, a12, a13) = (a00, a00, a00, a00, a00, a00, a00)
        var (a20, a21, a22, a23, a30, a31, a32, a33) = (a00, a00, a00, a00, a00, a00, a00, a00)
        var q = 0
        while q + 16 <= positions {
            let (x0, x1, x2, x3) = (load(p0, q), load(p1, q), load(p2, q), load(p3, q))
            var y = load(g0, q)
            a00 = Arithmetic.multiplyAdd(a00, y, x0)
            a01 = Arithmetic.multiplyAdd(a01, y, x1)
            a02 = Arithmetic.multiplyAdd(a02, y, x2)
            a03 = Arithmetic.multiplyAdd(a03, y, x3)
            y = load(g1, q)
            a10 = Arithmetic.multiplyAdd(a10, y, x0)
            a11 = Arithmetic.multiplyAdd(a11, y, x1)
            a12 = Arithmetic.multiplyAdd(a12, y, x2)
            a13 = Arithmetic.multiplyAdd(a13, y, x3)
            y = load(g2, q)
            a20 = Arithmetic.multiplyAdd(a20, y, x0)
            a21 = Arithmetic.multiplyAdd(a21, y, x1)
            a22 = Arithmetic.multiplyAdd(a22, y, x2)
            a23 = Arithmetic.multiplyAdd(a23, y, x3)
            y = load(g3, q)
            a30 = Arithmetic.multiplyAdd(a30, y, x0)
            a31 = Arithmetic.multiplyAdd(a31, y, x1)
            a32 = Arithmetic.multiplyAdd(a32, y, x2)
            a33 = Arithmetic.multiplyAdd(a33, y, x3)
            q += 16
        }
        @inline(__always) func finish(_ sum: SIMD16<Float>, _ a: Int, _ b: Int) {
            add(
                sum, row: gradient + (o + a) * gradientStride, tap: image + offsets[j + b], from: q, to: positions,
                onto: weights + (o + a) * weightStride + j + b)
        }
        finish(a00, 0, 0)
        finish(a01, 0, 1)
        finish(a02, 0, 2)
        finish(a03, 0, 3)
        finish(a10, 1, 0)
        finish(a11, 1, 1)
        finish(a12, 1, 2)
        finish(a13, 1, 3)
        finish(a20, 2, 0)
        finish(a21, 2, 1)
        finish(a22, 2, 2)
        finish(a23, 2, 3)
        finish(a30, 3, 0)
        finish(a31, 3, 1)
        finish(a32, 3, 2)
        finish(a33, 3, 3)
    }
}
