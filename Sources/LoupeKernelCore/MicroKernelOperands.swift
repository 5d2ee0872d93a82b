/// Where a micro-kernel reads the `rowTile` rows of an A tile.
@usableFromInline package protocol TileRows {
    /// Row `r` of the tile at depth step `p`.
    func value(row r: Int, depth p: Int) -> Float
}

/// A packed A panel: the tile's values at each depth step stored together, `rowTile` apart.
@usableFromInline package struct PackedTile: TileRows {
    @usableFromInline package let start: UnsafePointer<Float>
    @usableFromInline package let rowTile: Int
    @inlinable package init(start: UnsafePointer<Float>, rowTile: Int) { (self.start, self.rowTile) = (start, rowTile) }
    @inlinable @inline(__always) package func value(row r: Int, depth p: Int) -> Float { start[p &* rowTile &+ r] }
}

/// An A tile read in place from a row-major matrix, rows `rowStride` apart. Rows past
/// `lastRow` (an edge tile's missing rows) read the last row again: the micro-kernel computes
/// them but stores only the tile's valid rows.
@usableFromInline package struct RowMajorTile: TileRows {
    @usableFromInline package let start: UnsafePointer<Float>
    @usableFromInline package let rowStride: Int
    @usableFromInline package let lastRow: Int
    @inlinable package init(start: UnsafePointer<Float>, rowStride: Int, lastRow: Int) {
        (self.start, self.rowStride, self.lastRow) = (start, rowStride, lastRow)
    }
    @inlinable @inline(__always) package func value(row r: Int, depth p: Int) -> Float {
        start[Swift.min(r, lastRow) &* rowStride &+ p]
    }
}

/// An A tile read in place from a transposed operand whose stored rows (one depth step each)
/// are short: depth step `p` of the tile is `rowTile` consecutive values, `depthStride` after
/// step `p - 1`'s, as in a packed panel. Rows past `lastRow` read the last row again, as in
/// `RowMajorTile`.
@usableFromInline package struct TransposedTile: TileRows {
    @usableFromInline package let start: UnsafePointer<Float>
    @usableFromInline package let depthStride: Int
    @usableFromInline package let lastRow: Int
    @inlinable package init(start: UnsafePointer<Float>, depthStride: Int, lastRow: Int) {
        (self.start, self.depthStride, self.lastRow) = (start, depthStride, lastRow)
    }
    @inlinable @inline(__always) package func value(row r: Int, depth p: Int) -> Float {
        start[p &* depthStride &+ Swift.min(r, lastRow)]
    }
}

/// An A tile read in place from rows that start anywhere (`MatrixOperand.rowOffsets`): the
/// tile's rows are resolved to pointers once, so the micro-kernel's loop reads them as it
/// reads a packed panel. Rows past `lastRow` read the last row again, as in `RowMajorTile`.
/// Holds up to eight rows, the largest `rowTile`.
@usableFromInline package struct OffsetRowsTile: TileRows {
    @usableFromInline let r0, r1, r2, r3, r4, r5, r6, r7: UnsafePointer<Float>
    @inlinable package init(start: UnsafePointer<Float>, offsets: UnsafePointer<Int>, lastRow: Int) {
        func row(_ r: Int) -> UnsafePointer<Float> { start + offsets[Swift.min(r, lastRow)] }
        (r0, r1, r2, r3) = (row(0), row(1), row(2), row(3))
        (r4, r5, r6, r7) = (row(4), row(5), row(6), row(7))
    }
    @inlinable @inline(__always) package func value(row r: Int, depth p: Int) -> Float {
        switch r {
        case 0: r0[p]
        case 1: r1[p]
        case 2: r2[p]
        case 3: r3[p]
        case 4: r4[p]
        case 5: r5[p]
        case 6: r6[p]
        default: r7[p]
        }
    }
}

/// The rows of A one block of the product reads: packed panels, or a row-major matrix in place.
@usableFromInline package protocol LeftBlock {
    associatedtype Tile: TileRows
    /// The tile of `rows` (at most `rowTile`) rows starting at row `i0` of the block.
    func tile(row i0: Int, rows: Int) -> Tile
}

