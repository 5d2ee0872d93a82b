import LoupeData
import LoupeNN
import LoupeRandom
import LoupeSupport
import LoupeTensor

extension AttributionMethod {
    /// The maps of every example of `dataset`, in order (`[examples, C, H, W]`), computed in
    /// batches of `batchSize` examples on up to `threads` threads.
    ///
    /// Example `id`'s seed is `exampleSeed(runSeed:id:)`, so the maps depend on the run seed
    /// and the example alone, not on the batch size, the thread count or the other examples.
    ///
    /// - Parameter targets: one class per example (see `AttributionTarget.classes`).
    /// - Throws: `InputError` for targets out of range or data that does not fit the model.
    public func attributions(
        of dataset: Dataset, targets: [Int], model: Model, runSeed: UInt64, threads: Int = 1, batchSize: Int = 32
    ) throws(InputError) -> Tensor {
        try attributions(
            of: dataset, targets: targets, model: model, seedOfExample: { exampleSeed(runSeed: runSeed, id: $0) },
            threads: threads, batchSize: batchSize)
    }

    /// The maps of every example of `dataset`, in order, with example `id` seeded by
    /// `seedOfExample(id)`; `advanced` is told the size of every batch done (for progress).
    ///
    /// - Throws: `InputError` for targets out of range, data that does not fit the model,
    ///   or a method returning maps of another shape than its images.
    public func attributions(
        of dataset: Dataset, targets: [Int], model: Model, seedOfExample: @Sendable (_ id: Int) -> UInt64,
        threads: Int = 1, batchSize: Int = 32, advanced: @Sendable (Int) -> Void = { _ in }
    ) throws(InputError) -> Tensor {
        guard targets.count == dataset.count else {
            throw InputError(source: name, problem: "\(targets.count) targets for \(dataset.count) examples")
        }
        let inputShape = [dataset.shape.channels, dataset.shape.height, dataset.shape.width]
        guard inputShape == model.architecture.inputShape else {
            throw InputError(
                source: name,
                problem: "\(dataset.name) has images \(inputShape), the model expects \(model.architecture.inputShape)")
        }
        if dataset.count == 0 { return Tensor(zeros: [0] + inputShape) }
        let batches = stride(from: 0, to: dataset.count, by: max(1, batchSize)).map {
            Array($0..<min($0 + max(1, batchSize), dataset.count))
        }
        let results = Parallel.map(count: batches.count, threads: threads) {
            index -> Result<Tensor, InputError> in
            let positions = batches[index]
            do throws(InputError) {
                let images = dataset.images(at: positions)
                let maps = try attributions(
                    images, targets: positions.map { targets[$0] }, model: model,
                    seeds: positions.map { seedOfExample(dataset.ids[$0]) })
                guard maps.shape == images.shape else {
                    throw InputError(
                        source: name, problem: "returned maps of shape \(maps.shape) for images \(images.shape)")
                }
                advanced(positions.count)
                return .success(maps)
            } catch {
                return .failure(error)
            }
        }
        var parts: [Tensor] = []
        for result in results { parts.append(try result.get()) }
        return Tensor.concatenating(parts)
    }
}

/// The seed of example `id` in a run seeded with `runSeed`: a SplitMix64-style mix of both,
/// so that every example has its own stream whatever batch or thread computes it.
public func exampleSeed(runSeed: UInt64, id: Int) -> UInt64 {
    var generator = SeededGenerator(seed: runSeed).derived(UInt64(bitPattern: Int64(id)))
    return generator.next()
}
