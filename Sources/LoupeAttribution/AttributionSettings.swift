/// What the methods built by name need to know beyond their names: the data's input range,
/// the integrated-gradients baseline and step count, and the noisy sampling of SmoothGrad,
/// SmoothGrad-squared and VarGrad.
public struct AttributionSettings: Sendable, Equatable {
    /// The range of the input values: SmoothGrad's sigma is `noiseFraction` x its width.
    public var inputRange: InputRange
    /// The baseline of integrated gradients.
    public var baseline: Baseline
    /// Riemann steps of integrated gradients.
    public var steps: Int
    /// Noisy copies per image of the SmoothGrad family.
    public var samples: Int
    /// sigma as a fraction of the input range's width.
    public var noiseFraction: Float

    /// The papers' defaults: data in 0...1, zero baseline (black for such data), 50 steps, 25
    /// noisy copies at 0.15 of the range.
    public init(
        inputRange: InputRange = .unit, baseline: Baseline = .zero, steps: Int = 50, samples: Int = 25,
        noiseFraction: Float = 0.15
    ) {
        self.inputRange = inputRange
        self.baseline = baseline
        self.steps = steps
        self.samples = samples
        self.noiseFraction = noiseFraction
    }
}
