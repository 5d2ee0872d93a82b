import LoupeKernels
import LoupeRandom

/// Batch statistics a training-mode `batchNorm` computed, for updating running averages.
public struct BatchStatistics {
    /// Per-channel mean over the batch (and spatial positions).
    public var mean: Tensor
    /// Per-channel biased variance (divided by the element count).
    public var variance: Tensor
    /// Elements per channel that the statistics were taken over.
    public var count: Int
}

extension Variable {
    /// Batch normalization over channel axis 1 of `[N, C]` or `[N, C, H, W]`.
    ///
    /// In training mode (`running == nil`) normalises with the batch's own mean and biased
    /// variance, differentiably, and returns them; in inference mode normalises with the given
    /// running mean and variance, treated as constants. Either way the output is one
    /// multiply-add per element, `x * a[c] + b[c]` with `a = scale / sqrt(variance + epsilon)`
    /// and `b = shift - mean * a`, as PyTorch computes it.
    public func batchNorm(
        scale gamma: Variable, shift beta: Variable, running: (mean: Tensor, variance: Tensor)?,
        epsilon: Float = 1e-5
    ) -> (output: Variable, statistics: BatchStatistics?) {
        normalized(scale: gamma, shift: beta, running: running, epsilon: epsilon, rectify: false)
    }

    /// `batchNorm(scale:shift:running:epsilon:)` followed by ReLU, as one operation with the
    /// same values and gradients: the output is rectified as it is written, and the backward
    /// rule passes no gradient where the output is not positive.
    package func rectifiedBatchNorm(
        scale gamma: Variable, shift beta: Variable, running: (mean: Tensor, variance: Tensor)?,
        epsilon: Float = 1e-5
    ) -> (output: Variable, statistics: BatchStatistics?) {
        normalized(scale: gamma, shift: beta, running: running, epsilon: epsilon, rectify: true)
    }

    /// `batchNorm(scale:shift:running:epsilon:)`, then `rectifiedSum(residual)` (a residual
    /// block's sum and its ReLU), as one operation with the same values and gradients: the
    /// residual is added as the normalised output is written, so the batch norm's output is
    /// never a tensor of its own, and the backward rule gives the residual the output gradient
    /// where the output is positive and 0 elsewhere, and the batch norm the same.
    package func rectifiedBatchNormSum(
        scale gamma: Variable, shift beta: Variable, running: (mean: Tensor, variance: Tensor)?,
        epsilon: Float = 1e-5, adding residual: Variable
    ) -> (output: Variable, statistics: BatchStatistics?) {
        normalized(scale: gamma, shift: beta, running: running, epsilon: epsilon, rectify: true, adding: residual)
    }

