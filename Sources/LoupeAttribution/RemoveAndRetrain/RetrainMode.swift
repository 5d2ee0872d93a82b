import LoupeSupport

/// Which elements a remove-and-retrain cell replaces by the per-channel training-set mean.
public enum RetrainMode: String, Codable, CaseIterable, Sendable {
    /// Remove and retrain: the top fraction of elements (by squared attribution) is replaced.
    /// A better attribution method makes the retrained model's accuracy drop faster.
    case roar
    /// Keep and retrain: the top fraction is kept and every other element is replaced. A
    /// better attribution method keeps the retrained model's accuracy higher.
    case kar

    /// Parses `roar` or `kar` (any case).
    ///
    /// - Throws: `InputError` naming `source` for any other text.
    public init(parsing text: String, source: String = "--modes") throws(InputError) {
        guard let mode = RetrainMode(rawValue: text.lowercased()) else {
            throw InputError(
                source: source,
                problem: "unknown mode '\(text)' (\(RetrainMode.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        self = mode
    }
}
