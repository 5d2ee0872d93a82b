/// Everything a remove-and-retrain benchmark produced.
public struct RemoveAndRetrainResult: Sendable {
    /// The model trained on the unmodified data; its accuracy is the fraction-0 point.
    public var base: BaseModelRecord
    /// The per-channel training-set means that replaced the removed elements.
    public var channelMeans: [Float]
    /// Every retrain, ordered by method, fraction, mode and retrain as in the spec.
    public var records: [RetrainRecord]
    /// One summary per cell, in the same order.
    public var cells: [RetrainCellSummary]
    /// Retrains trained by this run and found complete from an earlier one.
    public var trainedRetrains: Int
    public var reusedRetrains: Int
    /// Training images processed by the retrains trained in this run (examples times epochs).
    public var trainingImages: Int
    /// Wall time of this run's retraining phase, in seconds.
    public var retrainingSeconds: Double
    /// The maps of every method, in method order (those this run made have their time in
    /// `seconds`).
    public var maps: [AttributionMapRecord] = []
}
