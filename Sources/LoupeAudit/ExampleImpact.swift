/// How compression changed the predictions on one example: the per-example row of a
/// `CompressionImpact`.
public struct ExampleImpact: Sendable, Equatable {
    /// The example's stable dataset id.
    public var id: Int
    /// The example's position in the populations' example order.
    public var position: Int
    /// The example's true label (used for the correct fractions, not for `isCIE`).
    public var trueLabel: Int32
    /// The modal label of the baseline population (smallest index on ties).
    public var baselineModalLabel: Int32
    /// The modal label of the compressed population (smallest index on ties).
    public var compressedModalLabel: Int32
    /// The Taxicab CIE score: the L1 distance between the two populations' normalised label
    /// histograms, `sum over c of |p_compressed(c) - p_baseline(c)|`, in `[0, 2]`.
    public var taxicabScore: Double
    /// Whether the example is a compression identified exemplar: the modal labels differ.
    public var isCIE: Bool
    /// The fraction of baseline models that classify the example correctly.
    public var baselineCorrectFraction: Double
    /// The fraction of compressed models that classify the example correctly.
    public var compressedCorrectFraction: Double
}
