import Foundation
import LoupeSupport

/// Builds attribution methods from their command-line names.
///
/// Names: `gradient`, `gradient-x-input`, `integrated-gradients`, `guided-backprop`,
/// `random`, `sobel`, and the wrappers `smoothgrad`, `smoothgrad-squared` and `vargrad`,
/// which apply to the gradient when bare and to any method written in parentheses, for
/// example `smoothgrad(integrated-gradients)` or `vargrad(guided-backprop)`. Wrappers nest.
public enum AttributionMethodParser {
    /// The plain methods.
    public static let methodNames = [
        "gradient", "gradient-x-input", "integrated-gradients", "guided-backprop", "random", "sobel",
    ]
    /// The wrappers over noisy copies.
    public static let wrapperNames = ["smoothgrad", "smoothgrad-squared", "vargrad"]

    /// Every name accepted, wrappers in their bare form.
    public static var knownNames: [String] { methodNames + wrapperNames }

    /// The method called `name`, configured by `settings`.
    ///
    /// - Throws: `InputError` from `--method` for an unknown name (listing the known
    ///   ones), unbalanced parentheses, or settings no method can use (fewer than one step
    ///   or sample, a negative noise fraction).
    public static func method(named name: String, settings: AttributionSettings = AttributionSettings())
        throws(InputError) -> any AttributionMethod
    {
        guard settings.steps >= 1 else {
            throw InputError(source: "--steps", problem: "must be at least 1, got \(settings.steps)")
        }
        guard settings.samples >= 1 else {
            throw InputError(source: "--samples", problem: "must be at least 1, got \(settings.samples)")
        }
        guard settings.noiseFraction >= 0, settings.noiseFraction.isFinite else {
            throw InputError(
                source: "--noise", problem: "must be finite and nonnegative, got \(settings.noiseFraction)")
        }
        // Each wrapper multiplies the work by the sample count: six nested smoothgrads ran for
        // minutes on one image, and thousands made a file name too long to write.
        let wrappers = name.filter { $0 == "(" }.count
        guard wrappers <= maximumNesting else {
            throw InputError(
                source: "--method",
                problem:
                    "\(EscapedText.quoted(name, limit: 80)): \(wrappers) nested wrappers; at most \(maximumNesting) (each multiplies the work by --samples)"
            )
        }
        return try parse(name.trimmingCharacters(in: .whitespaces), whole: name, settings: settings)
    }

    /// The most wrappers one method may nest, as in `smoothgrad(vargrad(gradient))`.
    public static let maximumNesting = 2

    private static func parse(_ text: String, whole: String, settings: AttributionSettings) throws(InputError)
        -> any AttributionMethod
    {
        var wrapper = text
        var base: any AttributionMethod = Gradient()
        if let open = text.firstIndex(of: "(") {
            guard text.hasSuffix(")") else {
                throw InputError(
                    source: "--method", problem: "\(EscapedText.quoted(whole, limit: 80)): unbalanced parentheses")
            }
            wrapper = String(text[..<open])
            let inner = String(text[text.index(after: open)..<text.index(before: text.endIndex)])
            guard wrapperNames.contains(wrapper) else { throw unknown(wrapper, whole: whole) }
            base = try parse(inner, whole: whole, settings: settings)
        }
        let sigma = settings.noiseFraction * settings.inputRange.width
        switch wrapper {
        case "gradient": return Gradient()
        case "gradient-x-input": return GradientTimesInput()
        case "integrated-gradients": return IntegratedGradients(baseline: settings.baseline, steps: settings.steps)
        case "guided-backprop": return GuidedBackprop()
        case "random": return RandomAttribution()
        case "sobel": return SobelEdges()
        case "smoothgrad": return SmoothGrad(base: base, noiseStandardDeviation: sigma, samples: settings.samples)
        case "smoothgrad-squared":
            return SmoothGradSquared(base: base, noiseStandardDeviation: sigma, samples: settings.samples)
        case "vargrad": return VarGrad(base: base, noiseStandardDeviation: sigma, samples: settings.samples)
        default: throw unknown(wrapper, whole: whole)
        }
    }

    private static func unknown(_ name: String, whole: String) -> InputError {
        InputError(
            source: "--method",
            problem:
                "unknown method \(EscapedText.quoted(whole, limit: 80)); known: \(knownNames.joined(separator: ", ")) (wrappers also as smoothgrad(<method>))"
        )
    }

    /// The methods of a comma-separated list such as `gradient,smoothgrad(integrated-gradients)`.
    ///
    /// - Throws: `InputError` for an empty list, an unknown name or a repeated one.
    public static func methods(named list: String, settings: AttributionSettings = AttributionSettings())
        throws(InputError) -> [any AttributionMethod]
    {
        let names = list.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
        guard !names.isEmpty, names.allSatisfy({ !$0.isEmpty }) else {
            throw InputError(source: "--method", problem: "no method named in '\(list)'")
        }
        var methods: [any AttributionMethod] = []
        for name in names {
            let method = try method(named: name, settings: settings)
            guard !methods.contains(where: { $0.name == method.name }) else {
                throw InputError(source: "--method", problem: "'\(name)' is listed twice")
            }
            methods.append(method)
        }
        return methods
    }
}
