/// One population of an audit: the dense baseline, a pruned variant (trained with gradual
/// magnitude pruning), or a post-training quantization of the baseline members.
///
/// N:M semi-structured pruning is a pruned or one-shot variant whose policy has a
/// ``PruningPolicy/pattern``; its sparsity is then the pattern's `1 - n / m` (``validate()``).
/// Structured pruning (``prunedFilters(fraction:)``, ``oneShotFilters(fraction:fineTuneEpochs:)``)
/// removes whole filters and hidden units, and its members are physically smaller networks.
public enum CompressionVariant: Hashable, Sendable {
    case dense
    /// A second dense population (`seed-control`), trained exactly as the baseline from the
    /// next `members` seeds: no compression at all, so its CIE fraction against the baseline
    /// is what two trainings differ by, the floor a compressed population's must clear.
    case seedControl
    case pruned(sparsity: Double, policy: PruningPolicy)
    /// One-shot magnitude pruning of each dense member, then `fineTuneEpochs` of training
    /// with the masks fixed.
    case oneShot(sparsity: Double, policy: PruningPolicy, fineTuneEpochs: Int)
    case quantized(QuantizationScheme)
    /// Gradual structured pruning (`prune-filters:S`): trained from scratch with whole units
    /// masked, the fraction of units removed from every prunable layer (``PrunableUnitLayer``)
    /// ramped on the gradual schedule to `fraction` by L1 norm (``StructuredPruner``); the
    /// member is the trained network with those units removed physically.
    case prunedFilters(fraction: Double)
    /// One-shot structured pruning of each dense member (`oneshot-filters:S:E`): the `fraction`
    /// of units with the smallest L1 norms removed physically from every prunable layer, then
    /// `fineTuneEpochs` of training of the smaller network.
    case oneShotFilters(fraction: Double, fineTuneEpochs: Int)

    /// Gradual N:M pruning (`prune-2:4`): trained from scratch, the sparsity ramped on the
    /// gradual schedule within each group's removable weights, ending exactly N:M.
    public static func prunedNM(_ pattern: NMPattern, keepFirstLayerDense: Bool = true) -> CompressionVariant {
        .pruned(
            sparsity: pattern.sparsity,
            policy: PruningPolicy(keepFirstLayerDense: keepFirstLayerDense, pattern: pattern))
    }

    /// One-shot N:M pruning of each dense member (`oneshot-2:4:E`), then `fineTuneEpochs` of
    /// training with the N:M masks fixed.
    public static func oneShotNM(
        _ pattern: NMPattern, fineTuneEpochs: Int = 1, keepFirstLayerDense: Bool = true
    ) -> CompressionVariant {
        .oneShot(
            sparsity: pattern.sparsity,
            policy: PruningPolicy(keepFirstLayerDense: keepFirstLayerDense, pattern: pattern),
            fineTuneEpochs: fineTuneEpochs)
    }

