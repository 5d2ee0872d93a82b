import LoupeSupport

/// Anything wrong with an ONNX file or with turning it into a Loupe model: the file (and the
/// node, tensor or field) and the problem, in one line.
public struct ONNXError: LoupeError, Equatable {
    public var source: String
    public var problem: String
    /// Whether the problem is a size beyond the memory budget (`LOUPE_MEMORY_BUDGET` raises it).
    public var isSizeLimit: Bool

    public init(_ source: String, _ problem: String, isSizeLimit: Bool = false) {
        self.source = source
        self.problem = problem
        self.isSizeLimit = isSizeLimit
    }
}
