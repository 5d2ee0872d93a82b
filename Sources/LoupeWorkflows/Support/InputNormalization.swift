import LoupeData
import LoupeNN
import LoupeSupport

/// How a model normalises its input images (`--normalize`): not at all (pixels / 255, the
/// default), with the training split's per-channel mean and standard deviation, or with
/// given ones. The normalisation becomes the model's first layer (``Normalize``), so it is
/// stored with the architecture in every checkpoint and applied by every command that loads
/// one.
public enum InputNormalization: Sendable, Equatable, CustomStringConvertible {
    /// Pixels / 255 as they are.
    case none
    /// The training split's per-channel mean and population standard deviation
    /// (`Dataset.channelStatistics()`).
    case dataset
    /// Given per-channel means and standard deviations (positive, finite).
    case fixed(mean: [Float], std: [Float])

    /// Reads `none`, `dataset`, or `M,M,M:S,S,S` (comma-separated means, a colon, as many
    /// comma-separated standard deviations; `M:S` for one channel).
    ///
    /// - Throws: ``OptionError`` naming `--normalize`, for anything else, counts that differ,
    ///   a non-finite mean or a standard deviation that is not positive and finite.
    public init(parsing text: String) throws(OptionError) {
        switch text {
        case "none": self = .none
        case "dataset": self = .dataset
        default:
            let usage = "expected none, dataset or M,M,M:S,S,S (means:stds per channel)"
            let halves = text.split(separator: ":", omittingEmptySubsequences: false)
            func numbers(_ part: Substring) throws(OptionError) -> [Float] {
                var values: [Float] = []
                for item in part.split(separator: ",", omittingEmptySubsequences: false) {
                    guard let value = Float(item.trimmingCharacters(in: .whitespaces)) else {
                        throw OptionError("--normalize: \(usage), got \(EscapedText.quoted(text))")
                    }
                    values.append(value)
                }
                return values
            }
            guard halves.count == 2 else {
                throw OptionError("--normalize: \(usage), got \(EscapedText.quoted(text))")
            }
            let (mean, std) = (try numbers(halves[0]), try numbers(halves[1]))
            guard mean.count == std.count else {
                throw OptionError(
                    "--normalize: \(mean.count) mean(s) but \(std.count) std(s); give one of each per channel")
            }
            guard mean.allSatisfy(\.isFinite) else { throw OptionError("--normalize: means must be finite") }
            // Normal numbers only: the reciprocal of a subnormal std is infinite.
            guard std.allSatisfy({ $0.isNormal && $0 > 0 }) else {
                throw OptionError(
                    "--normalize: stds must be positive and finite, at least \(Float.leastNormalMagnitude)")
            }
            self = .fixed(mean: mean, std: std)
        }
    }

    public var description: String {
        switch self {
        case .none: "none"
        case .dataset: "dataset"
        case .fixed(let mean, let std):
            mean.map { "\($0)" }.joined(separator: ",") + ":" + std.map { "\($0)" }.joined(separator: ",")
        }
    }

    /// `architecture` with the normalisation as its first layer (unchanged for ``none``),
    /// the statistics of ``dataset`` taken from `train`.
    ///
    /// - Throws: ``OptionError`` when the number of channels differs from the images', when
    ///   a channel of `train` is constant (``dataset``), or when the architecture already
    ///   starts with a normalize layer.
    public func applied(to architecture: Architecture, train: Dataset) throws(OptionError) -> Architecture {
        let statistics: (mean: [Float], std: [Float])
        switch self {
        case .none: return architecture
        case .fixed(let mean, let std):
            guard mean.count == train.shape.channels else {
                throw OptionError(
                    "--normalize: \(mean.count) channel(s) of statistics but \(train.name) images have \(train.shape.channels)"
                )
            }
            statistics = (mean, std)
        case .dataset:
            let (mean, std) = train.channelStatistics()
            if let constant = std.firstIndex(where: { !(Float($0) > 0) }) {
                throw OptionError(
                    "--normalize dataset: channel \(constant) of \(train.name) is constant (std 0); give M:S explicitly"
                )
            }
            statistics = (mean.map { Float($0) }, std.map { Float($0) })
        }
        if case .normalize? = architecture.layers.first {
            throw OptionError("--normalize: architecture \(architecture.name) already starts with a normalize layer")
        }
        var result = architecture
        result.layers.insert(.normalize(mean: statistics.mean, std: statistics.std), at: 0)
        return result
    }
}

extension Architecture {
    /// The first layer when it is a normalize layer, for manifests.
    var inputNormalization: LayerDescription? {
        guard case .normalize? = layers.first else { return nil }
        return layers.first
    }

    /// The log line that says how the model normalises its inputs, when its first layer is a
    /// normalize layer: `normalize: mean [0.1307] std [0.3081] (in the model)`.
    var normalizationLine: String? {
        guard case .normalize(let mean, let std)? = layers.first else { return nil }
        return "normalize: mean \(mean) std \(std) (the model's first layer; stored in its checkpoints)"
    }
}
