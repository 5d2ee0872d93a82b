import LoupeKernels
import LoupeSupport

extension Tensor {
    /// `op(self) * op(other) + beta * accumulator` for rank-2 tensors; the accumulator
    /// defaults to nothing (beta 0).
    public func matmul(
        _ other: Tensor, transposeSelf: Bool = false, transposeOther: Bool = false,
        addingTo accumulator: consuming Tensor? = nil
    ) -> Tensor {
        precondition(rank == 2 && other.rank == 2, "matmul needs rank-2 tensors, got \(shape) and \(other.shape)")
        let m = transposeSelf ? shape[1] : shape[0]
        let k = transposeSelf ? shape[0] : shape[1]
        let k2 = transposeOther ? other.shape[1] : other.shape[0]
        let n = transposeOther ? other.shape[0] : other.shape[1]
        precondition(k == k2, "matmul inner dimensions differ: \(shape) x \(other.shape)")
        let beta: Float = accumulator == nil ? 0 : 1
        // Taken over (not copied) so the product adds into the accumulator's own storage.
        var out = (consume accumulator) ?? Tensor(shape: [m, n]) { _ in }
        precondition(out.shape == [m, n], "accumulator shape \(out.shape) is not [\(m), \(n)]")
        withUnsafeBufferPointer { a in
            other.withUnsafeBufferPointer { b in
                // Operands with a cache of packed forms (weights) are packed once, not per product.
                let packedA = packedOperands?.operand(
                    side: .left, rows: m, columns: k, source: a.baseAddress!, rowStride: shape[1],
                    isTransposed: transposeSelf)
                let packedB = other.packedOperands?.operand(
                    side: .right, rows: k, columns: n, source: b.baseAddress!, rowStride: other.shape[1],
                    isTransposed: transposeOther)
                out.withUnsafeMutableBufferPointer { c in
                    GEMM.multiply(
                        transposeA: transposeSelf, transposeB: transposeOther, m: m, n: n, k: k,
                        a: a.baseAddress!, lda: shape[1], b: b.baseAddress!, ldb: other.shape[1],
                        beta: beta, c: c.baseAddress!, ldc: n,
                        packedA: packedA, packedB: packedB)
                }
            }
        }
        return out
    }

