import Foundation
import LoupeNN
import LoupeRandom
import LoupeSupport
import LoupeTensor

/// Computes pruning masks with exact counts.
///
/// At sparsity `s` a tensor of `n` weights keeps exactly `round(n * (1 - s))` of them (rounding
/// half away from zero): the largest magnitudes, ties broken by the lower index (in global
/// scope: by layer order, then index). Random pruning keeps the same counts, chosen uniformly
/// with a seeded generator.
public enum MagnitudePruner {
    /// Masks for `model` at `sparsity` under `policy`.
    ///
    /// With an N:M `policy.pattern`, `sparsity` may not exceed the pattern's `1 - n / m`, and
    /// at that sparsity every prunable tensor gets its N:M mask (``NMPruner``).
    public static func masks(
        for model: Model, sparsity: Double, policy: PruningPolicy, generator: inout SeededGenerator
    ) throws(CompressionError) -> PruningMasks {
        try validate(sparsity: sparsity, policy: policy)
        let names = policy.prunableNames(in: model)
        guard !names.isEmpty else { return PruningMasks() }
        let tensors = names.map { model.parameters[$0]! }
        if let pattern = policy.pattern {
            var masks: [String: Tensor] = [:]
            for (name, tensor) in zip(names, tensors) {
                masks[name] = Tensor(
                    shape: tensor.shape,
                    scalars: NMPruner.mask(
                        of: tensor.scalars, shape: tensor.shape, pattern: pattern, sparsity: sparsity))
            }
            return PruningMasks(masks: masks)
        }
        var keep = tensors.map { keptCount($0.count, sparsity: sparsity) }
        if policy.scope == .global {
            keep = globalCounts(tensors, sparsity: sparsity, policy: policy)
        }
        if let cap = policy.lastLayerCap {
            keep[keep.count - 1] = max(keep[keep.count - 1], keptCount(tensors[tensors.count - 1].count, sparsity: cap))
        }
        var masks: [String: Tensor] = [:]
        for (index, name) in names.enumerated() {
            let tensor = tensors[index]
            var order: [Int]
            switch policy.method {
            case .magnitude: order = rankedByMagnitude(tensor.scalars)
            case .random:
                order = Array(0..<tensor.count)
                order.fisherYatesShuffle(using: &generator)
            }
            var mask = [Float](repeating: 0, count: tensor.count)
            for position in order.prefix(keep[index]) { mask[position] = 1 }
            masks[name] = Tensor(shape: tensor.shape, scalars: mask)
        }
        return PruningMasks(masks: masks)
    }

    /// Checks that `sparsity` and `policy` can make masks; the error names the bad setting.
    public static func validate(sparsity: Double, policy: PruningPolicy) throws(CompressionError) {
        guard sparsity >= 0, sparsity < 1, sparsity.isFinite else {
            throw CompressionError("sparsity must be in [0, 1), got \(sparsity)")
        }
        if let pattern = policy.pattern {
            guard policy.scope == .layerwise, policy.method == .magnitude else {
                throw CompressionError(
                    "\(pattern) pruning ranks magnitudes within each group; global scope and random pruning do not apply"
                )
            }
            guard sparsity <= pattern.sparsity else {
                throw CompressionError(
                    "sparsity \(sparsity) is beyond what the \(pattern) pattern removes (\(pattern.sparsity))")
            }
        } else if let cap = policy.lastLayerCap, !(cap >= 0 && cap < 1) {
            throw CompressionError("last-layer sparsity cap must be in [0, 1), got \(cap)")
        }
    }

    /// `round(n * (1 - s))`.
    package static func keptCount(_ n: Int, sparsity: Double) -> Int {
        Int((Double(n) * (1 - sparsity)).rounded(.toNearestOrAwayFromZero))
    }

    /// Indices ordered by decreasing magnitude, ties by increasing index.
    static func rankedByMagnitude(_ values: [Float]) -> [Int] {
        values.indices.sorted { a, b in
            let (x, y) = (abs(values[a]), abs(values[b]))
            return x != y ? x > y : a < b
        }
    }

    /// Per-tensor kept counts from one global ranking (layer order, then index, break ties).
    static func globalCounts(_ tensors: [Tensor], sparsity: Double, policy: PruningPolicy) -> [Int] {
        var entries: [(magnitude: Float, tensor: Int, index: Int)] = []
        for (t, tensor) in tensors.enumerated() {
            for (i, value) in tensor.scalars.enumerated() { entries.append((abs(value), t, i)) }
        }
        if policy.method == .random {
            return tensors.map { keptCount($0.count, sparsity: sparsity) }
        }
        entries.sort { a, b in
            a.magnitude != b.magnitude ? a.magnitude > b.magnitude : (a.tensor, a.index) < (b.tensor, b.index)
        }
        var counts = [Int](repeating: 0, count: tensors.count)
        for entry in entries.prefix(keptCount(entries.count, sparsity: sparsity)) { counts[entry.tensor] += 1 }
        return counts
    }
}

/// An error in a compression request: a sparsity, scheme or variant that cannot be applied.
public struct CompressionError: LoupeError, Equatable {
    /// The whole line, which names the setting itself.
    public var problem: String

    public init(_ problem: String) { self.problem = problem }

    public var source: String { "" }
}
