import LoupeTensor

/// One method of the input-invariance test: how it is configured for the original inputs
/// and for the shifted ones, and whether theory says its maps agree.
public struct InvarianceCase: Sendable {
    /// The label in reports, for example `integrated-gradients(baseline=black)`.
    public var label: String
    /// The method on the original model and inputs.
    public var original: any AttributionMethod
    /// The method on the shifted model and inputs (differs only in a baseline or range that
    /// moves with the data).
    public var shifted: any AttributionMethod
    /// Whether the maps should agree (Kindermans et al., 2017).
    public var expectedInvariant: Bool

    public init(
        label: String, original: any AttributionMethod, shifted: any AttributionMethod, expectedInvariant: Bool
    ) {
        self.label = label
        self.original = original
        self.shifted = shifted
        self.expectedInvariant = expectedInvariant
    }

    /// Every method, for data in `inputRange` shifted by `shift`: gradient, SmoothGrad (and
    /// its squared and variance forms) of the gradient and guided backprop are invariant;
    /// gradient x input and integrated gradients from a zero baseline are not; integrated
    /// gradients from a baseline that moves with the input (the black image of each space,
    /// and the mean image when `meanImage` is given) is; the random and Sobel controls ignore
    /// the model and are invariant with the same seeds.
    public static func standard(
        inputRange: InputRange, shift: Float, meanImage: Tensor? = nil, steps: Int = 50, samples: Int = 25,
        noiseFraction: Float = 0.15
    ) -> [InvarianceCase] {
        let sigma = noiseFraction * inputRange.width
        func same(_ method: any AttributionMethod, _ invariant: Bool) -> InvarianceCase {
            InvarianceCase(label: method.name, original: method, shifted: method, expectedInvariant: invariant)
        }
        var cases = [
            same(Gradient(), true),
            same(GradientTimesInput(), false),
            InvarianceCase(
                label: "integrated-gradients(baseline=zero)",
                original: IntegratedGradients(baseline: .zero, steps: steps),
                shifted: IntegratedGradients(baseline: .zero, steps: steps), expectedInvariant: false),
            InvarianceCase(
                label: "integrated-gradients(baseline=black)",
                original: IntegratedGradients(baseline: .black(inputRange), steps: steps),
                shifted: IntegratedGradients(baseline: .black(inputRange.shifted(by: shift)), steps: steps),
                expectedInvariant: true),
        ]
        if let meanImage {
            cases.append(
                InvarianceCase(
                    label: "integrated-gradients(baseline=mean)",
                    original: IntegratedGradients(baseline: .mean(meanImage), steps: steps),
                    shifted: IntegratedGradients(baseline: .mean(meanImage.map { $0 + shift }), steps: steps),
                    expectedInvariant: true))
        }
        cases += [
            same(SmoothGrad(noiseStandardDeviation: sigma, samples: samples), true),
            same(SmoothGradSquared(noiseStandardDeviation: sigma, samples: samples), true),
            same(VarGrad(noiseStandardDeviation: sigma, samples: samples), true),
            same(GuidedBackprop(), true),
            same(RandomAttribution(), true),
            same(SobelEdges(), true),
        ]
        return cases
    }
}
