import LoupeNN
import LoupeRandom
import LoupeSupport
import LoupeTensor

/// The random control of remove-and-retrain: every example's elements in a random order,
/// drawn from that example's own seed (a Fisher-Yates permutation).
///
/// It is expressed as a map whose squared values rank the elements in that order (the first
/// element of the permutation scores `n`, the last `1`), so it goes through the same
/// ranking, caching and masking as an attribution method. The model and targets are ignored.
public struct RandomRankingControl: AttributionMethod {
    public init() {}

    public var name: String { "random" }

    public func attributions(_ images: Tensor, targets: [Int], model: Model, seeds: [UInt64]) throws(InputError)
        -> Tensor
    {
        let batch = images.shape[0]
        guard seeds.count == batch else {
            throw InputError(source: name, problem: "\(seeds.count) seeds for \(batch) images")
        }
        let count = images.count / max(batch, 1)
        var scalars = [Float](repeating: 0, count: images.count)
        for (example, seed) in seeds.enumerated() {
            let permutation = Self.permutation(count: count, seed: seed)
            for (rank, element) in permutation.enumerated() {
                scalars[example * count + element] = Float(count - rank)
            }
        }
        return Tensor(shape: images.shape, scalars: scalars)
    }

    /// A uniformly random order of `0..<count` (Fisher-Yates, driven by `seed`).
    package static func permutation(count: Int, seed: UInt64) -> [Int] {
        var generator = SeededGenerator(seed: seed)
        var order = Array(0..<count)
        order.fisherYatesShuffle(using: &generator)
        return order
    }
}
