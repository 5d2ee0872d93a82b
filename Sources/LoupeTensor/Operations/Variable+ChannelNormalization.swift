extension Variable {
    /// Fixed per-channel normalisation over channel axis 1 of `[N, C, ...]`:
    /// `(x - mean[c]) / std[c]`, with constants `mean` and `std` (torchvision's `Normalize`).
    ///
    /// Backward: `dx = dy / std[c]`; the constants receive no gradient.
    public func normalizedChannels(mean: [Float], std: [Float]) -> Variable {
        let x = value
        precondition(x.rank >= 2, "normalizedChannels expects [N, C, ...], got \(x.shape)")
        let (batch, channels) = (x.shape[0], x.shape[1])
        precondition(
            mean.count == channels && std.count == channels,
            "\(mean.count) means and \(std.count) stds for \(channels) channels")
        let inner = x.shape.dropFirst(2).reduce(1, *)
        let out = Tensor(shape: x.shape) { out in
            x.withUnsafeBufferPointer { xp in
                for n in 0..<batch {
                    for c in 0..<channels {
                        let base = (n * channels + c) * inner
                        let (m, s) = (mean[c], std[c])
                        for i in base..<(base + inner) { out[i] = (xp[i] - m) / s }
                    }
                }
            }
        }
        return tape.record(out, kind: .normalizeChannels, inputs: [self]) { g in
            [
                Tensor(shape: g.shape) { dx in
                    g.withUnsafeBufferPointer { gp in
                        for n in 0..<batch {
                            for c in 0..<channels {
                                let base = (n * channels + c) * inner
                                let s = std[c]
                                for i in base..<(base + inner) { dx[i] = gp[i] / s }
                            }
                        }
                    }
                }
            ]
        }
    }
}
