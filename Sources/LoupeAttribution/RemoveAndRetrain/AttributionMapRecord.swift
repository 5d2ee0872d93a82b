/// What is known about the cached attribution maps of one method (`maps/<method>/maps.json`):
/// the maps are reused by a re-run only when the base model and seed are the same and both
/// files still have their recorded hashes.
public struct AttributionMapRecord: Codable, Equatable, Sendable {
    public var method: String
    /// SHA-256 of the base model whose predictions were the targets.
    public var baseModel: String
    public var seed: UInt64
    /// ``RemoveAndRetrainSpec/fixedPartHash`` of the benchmark the maps were made for.
    public var spec: String
    /// `[examples, channels, height, width]` of the training and the test maps.
    public var trainShape: [Int]
    public var testShape: [Int]
    /// SHA-256 of `train.npy` and `test.npy`, by file name.
    public var files: [String: String]
    /// Time spent making it, in seconds; 0 when read back. Not written to the JSON: timings
    /// belong in the run manifest, so that a repeated run's files are identical byte for byte.
    public var seconds: Double = 0

    private enum CodingKeys: String, CodingKey {
        case method, baseModel, seed, spec, trainShape, testShape, files
    }
}