    /// `self * weightᵀ + bias`, and then ReLU when `rectified`, for `self` `[rows, in]` and
    /// `weight` `[out, in]`: a fully connected layer's forward pass, its bias rows written and
    /// the product added onto them, as `matmul` adds onto an accumulator.
    ///
    /// With `threads` above 1, a product large enough to pay for it (`rowParts`) runs in
    /// contiguous ranges of rows on that many threads, each range from its bias to its ReLU on
    /// one thread, so that its rows stay in that core's cache until the next layer reads them.
    /// Every row is the same sum in the same order as on one thread: the same bits.
    func fullyConnected(weight: Tensor, bias: Tensor?, rectified: Bool, threads: Int) -> Tensor {
        let (m, k, n) = (shape[0], shape[1], weight.shape[0])
        var out = Tensor(shape: [m, n]) { _ in }
        withUnsafeBufferPointer { x in
            weight.withUnsafeBufferPointer { w in
                // Weights with a cache of packed forms are packed once, not per product.
                let packedWeight = weight.packedOperands?.operand(
                    side: .right, rows: k, columns: n, source: w.baseAddress!, rowStride: k, isTransposed: true)
                out.withUnsafeMutableBufferPointer { y in
                    let (x, w, y) = (x.baseAddress!, w.baseAddress!, y.baseAddress!)
                    let parts = Self.rowParts(m: m, n: n, k: k, threads: threads)
                    Parallel.forEachRange(count: m, threads: parts, minimumPerThread: 1) { rows in
                        let (input, output) = (x + rows.lowerBound * k, y + rows.lowerBound * n)
                        bias?.withUnsafeBufferPointer { b in
                            for row in 0..<rows.count { (output + row * n).initialize(from: b.baseAddress!, count: n) }
                        }
                        GEMM.multiply(
                            transposeB: true, m: rows.count, n: n, k: k, a: input, lda: k, b: w, ldb: k,
                            beta: bias == nil ? 0 : 1, c: output, ldc: n, packedB: packedWeight)
                        if rectified {
                            streamSIMD16(count: rows.count * n, output, nil, output) { y, _ in
                                y.replacing(with: 0, where: y .< 0)
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    /// How many threads a product of `m x k` and `k x n` splits its rows across: none below
    /// 2^20 multiply-adds (handing work to another core costs a few microseconds), and at
    /// least 32 rows each.
    static func rowParts(m: Int, n: Int, k: Int, threads: Int) -> Int {
        let multiplyAdds = Double(m) * Double(n) * Double(k)
        guard threads > 1, multiplyAdds >= 1_048_576 else { return 1 }
        return max(1, min(threads, m / 32))
    }

    /// A tensor of `shape` (`[N, C, ...]`) whose every element of channel `c` (axis 1) is
    /// `bias[c]`: the starting point for adding a product onto a bias.
    public init(broadcasting bias: Tensor, channelsOf shape: [Int]) {
        let channels = shape[1]
        precondition(bias.count == channels, "bias of \(bias.count) values for \(channels) channels")
        let inner = shape.dropFirst(2).reduce(1, *)
        self.init(shape: shape) { out in
            bias.withUnsafeBufferPointer { b in
                var offset = 0
                if inner == 1 {
                    // [rows, channels]: one row copy per row.
                    while offset < out.count {
                        (out.baseAddress! + offset).initialize(from: b.baseAddress!, count: channels)
                        offset += channels
                    }
                    return
                }
                while offset < out.count {
                    for c in 0..<channels {
                        (out.baseAddress! + offset).initialize(repeating: b[c], count: inner)
                        offset += inner
                    }
                }
            }
        }
    }

    /// Sums a `[N, C, S]`-laid-out tensor over N and S, giving C values (bias gradients).
    func sumPerChannel(channels: Int, innerSize: Int) -> Tensor {
        var totals = [Double](repeating: 0, count: channels)
        scalars.withUnsafeBufferPointer { g in
            if innerSize == 1 {
                // [rows, channels]: add whole rows, a vectorised pass per row.
                var rowSums = [Float](repeating: 0, count: channels)
                for start in stride(from: 0, to: g.count, by: channels) {
                    for c in 0..<channels { rowSums[c] += g[start + c] }
                }
                for c in 0..<channels { totals[c] = Double(rowSums[c]) }
                return
            }
            var offset = 0
            while offset < g.count {
                for c in 0..<channels {
                    totals[c] += Double(sumOfFloats(g.baseAddress! + offset, count: innerSize))
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
    ///
    /// `threads` above 1 lets a large product split its rows across threads: the same values.
    public func linear(weight: Variable, bias: Variable?, threads: Int = 1) -> Variable {
        fullyConnected(weight: weight, bias: bias, rectified: false, threads: threads)
    }

    /// `linear(weight:bias:).relu()` as one operation: the product's output is rectified in
    /// place while it is still in cache, and the backward pass masks the gradient with the
    /// rectified output (positive exactly where the product was). The same values and
    /// gradients, bit for bit, without the second full-size tensor and pass.
    package func linearReLU(weight: Variable, bias: Variable?, threads: Int = 1) -> Variable {
        fullyConnected(weight: weight, bias: bias, rectified: true, threads: threads)
    }

    private func fullyConnected(weight: Variable, bias: Variable?, rectified: Bool, threads: Int) -> Variable {
        let (x, w) = (value, weight.value)
        precondition(
            x.rank == 2 && w.rank == 2 && x.shape[1] == w.shape[1],
            "linear: input \(x.shape) does not fit weight \(w.shape)")
        let out = x.fullyConnected(weight: w, bias: bias?.value, rectified: rectified, threads: threads)
        let inputs = bias.map { [self, weight, $0] } ?? [self, weight]
        // The rule must not capture a Variable (that would retain the tape), only what it needs.
        let hasBias = bias != nil
        let needs = (requiresGradient, weight.requiresGradient)
        let y = rectified ? out : nil
        return tape.record(out, kind: rectified ? .linearReLU : .linear, inputs: inputs) { g in
            func gradients(_ g: Tensor) -> [Tensor?] {
                var grads: [Tensor?] = [needs.0 ? g.matmul(w) : nil, needs.1 ? g.matmul(x, transposeSelf: true) : nil]
                if hasBias { grads.append(g.sumPerChannel(channels: w.shape[0], innerSize: 1)) }
                return grads
            }
            guard let y else { return gradients(g) }
            // The gradient passes where the rectified output is positive.
            var masked = Tensor(shape: g.shape) { d in
                g.withUnsafeBufferPointer { gp in
                    y.withUnsafeBufferPointer { yp in
                        streamSIMD16(count: d.count, gp.baseAddress!, yp.baseAddress!, d.baseAddress!) { g, y in
                            SIMD16<Float>().replacing(with: g, where: y .> 0)
                        }
                    }
                }
            }
            let grads = gradients(masked)
            TensorStoragePool.shared.recycle(&masked)
            return grads
        }
    }
}

/// Sum of `count` floats with eight independent partial sums, so the loop vectorises.
@inline(__always)
func sumOfFloats(_ values: UnsafePointer<Float>, count: Int) -> Float {
    var partial = SIMD8<Float>()
    var i = 0
    while i + 8 <= count {
        partial += UnsafeRawPointer(values + i).loadUnaligned(as: SIMD8<Float>.self)
        i += 8
    }
    var total = partial.sum()
    while i < count {
        total += values[i]
        i += 1
    }
    return total
}