    /// Parses `dense`, `seed-control` (the baseline retrained from other seeds), `prune:0.9` (layerwise magnitude), `prune:0.9:global`,
    /// `prune:0.9:random`, `prune:0.9:all` (the first layer pruned too; by default it stays
    /// dense), `oneshot:0.9` (one fine-tuning epoch) or `oneshot:0.9:3` (three), with the same
    /// `global`/`random`/`all` options, or a quantization scheme name (`float16`, `int8-tensor`,
    /// `int8-channel`, `int4-channel`, `int8-full`). N:M pruning: `prune-2:4` (gradual),
    /// `oneshot-2:4` or `oneshot-2:4:3` (one-shot, then one or three fine-tuning epochs), each
    /// with `:all` to prune the first layer too; `1 <= N < M <= 32`. Structured pruning:
    /// `prune-filters:0.5` (gradual) or `oneshot-filters:0.5[:E]` (one-shot, then `E`
    /// fine-tuning epochs, 1 by default), removing that fraction of the filters and hidden units
    /// of every prunable layer.
    public init(parsing text: String) throws(CompressionError) {
        let parts = text.lowercased().split(separator: ":").map(String.init)
        if parts == ["dense"] {
            self = .dense
        } else if parts == ["seed-control"] {
            self = .seedControl
        } else if let kind = ["prune-filters", "oneshot-filters"].first(where: {
            text.lowercased() == $0 || text.lowercased().hasPrefix($0 + ":")
        }) {
            self = try Self.parseFilters(text, kind: kind)
        } else if let kind = ["prune", "oneshot"].first(where: { text.lowercased().hasPrefix($0 + "-") }) {
            self = try Self.parseNM(text, kind: kind)
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
                "unknown variant '\(text)' (dense, seed-control, prune:S[:global|random], oneshot:S[:E], prune-N:M, oneshot-N:M[:E], prune-filters:S, oneshot-filters:S[:E], \(QuantizationScheme.allCases.map(\.rawValue).joined(separator: ", ")))"
            )
        }
    }

    /// `prune-N:M[:all]` or `oneshot-N:M[:E][:all]`; `kind` is `prune` or `oneshot`.
    private static func parseNM(_ text: String, kind: String) throws(CompressionError) -> CompressionVariant {
        let parts = text.lowercased().split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        func number(_ digits: String) -> Int? {
            digits.isEmpty || digits.count > 4 || !digits.allSatisfy({ $0.isASCII && $0.isNumber }) ? nil : Int(digits)
        }
        let nText = String(parts[0].dropFirst(kind.count + 1))
        guard parts.count >= 2, let n = number(nText), let m = number(parts[1]) else {
            let given = parts.count >= 2 ? "\(nText):\(parts[1])" : "'\(nText)'"
            throw CompressionError(
                "variant '\(text)': expected \(kind)-N:M with whole numbers 1 <= N < M <= \(NMPattern.maximumGroupLength), got \(given)"
            )
        }
        let pattern: NMPattern
        do { pattern = try NMPattern(n: n, m: m) } catch {
            throw CompressionError("variant '\(text)': \(error.problem)")
        }
        var keepFirstLayerDense = true
        var fineTuneEpochs = 1
        for option in parts.dropFirst(2) {
            if option == "all" {
                keepFirstLayerDense = false
            } else if kind == "oneshot", let epochs = number(option) {
                fineTuneEpochs = epochs
            } else {
                throw CompressionError(
                    "variant '\(text)': unknown N:M pruning option '\(option)' (all\(kind == "oneshot" ? ", fine-tuning epochs" : ""))"
                )
            }
        }
        return kind == "prune"
            ? .prunedNM(pattern, keepFirstLayerDense: keepFirstLayerDense)
            : .oneShotNM(pattern, fineTuneEpochs: fineTuneEpochs, keepFirstLayerDense: keepFirstLayerDense)
    }

    /// `prune-filters:S` or `oneshot-filters:S[:E]`; `kind` is `prune-filters` or
    /// `oneshot-filters`.
    private static func parseFilters(_ text: String, kind: String) throws(CompressionError) -> CompressionVariant {
        let parts = text.lowercased().split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 2, let fraction = Double(parts[1]) else {
            throw CompressionError(
                "variant '\(text)': expected \(kind):S with S the fraction of units to remove, in (0, 1)\(parts.count >= 2 ? ", got '\(parts[1])'" : "")"
            )
        }
        guard fraction > 0, fraction < 1 else {
            throw CompressionError(
                "variant '\(text)': the fraction of units to remove must be in (0, 1), got \(parts[1])")
        }
        var fineTuneEpochs = 1
        for (position, option) in parts.dropFirst(2).enumerated() {
            if kind == "oneshot-filters", position == 0, !option.isEmpty, option.count <= 6,
                option.allSatisfy({ $0.isASCII && $0.isNumber }), let epochs = Int(option)
            {
                fineTuneEpochs = epochs
            } else {
                throw CompressionError(
                    "variant '\(text)': unknown structured pruning option '\(option)' (\(kind == "oneshot-filters" ? "fine-tuning epochs" : "none"))"
                )
            }
        }
        return kind == "prune-filters"
            ? .prunedFilters(fraction: fraction) : .oneShotFilters(fraction: fraction, fineTuneEpochs: fineTuneEpochs)
    }

    /// Checks what parsing guarantees of a variant built in code: an N:M variant's sparsity
    /// is its pattern's, and the fine-tuning epochs are not negative.
    public func validate() throws(CompressionError) {
        switch self {
        case .pruned(let sparsity, let policy), .oneShot(let sparsity, let policy, _):
            if let pattern = policy.pattern, sparsity != pattern.sparsity {
                throw CompressionError(
                    "variant '\(name)': the sparsity of \(pattern) pruning is 1 - N/M = \(pattern.sparsity), got \(sparsity)"
                )
            }
            try MagnitudePruner.validate(sparsity: sparsity, policy: policy)
            if case .oneShot(_, _, let epochs) = self, epochs < 0 {
                throw CompressionError("variant '\(name)': fine-tuning epochs must not be negative, got \(epochs)")
            }
        case .prunedFilters(let fraction), .oneShotFilters(let fraction, _):
            do { try StructuredPruner.validate(fraction: fraction) } catch {
                throw CompressionError("variant '\(name)': \(error.problem)")
            }
            if case .oneShotFilters(_, let epochs) = self, epochs < 0 {
                throw CompressionError("variant '\(name)': fine-tuning epochs must not be negative, got \(epochs)")
            }
        case .dense, .seedControl, .quantized: break
        }
    }

    /// Whether the members of this variant are physically smaller networks than the dense
    /// ones (structured pruning).
    public var removesUnits: Bool {
        switch self {
        case .prunedFilters, .oneShotFilters: true
        default: false
        }
    }

    /// A short name, also the variant's directory: `dense`, `seed-control`, `prune-0.90`, `prune-0.90-global`,
    /// `int8-channel`; N:M variants `prune-2of4`, `oneshot-2of4-ft1`, `prune-2of4-all`;
    /// structured `prune-filters-0.50`, `oneshot-filters-0.50-ft1`.
    public var name: String {
        switch self {
        case .dense: return "dense"
        case .seedControl: return "seed-control"
        case .pruned(_, let policy) where policy.pattern != nil:
            return "prune-\(policy.pattern!.n)of\(policy.pattern!.m)" + (policy.keepFirstLayerDense ? "" : "-all")
        case .oneShot(_, let policy, let epochs) where policy.pattern != nil:
            return "oneshot-\(policy.pattern!.n)of\(policy.pattern!.m)-ft\(epochs)"
                + (policy.keepFirstLayerDense ? "" : "-all")
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
        case .prunedFilters(let fraction): return "prune-filters-" + format2(fraction)
        case .oneShotFilters(let fraction, let epochs): return "oneshot-filters-" + format2(fraction) + "-ft\(epochs)"
        }
    }

    /// Whether members of this variant are trained from scratch (dense, the seed control and
    /// gradually pruned) or derived from the dense members (one-shot pruned, quantized).
    public var isTrained: Bool {
        switch self {
        case .dense, .seedControl, .pruned, .prunedFilters: true
        case .oneShot, .quantized, .oneShotFilters: false
        }
    }

    /// The weight sparsity this variant targets (0 unless pruned); for structured pruning, the
    /// fraction of units removed from each prunable layer (the fraction of weights removed is
    /// larger, since a layer also loses the inputs of the units removed before it: see
    /// ``MemberRecord/sparsity``).
    public var sparsity: Double {
        switch self {
        case .pruned(let sparsity, _), .oneShot(let sparsity, _, _): sparsity
        case .prunedFilters(let fraction), .oneShotFilters(let fraction, _): fraction
        case .dense, .seedControl, .quantized: 0
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
        case .seedControl: return "seed-control"
        case .seedControl: return "seed-control"
        case .pruned(_, let policy) where policy.pattern != nil:
            return "prune-\(policy.pattern!)" + (policy.keepFirstLayerDense ? "" : ":all")
        case .oneShot(_, let policy, let epochs) where policy.pattern != nil:
            return "oneshot-\(policy.pattern!):\(epochs)" + (policy.keepFirstLayerDense ? "" : ":all")
        case .pruned(let sparsity, let policy):
            return "prune:\(sparsity)" + (policy.scope == .global ? ":global" : "")
                + (policy.method == .random ? ":random" : "") + (policy.keepFirstLayerDense ? "" : ":all")
        case .oneShot(let sparsity, let policy, let epochs):
            return "oneshot:\(sparsity):\(epochs)" + (policy.scope == .global ? ":global" : "")
                + (policy.method == .random ? ":random" : "") + (policy.keepFirstLayerDense ? "" : ":all")
        case .quantized(let scheme): return scheme.rawValue
        case .prunedFilters(let fraction): return "prune-filters:\(fraction)"
        case .oneShotFilters(let fraction, let epochs): return "oneshot-filters:\(fraction):\(epochs)"
        }
    }
}

/// Two decimals, for names: 0.9 becomes "0.90".
private func format2(_ value: Double) -> String {
    let hundredths = Int((value * 100).rounded())
    return "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100)"
}
