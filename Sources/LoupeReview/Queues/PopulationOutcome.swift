/// How the dense and one compressed population did on one example (a row of an audit's `cie.csv`).
public struct PopulationOutcome: Sendable, Equatable, Encodable {
    /// The audit's output folder.
    public var folder: String
    public var variant: String
    public var isCIE: Bool
    public var taxicabScore: Double
    public var denseModalLabel: Int
    public var compressedModalLabel: Int
    public var denseAccuracy: Double
    public var compressedAccuracy: Double

    enum CodingKeys: String, CodingKey {
        case folder, variant
        case isCIE = "is_cie"
        case taxicabScore = "taxicab_score"
        case denseModalLabel = "dense_modal_label"
        case compressedModalLabel = "compressed_modal_label"
        case denseAccuracy = "dense_accuracy"
        case compressedAccuracy = "compressed_accuracy"
    }
}
