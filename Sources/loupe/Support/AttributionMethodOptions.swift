import ArgumentParser
import LoupeWorkflows

/// The options that configure the attribution methods, shared by `loupe attribute` and
/// `loupe benchmark invariance`.
struct AttributionMethodOptions: ParsableArguments {
    @Option(help: "Riemann steps of integrated gradients.") var steps: Int = 50
    @Option(help: "Noisy copies per image for smoothgrad, smoothgrad-squared and vargrad.") var samples: Int = 25
    @Option(help: "Noise standard deviation of the SmoothGrad family, as a fraction of the input range.")
    var noise: Float = 0.15
    @Option(help: "Run seed; each example's noise and random map are seeded by it and the example's id.")
    var seed: UInt64 = 0

    /// The settings these options describe.
    var settings: MethodSettings {
        var settings = MethodSettings()
        (settings.steps, settings.samples, settings.noise, settings.seed) = (steps, samples, noise, seed)
        return settings
    }
}
