import CLoupeVectorMath

/// The max-pooling kernels of `[N, C, H, W]` tensors, on raw planes: the general
/// `kernel x kernel` windows, and disjoint 2 x 2 windows eight at a time (alone, after a ReLU,
/// or inside the fused convolution block, which records each window's maximum).
///
/// Only comparisons and selections: every path gives the same bits. The forward 2 x 2 pooling
/// has an AVX-512 kernel in C (its even/odd shuffles and masked tails are single instructions
/// there; compiled here, without CPU flags, they were a tenth of the `cnn`'s inference); the
/// rest has no per-CPU build. Every gradient goes to the first cell of its window (row-major)
/// that equals the window's maximum.
package enum MaxPooling {
    /// Max pooling of `planes` planes of `height x width` over `kernel x kernel` windows `stride`
    /// apart (no padding) into `[planes, outHeight, outWidth]`.
    package static func forward(
        _ x: UnsafePointer<Float>, planes: Int, height h: Int, width w: Int, kernel: Int, stride: Int,
        into out: UnsafeMutablePointer<Float>
    ) {
        let (oh, ow) = ((h - kernel) / stride + 1, (w - kernel) / stride + 1)
        for p in 0..<planes {
            let plane = x + p * h * w
            for oy in 0..<oh {
                let row = plane + oy * stride * w
                let target = out + (p * oh + oy) * ow
                if kernel == 2 && stride == 2 {
                    var ox = 0
                    while ox + 8 <= ow {
                        let top: SIMD16<Float> = UnsafeRawPointer(row + 2 * ox).loadUnaligned(as: SIMD16<Float>.self)
                        let bottom: SIMD16<Float> = UnsafeRawPointer(row + w + 2 * ox).loadUnaligned(
                            as: SIMD16<Float>.self)
                        let pairs = top.replacing(with: bottom, where: bottom .> top)
                        let (left, right) = (pairs.evenHalf, pairs.oddHalf)
                        let windows = left.replacing(with: right, where: right .> left)
                        UnsafeMutableRawPointer(target + ox).storeBytes(of: windows, as: SIMD8<Float>.self)
                        ox += 8
                    }
                    while ox < ow {
                        defer { ox += 1 }
                        let top = max(row[2 * ox], row[2 * ox + 1])
                        target[ox] = max(top, max(row[w + 2 * ox], row[w + 2 * ox + 1]))
                    }
                    continue
                }
                for ox in 0..<ow {
                    var best = row[ox * stride]
                    for ky in 0..<kernel {
                        for kx in 0..<kernel { best = max(best, row[ky * w + ox * stride + kx]) }
                    }
                    target[ox] = best
                }
            }
        }
    }

    /// The input gradient of `forward` from its output `y` and output gradient `g`, added into
    /// `d` (zeroed by the caller; overlapping windows add up). The maxima are found again
    /// rather than stored in the forward pass.
    package static func backward(
        _ x: UnsafePointer<Float>, maximum y: UnsafePointer<Float>, gradient g: UnsafePointer<Float>,
        planes: Int, height h: Int, width w: Int, kernel: Int, stride: Int, into d: UnsafeMutablePointer<Float>
    ) {
        let (oh, ow) = ((h - kernel) / stride + 1, (w - kernel) / stride + 1)
        for p in 0..<planes {
            for oy in 0..<oh {
                let o = (p * oh + oy) * ow
                let corner = p * h * w + oy * stride * w
                var ox = 0
                if kernel == 2 && stride == 2 {
                    while ox + 8 <= ow {
                        disjointWindowGradients(
                            x + corner + 2 * ox, width: w, maximum: y + o + ox, gradient: g + o + ox,
                            into: d + corner + 2 * ox)
                        ox += 8
                    }
                }
                while ox < ow {
                    defer { ox += 1 }
                    let start = corner &+ ox &* stride
                    let maximum = y[o &+ ox]
                    var index = start
                    if kernel == 2 && stride == 2 {
                        // Disjoint windows: write all four cells without branches.
                        let (a, b, c) = (x[start], x[start &+ 1], x[start &+ w])
                        let gradient = g[o &+ ox]
                        let takeA = a == maximum
                        let takeB = !takeA && b == maximum
                        let takeC = !takeA && !takeB && c == maximum
                        d[start] = takeA ? gradient : 0
                        d[start &+ 1] = takeB ? gradient : 0
                        d[start &+ w] = takeC ? gradient : 0
                        d[start &+ w &+ 1] = takeA || takeB || takeC ? 0 : gradient
                        continue
                    } else {
                        search: for ky in 0..<kernel {
                            for kx in 0..<kernel where x[start &+ ky &* w &+ kx] == maximum {
                                index = start &+ ky &* w &+ kx
                                break search
                            }
                        }
                    }
                    d[index] += g[o &+ ox]
                }
            }
        }
    }

    /// Max pooling over disjoint 2 x 2 windows (optionally rectified) of a stream of `pairs`
    /// row pairs of `width` (even, >= 8) columns in rows `rowLength` apart, eight windows at a
    /// time; the last store of a row may run into the next output row, which is written after
    /// it, and the last pair, with nothing after it, goes window by window. Records the index
    /// (0-3, row-major) of each window's first maximum in `windows` when given. On the `avx512`
    /// path the C kernel `loupe_window_pairs_avx512` does the same comparisons sixteen windows
    /// at a time (the row's tail under a mask), with the same bits.
    ///
    /// With a `bias`, each value is first its sum with `bias[pair / pairsPerBias]` (a
    /// convolution's bias, `pairsPerBias` row pairs per output channel): the values a product
    /// written onto its bias would hold. Without one nothing is added (adding 0 would turn -0
    /// into +0).
    package static func windowPairs(
        _ x: UnsafePointer<Float>, pairs: Int, rowLength w: Int, width: Int, rectifying: Bool,
        bias: UnsafePointer<Float>? = nil, pairsPerBias: Int = 1,
        into y: UnsafeMutablePointer<Float>, windows: UnsafeMutablePointer<Float>?, path: KernelPath = .active
    ) {
        if path == .avx512 {
            loupe_window_pairs_avx512(x, pairs, w, width, rectifying ? 1 : 0, bias, pairsPerBias, y, windows)
            return
        }
        let ow = width / 2
        for pair in 0..<pairs {
            let (top, target) = (x + pair * 2 * w, y + pair * ow)
            let added = bias.map { $0[pair / pairsPerBias] }
            func value(_ offset: Int) -> Float { added.map { top[offset] + $0 } ?? top[offset] }
            func row(_ offset: Int) -> SIMD16<Float> {
                let loaded = UnsafeRawPointer(top + offset).loadUnaligned(as: SIMD16<Float>.self)
                return added.map { loaded + SIMD16(repeating: $0) } ?? loaded
            }
            if pair == pairs - 1 {
                for ox in 0..<ow {
                    let (a, b, c, d) = (value(2 * ox), value(2 * ox + 1), value(w + 2 * ox), value(w + 2 * ox + 1))
                    let window = max(max(a, b), max(c, d))
                    target[ox] = rectifying && window < 0 ? 0 : window
                    windows?[pair * ow + ox] = a == window ? 0 : b == window ? 1 : c == window ? 2 : 3
                }
                continue
            }
            var ox = 0
            while ox < ow {
                let (upper, lower) = (row(2 * ox), row(w + 2 * ox))
                let columns = upper.replacing(with: lower, where: lower .> upper)
                let (left, right) = (columns.evenHalf, columns.oddHalf)
                var window = left.replacing(with: right, where: right .> left)
                if let windows {
                    var index = SIMD8<Float>(repeating: 3)
                    index.replace(with: 2, where: lower.evenHalf .== window)
                    index.replace(with: 1, where: upper.oddHalf .== window)
                    index.replace(with: 0, where: upper.evenHalf .== window)
                    UnsafeMutableRawPointer(windows + pair * ow + ox).storeBytes(of: index, as: SIMD8<Float>.self)
                }
                if rectifying { window.replace(with: 0, where: window .< 0) }
                UnsafeMutableRawPointer(target + ox).storeBytes(of: window, as: SIMD8<Float>.self)
                ox += 8
            }
        }
    }

    /// The input gradient of `windowPairs` over rows `width` apart (no gaps) from its output
    /// `y` and output gradient `g`, without zero-filling: every cell of `d` is written once the
    /// pass is done. `rectified` windows pass no gradient where the maximum is not positive.
    ///
    /// Each pair is written sixteen cells at a time: first all of its top row, whose last store
    /// may run into the bottom row, then the bottom row, whose last store may run into the next
    /// pair's top row; both overruns are overwritten by the stores that follow. The last pair,
    /// which has nothing after it, is written cell by cell.
    package static func windowPairGradients(
        _ x: UnsafePointer<Float>, maximum y: UnsafePointer<Float>, gradient g: UnsafePointer<Float>,
        pairs: Int, width w: Int, rectified: Bool, into d: UnsafeMutablePointer<Float>
    ) {
        let ow = w / 2
        for pair in 0..<pairs {
            let (corner, o) = (pair * 2 * w, pair * ow)
            if pair == pairs - 1 {
                for ox in 0..<ow {
                    let start = corner + 2 * ox
                    let (a, b, c) = (x[start], x[start + 1], x[start + w])
                    let maximum = y[o + ox]
                    let gradient = rectified && !(maximum > 0) ? 0 : g[o + ox]
                    let takeA = a == maximum
                    let takeB = !takeA && b == maximum
                    let takeC = !takeA && !takeB && c == maximum
                    d[start] = takeA ? gradient : 0
                    d[start + 1] = takeB ? gradient : 0
                    d[start + w] = takeC ? gradient : 0
                    d[start + w + 1] = takeA || takeB || takeC ? 0 : gradient
                }
                continue
            }
            for row in 0..<2 {
                var ox = 0
                while ox < ow {
                    let cells = disjointWindowGradients(
                        x + corner + 2 * ox, width: w, maximum: y + o + ox, gradient: g + o + ox,
                        rectified: rectified)
                    UnsafeMutableRawPointer(d + corner + row * w + 2 * ox).storeBytes(
                        of: row == 0 ? cells.top : cells.bottom, as: SIMD16<Float>.self)
                    ox += 8
                }
            }
        }
    }

    /// The gradient of one image's convolution output from its pooled (rectified) gradient and
    /// the window indices `windowPairs` recorded: each window's gradient goes to its recorded
    /// maximum when the pooled value is positive, and every other cell gets 0. Output rows are
    /// `rowLength` apart (>= `width`); the cells past `width` are left at zero. Row pairs are
    /// written top row first, then bottom row, eight windows at a time; lanes past a row's last
    /// window carry zeros, and a store that runs into the next row is overwritten by the stores
    /// after it. The last pair goes window by window.
    package static func recordedWindowGradients(
        _ g: UnsafePointer<Float>, maximum y: UnsafePointer<Float>, windows: UnsafePointer<Float>,
        pairs: Int, width: Int, rowLength w: Int, into d: UnsafeMutablePointer<Float>
    ) {
        let ow = width / 2
        let lanes = SIMD8<Float>(0, 1, 2, 3, 4, 5, 6, 7)
        for pair in 0..<pairs {
            let (corner, o) = (pair * 2 * w, pair * ow)
            if pair == pairs - 1 {
                for ox in 0..<ow {
                    let gradient = y[o + ox] > 0 ? g[o + ox] : 0
                    let index = windows[o + ox]
                    let start = corner + 2 * ox
                    d[start] = index == 0 ? gradient : 0
                    d[start + 1] = index == 1 ? gradient : 0
                    d[start + w] = index == 2 ? gradient : 0
                    d[start + w + 1] = index == 3 ? gradient : 0
                }
                continue
            }
            for row in 0..<2 {
                var ox = 0
                while ox < ow {
                    var gradient = UnsafeRawPointer(g + o + ox).loadUnaligned(as: SIMD8<Float>.self)
                    let maximum = UnsafeRawPointer(y + o + ox).loadUnaligned(as: SIMD8<Float>.self)
                    gradient.replace(with: 0, where: .!(maximum .> 0) .| (lanes .>= Float(ow - ox)))
                    let index = UnsafeRawPointer(windows + o + ox).loadUnaligned(as: SIMD8<Float>.self)
                    let zero = SIMD8<Float>()
                    let (left, right): (Float, Float) = row == 0 ? (0, 1) : (2, 3)
                    let cells = interleaved(
                        zero.replacing(with: gradient, where: index .== left),
                        zero.replacing(with: gradient, where: index .== right))
                    UnsafeMutableRawPointer(d + corner + row * w + 2 * ox).storeBytes(
                        of: cells, as: SIMD16<Float>.self)
                    ox += 8
                }
            }
        }
    }

    /// The sum of the pooled gradients whose pooled (rectified) value is positive: the bias
    /// gradient of one channel of a convolution block, each window's gradient counted once.
    package static func rectifiedSum(_ g: UnsafePointer<Float>, maximum y: UnsafePointer<Float>, count: Int) -> Float {
        var partial = SIMD8<Float>()
        var i = 0
        while i + 8 <= count {
            let gradient = UnsafeRawPointer(g + i).loadUnaligned(as: SIMD8<Float>.self)
            let maximum = UnsafeRawPointer(y + i).loadUnaligned(as: SIMD8<Float>.self)
            partial += SIMD8<Float>().replacing(with: gradient, where: maximum .> 0)
            i += 8
        }
        var total = partial.sum()
        while i < count {
            if y[i] > 0 { total += g[i] }
            i += 1
        }
        return total
    }
}