    private func normalized(
        scale gamma: Variable, shift beta: Variable, running: (mean: Tensor, variance: Tensor)?,
        epsilon: Float, rectify: Bool, adding residual: Variable? = nil
    ) -> (output: Variable, statistics: BatchStatistics?) {
        let x = value
        precondition(
            residual == nil || residual!.shape == x.shape,
            "batchNorm: residual of shape \(residual!.shape) for an input of shape \(x.shape)")
        precondition(x.rank == 2 || x.rank == 4, "batchNorm expects [N, C] or [N, C, H, W], got \(x.shape)")
        let (batch, channels) = (x.shape[0], x.shape[1])
        let kernels = BatchNormalization(
            batch: batch, channels: channels, inner: x.rank == 4 ? x.shape[2] * x.shape[3] : 1)
        let count = batch * kernels.inner
        let isTraining = running == nil
        let (mean, variance): ([Float], [Float]) =
            running.map { ($0.mean.scalars, $0.variance.scalars) }
            ?? {
                var (mean, variance) = ([Float](repeating: 0, count: channels), [Float](repeating: 0, count: channels))
                x.withUnsafeBufferPointer { kernels.statistics($0.baseAddress!, mean: &mean, variance: &variance) }
                return (mean, variance)
            }()
        let (inverseStd, scale, shift) = Self.batchNormMap(
            scale: gamma.value.scalars, shift: beta.value.scalars, mean: mean, variance: variance, epsilon: epsilon)
        let result = Tensor(shape: x.shape) { out in
            x.withUnsafeBufferPointer { xp in
                let map = { (residual: UnsafePointer<Float>?) in
                    kernels.affine(
                        xp.baseAddress!, scale: scale, shift: shift, adding: residual, rectify: rectify,
                        into: out.baseAddress!)
                }
                guard let residual else { return map(nil) }
                residual.value.withUnsafeBufferPointer { map($0.baseAddress!) }
            }
        }
        let kind: OperationKind = residual != nil ? .batchNormAddReLU : rectify ? .batchNormReLU : .batchNorm
        // The sums are the scale's and shift's gradients, and in training part of the input's;
        // a frozen batch norm in inference mode (input gradients: attribution, VoG) needs neither.
        let needsSums = isTraining || gamma.requiresGradient || beta.requiresGradient
        // Where ReLU passed the gradient: without a residual the kernels recompute the output
        // from the input by the same multiply-add rather than read it back, a pass over memory
        // fewer; with one, the output's sign masks the gradient once, for both inputs.
        let sum = residual != nil ? result : nil
        let rectifier = { (body: ((scale: UnsafePointer<Float>, shift: UnsafePointer<Float>)?) -> Void) in
            guard rectify, sum == nil else { return body(nil) }
            scale.withUnsafeBufferPointer { a in
                shift.withUnsafeBufferPointer { b in body((a.baseAddress!, b.baseAddress!)) }
            }
        }
        let inputs = [self, gamma, beta] + (residual.map { [$0] } ?? [])
        let output = tape.record(result, kind: kind, inputs: inputs) { outputGradient in
            let gradient = sum.map { Self.rectifiedGradient(outputGradient, output: $0) } ?? outputGradient
            var sums = [Double](repeating: 0, count: channels)
            var products = [Double](repeating: 0, count: channels)
            if needsSums {
                gradient.withUnsafeBufferPointer { gp in
                    x.withUnsafeBufferPointer { xp in
                        rectifier { affine in
                            kernels.gradientSums(
                                gp.baseAddress!, input: xp.baseAddress!, rectifiedBy: affine, mean: mean, sums: &sums,
                                products: &products)
                        }
                    }
                }
            }
            // dx = scale * (g - mean(g) - h * mean(g * h)) with h = (x - mean) * inverseStd in
            // training; scale * g in inference, where mean and variance are constants.
            var inputScale = [Float](repeating: 0, count: channels)
            var constant = [Float](repeating: 0, count: channels)
            if isTraining {
                for c in 0..<channels {
                    let meanGH = products[c] * Double(inverseStd[c]) / Double(count)
                    inputScale[c] = Float(-Double(scale[c]) * Double(inverseStd[c]) * meanGH)
                    constant[c] = Float(-Double(scale[c]) * sums[c] / Double(count))
                }
            }
            let dx = Tensor(shape: x.shape) { dx in
                gradient.withUnsafeBufferPointer { gp in
                    x.withUnsafeBufferPointer { xp in
                        rectifier { affine in
                            kernels.inputGradient(
                                gp.baseAddress!, input: xp.baseAddress!, rectifiedBy: affine, mean: mean,
                                gradientScale: scale, inputScale: inputScale, constant: constant, into: dx.baseAddress!)
                        }
                    }
                }
            }
            let residualGradient = sum == nil ? [] : [gradient]
            guard needsSums else { return [dx, nil, nil] + residualGradient }
            return [
                dx,
                Tensor(shape: [channels], scalars: (0..<channels).map { Float(products[$0] * Double(inverseStd[$0])) }),
                Tensor(shape: [channels], scalars: sums.map(Float.init)),
            ] + residualGradient
        }
        let statistics =
            isTraining
            ? BatchStatistics(
                mean: Tensor(shape: [channels], scalars: mean),
                variance: Tensor(shape: [channels], scalars: variance), count: count)
            : nil
        return (output, statistics)
    }

    /// The per-channel map a batch norm applies, `x * a[c] + b[c]`, from its statistics:
    /// `a = scale / sqrt(variance + epsilon)` and `b = shift - mean * a`, with `1 / sqrt(...)`.
    static func batchNormMap(
        scale gamma: [Float], shift beta: [Float], mean: [Float], variance: [Float], epsilon: Float
    ) -> (inverseStd: [Float], scale: [Float], shift: [Float]) {
        let inverseStd = variance.map { 1 / ($0 + epsilon).squareRoot() }
        let scale = (0..<gamma.count).map { gamma[$0] * inverseStd[$0] }
        let shift = zip(beta, zip(mean, scale)).map { $0 - $1.0 * $1.1 }
        return (inverseStd, scale, shift)
    }

    /// Inverted dropout: zeroes each element with probability `rate` and scales the rest by
    /// `1 / (1 - rate)`, drawing from `generator`.
    public func dropout(rate: Float, generator: inout SeededGenerator) -> Variable {
        precondition(rate >= 0 && rate < 1, "dropout rate \(rate) outside [0, 1)")
        let keep = 1 / (1 - rate)
        var mask = [Float](repeating: 0, count: value.count)
        for i in mask.indices { mask[i] = generator.nextUniform() >= rate ? keep : 0 }
        let maskTensor = Tensor(shape: shape, scalars: mask)
        return tape.record(value.zipWith(maskTensor, *), kind: .dropout, inputs: [self]) { g in
            [g.zipWith(maskTensor, *)]
        }
    }
}
