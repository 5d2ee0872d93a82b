/// The class-level impact of compression on one class: per model, the class's recall minus
/// that model's overall top-1 accuracy, compared between the baseline and the compressed
/// population by a two-sided Welch t-test.
public struct ClassImpact: Sendable, Equatable {
    /// The class index.
    public var classIndex: Int
    /// Number of examples whose true label is this class.
    public var exampleCount: Int
    /// Per baseline model: recall on the class minus the model's overall accuracy.
    public var baselineValues: [Double]
    /// Per compressed model: recall on the class minus the model's overall accuracy.
    public var compressedValues: [Double]
    /// The Welch t-test of `baselineValues` against `compressedValues` (t > 0 when the
    /// baseline mean is higher).
    public var test: WelchTTest
    /// Whether the class is disparately impacted: `test.pValue <= significanceLevel`.
    public var isImpacted: Bool
    /// Hurt or helped when impacted, else `.notSignificant`.
    public var direction: ImpactDirection

    /// Mean of `baselineValues`.
    public var baselineMean: Double { baselineValues.reduce(0, +) / Double(baselineValues.count) }
    /// Mean of `compressedValues`.
    public var compressedMean: Double { compressedValues.reduce(0, +) / Double(compressedValues.count) }
}
