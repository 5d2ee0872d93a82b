import LoupeKernels

extension Variable {
    /// 2-D cross-correlation (PyTorch's `conv2d`): `x: [N, C, H, W]`, `weight: [O, C, KH, KW]`,
    /// `bias: [O]`, square stride and zero padding; output `[N, O, OH, OW]`.
    ///
    /// The passes read the kernel taps in place from a zero-padded copy of each image
    /// (`LoweredConvolution`): the output is bit for bit the im2col product's.
    ///
    /// A stride-1 3 x 3 convolution of channels in multiples of 16 takes Winograd's
    /// F(4 x 4, 3 x 3) (`convolved`) unless `allowsWinograd` is false: with frozen weights (no
    /// weight gradient will be asked for) on every path, and in training where
    /// `WinogradConvolution.trains(on:)` the path.
    public func conv2d(
        weight: Variable, bias: Variable?, stride: Int = 1, padding: Int = 0, allowsWinograd: Bool = true
    ) -> Variable {
        conv2d(
            weight: weight, bias: bias, stride: stride, padding: padding, allowsWinograd: allowsWinograd,
            winogradTileEdge: 4)
    }

    /// `conv2d`, its forward pass by Winograd's form with tiles of `winogradTileEdge` (4 or 2)
    /// outputs a side where it takes that form.
    package func conv2d(
        weight: Variable, bias: Variable?, stride: Int, padding: Int, allowsWinograd: Bool, winogradTileEdge: Int
    ) -> Variable {
        let (x, w) = (value, weight.value)
        let geometry = ConvolutionGeometry(input: x.shape, weight: w.shape, stride: stride, padding: padding)
        let (batch, outChannels, patch) = (x.shape[0], w.shape[0], geometry.patchSize)
        let convolution = LoweredConvolution(geometry: geometry, outChannels: outChannels)
        // The input gradient below does not read the output, so a gradient pass and an
        // inference pass compute the same logits whichever form the forward takes.
        let frozen = !weight.requiresGradient && bias?.requiresGradient != true
        let winograd = allowsWinograd && (frozen || WinogradConvolution.trains(on: convolution.path))
        let result = Self.convolved(
            x, weight: w, bias: bias?.value, convolution: convolution, winograd: winograd,
            winogradTileEdge: winogradTileEdge)
        let inputs = bias.map { [self, weight, $0] } ?? [self, weight]
        // The rule must not capture a Variable (that would retain the tape), only what it needs.
        let hasBias = bias != nil
        let needs = (input: requiresGradient, weight: weight.requiresGradient)
        return tape.record(result, kind: .conv2d, inputs: inputs) { g in
            // dx = Wᵀ g (as a convolution), dW = Σ_n g_n * patches(x_n)ᵀ, db = Σ g per channel.
            var dw = Tensor(zeros: needs.weight ? w.shape : [0])
            if needs.weight {
                x.withUnsafeBufferPointer { xp in
                    g.withUnsafeBufferPointer { gp in
                        dw.withUnsafeMutableBufferPointer { dwp in
                            convolution.accumulateWeightGradient(
                                gp.baseAddress!, input: xp.baseAddress!, batch: batch, into: dwp.baseAddress!)
                        }
                    }
                }
            }
            // `inputGradient` writes every element: no zero-filling pass.
            let dx =
                needs.input
                ? Tensor(shape: x.shape) { dxp in
                    w.withUnsafeBufferPointer { wp in
                        g.withUnsafeBufferPointer { gp in
                            let packedWeight =
                                convolution.transposesInputGradient
                                ? nil
                                : w.packedOperands?.operand(
                                    side: .left, rows: patch, columns: outChannels, source: wp.baseAddress!,
                                    rowStride: patch, isTransposed: true)
                            convolution.inputGradient(
                                gp.baseAddress!, batch: batch, weights: wp.baseAddress!,
                                packedTransposedWeights: packedWeight, weightForms: w.packedOperands,
                                into: dxp.baseAddress!)
                        }
                    }
                } : nil
            var grads: [Tensor?] = [dx, needs.weight ? dw : nil]
            if hasBias {
                grads.append(
                    g.sumPerChannel(channels: outChannels, innerSize: geometry.outputHeight * geometry.outputWidth))
            }
            return grads
        }
    }

