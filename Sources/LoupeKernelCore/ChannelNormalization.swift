/// The batch-normalization kernels of `[batch, channels, inner]` tensors (`inner` is H x W, or
/// 1 for `[N, C]`): each channel's `batch` planes of `inner` values, `channels x inner` apart.
///
/// Every plane is summed with sixteen-lane accumulators (lanes added at the end), and the
/// planes' sums of one channel are added in `Double`, plane after plane: the result depends
/// on the kernel path (fused or separate multiply-add) but not on how channels are shared
/// between threads, since each channel is computed on its own.
@usableFromInline package enum ChannelNormalization<Arithmetic: MultiplyAdd> {
    /// Each channel's mean and biased variance: per plane its mean and sum of squared
    /// deviations from it (two passes over the plane, which is small enough to stay in cache),
    /// then the planes combined exactly in `Double`:
    /// `M2 = Σ M2_p + inner * Σ (mean_p - mean)²`.
    @inlinable
    package static func statistics(
        _ x: UnsafePointer<Float>, batch: Int, channels: Range<Int>, channelCount: Int, inner: Int,
        mean: UnsafeMutablePointer<Float>, variance: UnsafeMutablePointer<Float>
    ) {
        let planeMeans = UnsafeMutablePointer<Double>.allocate(capacity: batch)
        defer { planeMeans.deallocate() }
        for c in channels {
            var deviations: Double = 0
            var total: Double = 0
            for n in 0..<batch {
                let plane = x + (n * channelCount + c) * inner
                let planeMean = Float(Double(sum(plane, count: inner)) / Double(inner))
                planeMeans[n] = Double(planeMean)
                total += Double(planeMean)
                deviations += Double(squaredDeviations(plane, from: planeMean, count: inner))
            }
            let channelMean = total / Double(batch)
            var spread: Double = 0
            for n in 0..<batch {
                let d = planeMeans[n] - channelMean
                spread += d * d
            }
            mean[c] = Float(channelMean)
            variance[c] = Float((deviations + Double(inner) * spread) / Double(batch * inner))
        }
    }

    /// `y = x * scale[c] + shift[c]` (one multiply-add), then `+ residual` (of `x`'s shape)
    /// when given, rectified (`max(y, 0)`) if asked: `mapRows` image by image.
    @inlinable
    package static func affine(
        _ x: UnsafePointer<Float>, batch: Int, channels: Range<Int>, channelCount: Int, inner: Int,
        scale: UnsafePointer<Float>, shift: UnsafePointer<Float>, residual: UnsafePointer<Float>?, rectify: Bool,
        into y: UnsafeMutablePointer<Float>
    ) {
        for n in 0..<batch {
            let offset = (n * channelCount + channels.lowerBound) * inner
            mapRows(
                x + offset, channels: channels.count, rows: 1, width: inner, rowStride: inner, planeStride: inner,
                scale: scale + channels.lowerBound, shift: shift + channels.lowerBound,
                residual: residual.map { $0 + offset },
                rectify: rectify, into: y + offset)
        }
    }

    /// `y = x * scale[c] + shift[c]`, then `+ residual` when given, then rectified if asked,
    /// from `channels` planes of `rows` rows of `width` values in `x` (rows `rowStride` apart,
    /// planes `planeStride` apart) into compact planes of `rows * width` values in `y` (and
    /// `residual`): a convolution's outputs taken from its product, mapped and compacted in
    /// one pass. Each value is one multiply-add, then the residual sum, then ReLU, whatever
    /// the layout, so a map in one pass has the bits of `affine` followed by a separate sum.
    /// `y` may be `x` when the rows are already compact.
    @inlinable
    package static func mapRows(
        _ x: UnsafePointer<Float>, channels: Int, rows: Int, width: Int, rowStride: Int, planeStride: Int,
        scale: UnsafePointer<Float>, shift: UnsafePointer<Float>, residual: UnsafePointer<Float>?, rectify: Bool,
        into y: UnsafeMutablePointer<Float>
    ) {
        @inline(__always) func map(_ value: SIMD16<Float>, _ a: SIMD16<Float>, _ b: SIMD16<Float>, _ at: Int)
            -> SIMD16<Float>
        {
            var value = Arithmetic.multiplyAdd(b, value, a)
            if let residual { value += load(residual + at) }
            if rectify { value.replace(with: 0, where: value .< 0) }
            return value
        }
        for c in 0..<channels {
            let (a, b) = (SIMD16<Float>(repeating: scale[c]), SIMD16<Float>(repeating: shift[c]))
            for r in 0..<rows {
                let (source, at) = (x + c * planeStride + r * rowStride, (c * rows + r) * width)
                var i = 0
                while i + 16 <= width {
                    UnsafeMutableRawPointer(y + at + i).storeBytes(
                        of: map(load(source + i), a, b, at + i), as: SIMD16<Float>.self)
                    i += 16
                }
                while i < width {
                    // The tail, sixteen lanes wide with zeros past it (the residual's too).
                    let count = min(width - i, 16)
                    var value = Arithmetic.multiplyAdd(b, loadPartial(source + i, count: count), a)
                    if let residual { value += loadPartial(residual + at + i, count: count) }
                    if rectify { value.replace(with: 0, where: value .< 0) }
                    if count == 8 {
                        UnsafeMutableRawPointer(y + at + i).storeBytes(of: value.lowHalf, as: SIMD8<Float>.self)
                    } else {
                        for j in 0..<count { y[at + i + j] = value[j] }
                    }
                    i += count
                }
            }
        }
    }

    /// Per channel `Σ g'` and `Σ g' * (x - mean[c])`, where `g'` is the output gradient `g`,
    /// zeroed, when `rectifier` is given, where the rectified output was not positive. That
    /// output is `x * scale[c] + shift[c]` recomputed with the forward's multiply-add (`mapRows`),
    /// so bit for bit the value ReLU saw, without a pass over the output to read it back.
    @inlinable
    package static func gradientSums(
        _ g: UnsafePointer<Float>, input x: UnsafePointer<Float>, rectifier: ChannelRectifier?, batch: Int,
        channels: Range<Int>, channelCount: Int, inner: Int, mean: UnsafePointer<Float>,
        sums: UnsafeMutablePointer<Double>, products: UnsafeMutablePointer<Double>
    ) {
        for c in channels {
            var (total, product): (Double, Double) = (0, 0)
            let center = SIMD16<Float>(repeating: mean[c])
            let affine = rectifier.map { $0.coefficients(c) }
            for n in 0..<batch {
                let offset = (n * channelCount + c) * inner
                var (s, p) = (SIMD16<Float>(), SIMD16<Float>())
                var i = 0
                while i + 16 <= inner {
                    let input = load(x + offset + i)
                    let gradient = masked(load(g + offset + i), input, affine)
                    s += gradient
                    p = Arithmetic.multiplyAdd(p, gradient, input - center)
                    i += 16
                }
                if i < inner {
                    let count = inner - i
                    let input = loadPartial(x + offset + i, count: count)
                    let gradient = masked(loadPartial(g + offset + i, count: count), input, affine)
                    s += gradient
                    // Lanes past the plane have a zero gradient: their product is 0.
                    p = Arithmetic.multiplyAdd(p, gradient, input - center)
                }
                total += Double(s.sum())
                product += Double(p.sum())
            }
            sums[c] = total
            products[c] = product
        }
    }

    /// `dx = a[c] * g' + (b[c] * (x - mean[c]) + k[c])`, with `g'` as in `gradientSums`: the
    /// input gradient of batch norm with the channel coefficients the caller derived.
    @inlinable
    package static func inputGradient(
        _ g: UnsafePointer<Float>, input x: UnsafePointer<Float>, rectifier: ChannelRectifier?, batch: Int,
        channels: Range<Int>, channelCount: Int, inner: Int, mean: UnsafePointer<Float>,
        gradientScale a: UnsafePointer<Float>, inputScale b: UnsafePointer<Float>, constant k: UnsafePointer<Float>,
        into dx: UnsafeMutablePointer<Float>
    ) {
        for n in 0..<batch {
            for c in channels {
                let offset = (n * channelCount + c) * inner
                let center = SIMD16<Float>(repeating: mean[c])
                let (scaleG, scaleX, constant) = (
                    SIMD16<Float>(repeating: a[c]), SIMD16<Float>(repeating: b[c]), SIMD16<Float>(repeating: k[c])
                )
                let affine = rectifier.map { $0.coefficients(c) }
                var i = 0
                while i + 16 <= inner {
                    let input = load(x + offset + i)
                    let gradient = masked(load(g + offset + i), input, affine)
                    let value = Arithmetic.multiplyAdd(
                        Arithmetic.multiplyAdd(constant, input - center, scaleX), gradient, scaleG)
                    UnsafeMutableRawPointer(dx + offset + i).storeBytes(of: value, as: SIMD16<Float>.self)
                    i += 16
                }
                if i < inner {
                    let count = inner - i
                    let input = loadPartial(x + offset + i, count: count)
                    let gradient = masked(loadPartial(g + offset + i, count: count), input, affine)
                    let value = Arithmetic.multiplyAdd(
                        Arithmetic.multiplyAdd(constant, input - center, scaleX), gradient, scaleG)
                    for j in 0..<count { dx[offset + i + j] = value[j] }
                }
            }
        }
    }

    @inlinable @inline(__always)
    static func sum(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var accumulator = SIMD16<Float>()
        var i = 0
        while i + 16 <= count {
            accumulator += load(x + i)
            i += 16
        }
        if i < count { accumulator += loadPartial(x + i, count: count - i) }
        return accumulator.sum()
    }

    @inlinable @inline(__always)
    static func squaredDeviations(_ x: UnsafePointer<Float>, from center: Float, count: Int) -> Float {
        var accumulator = SIMD16<Float>()
        let mean = SIMD16<Float>(repeating: center)
        var i = 0
        while i + 16 <= count {
            let d = load(x + i) - mean
            accumulator = Arithmetic.multiplyAdd(accumulator, d, d)
            i += 16
        }
        if i < count {
            let lanes = count - i
            var d = loadPartial(x + i, count: lanes) - mean
            for j in lanes..<16 { d[j] = 0 }
            accumulator = Arithmetic.multiplyAdd(accumulator, d, d)
        }
        return accumulator.sum()
    }

    /// The gradient, zeroed where `x * a + b` (the forward's rectified output) is not positive.
    @inlinable @inline(__always)
    static func masked(
        _ gradient: SIMD16<Float>, _ x: SIMD16<Float>, _ affine: (a: SIMD16<Float>, b: SIMD16<Float>)?
    ) -> SIMD16<Float> {
        guard let affine else { return gradient }
        return SIMD16<Float>().replacing(with: gradient, where: Arithmetic.multiplyAdd(affine.b, x, affine.a) .> 0)
    }

    /// Sixteen floats from `pointer`, unaligned.
    @inlinable @inline(__always)
    static func load(_ pointer: UnsafePointer<Float>) -> SIMD16<Float> {
        UnsafeRawPointer(pointer).loadUnaligned(as: SIMD16<Float>.self)
    }

    /// The first `count` (< 16) floats from `pointer`, zeros after them.
    @inlinable @inline(__always)
    static func loadPartial(_ pointer: UnsafePointer<Float>, count: Int) -> SIMD16<Float> {
        var value = SIMD16<Float>()
        var j = 0
        if count >= 8 {
            value.lowHalf = UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float>.self)
            j = 8
        }
        for j in j..<count { value[j] = pointer[j] }
        return value
    }
}

/// The forward affine map of a batch norm followed by ReLU, `x * scale[c] + shift[c]`, for the
/// backward passes to find where the rectified output was positive (`ChannelNormalization`).
@usableFromInline package struct ChannelRectifier {
    @usableFromInline package let scale: UnsafePointer<Float>
    @usableFromInline package let shift: UnsafePointer<Float>

    @inlinable package init(scale: UnsafePointer<Float>, shift: UnsafePointer<Float>) {
        (self.scale, self.shift) = (scale, shift)
    }

    /// Channel `c`'s scale and shift in every lane.
    @inlinable @inline(__always)
    package func coefficients(_ c: Int) -> (a: SIMD16<Float>, b: SIMD16<Float>) {
        (SIMD16(repeating: scale[c]), SIMD16(repeating: shift[c]))
    }
}
