import Foundation
import LoupeKernels

extension Tensor {
    /// Log-softmax over the last axis, computed stably (each row's maximum subtracted
    /// first), with vectorised exp and log (`VectorFunctions`).
    public func logSoftmaxLastAxis() -> Tensor {
        let classes = max(shape.last ?? 1, 1)
        var result = self
        result.scalars.withUnsafeMutableBufferPointer { out in
            guard !out.isEmpty else { return }
            let rows = out.count / classes
            for row in 0..<rows {
                let start = row * classes
                var largest = -Float.infinity
                for j in 0..<classes { largest = max(largest, out[start + j]) }
                for j in 0..<classes { out[start + j] -= largest }
            }
            var totals = [Float](repeating: 0, count: rows)
            withUnsafeTemporaryAllocation(of: Float.self, capacity: out.count) { exponentials in
                VectorFunctions.apply(.exp, out.baseAddress!, exponentials.baseAddress!, count: out.count)
                for row in 0..<rows {
                    var total: Float = 0
                    for j in 0..<classes { total += exponentials[row * classes + j] }
                    totals[row] = total
                }
            }
            totals.withUnsafeMutableBufferPointer {
                VectorFunctions.apply(.log, $0.baseAddress!, $0.baseAddress!, count: rows)
            }
            for row in 0..<rows {
                for j in 0..<classes { out[row * classes + j] -= totals[row] }
            }
        }
        return result
    }

    /// `exp` of every element, sixteen at a time.
    func exponentials() -> Tensor {
        Tensor(shape: shape) { out in
            guard !out.isEmpty else { return }
            withUnsafeBufferPointer { VectorFunctions.apply(.exp, $0.baseAddress!, out.baseAddress!, count: count) }
        }
    }
}

extension Variable {
    /// Softmax over the last axis.
    public func softmax() -> Variable {
        let out = value.logSoftmaxLastAxis().exponentials()
        let classes = shape.last ?? 1
        return tape.record(out, kind: .softmax, inputs: [self]) { g in
            // dx = y * (g - sum(g * y)) per row.
            var dx = g
            dx.scalars.withUnsafeMutableBufferPointer { d in
                out.scalars.withUnsafeBufferPointer { y in
                    for start in stride(from: 0, to: d.count, by: classes) {
                        var dot: Float = 0
                        for j in 0..<classes { dot += d[start + j] * y[start + j] }
                        for j in 0..<classes { d[start + j] = y[start + j] * (d[start + j] - dot) }
                    }
                }
            }
            return [dx]
        }
    }

    /// Log-softmax over the last axis.
    public func logSoftmax() -> Variable {
        let out = value.logSoftmaxLastAxis()
        let classes = shape.last ?? 1
        return tape.record(out, kind: .logSoftmax, inputs: [self]) { g in
            // dx = g - softmax * sum(g) per row.
            var dx = g
            let probabilities = out.exponentials()
            dx.scalars.withUnsafeMutableBufferPointer { d in
                probabilities.scalars.withUnsafeBufferPointer { p in
                    for start in stride(from: 0, to: d.count, by: classes) {
                        var total: Float = 0
                        for j in 0..<classes { total += d[start + j] }
                        for j in 0..<classes { d[start + j] -= p[start + j] * total }
                    }
                }
            }
            return [dx]
        }
    }

    /// Mean cross-entropy between logits `[B, K]` and integer labels, with optional label
    /// smoothing: the target puts `1 - smoothing + smoothing / K` on the label and
    /// `smoothing / K` elsewhere (PyTorch's definition).
    public func crossEntropy(labels: [Int32], labelSmoothing: Float = 0) -> Variable {
        precondition(rank2, "crossEntropy expects [batch, classes] logits, got \(shape)")
        let (batch, classes) = (shape[0], shape[1])
        precondition(labels.count == batch, "\(labels.count) labels for a batch of \(batch)")
        let logProbabilities = value.logSoftmaxLastAxis()
        let off = labelSmoothing / Float(classes)
        let on = 1 - labelSmoothing + off
        var loss = 0.0
        logProbabilities.scalars.withUnsafeBufferPointer { lp in
            for i in 0..<batch {
                let label = Int(labels[i])
                precondition(label >= 0 && label < classes, "label \(label) outside 0..<\(classes)")
                for j in 0..<classes {
                    loss -= Double((j == label ? on : off) * lp[i * classes + j])
                }
            }
        }
        let out = Tensor(Float(loss / Double(batch)))
        return tape.record(out, kind: .crossEntropy, inputs: [self]) { g in
            let scale = g.scalar / Float(batch)
            var dx = logProbabilities.exponentials()
            dx.scalars.withUnsafeMutableBufferPointer { d in
                for i in 0..<batch {
                    let label = Int(labels[i])
                    for j in 0..<classes {
                        let index = i * classes + j
                        d[index] = (d[index] - (j == label ? on : off)) * scale
                    }
                }
            }
            return [dx]
        }
    }

    var rank2: Bool { shape.count == 2 }
}
