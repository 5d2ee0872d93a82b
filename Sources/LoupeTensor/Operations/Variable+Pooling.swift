extension Variable {
    /// Max pooling over `kernel x kernel` windows of `[N, C, H, W]` (no padding; stride
    /// defaults to the kernel size). The gradient goes to the first maximum of each window.
    public func maxPool2d(kernel: Int, stride: Int? = nil) -> Variable {
        let stride = stride ?? kernel
        let x = value
        let (planes, h, w) = (x.shape[0] * x.shape[1], x.shape[2], x.shape[3])
        let (oh, ow) = ((h - kernel) / stride + 1, (w - kernel) / stride + 1)
        precondition(x.rank == 4 && oh > 0 && ow > 0, "maxPool2d: input \(x.shape) too small for kernel \(kernel)")
        var argmax = [Int32](repeating: 0, count: planes * oh * ow)
        let result = Tensor(shape: [x.shape[0], x.shape[1], oh, ow]) { out in
            x.withUnsafeBufferPointer { xp in
                argmax.withUnsafeMutableBufferPointer { arg in
                    for p in 0..<planes {
                        let plane = p * h * w
                        for oy in 0..<oh {
                            for ox in 0..<ow {
                                let corner = plane + oy * stride * w + ox * stride
                                var best = xp[corner]
                                var bestIndex = corner
                                for ky in 0..<kernel {
                                    let row = corner + ky * w
                                    for kx in 0..<kernel where xp[row + kx] > best {
                                        best = xp[row + kx]
                                        bestIndex = row + kx
                                    }
                                }
                                let o = (p * oh + oy) * ow + ox
                                out[o] = best
                                arg[o] = Int32(truncatingIfNeeded: bestIndex)
                            }
                        }
                    }
                }
            }
        }
        return tape.record(result, kind: .maxPool2d, inputs: [self]) { g in
            var dx = Tensor(zeros: x.shape)
            dx.withUnsafeMutableBufferPointer { d in
                g.withUnsafeBufferPointer { gp in
                    argmax.withUnsafeBufferPointer { arg in
                        for o in 0..<arg.count { d[Int(arg[o])] += gp[o] }
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
