/// The bounds reading holds an ONNX file to, beyond the memory budget: a file outside them is
/// refused with an error naming the value, before anything is sized from it.
enum FormatLimits {
    /// The default-domain operator sets Loupe reads and writes.
    static let opsets = 13...20
    /// The most nodes a graph may have.
    static let maxNodes = 100_000
    /// The most dimensions a tensor or a declared shape may have.
    static let maxRank = 8
    /// Every dimension is below this (2^31).
    static let dimensionBound = 1 << 31
}
