/// A work unit of a difficulty run that trains: the main run (VoG, checkpoints, training
/// dynamics, EL2N of the first seed), one of EL2N's extra runs, or one of confident
/// learning's fold models. Every task of a sharded run numbers them the same way
/// (``DifficultyRun/workUnits``).
enum DifficultyWorkUnit: Equatable, Sendable {
    case main
    /// EL2N's run of seed index `1..<el2nSeeds`, trained up to the early epoch.
    case el2nRun(Int)
    /// Confident learning's model of fold `0..<folds`, trained on the other folds.
    case confidentLearningFold(Int)

    /// `main run`, `el2n run 2`, `confident-learning fold 3`: the name in shard records and errors.
    var name: String {
        switch self {
        case .main: "main run"
        case .el2nRun(let index): "el2n run \(index)"
        case .confidentLearningFold(let fold): "confident-learning fold \(fold)"
        }
    }

    /// The unit's folder under the run folder's `units/`.
    var folderName: String {
        switch self {
        case .main: "main"
        case .el2nRun(let index): "el2n-\(index)"
        case .confidentLearningFold(let fold): "cl-fold-\(fold)"
        }
    }
}

extension DifficultyRun {
    /// The run's work units in the order every task numbers them: the main run, EL2N's extra
    /// runs, then confident learning's folds.
    var workUnits: [DifficultyWorkUnit] {
        [.main] + (1..<max(el2nSeeds, 1)).map(DifficultyWorkUnit.el2nRun)
            + (confidentLearningFolds >= 2
                ? (0..<confidentLearningFolds).map(DifficultyWorkUnit.confidentLearningFold) : [])
    }
}
