/// One population of an audit: the dense baseline, a pruned variant (trained with gradual
/// magnitude pruning), or a post-training quantization of the baseline members.
public enum CompressionVariant: Hashable, Sendable {
    case dense
    case pruned(sparsity: Double, policy: PruningPolicy)
    /// One-shot magnitude pruning of each dense member, then `fineTuneEpochs` of training
    /// with the masks fixed.
    case oneShot(sparsity: Double, policy: PruningPolicy, fineTuneEpochs: Int)
    case quantized(QuantizationScheme)

    /// Parses `dense`, `prune:0.9` (layerwise magnitude), `prune:0.9:global`,
    /// `prune:0.9:random`, `prune:0.9:all` (the first layer pruned too; by default it stays
    /// dense), `oneshot:0.9` (one fine-tuning epoch) or `oneshot:0.9:3` (three), with the same
    /// `global`/`random`/`all` options, or a quantization scheme name (`float16`, `int8-tensor`,
    /// `int8-channel`, `int4-channel`, `int8-full`).
    public init(parsing text: String) throws(CompressionError) {
        let parts = text.lowercased().split(separator: ":").map(String.init)
        if parts == ["dense"] {
            self = .dense
        } else if parts.first == "prune" || parts.first == "oneshot", parts.count >= 2, let sparsity = Double(parts[1])
        {
            guard sparsity > 0, sparsity < 1 else {
                throw CompressionError("variant '\(text)': sparsity must be in (0, 1), got \(parts[1])")
            }
            var policy = PruningPolicy()
            var fineTuneEpochs = 1
            for option in parts.dropFirst(2) {
                switch option {
                case "global": policy.scope = .global
                case "random": policy.method = .random
                case "all": policy.keepFirstLayerDense = false
                case "layerwise", "magnitude": break
                case let epochs where parts[0] == "oneshot" && Int(epochs) != nil && Int(epochs)! >= 0:
                    fineTuneEpochs = Int(epochs)!
                default:
                    throw CompressionError(
                        "variant '\(text)': unknown pruning option '\(option)' (global, random, all\(parts[0] == "oneshot" ? ", fine-tuning epochs" : ""))"
                    )
                }
            }
            self =
                parts[0] == "prune"
                ? .pruned(sparsity: sparsity, policy: policy)
                : .oneShot(sparsity: sparsity, policy: policy, fineTuneEpochs: fineTuneEpochs)
        } else if parts.count == 1, let scheme = QuantizationScheme(rawValue: parts[0]) {
            self = .quantized(scheme)
        } else {
            throw CompressionError(
                "unknown variant '\(text)' (dense, prune:S[:global|random], \(QuantizationScheme.allCases.map(\.rawValue).joined(separator: ", ")))"
            )
        }
    }

    /// A short name, also the variant's directory: `dense`, `prune-0.90`, `prune-0.90-global`,
    /// `int8-channel`.
    public var name: String {
        switch self {
        case .dense: return "dense"
        case .pruned(let sparsity, let policy):
            var name = "prune-" + String(format2(sparsity))
            if policy.scope == .global { name += "-global" }
            if policy.method == .random { name += "-random" }
            if !policy.keepFirstLayerDense { name += "-all" }
            return name
        case .oneShot(let sparsity, let policy, let epochs):
            return "oneshot-" + format2(sparsity) + "-ft\(epochs)" + (policy.scope == .global ? "-global" : "")
                + (policy.method == .random ? "-random" : "") + (policy.keepFirstLayerDense ? "" : "-all")
        case .quantized(let scheme): return scheme.rawValue
        }
    }

    /// Whether members of this variant are trained from scratch (dense and gradually pruned)
    /// or derived from the dense members (one-shot pruned, quantized).
    public var isTrained: Bool {
        switch self {
        case .dense, .pruned: true
        case .oneShot, .quantized: false
        }
    }

    /// The weight sparsity this variant targets (0 unless pruned).
    public var sparsity: Double {
        switch self {
        case .pruned(let sparsity, _), .oneShot(let sparsity, _, _): sparsity
        case .dense, .quantized: 0
        }
    }
}

extension CompressionVariant: Codable {
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do { self = try CompressionVariant(parsing: text) } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(specification)
    }

    /// The text `init(parsing:)` reads back.
    public var specification: String {
        switch self {
        case .dense: return "dense"
        case .pruned(let sparsity, let policy):
            return "prune:\(sparsity)" + (policy.scope == .global ? ":global" : "")
                + (policy.method == .random ? ":random" : "") + (policy.keepFirstLayerDense ? "" : ":all")
        case .oneShot(let sparsity, let policy, let epochs):
            return "oneshot:\(sparsity):\(epochs)" + (policy.scope == .global ? ":global" : "")
                + (policy.method == .random ? ":random" : "") + (policy.keepFirstLayerDense ? "" : ":all")
        case .quantized(let scheme): return scheme.rawValue
        }
    }
}

/// Two decimals, for names: 0.9 becomes "0.90".
private func format2(_ value: Double) -> String {
    let hundredths = Int((value * 100).rounded())
    return "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100)"
}
