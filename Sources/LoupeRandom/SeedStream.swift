/// The seeds Loupe derives from a run's seed, each under a name.
///
/// Every formula is the arithmetic the seed was first derived with, kept so that recorded
/// results (RESULTS.md, `scripts/same-weights.sh`, `loupe verify --rerun`) stay bit-identical:
/// a new stream gets a new case, and an existing formula never changes. Sub-streams of a
/// generator (per epoch, step, example or method name) are `SeededGenerator.derived(_:)`.
package enum SeedStream: String, CaseIterable, Sendable {
    /// The model of population member `index` (0-based): `seed + index`.
    case member
    /// Fine-tuning after one-shot pruning, so that it shuffles differently from the dense
    /// run: `seed + 1_000_003`.
    case fineTuning
    /// Retrain `index` (0-based) of a remove-and-retrain benchmark: `seed + 1 + index`.
    case retrain
    /// Extra EL2N run `index` (1-based; run 0 is the main run): `seed + index * 104_729`.
    case el2nRun
    /// The order that splits the training set into confident learning's folds:
    /// `seed ^ 0x00C0FFEE`.
    case confidentLearningFolds
    /// The model trained without fold `index` (0-based) in confident learning:
    /// `seed + (index + 1) * 7_919`.
    case confidentLearningFold

    /// The seed of this stream's `index`-th member derived from `seed` (all arithmetic
    /// wrapping).
    package func seed(from seed: UInt64, index: Int = 0) -> UInt64 {
        let index = UInt64(index)
        switch self {
        case .member: return seed &+ index
        case .fineTuning: return seed &+ 1_000_003
        case .retrain: return seed &+ 1 &+ index
        case .el2nRun: return seed &+ index &* 104_729
        case .confidentLearningFolds: return seed ^ 0x00C0_FFEE
        case .confidentLearningFold: return seed &+ (index &+ 1) &* 7919
        }
    }
}
