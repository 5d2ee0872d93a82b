extension CheckedSize {
    /// The bytes an array of `shape` with `bytesPerElement`-byte elements holds, as a file's
    /// header claims it, after checking that the claim is one memory could serve.
    ///
    /// The product of the nonzero extents must not overflow and must fit the budget, even
    /// when another extent is 0 and the array holds nothing: readers size buffers by single
    /// extents (a model count, an image's pixels, an id list), so `[0, 2^62, 8]` or
    /// `[0, 10^12, 3, 3]` would otherwise pass as an empty array and size one of those.
    ///
    /// - Parameter what: the file (and field) for the error.
    /// - Throws: `SizeError` when an extent is negative, the nonzero product overflows, or it
    ///   exceeds the budget.
    @discardableResult
    package static func claimedBytes(
        _ shape: [Int], bytesPerElement: Int, for what: String, budget: MemoryBudget = .current
    ) throws -> Int {
        let nonzero = shape.filter { $0 != 0 }
        guard let extent = product(nonzero + [bytesPerElement]) else {
            throw SizeError(source: what, problem: "shape \(Self.shape(shape)) is negative or overflows")
        }
        guard extent <= budget.bytes else {
            throw SizeError(
                source: what,
                problem:
                    "shape \(Self.shape(shape)) claims extents of \(MemoryBudget.describe(extent)), over the memory budget of \(MemoryBudget.describe(budget.bytes)) (set LOUPE_MEMORY_BUDGET to raise it)"
            )
        }
        return nonzero.count == shape.count ? extent : 0
    }
}
