/// The mean (over models) top-1 accuracy of one population on the example subsets a
/// `CompressionImpact` compares. A value is `nil` when its subset is empty.
public struct PopulationAccuracies: Sendable, Equatable {
    /// Accuracy on all examples.
    public var overall: Double
    /// Accuracy on the CIEs.
    public var onCIEs: Double?
    /// Accuracy on the examples that are not CIEs.
    public var onNonCIEs: Double?
    /// Accuracy on the seeded random sample (as many examples as there are CIEs, drawn from
    /// all examples).
    public var onRandomSample: Double?
}
