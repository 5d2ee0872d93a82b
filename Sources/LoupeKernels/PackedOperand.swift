import LoupeKernelCore
import LoupeKernelsAVX2
import LoupeKernelsAVX512

/// One operand of a matrix product, packed ahead of time into the panel layout of a kernel
/// path, so that products that reuse it (a layer's weights, in every shard and batch) skip
/// packing it.
///
/// A product given a packed operand computes bit for bit what it computes packing the same
/// operand itself: the packing code and layout are the same.
package final class PackedOperand: @unchecked Sendable {
    /// Which side of the product the operand was packed for.
    package enum Side: Sendable {
        /// The left operand, `op(A)` of `op(A) * op(B)`.
        case left
        /// The right operand, `op(B)`.
        case right
    }

    package let side: Side
    /// The kernel path whose layout the panels follow.
    package let path: KernelPath
    /// Rows and columns of the operand as the product sees it (after any transposition).
    package let rows: Int
    package let columns: Int
    /// Whether the stored matrix was read transposed, and its row stride.
    package let isTransposed: Bool
    package let rowStride: Int
    let panels: UnsafeMutablePointer<Float>

    /// Packs `rows x columns` of `op(source)` for `side` in `path`'s layout.
    package init(
        side: Side, rows: Int, columns: Int, source: UnsafePointer<Float>, rowStride: Int, isTransposed: Bool,
        path: KernelPath = .active
    ) {
        precondition(rows >= 0 && columns >= 0, "negative operand size \(rows) x \(columns)")
        (self.side, self.path, self.rows, self.columns) = (side, path, rows, columns)
        (self.isTransposed, self.rowStride) = (isTransposed, rowStride)
        let count: Int
        switch (path, side) {
        case (.avx512, .left): count = WidePackedGEMM<SeparateMultiplyAdd>.packedACount(m: rows, k: columns)
        case (.avx512, .right): count = WidePackedGEMM<SeparateMultiplyAdd>.packedBCount(k: rows, n: columns)
        case (_, .left): count = PackedGEMM<SeparateMultiplyAdd>.packedACount(m: rows, k: columns)
        case (_, .right): count = PackedGEMM<SeparateMultiplyAdd>.packedBCount(k: rows, n: columns)
        }
        panels = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * MemoryLayout<Float>.size, alignment: 64)
            .bindMemory(to: Float.self, capacity: max(count, 1))
        pack(source)
    }

    /// The depth of the operand (columns of a left operand, rows of a right one).
    var depth: Int { side == .left ? columns : rows }

    /// Depth slices of the packed layout: `pack(_:slices:)` can pack any subset of them.
    var sliceCount: Int {
        path == .avx512
            ? WidePackedGEMM<SeparateMultiplyAdd>.sliceCount(k: depth)
            : PackedGEMM<SeparateMultiplyAdd>.sliceCount(k: depth)
    }

    /// Packs `op(source)` (of this operand's shape and layout) into the panels, replacing
    /// what they held; only the depth slices `slices` when given (they occupy disjoint parts
    /// of the panels, so threads can pack different slices at once).
    func pack(_ source: UnsafePointer<Float>, slices: Range<Int>? = nil) {
        let operand = MatrixOperand(base: source, rowStride: rowStride, isTransposed: isTransposed)
        // Each path packs with its own build of its tile's packing code.
        switch (path, side) {
        case (.avx512, .left): avx512PackWholeA(operand, m: rows, k: columns, into: panels, slices: slices)
        case (.avx512, .right): avx512PackWholeB(operand, k: rows, n: columns, into: panels, slices: slices)
        case (.avx2, .left): avx2PackWholeA(operand, m: rows, k: columns, into: panels, slices: slices)
        case (.avx2, .right): avx2PackWholeB(operand, k: rows, n: columns, into: panels, slices: slices)
        case (.generic, .left):
            PackedGEMM<SeparateMultiplyAdd>.packWholeA(operand, m: rows, k: columns, into: panels, slices: slices)
        case (.generic, .right):
            PackedGEMM<SeparateMultiplyAdd>.packWholeB(operand, k: rows, n: columns, into: panels, slices: slices)
        }
    }

    deinit { panels.deallocate() }

    /// Whether this is `op(source)` for the given side, shape, layout and path.
    func matches(
        side: Side, rows: Int, columns: Int, rowStride: Int, isTransposed: Bool, path: KernelPath
    ) -> Bool {
        self.side == side && self.rows == rows && self.columns == columns && self.rowStride == rowStride
            && self.isTransposed == isTransposed && self.path == path
    }
}
