import LoupeKernels

extension Variable {
    /// `conv2d(weight:bias:stride:padding:).relu().maxPool2d(kernel: 2)` as one operation,
    /// image by image: each image's convolution output stays in a cache-sized buffer and only
    /// the pooled result, four times smaller, is written out, with the position of each
    /// window's maximum for the backward pass. Stride-1 convolutions read their patches in
    /// place from a zero-padded copy of the image (`ConvolutionGeometry.paddedRowOffsets`)
    /// instead of copying them out.
    ///
    /// Values and input gradients are bit for bit those of the three operations (up to the
    /// sign of zeros); the weight gradient (summed over padded rows of positions) and the bias
    /// gradient (summed over pooled windows) agree to float rounding. Shapes whose convolution
    /// output the pooling cannot stream (odd height or width, or narrower than 8) run the three
    /// operations, and so does a convolution that takes Winograd's form (`conv2d`, frozen
    /// weights on a layer it computes). Winograd's form then takes F(2 x 2, 3 x 3), whose 2 x 2
    /// output tiles are the pooling windows: a window whose four 3 x 3 inputs are the same
    /// (a blank border) has four equal outputs, as the lowered convolution gives, where
    /// F(4 x 4)'s wider tiles round them apart and leave the maximum to rounding (on the
    /// `cnn`'s digits, the input-invariance test's gradient maps then moved by 14%).
    package func conv2dReLUMaxPool2x2(
        weight: Variable, bias: Variable?, stride: Int = 1, padding: Int = 0, allowsWinograd: Bool = true
    ) -> Variable {
        let geometry = ConvolutionGeometry(input: shape, weight: weight.shape, stride: stride, padding: padding)
        let (oh, ow) = (geometry.outputHeight, geometry.outputWidth)
        // Frozen weights on a layer Winograd's form computes: that convolution (`conv2d`) beats
        // the fused lowered one.
        let frozen = allowsWinograd && !weight.requiresGradient && bias?.requiresGradient != true
        guard ow >= 8, oh % 2 == 0, ow % 2 == 0,
            !(frozen && WinogradConvolution.isFaster(for: geometry, outChannels: weight.shape[0], tileEdge: 2))
        else {
            return conv2d(
                weight: weight, bias: bias, stride: stride, padding: padding, allowsWinograd: allowsWinograd,
                winogradTileEdge: 2
            ).reluMaxPool2d(kernel: 2)
        }
        let block = ConvolutionBlock(
            geometry: geometry, batch: shape[0], outChannels: weight.shape[0],
            needs: (requiresGradient, weight.requiresGradient, bias?.requiresGradient ?? false))
        let (x, w) = (value, weight.value)
        let (result, windows) = block.forward(x, weight: w, bias: bias?.value)
        let inputs = bias.map { [self, weight, $0] } ?? [self, weight]
        let hasBias = bias != nil
        return tape.record(result, kind: .conv2dReLUMaxPool2d, inputs: inputs, keeping: windows) { g in
            block.backward(g, input: x, weight: w, pooled: result, windows: windows, hasBias: hasBias)
        }
    }
}
