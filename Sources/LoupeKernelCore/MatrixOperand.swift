/// A read-only row-major matrix operand, optionally used transposed.
///
/// Element (i, j) of the operand as the product sees it is `base[i * rowStride + j]`, or
/// `base[j * rowStride + i]` when `isTransposed`; packing absorbs the difference, so one
/// micro-kernel serves A*B, A^T*B and A*B^T.
///
/// Either operand may instead give the start of each stored row: element (i, j) of the
/// stored matrix is then `base[rowOffsets[i] + j]`. A convolution over a zero-padded image is
/// such a matrix, each row (channel, kernel row, kernel column) a shifted view of the image,
/// so its patches never have to be copied out (im2col). It may also give the offset of each
/// column (`columnOffsets`): element (i, j) is then `base[rowOffsets[i] + columnOffsets[j]]`,
/// so that the columns can be the output positions of several images, the positions that are
/// not outputs skipped; such an operand is gathered into panels when packed. A left operand
/// given by row starts is read in place by the micro-kernel (untransposed, alpha 1, no
/// column offsets): the patches of a convolution as the A of its weight gradient.
@usableFromInline package struct MatrixOperand {
    @usableFromInline package let base: UnsafePointer<Float>
    @usableFromInline package let rowStride: Int
    @usableFromInline package let isTransposed: Bool
    /// The offset of each row from `base`, or nil for rows `rowStride` apart.
    @usableFromInline package let rowOffsets: UnsafePointer<Int>?
    /// With `rowOffsets`, the offset of each column from its row's start, or nil for columns
    /// one apart.
    @usableFromInline package let columnOffsets: UnsafePointer<Int>?

    @inlinable
    package init(base: UnsafePointer<Float>, rowStride: Int, isTransposed: Bool) {
        self.base = base
        self.rowStride = rowStride
        self.isTransposed = isTransposed
        self.rowOffsets = nil
        self.columnOffsets = nil
    }

    /// An operand whose stored row `i` starts at `base + rowOffsets[i]`, and whose column `j`
    /// is `columnOffsets[j]` past that start (`j` when nil; untransposed only).
    @inlinable
    package init(
        base: UnsafePointer<Float>, rowOffsets: UnsafePointer<Int>, columnOffsets: UnsafePointer<Int>? = nil,
        isTransposed: Bool
    ) {
        precondition(columnOffsets == nil || !isTransposed, "column offsets of a transposed operand")
        self.base = base
        self.rowStride = 0
        self.isTransposed = isTransposed
        self.rowOffsets = rowOffsets
        self.columnOffsets = columnOffsets
    }

    /// Distance between consecutive rows and columns of the logical (possibly transposed) matrix.
    @inlinable var strides: (row: Int, column: Int) {
        isTransposed ? (1, rowStride) : (rowStride, 1)
    }
}
