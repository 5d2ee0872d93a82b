extension RandomNumberGenerator {
    /// A uniform integer in `0..<bound` (`bound > 0`), by Lemire's nearly divisionless
    /// multiply-and-reject method (no modulo bias).
    ///
    /// Written out rather than calling the standard library's `next(upperBound:)`, whose
    /// algorithm Swift does not promise to keep: this is that algorithm as Swift 5 to 6.3 run
    /// it on 64-bit platforms, so every seeded draw Loupe makes stays the same on any
    /// toolchain (`BoundedDrawTests` checks the equality on the toolchain that builds it).
    package mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0, "bound must be positive")
        let range = UInt64(bound)
        var product = next().multipliedFullWidth(by: range)
        if product.low < range {
            let threshold = (0 &- range) % range
            while product.low < threshold { product = next().multipliedFullWidth(by: range) }
        }
        return Int(product.high)
    }
}
