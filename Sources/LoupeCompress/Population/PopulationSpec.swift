import LoupeData
import LoupeNN
import LoupeSupport

/// What a population run trains: the data, the architecture, the training recipe, how many
/// members per variant, and the variants. Stored as `population.json`; a re-run with the
/// same spec resumes, a different spec in the same directory is refused.
public struct PopulationSpec: Codable, Equatable, Sendable {
    /// The dataset specification (`mnist-5k`, `fashion-mnist` or a path), with any change made
    /// to its training split (label noise, undersampling) spelled out, so that populations
    /// trained on different data are never mixed.
    public var data: String
    public var architecture: Architecture
    /// The recipe of every trained member; member `i` uses seed `firstSeed + i`.
    public var training: TrainingConfiguration
    public var members: Int
    public var firstSeed: UInt64
    public var variants: [CompressionVariant]
    /// Gradual pruning starts and ends at these fractions of the training steps.
    public var pruningBegin: Double = 0.1
    public var pruningEnd: Double = 0.7
    /// Mask updates per pruning run (the schedule's frequency is derived from it).
    public var pruningUpdates: Int = 20
    /// Training images used to calibrate int8-full activation ranges (the first ones).
    public var calibrationExamples: Int = 100
    /// When the dense members are the user's trained models instead of trained here: the
    /// SHA-256 of each model file, member by member (nil: every dense member is trained).
    public var baseModels: [String]?

    public init(
        data: String, architecture: Architecture, training: TrainingConfiguration, members: Int, firstSeed: UInt64,
        variants: [CompressionVariant]
    ) {
        self.data = data
        self.architecture = architecture
        self.training = training
        self.members = members
        self.firstSeed = firstSeed
        self.variants = variants
    }

    /// The variants with the dense baseline first (added if missing), duplicates removed.
    public var orderedVariants: [CompressionVariant] {
        var seen: Set<CompressionVariant> = [.dense]
        return [.dense] + variants.filter { seen.insert($0).inserted }
    }

    /// The pruning schedule for a run of `totalSteps` steps.
    public func pruningSchedule(finalSparsity: Double, totalSteps: Int) -> PruningSchedule {
        // Hooks see steps 1...totalSteps: the window ends at step 1 or later, so that even
        // the shortest run reaches its final sparsity.
        let end = min(max(1, totalSteps), max(1, Int(Double(totalSteps) * pruningEnd)))
        let begin = min(Int(Double(totalSteps) * pruningBegin), end)
        return PruningSchedule(
            finalSparsity: finalSparsity, beginStep: begin, endStep: end,
            frequency: max(1, (end - begin) / max(1, pruningUpdates)))
    }

    /// The most members a variant may have: each is a trained model whose predictions an
    /// audit holds in memory (a billion asked for 80 GB before the first one trained).
    public static let maximumMembers = 10_000

    /// Checks the settings; the error names the bad one.
    public func validate() throws(CompressionError) {
        guard (1...Self.maximumMembers).contains(members) else {
            throw CompressionError("members must be between 1 and \(Self.maximumMembers), got \(members)")
        }
        guard pruningBegin >= 0, pruningEnd <= 1, pruningBegin <= pruningEnd else {
            throw CompressionError("pruning window must satisfy 0 <= begin <= end <= 1")
        }
        do { try training.validate() } catch { throw CompressionError(error.description) }
        for variant in variants { try variant.validate() }
        if let baseModels {
            guard baseModels.count == members else {
                throw CompressionError("members: \(members) members but \(baseModels.count) given models")
            }
            if let trained = variants.first(where: { $0.isTrained && $0 != .dense }) {
                throw CompressionError(
                    "variant '\(trained.name)' trains from scratch; with given models use oneshot:S[:E], oneshot-N:M[:E] or oneshot-filters:S[:E] (prune each model, fine-tune E epochs)"
                )
            }
        }
        if let structured = variants.first(where: \.removesUnits) {
            do { _ = try PrunableUnitLayer.layers(of: architecture) } catch {
                throw CompressionError("variant '\(structured.name)': \(error.problem)")
            }
        }
        // A variant's members live in the folder its name gives: two variants of one name
        // (sparsities that round alike) shared it, and the second reported the first's results.
        var byName: [String: CompressionVariant] = [:]
        for variant in orderedVariants {
            if let other = byName[variant.name], other != variant {
                throw CompressionError(
                    "variants '\(other.specification)' and '\(variant.specification)' would share the folder \(variant.name); make them differ in the first two decimals"
                )
            }
            byName[variant.name] = variant
        }
        guard CheckedSize.product(orderedVariants.count, members) != nil else {
            throw CompressionError(
                "members: \(orderedVariants.count) variants of \(members) members are more models than a count can hold"
            )
        }
    }

    /// Checks the settings for training on `train`, before anything is written: everything
    /// ``validate()`` checks and the training configuration's checks for that data
    /// (`TrainingConfiguration.validate(for:)`). Commands call this before they create
    /// their output folder.
    public func validate(for train: Dataset) throws(CompressionError) {
        try validate()
        do { try training.validate(for: train) } catch { throw CompressionError(error.description) }
    }
}
