extension Tensor {
    /// Applies `transform` to every element.
    @inlinable
    public func map(_ transform: (Float) -> Float) -> Tensor {
        scalars.withUnsafeBufferPointer { input in
            Tensor(shape: shape) { out in
                for i in 0..<input.count { out[i] = transform(input[i]) }
            }
        }
    }

    /// Combines two tensors of the same shape element by element.
    @inlinable
    public func zipWith(_ other: Tensor, _ combine: (Float, Float) -> Float) -> Tensor {
        precondition(shape == other.shape, "shapes \(shape) and \(other.shape) differ")
        return scalars.withUnsafeBufferPointer { lhs in
            other.scalars.withUnsafeBufferPointer { rhs in
                Tensor(shape: shape) { out in
                    for i in 0..<lhs.count { out[i] = combine(lhs[i], rhs[i]) }
                }
            }
        }
    }

    /// Element-wise sum of two tensors of the same shape.
    public func adding(_ other: Tensor) -> Tensor { zipWith(other, +) }

    /// Adds a tensor of the same shape in place.
    public mutating func add(_ other: Tensor) {
        precondition(shape == other.shape, "shapes \(shape) and \(other.shape) differ")
        scalars.withUnsafeMutableBufferPointer { out in
            other.scalars.withUnsafeBufferPointer { rhs in
                for i in out.indices { out[i] += rhs[i] }
            }
        }
    }

    /// Every element multiplied by `factor`.
    public func scaled(by factor: Float) -> Tensor { map { $0 * factor } }

    /// Sum of all elements, accumulated in Double.
    public var sum: Float {
        scalars.withUnsafeBufferPointer { buffer in
            var total = 0.0
            for x in buffer { total += Double(x) }
            return Float(total)
        }
    }
}

// MARK: - Broadcasting

extension Tensor {
    /// The shape two operands broadcast to under NumPy rules (trailing dimensions aligned,
    /// a dimension of 1 stretches), or `nil` if they do not broadcast.
    public static func broadcastShape(_ a: [Int], _ b: [Int]) -> [Int]? {
        let rank = max(a.count, b.count)
        let pa = [Int](repeating: 1, count: rank - a.count) + a
        let pb = [Int](repeating: 1, count: rank - b.count) + b
        var result: [Int] = []
        for (x, y) in zip(pa, pb) {
            guard x == y || x == 1 || y == 1 else { return nil }
            result.append(x == 1 ? y : x)
        }
        return result
    }

    /// Strides for reading this tensor as if it had `target` shape (0 where broadcast).
    func broadcastStrides(to target: [Int]) -> [Int] {
        let padded = [Int](repeating: 1, count: target.count - rank) + shape
        var strides = [Int](repeating: 0, count: target.count)
        var step = 1
        for axis in stride(from: target.count - 1, through: 0, by: -1) {
            strides[axis] = padded[axis] == 1 ? 0 : step
            step *= padded[axis]
        }
        return strides
    }

    /// Visits the element offsets of a strided view with `shape`, row by row: `body` gets the
    /// output offset of a row's start and the source offset, and the row is `shape.last` long.
    static func forEachRow(shape: [Int], strides: [Int], _ body: (_ outOffset: Int, _ sourceOffset: Int) -> Void) {
        guard let inner = shape.last, !shape.contains(0) else {
            if shape.isEmpty { body(0, 0) }
            return
        }
        let outerRank = shape.count - 1
        var index = [Int](repeating: 0, count: outerRank)
        var source = 0
        var out = 0
        while true {
            body(out, source)
            out += inner
            var axis = outerRank - 1
            while axis >= 0 {
                index[axis] += 1
                source += strides[axis]
                if index[axis] < shape[axis] { break }
                source -= strides[axis] * shape[axis]
                index[axis] = 0
                axis -= 1
            }
            if axis < 0 { return }
        }
    }

    /// This tensor materialised at a broadcast-compatible larger shape.
    public func expanded(to target: [Int]) -> Tensor {
        if shape == target { return self }
        let strides = broadcastStrides(to: target)
        let inner = target.last ?? 1
        let innerStride = strides.last ?? 0
        var result = [Float](repeating: 0, count: target.reduce(1, *))
        scalars.withUnsafeBufferPointer { source in
            result.withUnsafeMutableBufferPointer { out in
                Tensor.forEachRow(shape: target, strides: strides) { o, s in
                    for j in 0..<inner { out[o + j] = source[s + j * innerStride] }
                }
            }
        }
        return Tensor(shape: target, scalars: result)
    }

    /// Sums this tensor over the dimensions along which `target` was broadcast to reach this
    /// shape: the adjoint of `expanded(to:)`.
    public func summed(toShape target: [Int]) -> Tensor {
        if shape == target { return self }
        let probe = Tensor(zeros: target)
        let strides = probe.broadcastStrides(to: shape)
        let inner = shape.last ?? 1
        let innerStride = strides.last ?? 0
        var result = [Double](repeating: 0, count: probe.count)
        scalars.withUnsafeBufferPointer { source in
            result.withUnsafeMutableBufferPointer { out in
                Tensor.forEachRow(shape: shape, strides: strides) { o, s in
                    for j in 0..<inner { out[s + j * innerStride] += Double(source[o + j]) }
                }
            }
        }
        return Tensor(shape: target, scalars: result.map(Float.init))
    }
}
