extension Variable {
    /// The same elements with another shape of equal element count.
    public func reshaped(_ newShape: [Int]) -> Variable {
        let oldShape = shape
        return tape.record(value.reshaped(newShape), kind: .reshape, inputs: [self]) { g in
            [g.reshaped(oldShape)]
        }
    }

    /// Keeps the first (batch) dimension and flattens the rest: `[N, ...]` to `[N, rest]`.
    public func flattened() -> Variable {
        reshaped([shape[0], shape.dropFirst().reduce(1, *)])
    }

    /// Sum of all elements, a rank-0 result.
    public func sum() -> Variable {
        let inputShape = shape
        return tape.record(Tensor(value.sum), kind: .sum, inputs: [self]) { g in
            [Tensor(repeating: g.scalar, shape: inputShape)]
        }
    }

    /// Mean of all elements, a rank-0 result.
    public func mean() -> Variable {
        let inputShape = shape
        let count = Float(value.count)
        return tape.record(Tensor(value.sum / count), kind: .mean, inputs: [self]) { g in
            [Tensor(repeating: g.scalar / count, shape: inputShape)]
        }
    }

    /// Sum (or mean) over one axis, which is removed from the shape.
    public func sum(alongAxis axis: Int) -> Variable { reduce(alongAxis: axis, kind: .sum) }
    /// Mean over one axis, which is removed from the shape.
    public func mean(alongAxis axis: Int) -> Variable { reduce(alongAxis: axis, kind: .mean) }

    private func reduce(alongAxis axis: Int, kind: OperationKind) -> Variable {
        let inputShape = shape
        precondition(axis >= 0 && axis < inputShape.count, "axis \(axis) out of range for shape \(inputShape)")
        let outer = inputShape[..<axis].reduce(1, *)
        let length = inputShape[axis]
        let inner = inputShape[(axis + 1)...].reduce(1, *)
        let scale: Float = kind == .mean ? 1 / Float(length) : 1
        var out = [Float](repeating: 0, count: outer * inner)
        value.withUnsafeBufferPointer { x in
            for o in 0..<outer {
                for r in 0..<length {
                    for i in 0..<inner { out[o * inner + i] += x[(o * length + r) * inner + i] }
                }
            }
        }
        var outShape = inputShape
        outShape.remove(at: axis)
        let result = Tensor(shape: outShape, scalars: out.map { $0 * scale })
        return tape.record(result, kind: kind, inputs: [self]) { g in
            var dx = [Float](repeating: 0, count: outer * length * inner)
            for o in 0..<outer {
                for r in 0..<length {
                    for i in 0..<inner { dx[(o * length + r) * inner + i] = g.scalars[o * inner + i] * scale }
                }
            }
            return [Tensor(shape: inputShape, scalars: dx)]
        }
    }
}
