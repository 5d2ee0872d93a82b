/// What one shard task of a remove-and-retrain run made (``RemoveAndRetrainRunner/runShard``):
/// its retrains, and the base model and maps it needed and found missing.
public struct RemoveAndRetrainShardResult: Sendable {
    /// The shard's retrains, in unit order.
    public var units: [RetrainJob]
    /// How many retrains the whole run has.
    public var unitCount: Int
    /// The record of each of the shard's retrains and whether it was found made and reused
    /// (a retrain made now has its time in `seconds`).
    public var records: [(record: RetrainRecord, reused: Bool)]
    /// The base model, when this task made it (with its time in `seconds`).
    public var madeBaseModel: BaseModelRecord?
    /// The maps this task made, in method order (with their times in `seconds`).
    public var madeMaps: [AttributionMapRecord]
}
