import LoupeKernels

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
                MaxPooling.forward(
                    xp.baseAddress!, planes: planes, height: h, width: w, kernel: kernel, stride: stride,
                    into: out.baseAddress!)
            }
        }
        return tape.record(result, kind: .maxPool2d, inputs: [self]) { g in
            var dx = Tensor(zeros: x.shape)
            dx.withUnsafeMutableBufferPointer { d in
                x.withUnsafeBufferPointer { xp in
                    g.withUnsafeBufferPointer { gp in
                        result.withUnsafeBufferPointer { yp in
                            MaxPooling.backward(
                                xp.baseAddress!, maximum: yp.baseAddress!, gradient: gp.baseAddress!, planes: planes,
                                height: h, width: w, kernel: kernel, stride: stride, into: d.baseAddress!)
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
    package func reluMaxPool2d(kernel: Int, stride: Int? = nil) -> Variable {
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
    /// as one stream of row pairs (`MaxPooling.windowPairs`).
    private func streamedMaxPool2x2(rectifying: Bool) -> Variable {
        let x = value
        let (w, oh, ow) = (x.shape[3], x.shape[2] / 2, x.shape[3] / 2)
        let pairs = x.shape[0] * x.shape[1] * oh
        let result = Tensor(shape: [x.shape[0], x.shape[1], oh, ow]) { out in
            x.withUnsafeBufferPointer { xp in
                MaxPooling.windowPairs(
                    xp.baseAddress!, pairs: pairs, rowLength: w, width: w, rectifying: rectifying,
                    into: out.baseAddress!, windows: nil)
            }
        }
        return tape.record(result, kind: rectifying ? .reluMaxPool2d : .maxPool2d, inputs: [self]) { g in
            // Every cell is written.
            let dx = Tensor(shape: x.shape) { dx in
                x.withUnsafeBufferPointer { xp in
                    result.withUnsafeBufferPointer { yp in
                        g.withUnsafeBufferPointer { gp in
                            MaxPooling.windowPairGradients(
                                xp.baseAddress!, maximum: yp.baseAddress!, gradient: gp.baseAddress!, pairs: pairs,
                                width: w, rectified: rectifying, into: dx.baseAddress!)
                        }
                    }
                }
            }
            return [dx]
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
        // Each window is summed from 0 in row-major order, then scaled; 2 x 2 windows of
        // stride 2 eight outputs at a time (the same additions in the same order per lane).
        let result = Tensor(shape: [x.shape[0], x.shape[1], oh, ow]) { out in
            x.withUnsafeBufferPointer { xp in
                for p in 0..<planes {
                    let plane = xp.baseAddress! + p * h * w
                    for oy in 0..<oh {
                        let target = out.baseAddress! + (p * oh + oy) * ow
                        let top = plane + oy * stride * w
                        var ox = 0
                        if kernel == 2 && stride == 2 {
                            while ox + 8 <= ow {
                                let upper = UnsafeRawPointer(top + 2 * ox).loadUnaligned(as: SIMD16<Float>.self)
                                let lower = UnsafeRawPointer(top + w + 2 * ox).loadUnaligned(as: SIMD16<Float>.self)
                                let total =
                                    SIMD8<Float>() + upper.evenHalf + upper.oddHalf + lower.evenHalf + lower.oddHalf
                                UnsafeMutableRawPointer(target + ox).storeBytes(
                                    of: total * scale, as: SIMD8<Float>.self)
                                ox += 8
                            }
                        }
                        while ox < ow {
                            var total: Float = 0
                            for ky in 0..<kernel {
                                let row = top + ky * w + ox * stride
                                for kx in 0..<kernel { total += row[kx] }
                            }
                            target[ox] = total * scale
                            ox += 1
                        }
                    }
                }
            }
        }
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

    /// Mean over the spatial dimensions: `[N, C, H, W]` to `[N, C]`. Each plane is summed
    /// sixteen values at a time in sixteen lanes, added at the end.
    public func globalAvgPool() -> Variable {
        let x = value
        precondition(x.rank == 4, "globalAvgPool expects [N, C, H, W], got \(x.shape)")
        let spatial = x.shape[2] * x.shape[3]
        let scale = 1 / Float(spatial)
        let result = Tensor(shape: [x.shape[0], x.shape[1]]) { out in
            x.withUnsafeBufferPointer { xp in
                for p in out.indices {
                    let plane = xp.baseAddress! + p * spatial
                    var lanes = SIMD16<Float>()
                    var s = 0
                    while s + 16 <= spatial {
                        lanes += UnsafeRawPointer(plane + s).loadUnaligned(as: SIMD16<Float>.self)
                        s += 16
                    }
                    var total = lanes.sum()
                    while s < spatial {
                        total += plane[s]
                        s += 1
                    }
                    out[p] = total * scale
                }
            }
        }
        return tape.record(result, kind: .globalAvgPool, inputs: [self]) { g in
            // Every cell is written.
            let dx = Tensor(shape: x.shape) { dx in
                g.withUnsafeBufferPointer { gp in
                    for p in gp.indices {
                        (dx.baseAddress! + p * spatial).update(repeating: gp[p] * scale, count: spatial)
                    }
                }
            }
            return [dx]
        }
    }
}
