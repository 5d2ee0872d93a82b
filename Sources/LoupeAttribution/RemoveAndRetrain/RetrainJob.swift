/// One retrained model of a remove-and-retrain benchmark: a work unit when the run is split
/// among the shard tasks of a cluster job array (``RemoveAndRetrainRunner/jobs``).
public struct RetrainJob: Equatable, Sendable {
    public var method: String
    /// The fraction of input elements ranked, in percent.
    public var percent: Double
    public var mode: RetrainMode
    /// The index of the model within its cell, `0..<retrains`.
    public var retrain: Int

    public init(method: String, percent: Double, mode: RetrainMode, retrain: Int) {
        (self.method, self.percent, self.mode, self.retrain) = (method, percent, mode, retrain)
    }

    /// `smoothgrad roar 30% #2`: the unit's name in shard reports and errors.
    public var name: String { "\(method) \(mode.rawValue) \(percent.compactText)% #\(retrain)" }
}
