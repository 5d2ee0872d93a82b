import LoupeNN
import LoupeRandom
import LoupeSupport
import LoupeTensor

/// The maps of a base method on `samples` noisy copies `x + N(0, sigma^2)` of every image:
/// what SmoothGrad, SmoothGrad-squared and VarGrad aggregate.
///
/// Image i's noise and the seeds its copies pass to the base method come from two streams
/// derived from `seeds[i]` alone, so the maps depend neither on the batch nor on the thread
/// count. Copies go to the base method in groups of whole images of at most
/// the rows `Model.inputGradients` puts in one chunk by default.
struct NoisySamples {
    var base: any AttributionMethod
    var noiseStandardDeviation: Float
    var samples: Int

    /// `[batch, samples] + image shape`, flattened per image: the base maps of image i's copies
    /// are rows `i * samples ..< (i + 1) * samples` of the result.
    func maps(
        method: String, images: Tensor, targets: [Int], model: Model, seeds: [UInt64]
    ) throws(InputError) -> Tensor {
        try AttributionRequest.validate(method: method, images: images, targets: targets, model: model, seeds: seeds)
        guard samples >= 1 else {
            throw InputError(source: method, problem: "samples must be at least 1, got \(samples)")
        }
        guard noiseStandardDeviation >= 0, noiseStandardDeviation.isFinite else {
            throw InputError(
                source: method,
                problem: "noise standard deviation must be finite and nonnegative, got \(noiseStandardDeviation)")
        }
        let batch = images.shape[0]
        let imageShape = Array(images.shape.dropFirst())
        let size = imageShape.reduce(1, *)
        let imagesPerGroup = max(1, InputGradientBatching(for: model).rowsPerChunk / samples)
        try AttributionRequest.checkWorkspace(
            method: method, [min(imagesPerGroup, batch), samples, size],
            holding: "\(samples) noisy copies of \(min(imagesPerGroup, batch)) images of \(size) values")
        var parts: [Tensor] = []
        let x = images.scalars
        for start in stride(from: 0, to: batch, by: imagesPerGroup) {
            let group = start..<min(start + imagesPerGroup, batch)
            var noisy = [Float](repeating: 0, count: group.count * samples * size)
            var copySeeds: [UInt64] = []
            for (slot, image) in group.enumerated() {
                let root = SeededGenerator(seed: seeds[image])
                var noise = root.derived(0)
                var seedStream = root.derived(1)
                for sample in 0..<samples {
                    let row = (slot * samples + sample) * size
                    for element in 0..<size {
                        noisy[row + element] = x[image * size + element] + noiseStandardDeviation * noise.nextNormal()
                    }
                    copySeeds.append(seedStream.next())
                }
            }
            parts.append(
                try base.attributions(
                    Tensor(shape: [group.count * samples] + imageShape, scalars: noisy),
                    targets: group.flatMap { Array(repeating: targets[$0], count: samples) }, model: model,
                    seeds: copySeeds))
        }
        if parts.isEmpty { return Tensor(zeros: [0] + imageShape) }
        return Tensor.concatenating(parts)
    }

    /// The noise SmoothGrad uses for data in `range`: `fraction` of its width (0.15 in the paper).
    static func standardDeviation(for range: InputRange, fraction: Float) -> Float {
        fraction * range.width
    }

    /// Per image and element, `combine` of the `samples` base maps of that element.
    static func aggregate(
        _ maps: Tensor, batch: Int, samples: Int, imageShape: [Int], _ combine: (_ values: [Float]) -> Float
    ) -> Tensor {
        let size = imageShape.reduce(1, *)
        let m = maps.scalars
        var result = [Float](repeating: 0, count: batch * size)
        var values = [Float](repeating: 0, count: samples)
        for image in 0..<batch {
            for element in 0..<size {
                for sample in 0..<samples { values[sample] = m[(image * samples + sample) * size + element] }
                result[image * size + element] = combine(values)
            }
        }
        return Tensor(shape: [batch] + imageShape, scalars: result)
    }
}
