import LoupeRandom

/// The seed of each example's random draws in an attribution map computation, so that maps
/// depend on the run seed, the method, the split and the example id, but not on the batch an
/// example is computed in or on the thread count.
package enum ExampleSeeds {
    /// The split an example belongs to; train and test ids may coincide (Fashion-MNIST numbers
    /// both files from 0), so the split is part of the seed.
    package enum Split: UInt64, Sendable {
        case train = 1
        case test = 2
    }

    /// The seed for example `id` of `split` under `method` in a run seeded `runSeed`: a
    /// `SeededGenerator` of `runSeed` derived by the method name, then the split, then the id.
    package static func seed(runSeed: UInt64, method: String, split: Split, id: Int) -> UInt64 {
        var generator = SeededGenerator(seed: runSeed).derived(method).derived(split.rawValue)
            .derived(UInt64(bitPattern: Int64(id)))
        return generator.next()
    }
}
