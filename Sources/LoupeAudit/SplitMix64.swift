/// The SplitMix64 pseudo-random generator (Steele, Lea and Flood 2014): 64 bits of state,
/// the same sequence on every platform and Swift version for a given seed.
///
/// LoupeAudit uses it to draw the random comparison sample of `CompressionImpact`, so the
/// sample depends only on the seed.
public struct SplitMix64: Sendable {
    private var state: UInt64

    /// Creates a generator whose sequence is determined by `seed`.
    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniformly distributed integer in `0..<bound` (`bound > 0`), by Lemire's
    /// multiply-and-reject method, so there is no modulo bias.
    public mutating func next(below bound: Int) -> Int {
        precondition(bound > 0, "bound must be positive")
        let range = UInt64(bound)
        let threshold = (0 &- range) % range
        while true {
            let product = next().multipliedFullWidth(by: range)
            if product.low >= threshold { return Int(product.high) }
        }
    }

    /// `count` distinct positions drawn uniformly from `0..<population` (a partial
    /// Fisher-Yates shuffle), returned in ascending order.
    public mutating func sample(_ count: Int, from population: Int) -> [Int] {
        precondition(count >= 0 && count <= population, "cannot draw \(count) of \(population)")
        var positions = Array(0..<population)
        for i in 0..<count { positions.swapAt(i, i + next(below: population - i)) }
        return positions[0..<count].sorted()
    }
}