    /// `y = W * x + b` on `convolution`, mapped by `affine` (scale, shift, rectify, and a
    /// residual added before rectifying) as it is written (`ChannelAffine`).
    ///
    /// With `winograd`, a stride-1 3 x 3 convolution of channels in multiples of 16 takes
    /// Winograd's F(4 x 4, 3 x 3) (`WinogradConvolution.isFaster`; F(2 x 2, 3 x 3) with a
    /// `winogradTileEdge` of 2): the same values up to rounding, 4 (2.25) times fewer
    /// multiply-adds.
    static func convolved(
        _ x: Tensor, weight w: Tensor, bias: Tensor?, convolution: LoweredConvolution,
        affine: (scale: [Float], shift: [Float], rectify: Bool, residual: Tensor?)? = nil, winograd: Bool = false,
        winogradTileEdge: Int = 4
    ) -> Tensor {
        let (batch, outChannels, patch) = (x.shape[0], w.shape[0], convolution.geometry.patchSize)
        let geometry = convolution.geometry
        let outShape = [batch, outChannels, geometry.outputHeight, geometry.outputWidth]
        let winograd =
            winograd
                && WinogradConvolution.isFaster(for: geometry, outChannels: outChannels, tileEdge: winogradTileEdge)
            ? WinogradConvolution(geometry: geometry, outChannels: outChannels, path: convolution.path) : nil
        return Tensor(shape: outShape) { out in
            x.withUnsafeBufferPointer { xp in
                w.withUnsafeBufferPointer { wp in
                    let forward: (UnsafePointer<Float>?, ChannelAffine?) -> Void
                    if let winograd {
                        let weights =
                            w.packedOperands?.winogradWeights(
                                outChannels: outChannels, channels: geometry.channels, tileEdge: winogradTileEdge,
                                source: wp.baseAddress!, path: winograd.path)
                            ?? WinogradWeights(
                                weights: wp.baseAddress!, outChannels: outChannels, channels: geometry.channels,
                                tileEdge: winogradTileEdge, path: winograd.path)
                        forward = { bias, map in
                            winograd.forward(
                                xp.baseAddress!, batch: batch, weights: weights, bias: bias, affine: map,
                                into: out.baseAddress!)
                        }
                    } else {
                        let packedWeight = w.packedOperands?.operand(
                            side: .left, rows: outChannels, columns: patch, source: wp.baseAddress!, rowStride: patch,
                            isTransposed: false)
                        forward = { bias, map in
                            convolution.forward(
                                xp.baseAddress!, batch: batch, weights: wp.baseAddress!, packedWeights: packedWeight,
                                bias: bias, affine: map, into: out.baseAddress!)
                        }
                    }
                    let mapped = { (bias: UnsafePointer<Float>?) in
                        guard let affine else { return forward(bias, nil) }
                        let map = { (residual: UnsafePointer<Float>?) in
                            affine.scale.withUnsafeBufferPointer { scale in
                                affine.shift.withUnsafeBufferPointer { shift in
                                    forward(
                                        bias,
                                        ChannelAffine(
                                            scale: scale.baseAddress!, shift: shift.baseAddress!,
                                            rectify: affine.rectify, residual: residual, path: convolution.path))
                                }
                            }
                        }
                        if let residual = affine.residual {
                            residual.withUnsafeBufferPointer { map($0.baseAddress!) }
                        } else {
                            map(nil)
                        }
                    }
                    if let bias {
                        bias.withUnsafeBufferPointer { mapped($0.baseAddress!) }
                    } else {
                        mapped(nil)
                    }
                }
            }
        }
    }
}
