import Foundation

/// A fast, seedable pseudo-random generator (xoshiro256**), seeded through SplitMix64.
///
/// Every random choice in Loupe (initialisation, shuffling, dropout, augmentation, splits)
/// draws from one of these, so the same seed gives the same sequence on every platform.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: (UInt64, UInt64, UInt64, UInt64)

    /// Creates a generator whose sequence is determined by `seed`: the state is the first four
    /// outputs of `SplitMix64(seed: seed)`.
    public init(seed: UInt64) {
        var seeder = SplitMix64(seed: seed)
        state = (seeder.next(), seeder.next(), seeder.next(), seeder.next())
    }

    /// Derives an independent generator for a numbered sub-stream (for example one per epoch):
    /// seeded with this generator's next output xor `stream * 0xD1B54A32D192ED03`; `self` is
    /// not advanced.
    public func derived(_ stream: UInt64) -> SeededGenerator {
        var copy = self
        return SeededGenerator(seed: copy.next() ^ (stream &* 0xD1B5_4A32_D192_ED03))
    }

    /// Derives an independent generator for a named sub-stream: `derived(fnv1a(name))`, the
    /// 64-bit FNV-1a hash of the name's UTF-8 bytes (stable across runs and platforms, unlike
    /// `Hasher`).
    public func derived(_ name: String) -> SeededGenerator {
        derived(Self.fnv1a(name))
    }

    public mutating func next() -> UInt64 {
        let result = rotl(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = rotl(state.3, 45)
        return result
    }

    @inline(__always) private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 {
        (x << k) | (x >> (64 - k))
    }

    /// A uniform `Float` in [0, 1) with 24 random bits.
    public mutating func nextUniform() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// A standard normal `Float` (Box-Muller; one draw per call, deterministic).
    public mutating func nextNormal() -> Float {
        var u1 = nextUniform()
        if u1 < 1e-7 { u1 = 1e-7 }
        let u2 = nextUniform()
        return (-2 * log(u1)).squareRoot() * cos(2 * Float.pi * u2)
    }

    /// The 64-bit FNV-1a hash of the UTF-8 bytes of `text`.
    package static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return hash
    }
}
