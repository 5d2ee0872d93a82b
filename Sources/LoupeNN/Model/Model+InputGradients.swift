import LoupeSupport
import LoupeTensor

extension Model {
    /// The working memory of an input-gradient pass per row: the value and the gradient of the
    /// input and of every layer's output, 4 bytes each.
    package var inputGradientBytesPerRow: Int {
        CheckedSize.product([activationScalarsPerExample, 2, MemoryLayout<Float>.size]) ?? .max
    }

    /// The gradient of one logit per row with respect to the input, in inference mode:
    /// `d logits[i, classes[i]] / d images[i]`, and the logits.
    ///
    /// - Parameters:
    ///   - batching: how the rows are split into passes; by default chunks of
    ///     `InputGradientBatching.defaultChunkBytes` on one thread. The values do not depend
    ///     on it.
    ///   - reluBackward: a rule replacing ReLU's backward rule (guided backpropagation); with
    ///     it, ReLU is not fused with the layers around it.
    public func inputGradients(
        _ images: Tensor, classes: [Int], batching: InputGradientBatching? = nil,
        reluBackward: Tape.CustomBackwardRule? = nil
    ) -> (logits: Tensor, gradients: Tensor) {
        precondition(classes.count == images.shape[0], "\(classes.count) classes for \(images.shape[0]) rows")
        let batching = batching ?? InputGradientBatching(for: self)
        let count = images.shape[0]
        if count == 0 { return (Tensor(zeros: [0, classCount]), images) }
        var logits: [Tensor] = []
        var gradients: [Tensor] = []
        for start in stride(from: 0, to: count, by: batching.rowsPerChunk) {
            let chunk = start..<min(start + batching.rowsPerChunk, count)
            let shards = Parallel.ranges(count: chunk.count, parts: batching.threads).map {
                (chunk.lowerBound + $0.lowerBound)..<(chunk.lowerBound + $0.upperBound)
            }
            let parts = Parallel.map(count: shards.count, threads: batching.threads) { index in
                var rows = count == shards[index].count ? images : images.slice(shards[index])
                defer { TensorStoragePool.shared.recycle(&rows) }
                return inputGradientPass(rows, classes: Array(classes[shards[index]]), reluBackward: reluBackward)
            }
            logits += parts.map(\.logits)
            gradients += parts.map(\.gradients)
        }
        if gradients.count == 1 { return (logits[0], gradients[0]) }
        let result = (Tensor.concatenating(logits), Tensor.concatenating(gradients))
        for index in gradients.indices { TensorStoragePool.shared.recycle(&gradients[index]) }
        return result
    }

    /// One forward and backward pass over `rows`.
    private func inputGradientPass(
        _ rows: Tensor, classes: [Int], reluBackward: Tape.CustomBackwardRule?
    ) -> (logits: Tensor, gradients: Tensor) {
        let tape = Tape()
        if let reluBackward { tape.backwardOverrides[.relu] = reluBackward }
        var context = makeContext(tape: tape, isTraining: false, trainable: false)
        let input = tape.variable(rows)
        let output = self(input, &context)
        var seed = Tensor(zeros: output.shape)
        for (row, target) in classes.enumerated() { seed.scalars[row * classCount + target] = 1 }
        return (output.value, tape.gradients(of: output, seed: seed)[input]!)
    }
}