/// A block of A packed into `rowTile`-row panels, each `depth` steps deep.
@usableFromInline package struct PackedBlock: LeftBlock {
    @usableFromInline package let start: UnsafePointer<Float>
    @usableFromInline package let depth: Int
    @usableFromInline package let rowTile: Int
    @inlinable package init(start: UnsafePointer<Float>, depth: Int, rowTile: Int) {
        (self.start, self.depth, self.rowTile) = (start, depth, rowTile)
    }
    @inlinable @inline(__always) package func tile(row i0: Int, rows: Int) -> PackedTile {
        PackedTile(start: start + i0 * depth, rowTile: rowTile)
    }
}

/// A block of a row-major A read in place (`start` is its first row at the slice's depth).
@usableFromInline package struct RowMajorBlock: LeftBlock {
    @usableFromInline package let start: UnsafePointer<Float>
    @usableFromInline package let rowStride: Int
    @inlinable package init(start: UnsafePointer<Float>, rowStride: Int) {
        (self.start, self.rowStride) = (start, rowStride)
    }
    @inlinable @inline(__always) package func tile(row i0: Int, rows: Int) -> RowMajorTile {
        RowMajorTile(start: start + i0 * rowStride, rowStride: rowStride, lastRow: rows - 1)
    }
}

/// A block of a transposed A read in place (`start` is its first row at the slice's depth;
/// stored rows, the depth steps, `depthStride` apart).
@usableFromInline package struct TransposedBlock: LeftBlock {
    @usableFromInline package let start: UnsafePointer<Float>
    @usableFromInline package let depthStride: Int
    @inlinable package init(start: UnsafePointer<Float>, depthStride: Int) {
        (self.start, self.depthStride) = (start, depthStride)
    }
    @inlinable @inline(__always) package func tile(row i0: Int, rows: Int) -> TransposedTile {
        TransposedTile(start: start + i0, depthStride: depthStride, lastRow: rows - 1)
    }
}

/// A block of an A given by row starts, read in place: row `i` of the block starts at
/// `start + offsets[i]` (`start` already at the slice's depth).
@usableFromInline package struct OffsetRowsBlock: LeftBlock {
    @usableFromInline package let start: UnsafePointer<Float>
    @usableFromInline package let offsets: UnsafePointer<Int>
    @inlinable package init(start: UnsafePointer<Float>, offsets: UnsafePointer<Int>) {
        (self.start, self.offsets) = (start, offsets)
    }
    @inlinable @inline(__always) package func tile(row i0: Int, rows: Int) -> OffsetRowsTile {
        OffsetRowsTile(start: start, offsets: offsets + i0, lastRow: rows - 1)
    }
}

/// Where a micro-kernel reads the depth steps of a B panel.
@usableFromInline package protocol PanelRows {
    /// The start of depth step `p` (`columnTile` consecutive values).
    func row(_ p: Int) -> UnsafeRawPointer
}

/// A packed panel: depth steps `step` bytes apart.
@usableFromInline package struct PackedPanel: PanelRows {
    @usableFromInline package let start: UnsafeRawPointer
    @usableFromInline package let step: Int
    @inlinable package init(start: UnsafeRawPointer, step: Int) { (self.start, self.step) = (start, step) }
    @inlinable @inline(__always) package func row(_ p: Int) -> UnsafeRawPointer { start + p * step }
}

/// A panel read in place from a matrix given by row starts (`MatrixOperand.rowOffsets`).
@usableFromInline package struct OffsetPanel: PanelRows {
    @usableFromInline package let start: UnsafePointer<Float>
    @usableFromInline package let offsets: UnsafePointer<Int>
    @inlinable package init(start: UnsafePointer<Float>, offsets: UnsafePointer<Int>) {
        (self.start, self.offsets) = (start, offsets)
    }
    @inlinable @inline(__always) package func row(_ p: Int) -> UnsafeRawPointer { UnsafeRawPointer(start + offsets[p]) }
}
