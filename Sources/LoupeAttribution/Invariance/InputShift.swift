import LoupeNN
import LoupeSupport
import LoupeTensor

/// How the first layer of a model is changed when its inputs are shifted by a constant `m`
/// (`x2 = x1 + m`), for the input-invariance test (Kindermans et al., 2017).
public enum ShiftCompensation: String, Sendable, CaseIterable {
    /// The model is left as it is: the published mistake of shifting the input without
    /// compensating the bias. Its outputs change, so nothing can be concluded from its maps.
    case none
    /// The textbook compensation `b2 = b1 - W1 m`: exact for a linear layer, and for a
    /// convolution only away from its zero-padded borders, where part of the kernel falls on
    /// padding that the shift does not move.
    case uniformBias = "uniform-bias"
    /// Exact everywhere. A linear layer gets `b2 = b1 - W1 m`. A convolution gets the
    /// per-position bias map `-conv(m * ones, W1)` (zero padding, no bias), added to the
    /// product before the bias (`PositionBiasedConv2d`): at every position it
    /// removes exactly what the shift added, which at the borders is only the kernel taps that
    /// fall inside the image. Where the shifted patch is the constant image's patch (blank
    /// regions) the cancellation is bit for bit, so ties that max pooling breaks stay as
    /// they were.
    case exact
}

/// The model `f2` that computes on shifted inputs `x + shift` what `model` computes on `x`.
public enum InputShift {
    /// `model` with its first layer compensated for inputs shifted by `shift`.
    ///
    /// The first layer with parameters must be a linear or convolution layer, reached through
    /// nothing but flattening.
    ///
    /// - Throws: `InputError` for any other architecture, or for `uniformBias` on a
    ///   layer without bias.
    public static func shiftedModel(_ model: Model, shift: Float, compensation: ShiftCompensation)
        throws(InputError) -> Model
    {
        let first = try firstLayer(of: model)
        var shifted = model
        guard compensation != .none else { return shifted }
        switch first {
        case .linear(let layer):
            guard layer.hasBias else {
                throw InputError(source: "input invariance", problem: "\(layer.name) has no bias to compensate")
            }
            let weight = model.parameters["\(layer.name).weight"]!
            var bias = model.parameters["\(layer.name).bias"]!
            for output in 0..<layer.outputFeatures {
                var total = 0.0
                for input in 0..<layer.inputFeatures {
                    total += Double(weight.scalars[output * layer.inputFeatures + input])
                }
                bias.scalars[output] -= Float(Double(shift) * total)
            }
            shifted.parameters["\(layer.name).bias"] = bias
        case .convolution(let layer):
            let weight = model.parameters["\(layer.name).weight"]!
            if compensation == .uniformBias {
                guard layer.hasBias else {
                    throw InputError(
                        source: "input invariance", problem: "\(layer.name) has no bias to compensate")
                }
                var bias = model.parameters["\(layer.name).bias"]!
                let taps = weight.count / layer.outputChannels
                for output in 0..<layer.outputChannels {
                    var total = 0.0
                    for tap in 0..<taps { total += Double(weight.scalars[output * taps + tap]) }
                    bias.scalars[output] -= Float(Double(shift) * total)
                }
                shifted.parameters["\(layer.name).bias"] = bias
            } else {
                // The same convolution routine the forward pass runs, on the constant image, so
                // that the map cancels the product of constant patches exactly.
                let tape = Tape()
                let constant = tape.constant(Tensor(repeating: shift, shape: [1] + model.architecture.inputShape))
                let product = constant.conv2d(
                    weight: tape.constant(weight), bias: nil, stride: layer.stride, padding: layer.padding
                ).value
                let map = product.scaled(by: -1).reshaped(Array(product.shape.dropFirst()))
                do {
                    shifted = try model.rewritingLayers(
                        where: { ($0 as? Conv2d)?.name == layer.name },
                        with: {
                            PositionBiasedConv2d($0 as! Conv2d, positionBias: map)
                        })
                } catch {
                    throw InputError(source: "input invariance", problem: error.description)
                }
            }
        }
        return shifted
    }

    /// The largest absolute difference between `shifted`'s logits on `images + shift` and
    /// `original`'s on `images`.
    public static func largestLogitDifference(original: Model, shifted: Model, images: Tensor, shift: Float) -> Float {
        let before = original.logitsInPasses(images)
        let after = shifted.logitsInPasses(images.map { $0 + shift })
        return zip(before.scalars, after.scalars).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }

    enum FirstLayer {
        case linear(Linear)
        case convolution(Conv2d)
    }

    static func firstLayer(of model: Model) throws(InputError) -> FirstLayer {
        for layer in model.network.layers {
            if let linear = layer as? Linear { return .linear(linear) }
            if let convolution = layer as? Conv2d { return .convolution(convolution) }
            guard case .flatten = layer.description else { break }
        }
        throw InputError(
            source: "input invariance",
            problem:
                "architecture \(model.architecture.name) does not start with a linear or convolution layer (after flattening); cannot compensate an input shift"
        )
    }
}
