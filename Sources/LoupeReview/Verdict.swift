/// What a reviewer concluded about one example.
public enum Verdict: String, Codable, Sendable, CaseIterable {
    /// The given label is right and the example is an ordinary one.
    case correct
    /// The given label is wrong (a suggested class usually comes with it).
    case mislabelled
    /// More than one class is defensible.
    case ambiguous
    /// Correctly labelled but rare or unusual for its class.
    case atypical
    /// Damaged, or not from the data's distribution at all.
    case corrupted
}
