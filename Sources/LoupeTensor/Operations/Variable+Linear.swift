import LoupeKernels

extension Tensor {
    /// `op(self) * op(other)` for rank-2 tensors.
    public func matmul(_ other: Tensor, transposeSelf: Bool = false, transposeOther: Bool = false) -> Tensor {
        precondition(rank == 2 && other.rank == 2, "matmul needs rank-2 tensors, got \(shape) and \(other.shape)")
        let m = transposeSelf ? shape[1] : shape[0]
        let k = transposeSelf ? shape[0] : shape[1]
        let k2 = transposeOther ? other.shape[1] : other.shape[0]
        let n = transposeOther ? other.shape[0] : other.shape[1]
        precondition(k == k2, "matmul inner dimensions differ: \(shape) x \(other.shape)")
        var out = [Float](repeating: 0, count: m * n)
        scalars.withUnsafeBufferPointer { a in
            other.scalars.withUnsafeBufferPointer { b in
                out.withUnsafeMutableBufferPointer { c in
                    GEMM.multiply(
                        transposeA: transposeSelf, transposeB: transposeOther, m: m, n: n, k: k,
                        a: a.baseAddress!, lda: shape[1], b: b.baseAddress!, ldb: other.shape[1],
                        c: c.baseAddress!, ldc: n)
                }
            }
        }
        return Tensor(shape: [m, n], scalars: out)
    }

    /// Adds `bias[j]` to column j of a `[rows, columns]` tensor (or channel j of `[N, C, S]`).
    func addingBias(_ bias: Tensor, channelAxisSize: Int, innerSize: Int) -> Tensor {
        var result = self
        result.scalars.withUnsafeMutableBufferPointer { out in
            bias.scalars.withUnsafeBufferPointer { b in
                var offset = 0
                while offset < out.count {
                    for c in 0..<channelAxisSize {
                        let value = b[c]
                        for s in 0..<innerSize { out[offset + s] += value }
                        offset += innerSize
                    }
                }
            }
        }
        return result
    }

    /// Sums a `[N, C, S]`-laid-out tensor over N and S, giving C values (bias gradients).
    func sumPerChannel(channels: Int, innerSize: Int) -> Tensor {
        var totals = [Double](repeating: 0, count: channels)
        scalars.withUnsafeBufferPointer { g in
            var offset = 0
            while offset < g.count {
                for c in 0..<channels {
                    var partial: Float = 0
                    for s in 0..<innerSize { partial += g[offset + s] }
                    totals[c] += Double(partial)
                    offset += innerSize
                }
            }
        }
        return Tensor(shape: [channels], scalars: totals.map(Float.init))
    }
}

extension Variable {
    /// Matrix product of two rank-2 variables.
    public func matmul(_ other: Variable) -> Variable {
        let (a, b) = (value, other.value)
        let needs = (requiresGradient, other.requiresGradient)
        return tape.record(a.matmul(b), kind: .matmul, inputs: [self, other]) { g in
            [needs.0 ? g.matmul(b, transposeOther: true) : nil, needs.1 ? a.matmul(g, transposeSelf: true) : nil]
        }
    }

    /// A fully connected layer: `x * weightᵀ + bias` with `x: [B, in]`, `weight: [out, in]`
    /// (PyTorch's layout), `bias: [out]`.
    public func linear(weight: Variable, bias: Variable?) -> Variable {
        let (x, w) = (value, weight.value)
        precondition(
            x.rank == 2 && w.rank == 2 && x.shape[1] == w.shape[1],
            "linear: input \(x.shape) does not fit weight \(w.shape)")
        var out = x.matmul(w, transposeOther: true)
        if let bias { out = out.addingBias(bias.value, channelAxisSize: w.shape[0], innerSize: 1) }
        let inputs = bias.map { [self, weight, $0] } ?? [self, weight]
        // The rule must not capture a Variable (that would retain the tape), only what it needs.
        let hasBias = bias != nil
        let needs = (requiresGradient, weight.requiresGradient)
        return tape.record(out, kind: .linear, inputs: inputs) { g in
            var grads: [Tensor?] = [needs.0 ? g.matmul(w) : nil, needs.1 ? g.matmul(x, transposeSelf: true) : nil]
            if hasBias { grads.append(g.sumPerChannel(channels: w.shape[0], innerSize: 1)) }
            return grads
        }
    }
}
