import LoupeNN
import LoupeTensor

/// Structured (filter and hidden-unit) pruning by L1 norm: which units of each prunable layer
/// (``PrunableUnitLayer``) to keep, as masks over the full-size model or physically removed
/// (``Model/removingUnits(keeping:)``).
///
/// A unit's score is the L1 norm of its slice of the layer's weight: `weight[o, :, :, :]` for
/// a convolution's filter `o`, row `o` of a linear layer's `[out, in]` weight (biases do not
/// count). At fraction `s` every prunable layer of `n` units keeps its
/// `max(1, round(n * (1 - s)))` largest (rounding half away from zero), ties keeping the lower
/// index; kept units are listed in increasing order.
public enum StructuredPruner {
    /// The units to keep at `fraction`, by layer name: every prunable layer of `model`'s
    /// architecture, ranked on `model`'s weights.
    public static func keptUnits(for model: Model, fraction: Double) throws(CompressionError) -> [String: [Int]] {
        try validate(fraction: fraction, allowingZero: true)
        return keptUnits(for: model, layers: try PrunableUnitLayer.layers(of: model.architecture), fraction: fraction)
    }

    /// The units to keep at `fraction` (checked by the caller) among `layers` (those of
    /// `model`'s architecture).
    static func keptUnits(for model: Model, layers: [PrunableUnitLayer], fraction: Double) -> [String: [Int]] {
        var kept: [String: [Int]] = [:]
        for layer in layers {
            let norms = l1Norms(of: model.parameters[layer.weight]!)
            let order = norms.indices.sorted { a, b in norms[a] != norms[b] ? norms[a] > norms[b] : a < b }
            kept[layer.name] = order.prefix(keptCount(units: layer.unitCount, fraction: fraction)).sorted()
        }
        return kept
    }

    /// `max(1, round(units * (1 - fraction)))`.
    public static func keptCount(units: Int, fraction: Double) -> Int {
        max(1, MagnitudePruner.keptCount(units, sparsity: fraction))
    }

    /// The L1 norm of each unit's slice of a weight `[units, ...]`, summed in Double in
    /// storage order.
    public static func l1Norms(of weight: Tensor) -> [Double] {
        let units = weight.shape.first ?? 0
        let length = units == 0 ? 0 : weight.count / units
        return weight.withUnsafeBufferPointer { values in
            (0..<units).map { unit in
                var sum = 0.0
                for i in (unit * length)..<((unit + 1) * length) { sum += Double(abs(values[i])) }
                return sum
            }
        }
    }

    /// Masks that zero the removed units of the full-size model: their weight slices and
    /// biases and the scale and shift of the batch norms after them, so that each removed
    /// unit's output is exactly 0 (in training and inference mode alike) and the model
    /// computes what ``Model/removingUnits(keeping:)`` computes. Buffers (running
    /// statistics) are not masked: with the scale and shift zero they do not matter.
    static func masks(for model: Model, layers: [PrunableUnitLayer], keeping kept: [String: [Int]]) -> PruningMasks {
        var masks: [String: Tensor] = [:]
        for layer in layers {
            guard let units = kept[layer.name] else { continue }
            var keeps = [Bool](repeating: false, count: layer.unitCount)
            for unit in units { keeps[unit] = true }
            for slices in layer.unitTensors {
                guard let tensor = model.parameters[slices.tensor] else { continue }
                // Entry i lies at index i / (count / shape[0]) of the first axis, in unit
                // (that index) / block: i / entriesPerUnit.
                let entriesPerUnit = tensor.count / layer.unitCount
                var mask = [Float](repeating: 0, count: tensor.count)
                for index in mask.indices where keeps[index / entriesPerUnit] { mask[index] = 1 }
                masks[slices.tensor] = Tensor(shape: tensor.shape, scalars: mask)
            }
        }
        return PruningMasks(masks: masks)
    }

    /// The masks of ``masks(for:layers:keeping:)`` for `model`'s prunable layers.
    public static func masks(for model: Model, keeping kept: [String: [Int]]) throws(CompressionError) -> PruningMasks {
        let layers = try PrunableUnitLayer.layers(of: model.architecture)
        try validate(kept, layers: layers)
        return masks(for: model, layers: layers, keeping: kept)
    }

    /// `model` with the smallest `fraction` of every prunable layer's units removed
    /// physically: ranked (``keptUnits(for:fraction:)``), then shrunk.
    public static func pruned(_ model: Model, fraction: Double) throws(CompressionError) -> Model {
        try model.removingUnits(keeping: try keptUnits(for: model, fraction: fraction))
    }

    /// Checks a fraction of units to remove: in (0, 1), or [0, 1) with `allowingZero`.
    public static func validate(fraction: Double, allowingZero: Bool = false) throws(CompressionError) {
        guard fraction.isFinite, fraction < 1, allowingZero ? fraction >= 0 : fraction > 0 else {
            throw CompressionError(
                "fraction of units to remove must be in \(allowingZero ? "[0" : "(0"), 1), got \(fraction)")
        }
    }

    /// Checks that every layer of `kept` is prunable and keeps at least one of its units, each
    /// once, in increasing order.
    static func validate(_ kept: [String: [Int]], layers: [PrunableUnitLayer]) throws(CompressionError) {
        for (name, units) in kept.sorted(by: { $0.key < $1.key }) {
            guard let layer = layers.first(where: { $0.name == name }) else {
                throw CompressionError(
                    "structured pruning: \(name) is not a prunable layer (prunable: \(layers.map(\.name).joined(separator: ", ")))"
                )
            }
            guard !units.isEmpty, units.first! >= 0, units.last! < layer.unitCount,
                zip(units, units.dropFirst()).allSatisfy({ $0 < $1 })
            else {
                throw CompressionError(
                    "structured pruning: the kept units of \(name) must be increasing, distinct and in 0..<\(layer.unitCount), at least one"
                )
            }
        }
    }
}
