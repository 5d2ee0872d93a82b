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
    /// they were (without an input normalisation; with one, up to its rounding).
    case exact
}

/// The model `f2` that computes on shifted inputs `x + shift` what `model` computes on `x`.
public enum InputShift {
    /// `model` with its first layer compensated for inputs shifted by `shift`.
    ///
    /// The first layer with parameters must be a linear or convolution layer, reached through
    /// nothing but flattening and an input normalisation (``Normalize``). The shift is applied
    /// in pixel space, before the normalisation, which is left unchanged: the first layer with
    /// weights then sees inputs shifted by `shift / std[c]` in channel `c`, and that is what its
    /// bias (or position bias map) compensates. Without a normalisation this is `shift` in
    /// every channel, as before. (Float rounding of the normalisation makes the cancellation
    /// exact only up to rounding then, also in blank regions.)
    ///
    /// - Throws: `InputError` for any other architecture, or for `uniformBias` on a
    ///   layer without bias.
    public static func shiftedModel(_ model: Model, shift: Float, compensation: ShiftCompensation)
        throws(InputError) -> Model
    {
        let (first, channelShifts) = try firstLayer(of: model, shift: shift)
        var shifted = model
        guard compensation != .none else { return shifted }
        switch first {
        case .linear(let layer):
            // Inputs are flattened (C, H, W) images or C features: channel = input / (inputs per channel).
            let perChannel = layer.inputFeatures / channelShifts.count
            guard layer.hasBias else {
                throw InputError(source: "input invariance", problem: "\(layer.name) has no bias to compensate")
            }
            let weight = model.parameters["\(layer.name).weight"]!
            var bias = model.parameters["\(layer.name).bias"]!
            for output in 0..<layer.outputFeatures {
                var total = 0.0
                for input in 0..<layer.inputFeatures {
                    total +=
                        Double(weight.scalars[output * layer.inputFeatures + input])
                        * Double(channelShifts[input / perChannel])
                }
                bias.scalars[output] -= Float(total)
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
                // Weights are [out, in, k, k]: tap t reads input channel t / (k * k).
                let taps = weight.count / layer.outputChannels
                let kernelArea = layer.kernelSize * layer.kernelSize
                for output in 0..<layer.outputChannels {
                    var total = 0.0
                    for tap in 0..<taps {
                        total += Double(weight.scalars[output * taps + tap]) * Double(channelShifts[tap / kernelArea])
                    }
                    bias.scalars[output] -= Float(total)
                }
                shifted.parameters["\(layer.name).bias"] = bias
            } else {
                // The same convolution routine the forward pass runs, on the constant image, so
                // that the map cancels the product of constant patches exactly.
                let tape = Tape()
                // (shift / std[c] per channel after a normalisation.)
                let shape = [1] + model.architecture.inputShape
                let plane = shape.dropFirst(2).reduce(1, *)
                let constant = tape.constant(
                    Tensor(shape: shape, scalars: channelShifts.flatMap { [Float](repeating: $0, count: plane) }))
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

    /// The first layer with weights, and the shift its input sees in each input channel:
    /// `shift`, divided by the channel's std when a normalisation comes first.
    static func firstLayer(of model: Model, shift: Float) throws(InputError) -> (FirstLayer, channelShifts: [Float]) {
        var channelShifts = [Float](repeating: shift, count: model.architecture.inputShape.first ?? 1)
        for layer in model.network.layers {
            if let linear = layer as? Linear { return (.linear(linear), channelShifts) }
            if let convolution = layer as? Conv2d { return (.convolution(convolution), channelShifts) }
            if let normalize = layer as? Normalize {
                channelShifts = normalize.std.map { shift / $0 }
                continue
            }
            guard case .flatten = layer.description else { break }
        }
        throw InputError(
            source: "input invariance",
            problem:
                "architecture \(model.architecture.name) does not start with a linear or convolution layer (after normalising and flattening); cannot compensate an input shift"
        )
    }
}
