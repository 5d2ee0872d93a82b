/// What a ``RemoveAndRetrainRunner`` reports while it works, for progress displays. Events
/// marked as such arrive from worker threads.
public enum RemoveAndRetrainEvent: Sendable {
    /// The base model is being trained on `images` training images (examples times epochs).
    case baseTrainingStarted(images: Int)
    /// The base model is ready, trained now or reused.
    case baseModelReady(BaseModelRecord, reused: Bool)
    /// `method`'s maps are being computed for `examples` training and test examples.
    case mapsStarted(method: String, examples: Int)
    /// `method`'s maps are ready, computed now or reused.
    case mapsReady(AttributionMapRecord, reused: Bool)
    /// `total` retrains make up the benchmark; `toTrain` of them are missing and will train
    /// `images` training images in all.
    case retrainsPlanned(total: Int, toTrain: Int, images: Int)
    /// The current phase moved on by `count` items: training images while training, examples
    /// while computing maps (from worker threads).
    case advanced(count: Int)
    /// A retrain finished (from worker threads), or was found complete and reused.
    case retrainFinished(RetrainRecord, reused: Bool)
}
