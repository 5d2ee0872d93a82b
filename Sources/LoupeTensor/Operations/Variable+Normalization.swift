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
    /// running mean and variance, treated as constants.
    public func batchNorm(
        scale gamma: Variable, shift beta: Variable, running: (mean: Tensor, variance: Tensor)?,
        epsilon: Float = 1e-5
    ) -> (output: Variable, statistics: BatchStatistics?) {
        let x = value
        precondition(x.rank == 2 || x.rank == 4, "batchNorm expects [N, C] or [N, C, H, W], got \(x.shape)")
        let (batch, channels) = (x.shape[0], x.shape[1])
        let inner = x.rank == 4 ? x.shape[2] * x.shape[3] : 1
        let count = batch * inner
        var mean = [Float](repeating: 0, count: channels)
        var variance = [Float](repeating: 0, count: channels)
        if let running {
            mean = running.mean.scalars
            variance = running.variance.scalars
        } else {
            var sums = [Double](repeating: 0, count: channels)
            var squares = [Double](repeating: 0, count: channels)
            x.withUnsafeBufferPointer { xp in
                for n in 0..<batch {
                    for c in 0..<channels {
                        let base = (n * channels + c) * inner
                        for s in 0..<inner { sums[c] += Double(xp[base + s]) }
                    }
                }
                for c in 0..<channels { sums[c] /= Double(count) }
                for n in 0..<batch {
                    for c in 0..<channels {
                        let base = (n * channels + c) * inner
                        for s in 0..<inner {
                            let d = Double(xp[base + s]) - sums[c]
                            squares[c] += d * d
                        }
                    }
                }
            }
            mean = sums.map(Float.init)
            variance = squares.map { Float($0 / Double(count)) }
        }
        let inverseStd = variance.map { 1 / ($0 + epsilon).squareRoot() }
        let (g, b) = (gamma.value.scalars, beta.value.scalars)
        var normalized = [Float](repeating: 0, count: x.count)
        var out = [Float](repeating: 0, count: x.count)
        x.withUnsafeBufferPointer { xp in
            for n in 0..<batch {
                for c in 0..<channels {
                    let base = (n * channels + c) * inner
                    for s in 0..<inner {
                        let h = (xp[base + s] - mean[c]) * inverseStd[c]
                        normalized[base + s] = h
                        out[base + s] = g[c] * h + b[c]
                    }
                }
            }
        }
        let isTraining = running == nil
        let output = tape.record(Tensor(shape: x.shape, scalars: out), kind: .batchNorm, inputs: [self, gamma, beta]) {
            gradient in
            var dGamma = [Double](repeating: 0, count: channels)
            var dBeta = [Double](repeating: 0, count: channels)
            let gp = gradient.scalars
            for n in 0..<batch {
                for c in 0..<channels {
                    let base = (n * channels + c) * inner
                    for s in 0..<inner {
                        dBeta[c] += Double(gp[base + s])
                        dGamma[c] += Double(gp[base + s] * normalized[base + s])
                    }
                }
            }
            var dx = [Float](repeating: 0, count: x.count)
            for n in 0..<batch {
                for c in 0..<channels {
                    let base = (n * channels + c) * inner
                    let k = g[c] * inverseStd[c]
                    if isTraining {
                        // dx = gamma/std * (dy - mean(dy) - h * mean(dy * h))
                        let meanDy = Float(dBeta[c] / Double(count))
                        let meanDyH = Float(dGamma[c] / Double(count))
                        for s in 0..<inner {
                            dx[base + s] = k * (gp[base + s] - meanDy - normalized[base + s] * meanDyH)
                        }
                    } else {
                        for s in 0..<inner { dx[base + s] = k * gp[base + s] }
                    }
                }
            }
            return [
                Tensor(shape: x.shape, scalars: dx),
                Tensor(shape: [channels], scalars: dGamma.map(Float.init)),
                Tensor(shape: [channels], scalars: dBeta.map(Float.init)),
            ]
        }
        let statistics =
            isTraining
            ? BatchStatistics(
                mean: Tensor(shape: [channels], scalars: mean),
                variance: Tensor(shape: [channels], scalars: variance), count: count)
            : nil
        return (output, statistics)
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
