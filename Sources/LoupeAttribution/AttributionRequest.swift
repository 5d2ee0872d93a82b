import LoupeNN
import LoupeSupport
import LoupeTensor

/// The checks every attribution method makes before computing anything.
enum AttributionRequest {
    /// Throws, naming `method`, unless a workspace of `factors` floats (the images of a
    /// batch times the steps or noisy copies per image times the values per image) fits the
    /// memory budget: `--steps` or `--samples` of 2^62 would otherwise overflow or ask for
    /// more memory than the machine has.
    ///
    /// - Parameter what: what the workspace holds, for the message (`"2^62 steps of 4 images"`).
    static func checkWorkspace(method: String, _ factors: [Int], holding what: String) throws(AttributionError) {
        do { try CheckedSize.bytes(factors, bytesPerElement: MemoryLayout<Float>.size, for: what) } catch {
            throw AttributionError(source: method, problem: "\(error)")
        }
    }

    /// Throws, naming `method`, unless `images` is `[batch] + model.architecture.inputShape`,
    /// there is one target per image inside `0..<model.classCount`, and (for stochastic
    /// methods) one seed per image.
    static func validate(
        method: String, images: Tensor, targets: [Int], model: Model, seeds: [UInt64]?
    ) throws(AttributionError) {
        let inputShape = model.architecture.inputShape
        guard images.rank == inputShape.count + 1, Array(images.shape.dropFirst()) == inputShape else {
            throw AttributionError(
                source: method,
                problem:
                    "images of shape \(images.shape) do not fit the model's input [batch, \(inputShape.map(String.init).joined(separator: ", "))]"
            )
        }
        guard targets.count == images.shape[0] else {
            throw AttributionError(source: method, problem: "\(targets.count) targets for \(images.shape[0]) images")
        }
        if let bad = targets.firstIndex(where: { !(0..<model.classCount).contains($0) }) {
            throw AttributionError(
                source: method,
                problem: "target class \(targets[bad]) of image \(bad) is outside 0..<\(model.classCount)")
        }
        if let seeds, seeds.count != images.shape[0] {
            throw AttributionError(source: method, problem: "\(seeds.count) seeds for \(images.shape[0]) images")
        }
    }
}

/// Input gradients of many rows (images, noisy copies, path points), in passes of at most
/// `rowsPerPass` rows so that memory stays bounded; each pass is one batched forward and
/// backward.
enum GradientPasses {
    /// At most this many rows go through the network at once.
    static let rowsPerPass = 256

    /// `d logits[i, classes[i]] / d rows[i]` for every row, and the logits; ReLU's backward
    /// rule is replaced by `reluBackward` when given (guided backpropagation).
    static func inputGradients(
        _ model: Model, rows: Tensor, classes: [Int], reluBackward: Tape.CustomBackwardRule? = nil
    ) -> (logits: Tensor, gradients: Tensor) {
        let count = rows.shape[0]
        if count == 0 { return (Tensor(zeros: [0, model.classCount]), rows) }
        if count <= rowsPerPass { return pass(model, rows, classes, reluBackward) }
        var logits: [Tensor] = []
        var gradients: [Tensor] = []
        for start in stride(from: 0, to: count, by: rowsPerPass) {
            let range = start..<min(start + rowsPerPass, count)
            let part = pass(model, rows.slice(range), Array(classes[range]), reluBackward)
            logits.append(part.logits)
            gradients.append(part.gradients)
        }
        return (Tensor.concatenating(logits), Tensor.concatenating(gradients))
    }

    private static func pass(
        _ model: Model, _ rows: Tensor, _ classes: [Int], _ reluBackward: Tape.CustomBackwardRule?
    ) -> (logits: Tensor, gradients: Tensor) {
        guard let reluBackward else { return model.inputGradients(rows, classes: classes) }
        let tape = Tape()
        tape.backwardOverrides[.relu] = reluBackward
        var context = model.makeContext(tape: tape, isTraining: false, trainable: false)
        let input = tape.variable(rows)
        let output = model(input, &context)
        var seed = Tensor(zeros: output.shape)
        for (row, target) in classes.enumerated() { seed.scalars[row * model.classCount + target] = 1 }
        return (output.value, tape.gradients(of: output, seed: seed)[input]!)
    }

    /// The logits of many rows, in passes of at most `rowsPerPass`.
    static func logits(_ model: Model, rows: Tensor) -> Tensor {
        let count = rows.shape[0]
        if count == 0 { return Tensor(zeros: [0, model.classCount]) }
        if count <= rowsPerPass { return model.logits(rows) }
        return Tensor.concatenating(
            stride(from: 0, to: count, by: rowsPerPass).map {
                model.logits(rows.slice($0..<min($0 + rowsPerPass, count)))
            })
    }
}
