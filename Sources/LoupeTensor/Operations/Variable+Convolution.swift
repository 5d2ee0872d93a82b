import LoupeKernels

extension Variable {
    /// 2-D cross-correlation (PyTorch's `conv2d`): `x: [N, C, H, W]`, `weight: [O, C, KH, KW]`,
    /// `bias: [O]`, square stride and zero padding; output `[N, O, OH, OW]`.
    public func conv2d(weight: Variable, bias: Variable?, stride: Int = 1, padding: Int = 0) -> Variable {
        let (x, w) = (value, weight.value)
        let geometry = ConvolutionGeometry(input: x.shape, weight: w.shape, stride: stride, padding: padding)
        let (batch, outChannels) = (x.shape[0], w.shape[0])
        let spatial = geometry.outputHeight * geometry.outputWidth
        let patch = geometry.patchSize
        let imageSize = geometry.channels * geometry.height * geometry.width
        let outShape = [batch, outChannels, geometry.outputHeight, geometry.outputWidth]
        // Start from the bias (or nothing) and accumulate the product onto it: no extra pass.
        var result =
            bias.map { Tensor(broadcasting: $0.value, channelsOf: outShape) } ?? Tensor(shape: outShape) { _ in }
        let beta: Float = bias == nil ? 0 : 1
        var columns = [Float](repeating: 0, count: patch * spatial)
        x.withUnsafeBufferPointer { xp in
            w.withUnsafeBufferPointer { wp in
                let packedWeight = w.packedOperands?.operand(
                    side: .left, rows: outChannels, columns: patch, source: wp.baseAddress!, rowStride: patch,
                    isTransposed: false)
                columns.withUnsafeMutableBufferPointer { col in
                    result.withUnsafeMutableBufferPointer { op in
                        for n in 0..<batch {
                            geometry.im2col(xp.baseAddress! + n * imageSize, into: col.baseAddress!)
                            GEMM.multiply(
                                m: outChannels, n: spatial, k: patch, a: wp.baseAddress!, lda: patch,
                                b: col.baseAddress!, ldb: spatial,
                                beta: beta, c: op.baseAddress! + n * outChannels * spatial, ldc: spatial,
                                packedA: packedWeight)
                        }
                    }
                }
            }
        }
        let inputs = bias.map { [self, weight, $0] } ?? [self, weight]
        // The rule must not capture a Variable (that would retain the tape), only what it needs.
        let hasBias = bias != nil
        let needs = (input: requiresGradient, weight: weight.requiresGradient)
        return tape.record(result, kind: .conv2d, inputs: inputs) { g in
            var dx = [Float](repeating: 0, count: needs.input ? x.count : 0)
            var dw = [Float](repeating: 0, count: needs.weight ? w.count : 0)
            var columns = [Float](repeating: 0, count: patch * spatial)
            x.withUnsafeBufferPointer { xp in
                w.withUnsafeBufferPointer { wp in
                    let packedWeight =
                        needs.input
                        ? w.packedOperands?.operand(
                            side: .left, rows: patch, columns: outChannels, source: wp.baseAddress!, rowStride: patch,
                            isTransposed: true) : nil
                    g.withUnsafeBufferPointer { gp in
                        columns.withUnsafeMutableBufferPointer { col in
                            dx.withUnsafeMutableBufferPointer { dxp in
                                dw.withUnsafeMutableBufferPointer { dwp in
                                    for n in 0..<batch {
                                        let gn = gp.baseAddress! + n * outChannels * spatial
                                        if needs.weight {
                                            geometry.im2col(xp.baseAddress! + n * imageSize, into: col.baseAddress!)
                                            GEMM.multiply(
                                                transposeB: true, m: outChannels, n: patch, k: spatial,
                                                a: gn, lda: spatial, b: col.baseAddress!, ldb: spatial,
                                                beta: 1, c: dwp.baseAddress!, ldc: patch)
                                        }
                                        if needs.input {
                                            GEMM.multiply(
                                                transposeA: true, m: patch, n: spatial, k: outChannels,
                                                a: wp.baseAddress!, lda: patch, b: gn, ldb: spatial,
                                                c: col.baseAddress!, ldc: spatial, packedA: packedWeight)
                                            geometry.col2im(
                                                col.baseAddress!, addingInto: dxp.baseAddress! + n * imageSize)
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            var grads: [Tensor?] = [
                needs.input ? Tensor(shape: x.shape, scalars: dx) : nil,
                needs.weight ? Tensor(shape: w.shape, scalars: dw) : nil,
            ]
            if hasBias { grads.append(g.sumPerChannel(channels: outChannels, innerSize: spatial)) }
            return grads
        }
    }
}
