/// An N:M semi-structured sparsity pattern: at most `n` of every `m` consecutive weights along
/// a weight tensor's input (reduction) dimension are non-zero. 2:4 is the pattern NVIDIA's
/// sparse tensor cores accelerate.
///
/// The groups run along each output unit's row of the weight seen as `[out, rest]`: along `in`
/// for a linear weight `[out, in]`, and along the flattened `inC * kH * kW` axis of each
/// filter for a convolution weight `[out, inC, kH, kW]` (PyTorch's layout, which the GPU
/// kernels read). A row whose length is not a multiple of `m` ends in a shorter group, which
/// keeps `min(n, its length)` weights.
public struct NMPattern: Hashable, Sendable, CustomStringConvertible {
    /// Weights kept per group.
    public let n: Int
    /// Group length.
    public let m: Int

    /// The largest group length accepted.
    public static let maximumGroupLength = 32

    /// A pattern with `1 <= n < m <= 32`.
    public init(n: Int, m: Int) throws(CompressionError) {
        guard n >= 1, n < m, m <= Self.maximumGroupLength else {
            throw CompressionError(
                "N:M sparsity needs 1 <= N < M <= \(Self.maximumGroupLength), got \(n):\(m)")
        }
        self.n = n
        self.m = m
    }

    /// The fraction of weights a full group removes: `1 - n / m`.
    public var sparsity: Double { 1 - Double(n) / Double(m) }

    /// `2:4`.
    public var description: String { "\(n):\(m)" }

    /// How many weights of a tensor of `shape` the pattern removes: in every group of a row,
    /// its length minus `min(n, its length)`.
    public func removableCount(shape: [Int]) -> Int {
        let (rows, rowLength) = Self.rows(of: shape)
        let fullGroups = rowLength / m
        let rest = rowLength % m
        return rows * (fullGroups * (m - n) + max(0, rest - n))
    }

    /// The `[out, rest]` view the groups run along: one row per output unit (the first
    /// dimension), or a single row for a one-dimensional tensor.
    static func rows(of shape: [Int]) -> (rows: Int, rowLength: Int) {
        let count = shape.reduce(1, *)
        guard shape.count >= 2, shape[0] > 0 else { return (count == 0 ? 0 : 1, count) }
        return (shape[0], count / shape[0])
    }
}

extension NMPattern: Codable {
    private enum CodingKeys: String, CodingKey { case n, m }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let (n, m) = (try container.decode(Int.self, forKey: .n), try container.decode(Int.self, forKey: .m))
        do { self = try NMPattern(n: n, m: m) } catch {
            throw DecodingError.dataCorruptedError(forKey: .m, in: container, debugDescription: error.problem)
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(n, forKey: .n)
        try container.encode(m, forKey: .m)
    }
}
