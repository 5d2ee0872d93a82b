/// A sparse matrix in compressed sparse row (CSR) form: for row `r`, the nonzeros are
/// `values[k]` at column `columnIndices[k]` for `k` in `rowOffsets[r]..<rowOffsets[r + 1]`,
/// columns ascending.
///
/// For a linear layer `y = x Wᵀ + b` with `W` of shape `[out, in]` (PyTorch's layout), the rows
/// are the output features and the columns the input features; `multiply` computes the layer.
package struct SparseMatrix: Sendable, Equatable {
    /// Number of rows (output features of a linear layer).
    package let rows: Int
    /// Number of columns (input features of a linear layer).
    package let columns: Int
    /// Where each row's nonzeros start in `columnIndices` and `values`; `rows + 1` entries,
    /// the last being `nonzeroCount`.
    package let rowOffsets: [Int]
    /// The column of every stored value.
    package let columnIndices: [Int32]
    /// The stored values, row by row.
    package let values: [Float]
    /// Where each row's nonzeros in each block of `columnBlockWidth` columns start: entry
    /// `r * (columnBlockCount + 1) + j` for row `r`, block `j` (the product's loop order).
    private(set) var segmentOffsets: [Int]
    /// Columns per block of the product (`columnBlockWidth(rows:columns:nonzeros:)`).
    package private(set) var columnBlockWidth: Int

    /// Nonzeros a row should have in each column block, on average.
    static let nonzerosPerSegment = 32

    /// Columns per block of the product. A block's rows of a feature-major batch stay in L1
    /// while every output row adds its nonzeros in that block, but each (row, block) segment
    /// costs a load and a store of the output tile and a mispredicted loop exit. The blocks are
    /// therefore as wide as it takes for a row to have `nonzerosPerSegment` nonzeros in each,
    /// in multiples of 64 columns and at least 64. For the `mlp`'s 256 x 784 first layer that is
    /// 64 columns at 50% density (175-183 us a product against 314-333 us for whole rows), 320 at 10%
    /// and 640 at 5% (`loupe-bench --sparse-blocks`, BENCHMARKS.md).
    package static func columnBlockWidth(rows: Int, columns: Int, nonzeros: Int) -> Int {
        guard nonzeros > 0, columns > 64 else { return max(columns, 1) }
        let perRow = max(1, nonzeros / max(rows, 1))
        let width = nonzerosPerSegment * columns / perRow
        return min(columns, max(64, (width + 32) / 64 * 64))
    }

    /// The same matrix with the product walking `width` columns per block instead of the
    /// chosen width (for measuring the choice); the results are the same bits, since every
    /// lane adds the same terms in the same order.
    package func withColumnBlockWidth(_ width: Int) -> SparseMatrix {
        precondition(width >= 1, "a block needs at least one column")
        var copy = self
        copy.columnBlockWidth = width
        copy.segmentOffsets = Self.segments(
            rows: rows, columnBlockWidth: width, columns: columns, rowOffsets: rowOffsets, columnIndices: columnIndices)
        return copy
    }

    /// Number of column blocks the product walks through (at least 1).
    var columnBlockCount: Int { max(1, (columns + columnBlockWidth - 1) / columnBlockWidth) }

    /// A matrix from its CSR arrays; traps if they are inconsistent (offsets not starting at
    /// zero or decreasing, columns out of range or not ascending within a row).
    package init(rows: Int, columns: Int, rowOffsets: [Int], columnIndices: [Int32], values: [Float]) {
        precondition(rows >= 0 && columns >= 0 && columns <= Int(Int32.max), "invalid shape [\(rows), \(columns)]")
        precondition(rowOffsets.count == rows + 1 && rowOffsets.first == 0, "need rows + 1 offsets starting at 0")
        precondition(rowOffsets.last == values.count && columnIndices.count == values.count, "inconsistent CSR arrays")
        for row in 0..<rows {
            precondition(rowOffsets[row] <= rowOffsets[row + 1], "row offsets must not decrease")
            var previous: Int32 = -1
            for k in rowOffsets[row]..<rowOffsets[row + 1] {
                precondition(
                    columnIndices[k] > previous && Int(columnIndices[k]) < columns,
                    "column indices must ascend within a row and lie in 0..<\(columns)")
                previous = columnIndices[k]
            }
        }
        self.rows = rows
        self.columns = columns
        self.rowOffsets = rowOffsets
        self.columnIndices = columnIndices
        self.values = values
        self.columnBlockWidth = Self.columnBlockWidth(rows: rows, columns: columns, nonzeros: values.count)
        self.segmentOffsets = Self.segments(
            rows: rows, columnBlockWidth: columnBlockWidth, columns: columns, rowOffsets: rowOffsets,
            columnIndices: columnIndices)
    }

    /// The nonzeros of a dense row-major `[rows, columns]` matrix; exact zeros (and negative
    /// zeros) are dropped.
    package init(dense: [Float], rows: Int, columns: Int) {
        self.init(dense: dense, rows: rows, columns: columns) { index in dense[index] != 0 }
    }

    /// The entries of a dense row-major `[rows, columns]` matrix where `mask` is true, zero or
    /// not; the others are dropped.
    package init(dense: [Float], rows: Int, columns: Int, mask: [Bool]) {
        precondition(mask.count == dense.count, "mask has \(mask.count) entries, matrix \(dense.count)")
        self.init(dense: dense, rows: rows, columns: columns) { index in mask[index] }
    }

    private init(dense: [Float], rows: Int, columns: Int, keeping isKept: (Int) -> Bool) {
        precondition(dense.count == rows * columns, "dense matrix has \(dense.count) entries, not \(rows) x \(columns)")
        precondition(columns <= Int(Int32.max), "too many columns for 32-bit indices")
        var offsets = [0]
        offsets.reserveCapacity(rows + 1)
        var indices: [Int32] = []
        var kept: [Float] = []
        for row in 0..<rows {
            for column in 0..<columns where isKept(row * columns + column) {
                indices.append(Int32(column))
                kept.append(dense[row * columns + column])
            }
            offsets.append(kept.count)
        }
        self.rows = rows
        self.columns = columns
        self.rowOffsets = offsets
        self.columnIndices = indices
        self.values = kept
        self.columnBlockWidth = Self.columnBlockWidth(rows: rows, columns: columns, nonzeros: kept.count)
        self.segmentOffsets = Self.segments(
            rows: rows, columnBlockWidth: columnBlockWidth, columns: columns, rowOffsets: offsets,
            columnIndices: indices)
    }

    private static func segments(
        rows: Int, columnBlockWidth: Int, columns: Int, rowOffsets: [Int], columnIndices: [Int32]
    ) -> [Int] {
        let blocks = max(1, (columns + columnBlockWidth - 1) / columnBlockWidth)
        var segments = [Int]()
        segments.reserveCapacity(rows * (blocks + 1))
        for row in 0..<rows {
            var k = rowOffsets[row]
            for block in 0..<blocks {
                segments.append(k)
                while k < rowOffsets[row + 1] && Int(columnIndices[k]) < (block + 1) * columnBlockWidth { k += 1 }
            }
            segments.append(rowOffsets[row + 1])
        }
        return segments
    }

    /// Number of stored values: the multiply-adds per example of the layer product.
    package var nonzeroCount: Int { values.count }

    /// Stored values as a fraction of all `rows * columns` entries (1 for an empty shape).
    package var density: Double {
        rows * columns == 0 ? 1 : Double(nonzeroCount) / Double(rows * columns)
    }

    /// The dense row-major `[rows, columns]` matrix, zeros where nothing is stored.
    package func denseScalars() -> [Float] {
        var result = [Float](repeating: 0, count: rows * columns)
        for row in 0..<rows {
            for k in rowOffsets[row]..<rowOffsets[row + 1] {
                result[row * columns + Int(columnIndices[k])] = values[k]
            }
        }
        return result
    }
}