/// Max-pooling gradients of eight disjoint 2x2 windows side by side, without branches: each
/// window's gradient goes to its first cell (row-major) equal to the window's maximum, and
/// every other cell gets 0.
@inline(__always)
private func disjointWindowGradients(
    _ x: UnsafePointer<Float>, width: Int, maximum: UnsafePointer<Float>, gradient: UnsafePointer<Float>,
    into d: UnsafeMutablePointer<Float>
) {
    let cells = disjointWindowGradients(x, width: width, maximum: maximum, gradient: gradient)
    UnsafeMutableRawPointer(d).storeBytes(of: cells.top, as: SIMD16<Float>.self)
    UnsafeMutableRawPointer(d + width).storeBytes(of: cells.bottom, as: SIMD16<Float>.self)
}

/// The sixteen top-row and sixteen bottom-row cell gradients of eight disjoint 2x2 windows;
/// `rectified` windows (pooled after a ReLU) pass no gradient where the maximum is not positive.
@inline(__always)
private func disjointWindowGradients(
    _ x: UnsafePointer<Float>, width: Int, maximum: UnsafePointer<Float>, gradient: UnsafePointer<Float>,
    rectified: Bool = false
) -> (top: SIMD16<Float>, bottom: SIMD16<Float>) {
    let top = UnsafeRawPointer(x).loadUnaligned(as: SIMD16<Float>.self)
    let bottom = UnsafeRawPointer(x + width).loadUnaligned(as: SIMD16<Float>.self)
    let m = UnsafeRawPointer(maximum).loadUnaligned(as: SIMD8<Float>.self)
    var g = UnsafeRawPointer(gradient).loadUnaligned(as: SIMD8<Float>.self)
    if rectified { g.replace(with: 0, where: .!(m .> 0)) }
    let takeA = top.evenHalf .== m
    let takeB = (top.oddHalf .== m) .& .!takeA
    let takeC = (bottom.evenHalf .== m) .& .!(takeA .| takeB)
    let takeD = .!(takeA .| takeB .| takeC)
    let zero = SIMD8<Float>()
    return (
        interleaved(zero.replacing(with: g, where: takeA), zero.replacing(with: g, where: takeB)),
        interleaved(zero.replacing(with: g, where: takeC), zero.replacing(with: g, where: takeD))
    )
}

/// `[even[0], odd[0], even[1], odd[1], ...]`.
@inline(__always)
private func interleaved(_ even: SIMD8<Float>, _ odd: SIMD8<Float>) -> SIMD16<Float> {
    SIMD16(
        even[0], odd[0], even[1], odd[1], even[2], odd[2], even[3], odd[3],
        even[4], odd[4], even[5], odd[5], even[6], odd[6], even[7], odd[7])
}
