import LoupeNN
import LoupeSupport
import LoupeTensor

/// Integrated gradients (Sundararajan et al., 2017): `(x - x') * mean over k = 1...m of the
/// gradient at x' + (k/m) (x - x')`, a right Riemann sum of the path integral from the
/// baseline `x'` to the input over alpha in (0, 1].
///
/// Completeness: the attributions of an image sum to `z_c(x) - z_c(x')`, up to an error that
/// shrinks as the number of steps grows; `explain` reports it. All steps of all images of a
/// batch go through the network together, in passes of bounded size.
public struct IntegratedGradients: AttributionMethod {
    /// The reference input.
    public var baseline: Baseline
    /// Riemann steps m (at least 1).
    public var steps: Int

    /// Integrated gradients from `baseline` in `steps` steps (default 50).
    public init(baseline: Baseline = .zero, steps: Int = 50) {
        self.baseline = baseline
        self.steps = steps
    }

    public var name: String { "integrated-gradients" }

    /// Attributions with the completeness check of each image.
    public struct Explanation: Sendable {
        /// The attribution maps, the shape of the images.
        public var attributions: Tensor
        /// Per image, `z_c(x) - z_c(x')`: the logit difference the attributions should sum to.
        public var logitDifferences: [Float]
        /// Per image, `sum(attributions) - (z_c(x) - z_c(x'))`.
        public var completenessErrors: [Float]
    }

    public func attributions(_ images: Tensor, targets: [Int], model: Model, seeds: [UInt64]) throws(InputError)
        -> Tensor
    {
        try explain(images, targets: targets, model: model).attributions
    }

    /// The attributions of `images` towards `targets` and their completeness errors.
    ///
    /// - Throws: `InputError` for a target out of range, images that do not fit the
    ///   model, a baseline of the wrong shape, or fewer than one step.
    public func explain(_ images: Tensor, targets: [Int], model: Model) throws(InputError) -> Explanation {
        try AttributionRequest.validate(method: name, images: images, targets: targets, model: model, seeds: nil)
        guard steps >= 1 else {
            throw InputError(source: name, problem: "steps must be at least 1, got \(steps)")
        }
        let inputShape = model.architecture.inputShape
        let reference = try baseline.image(for: inputShape)
        let (batch, size) = (images.shape[0], reference.count)
        let (x, x0) = (images.scalars, reference.scalars)
        try AttributionRequest.checkWorkspace(
            method: name, [batch, steps, size], holding: "\(steps) steps of \(batch) images of \(size) values")
        // Row i * steps + (k - 1) is image i at alpha = k / steps; alpha = 1 is the image itself.
        var path = [Float](repeating: 0, count: batch * steps * size)
        var differences = [Float](repeating: 0, count: batch * size)
        for image in 0..<batch {
            for element in 0..<size {
                differences[image * size + element] = x[image * size + element] - x0[element]
            }
            for step in 1...steps {
                let row = (image * steps + step - 1) * size
                if step == steps {
                    for element in 0..<size { path[row + element] = x[image * size + element] }
                    continue
                }
                let alpha = Float(step) / Float(steps)
                for element in 0..<size {
                    path[row + element] = x0[element] + alpha * differences[image * size + element]
                }
            }
        }
        let classes = targets.flatMap { Array(repeating: $0, count: steps) }
        let (pathLogits, gradients) = model.inputGradients(
            Tensor(shape: [batch * steps] + inputShape, scalars: path), classes: classes)
        let baselineLogits = model.logits(reference.reshaped([1] + inputShape))
        let g = gradients.scalars
        var attributions = [Float](repeating: 0, count: batch * size)
        var logitDifferences: [Float] = []
        var completenessErrors: [Float] = []
        for image in 0..<batch {
            var total = 0.0
            for element in 0..<size {
                var sum: Float = 0
                for step in 0..<steps { sum += g[(image * steps + step) * size + element] }
                let value = differences[image * size + element] * sum / Float(steps)
                attributions[image * size + element] = value
                total += Double(value)
            }
            let target = targets[image]
            let atImage = pathLogits.scalars[(image * steps + steps - 1) * model.classCount + target]
            let difference = atImage - baselineLogits.scalars[target]
            logitDifferences.append(difference)
            completenessErrors.append(Float(total - Double(difference)))
        }
        return Explanation(
            attributions: Tensor(shape: images.shape, scalars: attributions), logitDifferences: logitDifferences,
            completenessErrors: completenessErrors)
    }
}
