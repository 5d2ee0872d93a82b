import LoupeTensor

/// Masks of N:M semi-structured magnitude pruning (``NMPattern``), one weight tensor at a time.
///
/// In every group the `n` largest magnitudes are protected (ties go to the lower index); the
/// others are removable. At the pattern's own sparsity (`1 - n / m`) every removable weight is
/// removed, which is the N:M mask. Below it, as gradual pruning ramps up, a tensor of `count`
/// weights loses `count - round(count * (1 - s))` of them (capped at the removable count): the
/// smallest removable magnitudes, ties removing the higher index first. Every group therefore
/// keeps at least its `n` largest weights at every step and ends at exactly `n`.
public enum NMPruner {
    /// The mask of `values` (a weight tensor of `shape`, row-major) at `sparsity`; at
    /// `pattern.sparsity` or above, the N:M mask.
    public static func mask(of values: [Float], shape: [Int], pattern: NMPattern, sparsity: Double) -> [Float] {
        precondition(values.count == shape.reduce(1, *), "values do not fill shape \(shape)")
        let (rows, rowLength) = NMPattern.rows(of: shape)
        var mask = [Float](repeating: 1, count: values.count)
        var removable: [Int] = []
        removable.reserveCapacity(pattern.removableCount(shape: shape))
        var group: [Int] = []
        group.reserveCapacity(pattern.m)
        for row in 0..<rows {
            for start in stride(from: row * rowLength, to: (row + 1) * rowLength, by: pattern.m) {
                group.removeAll(keepingCapacity: true)
                group.append(contentsOf: start..<min(start + pattern.m, (row + 1) * rowLength))
                // Decreasing magnitude, ties by increasing index: the first n are protected.
                group.sort { a, b in
                    let (x, y) = (abs(values[a]), abs(values[b]))
                    return x != y ? x > y : a < b
                }
                removable.append(contentsOf: group.dropFirst(pattern.n))
            }
        }
        let target = values.count - MagnitudePruner.keptCount(values.count, sparsity: sparsity)
        let removed = sparsity >= pattern.sparsity ? removable.count : min(removable.count, max(0, target))
        if removed < removable.count {
            // Increasing magnitude, ties by decreasing index: the first `removed` go.
            removable.sort { a, b in
                let (x, y) = (abs(values[a]), abs(values[b]))
                return x != y ? x < y : a > b
            }
        }
        for index in removable.prefix(removed) { mask[index] = 0 }
        return mask
    }

    /// The N:M mask of `tensor`: exactly `min(n, length)` weights kept in every group.
    public static func mask(of tensor: Tensor, pattern: NMPattern) -> Tensor {
        Tensor(
            shape: tensor.shape,
            scalars: mask(of: tensor.scalars, shape: tensor.shape, pattern: pattern, sparsity: pattern.sparsity))
    }
}
