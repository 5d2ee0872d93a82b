import LoupeTensor

/// The seed of each example's random draws in an attribution map computation, so that maps
/// depend on the run seed, the method, the split and the example id, but not on the batch an
/// example is computed in or on the thread count.
public enum ExampleSeeds {
    /// The split an example belongs to; train and test ids may coincide (Fashion-MNIST numbers
    /// both files from 0), so the split is part of the seed.
    public enum Split: UInt64, Sendable {
        case train = 1
        case test = 2
    }

    /// The seed for example `id` of `split` under `method` in a run seeded `runSeed`: a
    /// `SeededGenerator` of `runSeed` derived by the method name's FNV-1a hash, then the
    /// split, then the id.
    public static func seed(runSeed: UInt64, method: String, split: Split, id: Int) -> UInt64 {
        var generator = SeededGenerator(seed: runSeed).derived(fnv1a(method)).derived(split.rawValue)
            .derived(UInt64(bitPattern: Int64(id)))
        return generator.next()
    }

    /// The 64-bit FNV-1a hash of the UTF-8 bytes of `text` (stable across runs and platforms,
    /// unlike `Hasher`).
    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return hash
    }
}
