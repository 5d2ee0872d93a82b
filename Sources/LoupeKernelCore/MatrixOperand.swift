/// A read-only row-major matrix operand, optionally used transposed.
///
/// Element (i, j) of the operand as the product sees it is `base[i * rowStride + j]`, or
/// `base[j * rowStride + i]` when `isTransposed`; packing absorbs the difference, so one
/// micro-kernel serves A*B, A^T*B and A*B^T.
public struct MatrixOperand {
    public let base: UnsafePointer<Float>
    public let rowStride: Int
    public let isTransposed: Bool

    @inlinable
    public init(base: UnsafePointer<Float>, rowStride: Int, isTransposed: Bool) {
        self.base = base
        self.rowStride = rowStride
        self.isTransposed = isTransposed
    }

    /// Distance between consecutive rows and columns of the logical (possibly transposed) matrix.
    @inlinable var strides: (row: Int, column: Int) {
        isTransposed ? (1, rowStride) : (rowStride, 1)
    }
}
