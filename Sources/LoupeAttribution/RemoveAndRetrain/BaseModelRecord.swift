/// The model trained on the unmodified training set: its predictions are the targets of
/// every attribution map, and its test accuracy is the benchmark's fraction-0 point.
public struct BaseModelRecord: Codable, Equatable, Sendable {
    public var seed: UInt64
    /// ``RemoveAndRetrainSpec/fixedPartHash`` of the benchmark the model was trained for.
    public var spec: String
    /// SHA-256 of `base/model.safetensors`.
    public var modelHash: String
    public var correct: Int
    public var testCount: Int
    /// Top-1 accuracy on the unmodified test set, `correct / testCount`.
    public var accuracy: Double
    public var trainingImages: Int
    /// Time spent making it, in seconds; 0 when read back. Not written to the JSON: timings
    /// belong in the run manifest, so that a repeated run's files are identical byte for byte.
    public var seconds: Double = 0

    private enum CodingKeys: String, CodingKey {
        case seed, spec, modelHash, correct, testCount, accuracy, trainingImages
    }
}
