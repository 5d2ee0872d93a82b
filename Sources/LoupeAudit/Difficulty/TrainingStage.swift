/// A window of training checkpoints over which VoG is computed: the early, middle or late
/// third of the checkpoints, or all of them.
///
/// `K` checkpoints, indexed `0..<K` in training order, are split into three consecutive
/// windows as `numpy.array_split` does: each gets `K / 3` checkpoints and the first
/// `K % 3` windows get one more, so remainders fall on the early stages first. For example
/// `K = 9` gives `0..<3`, `3..<6`, `6..<9`; `K = 10` gives `0..<4`, `4..<7`, `7..<10`;
/// `K = 11` gives `0..<4`, `4..<8`, `8..<11`.
public enum TrainingStage: String, CaseIterable, Sendable, Equatable, Hashable {
    case early
    case middle
    case late
    /// Every checkpoint.
    case all

    /// The checkpoint indices of this stage among `checkpointCount` checkpoints; a stage may
    /// be empty when there are fewer than three checkpoints.
    public func checkpointIndices(checkpointCount: Int) -> Range<Int> {
        precondition(checkpointCount >= 0, "checkpoint count must be non-negative")
        let third: Int
        switch self {
        case .all: return 0..<checkpointCount
        case .early: third = 0
        case .middle: third = 1
        case .late: third = 2
        }
        let base = checkpointCount / 3
        let remainder = checkpointCount % 3
        let start = third * base + min(third, remainder)
        let size = base + (third < remainder ? 1 : 0)
        return start..<(start + size)
    }

    /// The third (`early`, `middle` or `late`) that checkpoint `index` of `checkpointCount`
    /// falls in.
    public static func third(ofCheckpoint index: Int, checkpointCount: Int) -> TrainingStage {
        precondition(index >= 0 && index < checkpointCount, "checkpoint \(index) is outside 0..<\(checkpointCount)")
        for stage in [TrainingStage.early, .middle]
        where stage.checkpointIndices(checkpointCount: checkpointCount).contains(index) {
            return stage
        }
        return .late
    }
}
