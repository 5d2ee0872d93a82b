/// One retrained model of a remove-and-retrain cell: written atomically as JSON when it is
/// done, so an interrupted run resumes with every finished retrain.
public struct RetrainRecord: Codable, Equatable, Sendable {
    public var method: String
    public var mode: RetrainMode
    /// The fraction of input elements ranked, in percent.
    public var percent: Double
    /// The index of this model within its cell, `0..<retrains`.
    public var retrain: Int
    public var seed: UInt64
    /// Correctly classified modified test images.
    public var correct: Int
    public var testCount: Int
    /// `correct / testCount`.
    public var accuracy: Double
    /// Top-1 accuracy on the modified training set during the last epoch.
    public var trainAccuracy: Double
    /// SHA-256 of what the modified data was made from: the base model and the maps.
    public var inputs: [String: String]
    /// Training images processed (examples times epochs).
    public var trainingImages: Int
    /// Time spent making it, in seconds; 0 when read back. Not written to the JSON: timings
    /// belong in the run manifest, so that a repeated run's files are identical byte for byte.
    public var seconds: Double = 0

    private enum CodingKeys: String, CodingKey {
        case method, mode, percent, retrain, seed, correct, testCount, accuracy, trainAccuracy, inputs, trainingImages
    }

    public init(
        method: String, mode: RetrainMode, percent: Double, retrain: Int, seed: UInt64, correct: Int, testCount: Int,
        accuracy: Double, trainAccuracy: Double, inputs: [String: String], trainingImages: Int, seconds: Double
    ) {
        self.method = method
        self.mode = mode
        self.percent = percent
        self.retrain = retrain
        self.seed = seed
        self.correct = correct
        self.testCount = testCount
        self.accuracy = accuracy
        self.trainAccuracy = trainAccuracy
        self.inputs = inputs
        self.trainingImages = trainingImages
        self.seconds = seconds
    }

    /// Whether this record is the result of `method`, `mode`, `percent` and `retrain` with
    /// `seed`, made from `inputs`.
    func answers(
        method: String, mode: RetrainMode, percent: Double, retrain: Int, seed: UInt64, inputs: [String: String]
    ) -> Bool {
        self.method == method && self.mode == mode && self.percent == percent && self.retrain == retrain
            && self.seed == seed && self.inputs == inputs && testCount > 0
    }
}
