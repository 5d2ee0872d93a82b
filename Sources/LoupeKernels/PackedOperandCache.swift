import Foundation

/// The packed forms of one immutable matrix, made on first use and shared by every thread
/// that multiplies with it.
///
/// The owner of the matrix must drop the cache (or replace it with an empty one) whenever the
/// matrix changes; `Tensor` does so on every mutation, or, when it holds the only reference
/// to the cache, calls `retireOperands()`: the next forms are then packed into the memory of
/// the retired ones (a training step that updates the weights allocates no new panels).
public final class PackedOperandCache: @unchecked Sendable {
    private let lock = NSLock()
    private var operands: [PackedOperand] = []
    /// Forms of earlier values, kept for their memory.
    private var retired: [PackedOperand] = []

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
        if let index = retired.firstIndex(where: {
            $0.matches(
                side: side, rows: rows, columns: columns, rowStride: rowStride, isTransposed: isTransposed, path: path)
        }), isKnownUniquelyReferenced(&retired[index]) {
            let reused = retired.remove(at: index)
            reused.pack(source)
            operands.append(reused)
            return reused
        }
        let packed = PackedOperand(
            side: side, rows: rows, columns: columns, source: source, rowStride: rowStride,
            isTransposed: isTransposed, path: path)
        operands.append(packed)
        return packed
    }

    /// Drops every form (the matrix is about to change), keeping their memory for the forms
    /// of the new values. Only for the sole owner of the cache: any other holder would lose
    /// forms it may still use.
    public func retireOperands() {
        lock.lock()
        defer { lock.unlock() }
        retired.append(contentsOf: operands)
        operands.removeAll(keepingCapacity: true)
    }

    /// Number of packed forms held (for tests).
    public var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return operands.count
    }
}
