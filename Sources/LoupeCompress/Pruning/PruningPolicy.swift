import LoupeNN

/// Which weights a pruning step may remove and how it chooses them.
public struct PruningPolicy: Codable, Hashable, Sendable {
    /// How the kept count is allotted.
    public enum Scope: String, Codable, Sendable, CaseIterable {
        /// Every prunable tensor reaches the target sparsity on its own.
        case layerwise
        /// One magnitude threshold across all prunable tensors.
        case global
    }

    /// How weights are ranked.
    public enum Method: String, Codable, Sendable, CaseIterable {
        /// Keep the largest magnitudes.
        case magnitude
        /// Keep a uniformly random subset of the same size (the control).
        case random
    }

    public var scope: Scope = .layerwise
    public var method: Method = .magnitude
    /// Leave the first weight tensor dense (the usual practice; it is small and sensitive).
    public var keepFirstLayerDense: Bool = true
    /// The highest sparsity the last weight tensor may reach (0.8 in the reference code);
    /// `nil` for no cap.
    public var lastLayerCap: Double? = 0.8
    /// N:M semi-structured pruning (``NMPruner``) instead of unstructured: every prunable
    /// tensor ends with at most `n` of every `m` consecutive weights along its input dimension.
    /// It needs layerwise scope and magnitude ranking; `lastLayerCap` does not apply (the
    /// pattern fixes every pruned tensor's sparsity); `keepFirstLayerDense` does.
    public var pattern: NMPattern?

    public init(
        scope: Scope = .layerwise, method: Method = .magnitude, keepFirstLayerDense: Bool = true,
        lastLayerCap: Double? = 0.8, pattern: NMPattern? = nil
    ) {
        self.scope = scope
        self.method = method
        self.keepFirstLayerDense = keepFirstLayerDense
        self.lastLayerCap = lastLayerCap
        self.pattern = pattern
    }

    /// The weight tensors this policy may prune, in layer order: every parameter whose role
    /// is `.weight` (biases and normalisation parameters are never pruned), minus the first
    /// when `keepFirstLayerDense`.
    public func prunableNames(in model: Model) -> [String] {
        let roles = model.parameterRoles
        let weights = model.parameterNames.filter { roles[$0] == .weight }
        return keepFirstLayerDense ? Array(weights.dropFirst()) : weights
    }
}
