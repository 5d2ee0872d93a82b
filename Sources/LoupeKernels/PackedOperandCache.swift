import Foundation

/// The packed forms of one immutable matrix, made on first use and shared by every thread
/// that multiplies with it.
///
/// The owner of the matrix must drop the cache (or replace it with an empty one) whenever the
/// matrix changes; `Tensor` does so on every mutation.
public final class PackedOperandCache: @unchecked Sendable {
    private let lock = NSLock()
    private var operands: [PackedOperand] = []

    public init() {}

    /// The packed `op(source)` for `side`, packed now if it is not cached yet. `source` must
    /// be the matrix the cache belongs to.
    public func operand(
        side: PackedOperand.Side, rows: Int, columns: Int, source: UnsafePointer<Float>, rowStride: Int,
        isTransposed: Bool, path: KernelPath = .active
    ) -> PackedOperand {
        lock.lock()
        defer { lock.unlock() }
        if let cached = operands.first(where: {
            $0.matches(
                side: side, rows: rows, columns: columns, rowStride: rowStride, isTransposed: isTransposed, path: path)
        }) {
            return cached
        }
        let packed = PackedOperand(
            side: side, rows: rows, columns: columns, source: source, rowStride: rowStride,
            isTransposed: isTransposed, path: path)
        operands.append(packed)
        return packed
    }

    /// Number of packed forms held (for tests).
    public var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return operands.count
    }
}
