/// The SplitMix64 pseudo-random generator (Steele, Lea and Flood 2014): 64 bits of state,
/// the same sequence on every platform and Swift version for a given seed.
///
/// It seeds `SeededGenerator` and draws the random comparison sample of LoupeAudit's
/// `CompressionImpact` (`sample(_:from:)`).
package struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// Creates a generator whose sequence is determined by `seed`.
    package init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
