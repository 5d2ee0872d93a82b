import LoupeAttribution

/// The settings of the attribution methods shared by the attribution workflows.
public struct MethodSettings: Sendable, Equatable {
    /// Riemann steps of integrated gradients.
    public var steps = 50
    /// Noisy copies per image for smoothgrad, smoothgrad-squared and vargrad.
    public var samples = 25
    /// Noise standard deviation of the SmoothGrad family, as a fraction of the input range.
    public var noise: Float = 0.15
    /// Run seed; each example's noise and random map are seeded by it and the example's id.
    public var seed: UInt64 = 0

    public init() {}

    /// The settings for data in `inputRange`, with `baseline` for integrated gradients.
    public func settings(inputRange: InputRange, baseline: Baseline = .zero) -> AttributionSettings {
        AttributionSettings(
            inputRange: inputRange, baseline: baseline, steps: steps, samples: samples, noiseFraction: noise)
    }
}
