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
    static func checkWorkspace(method: String, _ factors: [Int], holding what: String) throws(InputError) {
        do { try CheckedSize.bytes(factors, bytesPerElement: MemoryLayout<Float>.size, for: what) } catch {
            throw InputError(source: method, problem: "\(error)")
        }
    }

    /// Throws, naming `method`, unless `images` is `[batch] + model.architecture.inputShape`,
    /// there is one target per image inside `0..<model.classCount`, and (for stochastic
    /// methods) one seed per image.
    static func validate(
        method: String, images: Tensor, targets: [Int], model: Model, seeds: [UInt64]?
    ) throws(InputError) {
        let inputShape = model.architecture.inputShape
        guard images.rank == inputShape.count + 1, Array(images.shape.dropFirst()) == inputShape else {
            throw InputError(
                source: method,
                problem:
                    "images of shape \(images.shape) do not fit the model's input [batch, \(inputShape.map(String.init).joined(separator: ", "))]"
            )
        }
        guard targets.count == images.shape[0] else {
            throw InputError(source: method, problem: "\(targets.count) targets for \(images.shape[0]) images")
        }
        if let bad = targets.firstIndex(where: { !(0..<model.classCount).contains($0) }) {
            throw InputError(
                source: method,
                problem: "target class \(targets[bad]) of image \(bad) is outside 0..<\(model.classCount)")
        }
        if let seeds, seeds.count != images.shape[0] {
            throw InputError(source: method, problem: "\(seeds.count) seeds for \(images.shape[0]) images")
        }
    }
}

extension Model {
    /// The logits of many rows, in passes of at most 256 rows so that memory stays bounded.
    func logitsInPasses(_ rows: Tensor) -> Tensor {
        let count = rows.shape[0]
        if count == 0 { return Tensor(zeros: [0, classCount]) }
        if count <= 256 { return logits(rows) }
        return Tensor.concatenating(
            stride(from: 0, to: count, by: 256).map { logits(rows.slice($0..<min($0 + 256, count))) })
    }
}
