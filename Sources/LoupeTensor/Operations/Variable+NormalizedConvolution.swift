import LoupeKernels

extension Variable {
    /// `conv2d(weight:bias:stride:padding:)` followed by an inference-mode `batchNorm` (its
    /// running statistics as constants) and, with `rectify`, ReLU, as one operation: the
    /// convolution maps each output through the batch norm's `x * a[c] + b[c]` as it writes it,
    /// so the values are bit for bit those of the operations one after the other, without the
    /// convolution's output as a tensor of its own and a second pass over it. With `residual`
    /// (a residual block's shortcut, of the output's shape) the normalised output is added to
    /// it before the ReLU: `rectifiedSum` fused in as well.
    ///
    /// For inference only: it has no backward rule, so no input may require a gradient.
    package func conv2dBatchNorm(
        weight: Variable, bias: Variable?, stride: Int, padding: Int, scale gamma: Variable, shift beta: Variable,
        running: (mean: Tensor, variance: Tensor), epsilon: Float, rectify: Bool, adding residual: Variable? = nil,
        allowsWinograd: Bool = true
    ) -> Variable {
        let inputs = [self, weight, gamma, beta] + (bias.map { [$0] } ?? []) + (residual.map { [$0] } ?? [])
        precondition(!inputs.contains { $0.requiresGradient }, "conv2dBatchNorm has no backward rule")
        let (x, w) = (value, weight.value)
        let geometry = ConvolutionGeometry(input: x.shape, weight: w.shape, stride: stride, padding: padding)
        let convolution = LoweredConvolution(geometry: geometry, outChannels: w.shape[0])
        let map = Self.batchNormMap(
            scale: gamma.value.scalars, shift: beta.value.scalars, mean: running.mean.scalars,
            variance: running.variance.scalars, epsilon: epsilon)
        let outputShape = [x.shape[0], w.shape[0], geometry.outputHeight, geometry.outputWidth]
        precondition(
            residual == nil || residual!.shape == outputShape,
            "conv2dBatchNorm: residual of shape \(residual!.shape) for an output of shape \(outputShape)")
        let result = Self.convolved(
            x, weight: w, bias: bias?.value, convolution: convolution,
            affine: (map.scale, map.shift, rectify, residual?.value), winograd: allowsWinograd)
        return tape.record(result, kind: .conv2dBatchNorm, inputs: inputs) { _ in
            preconditionFailure("conv2dBatchNorm has no backward rule")
        }
    }
}
