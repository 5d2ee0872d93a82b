extension Variable {
    /// Max pooling over `kernel x kernel` windows of `[N, C, H, W]` (no padding; stride
    /// defaults to the kernel size). The gradient goes to the first maximum of each window (row-major).
    public func maxPool2d(kernel: Int, stride: Int? = nil) -> Variable {
        let stride = stride ?? kernel
        let x = value
        let (planes, h, w) = (x.shape[0] * x.shape[1], x.shape[2], x.shape[3])
        let (oh, ow) = ((h - kernel) / stride + 1, (w - kernel) / stride + 1)
        precondition(x.rank == 4 && oh > 0 && ow > 0, "maxPool2d: input \(x.shape) too small for kernel \(kernel)")
        if kernel == 2 && stride == 2 && Self.streamsWindowPairs(x.shape) {
            return streamedMaxPool2x2(rectifying: false)
        }
        let result = Tensor(shape: [x.shape[0], x.shape[1], oh, ow]) { out in
            x.withUnsafeBufferPointer { xp in
                for p in 0..<planes {
                    let plane = xp.baseAddress! + p * h * w
                    for oy in 0..<oh {
                        let row = plane + oy * stride * w
                        let target = out.baseAddress! + (p * oh + oy) * ow
                        if kernel == 2 && stride == 2 {
                            var ox = 0
                            while ox + 8 <= ow {
                                let top: SIMD16<Float> = UnsafeRawPointer(row + 2 * ox).loadUnaligned(
                                    as: SIMD16<Float>.self)
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
        }
        return tape.record(result, kind: .maxPool2d, inputs: [self]) { g in
            // The gradient goes to the first element of each window (row-major) that equals
            // the window's maximum; found again here rather than stored in the forward pass.
            var dx = Tensor(zeros: x.shape)
            dx.withUnsafeMutableBufferPointer { d in
                x.withUnsafeBufferPointer { xp in
                    g.withUnsafeBufferPointer { gp in
                        result.withUnsafeBufferPointer { yp in
                            let (d, x, g, y) = (d.baseAddress!, xp.baseAddress!, gp.baseAddress!, yp.baseAddress!)
                            for p in 0..<planes {
                                for oy in 0..<oh {
                                    let o = (p * oh + oy) * ow
                                    let corner = p * h * w + oy * stride * w
                                    var ox = 0
                                    if kernel == 2 && stride == 2 {
                                        while ox + 8 <= ow {
                                            disjointWindowGradients(
                                                x + corner + 2 * ox, width: w, maximum: y + o + ox,
                                                gradient: g + o + ox,
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
                    }
                }
            }
            return [dx]
        }
    }

    /// `relu().maxPool2d(kernel:stride:)` in one pass (the two commute: pooling first, then
    /// rectifying the four times smaller result), with the same values and gradients: the
    /// gradient goes to the first maximum of each window whose maximum is positive. Shapes
    /// the fused pass does not cover run the two operations.
    public func reluMaxPool2d(kernel: Int, stride: Int? = nil) -> Variable {
        let stride = stride ?? kernel
        guard kernel == 2 && stride == 2 && Self.streamsWindowPairs(value.shape) else {
            return relu().maxPool2d(kernel: kernel, stride: stride)
        }
        return streamedMaxPool2x2(rectifying: true)
    }

    /// Whether 2 x 2 windows of stride 2 tile `[N, C, H, W]` as a stream of row pairs that
    /// `streamedMaxPool2x2` can process eight windows at a time: even H and W, W >= 8.
    static func streamsWindowPairs(_ shape: [Int]) -> Bool {
        shape.count == 4 && shape[2] % 2 == 0 && shape[3] % 2 == 0 && shape[3] >= 8
    }

    /// Max pooling over disjoint 2 x 2 windows (optionally rectified), the planes' rows taken
    /// as one stream of row pairs (`poolWindowPairs`).
    private func streamedMaxPool2x2(rectifying: Bool) -> Variable {
        let x = value
        let (w, oh, ow) = (x.shape[3], x.shape[2] / 2, x.shape[3] / 2)
        let pairs = x.shape[0] * x.shape[1] * oh
        let result = Tensor(shape: [x.shape[0], x.shape[1], oh, ow]) { out in
            x.withUnsafeBufferPointer { xp in
                poolWindowPairs(
                    xp.baseAddress!, pairs: pairs, rowLength: w, width: w, rectifying: rectifying,
                    into: out.baseAddress!, windows: nil)
            }
        }
        return tape.record(result, kind: rectifying ? .reluMaxPool2d : .maxPool2d, inputs: [self]) { g in
            [streamedWindowGradients(x, maximum: result, gradient: g, pairs: pairs, rectified: rectifying)]
        }
    }

    /// Average pooling over `kernel x kernel` windows of `[N, C, H, W]` (no padding; stride
    /// defaults to the kernel size).
    public func avgPool2d(kernel: Int, stride: Int? = nil) -> Variable {
        let stride = stride ?? kernel
        let x = value
        let (planes, h, w) = (x.shape[0] * x.shape[1], x.shape[2], x.shape[3])
        let (oh, ow) = ((h - kernel) / stride + 1, (w - kernel) / stride + 1)
        precondition(x.rank == 4 && oh > 0 && ow > 0, "avgPool2d: input \(x.shape) too small for kernel \(kernel)")
        let scale = 1 / Float(kernel * kernel)
        var out = [Float](repeating: 0, count: planes * oh * ow)
        x.withUnsafeBufferPointer { xp in
            for p in 0..<planes {
                for oy in 0..<oh {
                    for ox in 0..<ow {
                        var total: Float = 0
                        for ky in 0..<kernel {
                            let row = p * h * w + (oy * stride + ky) * w + ox * stride
                            for kx in 0..<kernel { total += xp[row + kx] }
                        }
                        out[(p * oh + oy) * ow + ox] = total * scale
                    }
                }
            }
        }
        let result = Tensor(shape: [x.shape[0], x.shape[1], oh, ow], scalars: out)
        return tape.record(result, kind: .avgPool2d, inputs: [self]) { g in
            var dx = [Float](repeating: 0, count: x.count)
            for p in 0..<planes {
                for oy in 0..<oh {
                    for ox in 0..<ow {
                        let share = g.scalars[(p * oh + oy) * ow + ox] * scale
                        for ky in 0..<kernel {
                            let row = p * h * w + (oy * stride + ky) * w + ox * stride
                            for kx in 0..<kernel { dx[row + kx] += share }
                        }
                    }
                }
            }
            return [Tensor(shape: x.shape, scalars: dx)]
        }
    }

    /// Mean over the spatial dimensions: `[N, C, H, W]` to `[N, C]`.
    public func globalAvgPool() -> Variable {
        let x = value
        precondition(x.rank == 4, "globalAvgPool expects [N, C, H, W], got \(x.shape)")
        let spatial = x.shape[2] * x.shape[3]
        let scale = 1 / Float(spatial)
        var out = [Float](repeating: 0, count: x.shape[0] * x.shape[1])
        x.withUnsafeBufferPointer { xp in
            for p in out.indices {
                var total: Float = 0
                for s in 0..<spatial { total += xp[p * spatial + s] }
                out[p] = total * scale
            }
        }
        return tape.record(Tensor(shape: [x.shape[0], x.shape[1]], scalars: out), kind: .globalAvgPool, inputs: [self])
        { g in
            var dx = [Float](repeating: 0, count: x.count)
            for p in 0..<g.count {
                let share = g.scalars[p] * scale
                for s in 0..<spatial { dx[p * spatial + s] = share }
            }
            return [Tensor(shape: x.shape, scalars: dx)]
        }
    }
}

/// Max pooling over disjoint 2 x 2 windows (optionally rectified) of a stream of `pairs` row
/// pairs of `width` (even, >= 8) columns in rows `rowLength` apart, eight windows at a time;
/// the last store of a row may run into the next output row, which is written after it, and
/// the last pair, with nothing after it, goes window by window. Records the index (0-3,
/// row-major) of each window's first maximum in `windows` when given.
func poolWindowPairs(
    _ x: UnsafePointer<Float>, pairs: Int, rowLength w: Int, width: Int, rectifying: Bool,
    into y: UnsafeMutablePointer<Float>, windows: UnsafeMutablePointer<Float>?
) {
    let ow = width / 2
    for pair in 0..<pairs {
        let (top, target) = (x + pair * 2 * w, y + pair * ow)
        if pair == pairs - 1 {
            for ox in 0..<ow {
                let (a, b, c, d) = (top[2 * ox], top[2 * ox + 1], top[w + 2 * ox], top[w + 2 * ox + 1])
                let window = max(max(a, b), max(c, d))
                target[ox] = rectifying && window < 0 ? 0 : window
                windows?[pair * ow + ox] = a == window ? 0 : b == window ? 1 : c == window ? 2 : 3
            }
            continue
        }
        var ox = 0
        while ox < ow {
            let upper = UnsafeRawPointer(top + 2 * ox).loadUnaligned(as: SIMD16<Float>.self)
            let lower = UnsafeRawPointer(top + w + 2 * ox).loadUnaligned(as: SIMD16<Float>.self)
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

/// Max-pooling gradients of disjoint 2 x 2 windows that tile `[N, C, H, W]` (even H and W,
/// W >= 8), without zero-filling: every cell is written once the pass is done.
///
/// The planes' rows form one stream of `pairs` row pairs (top and bottom row of a window
/// row). Each pair is written sixteen cells at a time: first all of its top row, whose last
/// store may run into the bottom row, then the bottom row, whose last store may run into the
/// next pair's top row; both overruns are overwritten by the stores that follow. The last
/// pair, which has nothing after it, is written cell by cell.
private func streamedWindowGradients(
    _ x: Tensor, maximum y: Tensor, gradient g: Tensor, pairs: Int, rectified: Bool
) -> Tensor {
    let (w, ow) = (x.shape[3], y.shape[3])
    return Tensor(shape: x.shape) { dx in
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeBufferPointer { yp in
                g.withUnsafeBufferPointer { gp in
                    let (d, x, y, g) = (dx.baseAddress!, xp.baseAddress!, yp.baseAddress!, gp.baseAddress!)
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
            }
        }
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
func interleaved(_ even: SIMD8<Float>, _ odd: SIMD8<Float>) -> SIMD16<Float> {
    SIMD16(
        even[0], odd[0], even[1], odd[1], even[2], odd[2], even[3], odd[3],
        even[4], odd[4], even[5], odd[5], even[6], odd[6], even[7], odd[7])
}
