/// The fuzzer's random numbers: SplitMix64, so a (run seed, case index) pair names one case
/// exactly on every machine and Swift version.
struct FuzzRandom: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    /// The generator of one case: independent of every other case, so a case can be replayed
    /// alone from the run seed and its index.
    init(runSeed: UInt64, caseIndex: Int) {
        var mixer = FuzzRandom(seed: runSeed ^ (UInt64(truncatingIfNeeded: caseIndex) &* 0x9E37_79B9_7F4A_7C15))
        state = mixer.next()
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform index in `0..<count`; `count` must be positive.
    mutating func index(_ count: Int) -> Int { Int(next() % UInt64(count)) }

    /// True with probability `numerator / denominator`.
    mutating func chance(_ numerator: Int, in denominator: Int) -> Bool { index(denominator) < numerator }

    /// One element of a non-empty array.
    mutating func pick<T>(_ values: [T]) -> T { values[index(values.count)] }
}
