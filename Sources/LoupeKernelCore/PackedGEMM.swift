/// A cache-blocked single-precision matrix product, `C = alpha * op(A) * op(B) + beta * C`,
/// with operands packed into contiguous panels and a register-blocked micro-kernel.
///
/// The blocking follows the usual Goto/BLIS scheme: a `depthBlock`-deep slice of B is packed
/// into `columnTile`-column panels that stay in L2, a `rowBlock`-row block of A into
/// `rowTile`-row panels that stay in L1, and the micro-kernel keeps a `rowTile x columnTile`
/// tile of C in registers across the whole slice. A conforming type supplies the tile shape
/// and the micro-kernel; the driver and the packing are shared.
@usableFromInline package protocol PackedGEMMKernel {
    /// Rows of C the micro-kernel computes at once.
    static var rowTile: Int { get }
    /// Columns of C the micro-kernel computes at once (a multiple of 16).
    static var columnTile: Int { get }
    /// The deepest slice packed at once; depths are split into balanced slices no deeper.
    static var depthBlock: Int { get }

    /// `C[rows x columns] = A-panel * B-panel + beta * C` for one tile; edge tiles (fewer
    /// rows or columns) store only their valid part. `b.row(p)` is where depth step `p` of
    /// the B panel starts (`columnTile` values).
    static func microKernel<Tile: TileRows, Panel: PanelRows>(
        kc: Int, a: Tile, b: Panel,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, columns: Int)

    /// Rows a cheaper micro-kernel computes, for a last tile of at most that many rows (a
    /// convolution with 8 filters is a tile of 6 rows and one of 2); `rowTile` when there is none.
    static var narrowRowTile: Int { get }

    /// `microKernel` for a tile of at most `narrowRowTile` rows: the same sums in the same order.
    static func narrowMicroKernel<Tile: TileRows, Panel: PanelRows>(
        kc: Int, a: Tile, b: Panel,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, columns: Int)
}

extension PackedGEMMKernel {
    @inlinable package static var narrowRowTile: Int { rowTile }

    @inlinable @inline(__always)
    package static func narrowMicroKernel<Tile: TileRows, Panel: PanelRows>(
        kc: Int, a: Tile, b: Panel,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, columns: Int
    ) {
        microKernel(kc: kc, a: a, b: b, beta: beta, c: c, ldc: ldc, rows: rows, columns: columns)
    }
}

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

extension PackedGEMMKernel {
    @inlinable static var rowBlock: Int { 96 }
    @inlinable static var columnBlock: Int { 2048 }

    /// Floats of scratch space `multiply` needs for packing.
    @inlinable package static var workspaceCount: Int {
        depthBlock * (rowBlock + columnBlock)
    }

    /// The depth of each slice a product of depth `k` is split into: balanced slices no
    /// deeper than `depthBlock` (a depth of 288 is one slice, not 256 + 32).
    @inlinable
    package static func sliceDepth(k: Int) -> Int {
        let slices = (k + depthBlock - 1) / depthBlock
        return (k + slices - 1) / slices
    }

    /// Floats of a whole `m x k` A operand packed ahead of time (`packWholeA`).
    @inlinable
    package static func packedACount(m: Int, k: Int) -> Int { (m + rowTile - 1) / rowTile * rowTile * k }

    /// Floats of a whole `k x n` B operand packed ahead of time (`packWholeB`).
    @inlinable
    package static func packedBCount(k: Int, n: Int) -> Int { (n + columnTile - 1) / columnTile * columnTile * k }

    /// Packs all of op(A) (`m x k`) the way `multiply` would pack it block by block: slice
    /// after slice of depth, each slice holding every row panel. `multiply` given the result
    /// as `packedA` skips packing A and computes bit for bit the same product.
    ///
    /// `slices` restricts the work to those depth slices (of `sliceCount(k:)`), each written to
    /// its own part of `packed`, so that several threads can pack one operand.
    @inlinable
    package static func packWholeA(
        _ a: MatrixOperand, m: Int, k: Int, into packed: UnsafeMutablePointer<Float>, slices: Range<Int>? = nil
    ) {
        let paddedRows = (m + rowTile - 1) / rowTile * rowTile
        forEachSlice(k: k, slices: slices) { pc, kc in
            packA(a, row: 0, mc: m, depth: pc, kc: kc, alpha: 1, into: packed + pc * paddedRows)
        }
    }

    /// Calls `body` with the start and depth of each depth slice in `slices` (all if nil).
    @inlinable @inline(__always)
    static func forEachSlice(k: Int, slices: Range<Int>?, _ body: (_ start: Int, _ depth: Int) -> Void) {
        let depth = sliceDepth(k: k)
        for slice in slices ?? 0..<sliceCount(k: k) {
            body(slice * depth, min(depth, k - slice * depth))
        }
    }

    /// Depth slices of a whole packed operand of depth `k`.
    @inlinable
    package static func sliceCount(k: Int) -> Int { k == 0 ? 0 : (k + sliceDepth(k: k) - 1) / sliceDepth(k: k) }

    /// Packs all of op(B) (`k x n`) the way `multiply` would pack it block by block (see
    /// `packWholeA`).
    @inlinable
    package static func packWholeB(
        _ b: MatrixOperand, k: Int, n: Int, into packed: UnsafeMutablePointer<Float>, slices: Range<Int>? = nil
    ) {
        let paddedColumns = (n + columnTile - 1) / columnTile * columnTile
        forEachSlice(k: k, slices: slices) { pc, kc in
            packB(b, depth: pc, kc: kc, column: 0, nc: n, into: packed + pc * paddedColumns)
        }
    }

    /// Computes `C[m x n] = alpha * op(A)[m x k] * op(B)[k x n] + beta * C`.
    ///
    /// - Parameters:
    ///   - packedA: op(A) packed by `packWholeA`, or nil to pack `a` here (then `alpha` must
    ///     be 1 when it is given, since packing applies alpha).
    ///   - packedB: op(B) packed by `packWholeB`, or nil to pack `b` here.
    ///   - workspace: at least `workspaceCount` floats, 64-byte aligned preferred.
    @inlinable
    package static func multiply(
        m: Int, n: Int, k: Int, alpha: Float,
        a: MatrixOperand, b: MatrixOperand,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int,
        workspace: UnsafeMutablePointer<Float>,
        packedA: UnsafePointer<Float>? = nil, packedB: UnsafePointer<Float>? = nil
    ) {
        guard m > 0, n > 0 else { return }
        if k == 0 || alpha == 0 {
            scale(m: m, n: n, beta: beta, c: c, ldc: ldc)
            return
        }
        precondition(packedA == nil || alpha == 1, "a pre-packed A operand is packed with alpha 1")
        let bBuffer = workspace
        let aBuffer = workspace + depthBlock * columnBlock
        let paddedRows = (m + rowTile - 1) / rowTile * rowTile
        let paddedColumns = (n + columnTile - 1) / columnTile * columnTile
        let depth = sliceDepth(k: k)
        // A row-major A is read in place by the micro-kernel, as packed panels would be read,
        // in the same order: the same product without the copy (which costs as much as the
        // arithmetic when B has few columns).
        let readsAInPlace = alpha == 1 && a.rowOffsets == nil && !a.isTransposed
        var jc = 0
        while jc < n {
            let nc = min(columnBlock, n - jc)
            var pc = 0
            while pc < k {
                let kc = min(depth, k - pc)
                let panelsB: UnsafePointer<Float>
                // An untransposed B given by row starts is read in place, full panels at least:
                // only a last, partial panel is packed (into the buffer's start).
                let inPlace = packedB == nil && b.rowOffsets != nil && b.columnOffsets == nil && !b.isTransposed
                let fullColumns = inPlace ? nc / columnTile * columnTile : 0
                if let packedB {
                    panelsB = packedB + pc * paddedColumns + jc * kc
                } else if inPlace {
                    if fullColumns < nc {
                        packB(
                            b, depth: pc, kc: kc, column: jc + fullColumns, nc: nc - fullColumns, into: bBuffer)
                    }
                    panelsB = UnsafePointer(bBuffer) - fullColumns * kc
                } else {
                    packB(b, depth: pc, kc: kc, column: jc, nc: nc, into: bBuffer)
                    panelsB = UnsafePointer(bBuffer)
                }
                let blockBeta: Float = pc == 0 ? beta : 1
                var ic = 0
                while ic < m {
                    let mc = min(rowBlock, m - ic)
                    let inPlaceB = inPlace ? (b.base + jc, b.rowOffsets! + pc, fullColumns) : nil
                    if let packedA {
                        macroKernel(
                            mc: mc, nc: nc, kc: kc,
                            a: PackedBlock(start: packedA + pc * paddedRows + ic * kc, depth: kc, rowTile: rowTile),
                            packedB: panelsB, beta: blockBeta, c: c + ic * ldc + jc, ldc: ldc, inPlace: inPlaceB)
                    } else if readsAInPlace {
                        macroKernel(
                            mc: mc, nc: nc, kc: kc,
                            a: RowMajorBlock(start: a.base + ic * a.rowStride + pc, rowStride: a.rowStride),
                            packedB: panelsB, beta: blockBeta, c: c + ic * ldc + jc, ldc: ldc, inPlace: inPlaceB)
                    } else {
                        packA(a, row: ic, mc: mc, depth: pc, kc: kc, alpha: alpha, into: aBuffer)
                        macroKernel(
                            mc: mc, nc: nc, kc: kc, a: PackedBlock(start: aBuffer, depth: kc, rowTile: rowTile),
                            packedB: panelsB, beta: blockBeta, c: c + ic * ldc + jc, ldc: ldc, inPlace: inPlaceB)
                    }
                    ic += mc
                }
                pc += kc
            }
            jc += nc
        }
    }

    @inlinable
    static func scale(m: Int, n: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        for i in 0..<m {
            let row = c + i * ldc
            if beta == 0 {
                row.update(repeating: 0, count: n)
            } else if beta != 1 {
                for j in 0..<n { row[j] *= beta }
            }
        }
    }

    /// Packs rows `row..<row+mc`, depth `depth..<depth+kc` of op(A), scaled by alpha, into
    /// panels of `rowTile` rows stored depth-major; the last panel is zero-padded.
    @inlinable
    static func packA(
        _ a: MatrixOperand, row: Int, mc: Int, depth: Int, kc: Int, alpha: Float,
        into packed: UnsafeMutablePointer<Float>
    ) {
        precondition(a.rowOffsets == nil, "a left operand cannot be given by row starts")
        let (rs, cs) = a.strides
        let tile = rowTile
        var destination = packed
        var i0 = 0
        while i0 < mc {
            let rows = min(tile, mc - i0)
            let source = a.base + (row + i0) * rs + depth * cs
            if rows == tile && cs == 1 {
                // Eight-row tiles: sixteen depths of the eight rows transposed in registers at
                // a time (the 8 x 16 block becomes 16 runs of 8), the rest one by one.
                var p = 0
                if tile == 8 {
                    while p + 16 <= kc {
                        transpose8x16(to: destination + p * 8, scale: alpha) { source + $0 * rs + p }
                        p += 16
                    }
                }
                while p < kc {
                    for r in 0..<tile { destination[p * tile + r] = alpha * source[r * rs + p] }
                    p += 1
                }
            } else {
                for p in 0..<kc {
                    for r in 0..<tile {
                        destination[p * tile + r] = r < rows ? alpha * source[r * rs + p * cs] : 0
                    }
                }
            }
            destination += kc * tile
            i0 += tile
        }
    }

    /// Packs depth `depth..<depth+kc`, columns `column..<column+nc` of op(B) into panels of
    /// `columnTile` columns stored depth-major; the last panel is zero-padded.
    @inlinable
    static func packB(
        _ b: MatrixOperand, depth: Int, kc: Int, column: Int, nc: Int,
        into packed: UnsafeMutablePointer<Float>
    ) {
        if let offsets = b.rowOffsets {
            if let columnOffsets = b.columnOffsets {
                packGatheredB(
                    b.base, rowOffsets: offsets + depth, columnOffsets: columnOffsets + column, kc: kc, nc: nc,
                    into: packed)
                return
            }
            if !b.isTransposed {
                packRowsB(b.base, offsets: offsets + depth, kc: kc, column: column, nc: nc, into: packed)
                return
            }
            // Transposed: column j of op(B) is the stored row starting at offsets[j].
            var destination = packed
            var j0 = 0
            while j0 < nc {
                let columns = min(columnTile, nc - j0)
                let first = offsets + column + j0
                packTransposedPanel(kc: kc, columns: columns, into: destination) { b.base + first[$0] + depth }
                destination += kc * columnTile
                j0 += columnTile
            }
            return
        }
        let (rs, cs) = b.strides
        let tile = columnTile
        var destination = packed
        var j0 = 0
        while j0 < nc {
            let columns = min(tile, nc - j0)
            let source = b.base + depth * rs + (column + j0) * cs
            if columns == tile && cs == 1 {
                for p in 0..<kc {
                    for q in stride(from: 0, to: tile, by: 16) {
                        UnsafeMutableRawPointer(destination + p * tile + q).storeBytes(
                            of: UnsafeRawPointer(source + p * rs + q).loadUnaligned(as: SIMD16<Float>.self),
                            as: SIMD16<Float>.self)
                    }
                }
            } else if columns == tile && rs == 1 {
                // op(B) is a transposed row-major matrix: each panel column is a contiguous
                // run of the source.
                packTransposedPanel(kc: kc, columns: tile, into: destination) { source + $0 * cs }
            } else if columns == tile {
                for p in 0..<kc {
                    for q in 0..<tile { destination[p * tile + q] = source[p * rs + q * cs] }
                }
            } else {
                for p in 0..<kc {
                    for q in 0..<tile {
                        destination[p * tile + q] = q < columns ? source[p * rs + q * cs] : 0
                    }
                }
            }
            destination += kc * tile
            j0 += tile
        }
    }

    /// Packs one B panel whose column `q` (of `columns`) is the contiguous run of `kc` values
    /// starting at `column(q)`. Full panels transpose sixteen columns by sixteen depths in
    /// registers at a time and spread the depths left over one by one; a partial panel is
    /// spread value by value and zero-padded.
    @inlinable @inline(__always)
    static func packTransposedPanel(
        kc: Int, columns: Int, into destination: UnsafeMutablePointer<Float>,
        column: (Int) -> UnsafePointer<Float>
    ) {
        let tile = columnTile
        guard columns == tile else {
            // Zero the panel sixteen values at a time, then spread the columns there are.
            for offset in stride(from: 0, to: kc * tile, by: 16) {
                UnsafeMutableRawPointer(destination + offset).storeBytes(of: SIMD16<Float>(), as: SIMD16<Float>.self)
            }
            for q in 0..<columns {
                let run = column(q)
                for p in 0..<kc { destination[p * tile + q] = run[p] }
            }
            return
        }
        let blocked = kc / 16 * 16
        for q in stride(from: 0, to: tile, by: 16) {
            var p = 0
            while p < blocked {
                transpose16x16(to: destination + p * tile + q, destinationRowStride: tile) { column(q + $0) + p }
                p += 16
            }
        }
        for q in 0..<tile {
            let run = column(q)
            for p in blocked..<kc { destination[p * tile + q] = run[p] }
        }
    }

    /// `packB` for an operand given by row starts: depth `p` of the slice is the row at
    /// `base + offsets[p]`.
    @inlinable
    static func packRowsB(
        _ base: UnsafePointer<Float>, offsets: UnsafePointer<Int>, kc: Int, column: Int, nc: Int,
        into packed: UnsafeMutablePointer<Float>
    ) {
        let tile = columnTile
        var destination = packed
        var j0 = 0
        while j0 < nc {
            let columns = min(tile, nc - j0)
            for p in 0..<kc {
                let source = base + offsets[p] + column + j0
                let row = destination + p * tile
                if columns == tile {
                    for q in stride(from: 0, to: tile, by: 16) {
                        UnsafeMutableRawPointer(row + q).storeBytes(
                            of: UnsafeRawPointer(source + q).loadUnaligned(as: SIMD16<Float>.self),
                            as: SIMD16<Float>.self)
                    }
                } else {
                    for q in 0..<tile { row[q] = q < columns ? source[q] : 0 }
                }
            }
            destination += kc * tile
            j0 += tile
        }
    }

    /// `packB` for an operand given by row starts and column offsets: depth `p`, column `q`
    /// is `base[rowOffsets[p] + columnOffsets[q]]`. Each panel's columns are first cut into
    /// runs of consecutive offsets (an image's output row), then every depth copies its runs.
    @inlinable
    static func packGatheredB(
        _ base: UnsafePointer<Float>, rowOffsets: UnsafePointer<Int>, columnOffsets: UnsafePointer<Int>, kc: Int,
        nc: Int, into packed: UnsafeMutablePointer<Float>
    ) {
        let tile = columnTile
        withUnsafeTemporaryAllocation(of: (column: Int, offset: Int, count: Int).self, capacity: tile) { runs in
            var destination = packed
            var j0 = 0
            while j0 < nc {
                let columns = min(tile, nc - j0)
                var runCount = 0
                var q = 0
                while q < columns {
                    let start = columnOffsets[j0 + q]
                    var count = 1
                    while q + count < columns && columnOffsets[j0 + q + count] == start + count { count += 1 }
                    runs[runCount] = (q, start, count)
                    runCount += 1
                    q += count
                }
                for p in 0..<kc {
                    let (source, row) = (base + rowOffsets[p], destination + p * tile)
                    for r in 0..<runCount {
                        copyRun(from: source + runs[r].offset, to: row + runs[r].column, count: runs[r].count)
                    }
                    for q in columns..<tile { row[q] = 0 }
                }
                destination += kc * tile
                j0 += tile
            }
        }
    }

    /// Copies `count` floats, sixteen, eight or four at a time where it can.
    @inlinable @inline(__always)
    static func copyRun(from source: UnsafePointer<Float>, to target: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i + 16 <= count {
            UnsafeMutableRawPointer(target + i).storeBytes(
                of: UnsafeRawPointer(source + i).loadUnaligned(as: SIMD16<Float>.self), as: SIMD16<Float>.self)
            i += 16
        }
        if i + 8 <= count {
            UnsafeMutableRawPointer(target + i).storeBytes(
                of: UnsafeRawPointer(source + i).loadUnaligned(as: SIMD8<Float>.self), as: SIMD8<Float>.self)
            i += 8
        }
        if i + 4 <= count {
            UnsafeMutableRawPointer(target + i).storeBytes(
                of: UnsafeRawPointer(source + i).loadUnaligned(as: SIMD4<Float>.self), as: SIMD4<Float>.self)
            i += 4
        }
        while i < count {
            target[i] = source[i]
            i += 1
        }
    }

    /// Runs the micro-kernel (or the narrow one, for a last tile it covers) on the row tile at `i0`.
    @inlinable @inline(__always)
    static func tile<Left: LeftBlock, Panel: PanelRows>(
        i0: Int, mc: Int, kc: Int, a: Left, b: Panel, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int,
        columns: Int
    ) {
        let rows = min(rowTile, mc - i0)
        if rows <= narrowRowTile && narrowRowTile < rowTile {
            narrowMicroKernel(
                kc: kc, a: a.tile(row: i0, rows: rows), b: b, beta: beta, c: c, ldc: ldc, rows: rows, columns: columns)
        } else {
            microKernel(
                kc: kc, a: a.tile(row: i0, rows: rows), b: b, beta: beta, c: c, ldc: ldc, rows: rows, columns: columns)
        }
    }

    /// Runs the micro-kernel over a block; with `inPlace` (the block's B columns start at
    /// `base`, depth step `p` at `offsets[p]`), panels before `fullColumns` are read in place
    /// and the rest from `packedB` as usual.
    @inlinable
    static func macroKernel<Left: LeftBlock>(
        mc: Int, nc: Int, kc: Int,
        a: Left, packedB: UnsafePointer<Float>,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int,
        inPlace: (base: UnsafePointer<Float>, offsets: UnsafePointer<Int>, fullColumns: Int)? = nil
    ) {
        var j0 = 0
        while j0 < nc {
            let columns = min(columnTile, nc - j0)
            var i0 = 0
            if let inPlace, j0 < inPlace.fullColumns {
                let panel = OffsetPanel(start: inPlace.base + j0, offsets: inPlace.offsets)
                while i0 < mc {
                    tile(
                        i0: i0, mc: mc, kc: kc, a: a, b: panel, beta: beta, c: c + i0 * ldc + j0, ldc: ldc,
                        columns: columns)
                    i0 += rowTile
                }
            } else {
                let panel = PackedPanel(start: UnsafeRawPointer(packedB + j0 * kc), step: columnTile * 4)
                while i0 < mc {
                    tile(
                        i0: i0, mc: mc, kc: kc, a: a, b: panel, beta: beta, c: c + i0 * ldc + j0, ldc: ldc,
                        columns: columns)
                    i0 += rowTile
                }
            }
            j0 += columnTile
        }
    }
}

/// Lanes 0-7 of `a` and `b` interleaved: `[a0, b0, a1, b1, ...]` (one permute on AVX-512).
@inlinable @inline(__always)
func interleaveLow(_ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD16<Float> {
    SIMD16(a[0], b[0], a[1], b[1], a[2], b[2], a[3], b[3], a[4], b[4], a[5], b[5], a[6], b[6], a[7], b[7])
}

/// Lanes 8-15 of `a` and `b` interleaved: `[a8, b8, a9, b9, ...]`.
@inlinable @inline(__always)
func interleaveHigh(_ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD16<Float> {
    SIMD16(a[8], b[8], a[9], b[9], a[10], b[10], a[11], b[11], a[12], b[12], a[13], b[13], a[14], b[14], a[15], b[15])
}

/// Writes the 8 x 16 block whose row `i` starts at `row(i)`, scaled, as 16 runs of 8 (the
/// block transposed, 128 contiguous values): three rounds of pairing row i with row i + 4 and
/// interleaving their lanes.
@inlinable @inline(__always)
func transpose8x16(to destination: UnsafeMutablePointer<Float>, scale: Float, row: (Int) -> UnsafePointer<Float>) {
    @inline(__always) func load(_ index: Int) -> SIMD16<Float> {
        UnsafeRawPointer(row(index)).loadUnaligned(as: SIMD16<Float>.self) * scale
    }
    var (v0, v1, v2, v3, v4, v5, v6, v7) = (load(0), load(1), load(2), load(3), load(4), load(5), load(6), load(7))
    for _ in 0..<3 {
        (v0, v1, v2, v3, v4, v5, v6, v7) = (
            interleaveLow(v0, v4), interleaveHigh(v0, v4), interleaveLow(v1, v5), interleaveHigh(v1, v5),
            interleaveLow(v2, v6), interleaveHigh(v2, v6), interleaveLow(v3, v7),
            interleaveHigh(v3, v7)
        )
    }
    let out = UnsafeMutableRawPointer(destination)
    out.storeBytes(of: v0, as: SIMD16<Float>.self)
    out.storeBytes(of: v1, toByteOffset: 64, as: SIMD16<Float>.self)
    out.storeBytes(of: v2, toByteOffset: 128, as: SIMD16<Float>.self)
    out.storeBytes(of: v3, toByteOffset: 192, as: SIMD16<Float>.self)
    out.storeBytes(of: v4, toByteOffset: 256, as: SIMD16<Float>.self)
    out.storeBytes(of: v5, toByteOffset: 320, as: SIMD16<Float>.self)
    out.storeBytes(of: v6, toByteOffset: 384, as: SIMD16<Float>.self)
    out.storeBytes(of: v7, toByteOffset: 448, as: SIMD16<Float>.self)
}

/// Writes the transpose of the 16 x 16 block whose row `i` starts at `row(i)` to
/// `destination` (rows `destinationRowStride` apart): four rounds of pairing row i with row
/// i + 8 and interleaving their lanes (a perfect shuffle) transpose the block. Each
/// interleave is one two-source permute on AVX-512.
@inlinable @inline(__always)
func transpose16x16(
    to destination: UnsafeMutablePointer<Float>, destinationRowStride: Int, row: (Int) -> UnsafePointer<Float>
) {
    @inline(__always) func load(_ index: Int) -> SIMD16<Float> {
        UnsafeRawPointer(row(index)).loadUnaligned(as: SIMD16<Float>.self)
    }
    var (v0, v1, v2, v3, v4, v5, v6, v7) = (load(0), load(1), load(2), load(3), load(4), load(5), load(6), load(7))
    var (v8, v9, v10, v11, v12, v13, v14, v15) = (
        load(8), load(9), load(10), load(11), load(12), load(13), load(14), load(15)
    )
    for _ in 0..<4 {
        (v0, v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11, v12, v13, v14, v15) = (
            interleaveLow(v0, v8), interleaveHigh(v0, v8), interleaveLow(v1, v9), interleaveHigh(v1, v9),
            interleaveLow(v2, v10), interleaveHigh(v2, v10),
            interleaveLow(v3, v11), interleaveHigh(v3, v11), interleaveLow(v4, v12), interleaveHigh(v4, v12),
            interleaveLow(v5, v13), interleaveHigh(v5, v13),
            interleaveLow(v6, v14), interleaveHigh(v6, v14), interleaveLow(v7, v15), interleaveHigh(v7, v15)
        )
    }
    @inline(__always) func store(_ row: SIMD16<Float>, _ index: Int) {
        UnsafeMutableRawPointer(destination + index * destinationRowStride).storeBytes(of: row, as: SIMD16<Float>.self)
    }
    store(v0, 0)
    store(v1, 1)
    store(v2, 2)
    store(v3, 3)
    store(v4, 4)
    store(v5, 5)
    store(v6, 6)
    store(v7, 7)
    store(v8, 8)
    store(v9, 9)
    store(v10, 10)
    store(v11, 11)
    store(v12, 12)
    store(v13, 13)
    store(v14, 14)
    store(v15, 15)
}

/// Stores one 16-wide row segment of a tile: `C = value + beta * C`, only the first
/// `columns` lanes when the tile is at the right edge.
@inlinable @inline(__always)
@usableFromInline func storeTileRow<Arithmetic: MultiplyAdd>(
    _: Arithmetic.Type, _ value: SIMD16<Float>, beta: Float, to destination: UnsafeMutablePointer<Float>,
    columns: Int
) {
    if columns >= 16 {
        let raw = UnsafeMutableRawPointer(destination)
        if beta == 0 {
            raw.storeBytes(of: value, as: SIMD16<Float>.self)
        } else {
            let old = UnsafeRawPointer(raw).loadUnaligned(as: SIMD16<Float>.self)
            raw.storeBytes(of: Arithmetic.multiplyAdd(value, SIMD16(repeating: beta), old), as: SIMD16<Float>.self)
        }
        return
    }
    for q in 0..<max(columns, 0) {
        destination[q] = beta == 0 ? value[q] : value[q] + beta * destination[q]
    }
}

/// The 6 x 16 tile: twelve 8-wide accumulators on AVX2 (of its sixteen registers), or six
/// 16-wide ones where a SIMD16 is one register.
@usableFromInline package enum PackedGEMM<Arithmetic: MultiplyAdd>: PackedGEMMKernel {
    @inlinable package static var rowTile: Int { 6 }
    @inlinable package static var columnTile: Int { 16 }
    @inlinable package static var depthBlock: Int { 384 }

    @inlinable @inline(__always)
    package static func microKernel<Tile: TileRows, Panel: PanelRows>(
        kc: Int, a: Tile, b: Panel,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, columns: Int
    ) {
        var c0 = SIMD16<Float>()
        var c1 = c0
        var c2 = c0
        var c3 = c0
        var c4 = c0
        var c5 = c0
        for p in 0..<kc {
            let bv = b.row(p).loadUnaligned(as: SIMD16<Float>.self)
            c0 = Arithmetic.multiplyAdd(c0, SIMD16(repeating: a.value(row: 0, depth: p)), bv)
            c1 = Arithmetic.multiplyAdd(c1, SIMD16(repeating: a.value(row: 1, depth: p)), bv)
            c2 = Arithmetic.multiplyAdd(c2, SIMD16(repeating: a.value(row: 2, depth: p)), bv)
            c3 = Arithmetic.multiplyAdd(c3, SIMD16(repeating: a.value(row: 3, depth: p)), bv)
            c4 = Arithmetic.multiplyAdd(c4, SIMD16(repeating: a.value(row: 4, depth: p)), bv)
            c5 = Arithmetic.multiplyAdd(c5, SIMD16(repeating: a.value(row: 5, depth: p)), bv)
        }
        storeTileRow(Arithmetic.self, c0, beta: beta, to: c, columns: columns)
        if rows > 1 { storeTileRow(Arithmetic.self, c1, beta: beta, to: c + ldc, columns: columns) }
        if rows > 2 { storeTileRow(Arithmetic.self, c2, beta: beta, to: c + 2 * ldc, columns: columns) }
        if rows > 3 { storeTileRow(Arithmetic.self, c3, beta: beta, to: c + 3 * ldc, columns: columns) }
        if rows > 4 { storeTileRow(Arithmetic.self, c4, beta: beta, to: c + 4 * ldc, columns: columns) }
        if rows > 5 { storeTileRow(Arithmetic.self, c5, beta: beta, to: c + 5 * ldc, columns: columns) }
    }
}

extension PackedGEMM {
    /// Four rows: eight 8-wide accumulators on AVX2, still enough to hide the multiply-add
    /// latency on two pipes, at two thirds of the full tile's cost.
    @inlinable package static var narrowRowTile: Int { 4 }

    @inlinable @inline(__always)
    package static func narrowMicroKernel<Tile: TileRows, Panel: PanelRows>(
        kc: Int, a: Tile, b: Panel,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, columns: Int
    ) {
        var c0 = SIMD16<Float>()
        var c1 = c0
        var c2 = c0
        var c3 = c0
        for p in 0..<kc {
            let bv = b.row(p).loadUnaligned(as: SIMD16<Float>.self)
            c0 = Arithmetic.multiplyAdd(c0, SIMD16(repeating: a.value(row: 0, depth: p)), bv)
            c1 = Arithmetic.multiplyAdd(c1, SIMD16(repeating: a.value(row: 1, depth: p)), bv)
            c2 = Arithmetic.multiplyAdd(c2, SIMD16(repeating: a.value(row: 2, depth: p)), bv)
            c3 = Arithmetic.multiplyAdd(c3, SIMD16(repeating: a.value(row: 3, depth: p)), bv)
        }
        storeTileRow(Arithmetic.self, c0, beta: beta, to: c, columns: columns)
        if rows > 1 { storeTileRow(Arithmetic.self, c1, beta: beta, to: c + ldc, columns: columns) }
        if rows > 2 { storeTileRow(Arithmetic.self, c2, beta: beta, to: c + 2 * ldc, columns: columns) }
        if rows > 3 { storeTileRow(Arithmetic.self, c3, beta: beta, to: c + 3 * ldc, columns: columns) }
    }
}

/// The 8 x 32 tile for CPUs with 32 16-wide registers (AVX-512): sixteen accumulators hide
/// the fused multiply-add latency on two pipes, and each step loads two B vectors and eight
/// A scalars for sixteen multiply-adds.
@usableFromInline package enum WidePackedGEMM<Arithmetic: MultiplyAdd>: PackedGEMMKernel {
    @inlinable package static var rowTile: Int { 8 }
    @inlinable package static var columnTile: Int { 32 }
    /// 256 deep: a 32-column B panel (32 KB) and an 8-row A panel (8 KB) fit the 48 KB L1.
    @inlinable package static var depthBlock: Int { 256 }

    @inlinable @inline(__always)
    package static func microKernel<Tile: TileRows, Panel: PanelRows>(
        kc: Int, a: Tile, b: Panel,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, columns: Int
    ) {
        var c00 = SIMD16<Float>()
        var c01 = c00
        var c10 = c00
        var c11 = c00
        var c20 = c00
        var c21 = c00
        var c30 = c00
        var c31 = c00
        var c40 = c00
        var c41 = c00
        var c50 = c00
        var c51 = c00
        var c60 = c00
        var c61 = c00
        var c70 = c00
        var c71 = c00
        for p in 0..<kc {
            let pb = b.row(p)
            let b0 = pb.loadUnaligned(as: SIMD16<Float>.self)
            let b1 = pb.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)
            var av = SIMD16<Float>(repeating: a.value(row: 0, depth: p))
            c00 = Arithmetic.multiplyAdd(c00, av, b0)
            c01 = Arithmetic.multiplyAdd(c01, av, b1)
            av = SIMD16(repeating: a.value(row: 1, depth: p))
            c10 = Arithmetic.multiplyAdd(c10, av, b0)
            c11 = Arithmetic.multiplyAdd(c11, av, b1)
            av = SIMD16(repeating: a.value(row: 2, depth: p))
            c20 = Arithmetic.multiplyAdd(c20, av, b0)
            c21 = Arithmetic.multiplyAdd(c21, av, b1)
            av = SIMD16(repeating: a.value(row: 3, depth: p))
            c30 = Arithmetic.multiplyAdd(c30, av, b0)
            c31 = Arithmetic.multiplyAdd(c31, av, b1)
            av = SIMD16(repeating: a.value(row: 4, depth: p))
            c40 = Arithmetic.multiplyAdd(c40, av, b0)
            c41 = Arithmetic.multiplyAdd(c41, av, b1)
            av = SIMD16(repeating: a.value(row: 5, depth: p))
            c50 = Arithmetic.multiplyAdd(c50, av, b0)
            c51 = Arithmetic.multiplyAdd(c51, av, b1)
            av = SIMD16(repeating: a.value(row: 6, depth: p))
            c60 = Arithmetic.multiplyAdd(c60, av, b0)
            c61 = Arithmetic.multiplyAdd(c61, av, b1)
            av = SIMD16(repeating: a.value(row: 7, depth: p))
            c70 = Arithmetic.multiplyAdd(c70, av, b0)
            c71 = Arithmetic.multiplyAdd(c71, av, b1)
        }
        let right = columns - 16
        storeTileRow(Arithmetic.self, c00, beta: beta, to: c, columns: columns)
        storeTileRow(Arithmetic.self, c01, beta: beta, to: c + 16, columns: right)
        if rows > 1 {
            storeTileRow(Arithmetic.self, c10, beta: beta, to: c + ldc, columns: columns)
            storeTileRow(Arithmetic.self, c11, beta: beta, to: c + ldc + 16, columns: right)
        }
        if rows > 2 {
            storeTileRow(Arithmetic.self, c20, beta: beta, to: c + 2 * ldc, columns: columns)
            storeTileRow(Arithmetic.self, c21, beta: beta, to: c + 2 * ldc + 16, columns: right)
        }
        if rows > 3 {
            storeTileRow(Arithmetic.self, c30, beta: beta, to: c + 3 * ldc, columns: columns)
            storeTileRow(Arithmetic.self, c31, beta: beta, to: c + 3 * ldc + 16, columns: right)
        }
        if rows > 4 {
            storeTileRow(Arithmetic.self, c40, beta: beta, to: c + 4 * ldc, columns: columns)
            storeTileRow(Arithmetic.self, c41, beta: beta, to: c + 4 * ldc + 16, columns: right)
        }
        if rows > 5 {
            storeTileRow(Arithmetic.self, c50, beta: beta, to: c + 5 * ldc, columns: columns)
            storeTileRow(Arithmetic.self, c51, beta: beta, to: c + 5 * ldc + 16, columns: right)
        }
        if rows > 6 {
            storeTileRow(Arithmetic.self, c60, beta: beta, to: c + 6 * ldc, columns: columns)
            storeTileRow(Arithmetic.self, c61, beta: beta, to: c + 6 * ldc + 16, columns: right)
        }
        if rows > 7 {
            storeTileRow(Arithmetic.self, c70, beta: beta, to: c + 7 * ldc, columns: columns)
            storeTileRow(Arithmetic.self, c71, beta: beta, to: c + 7 * ldc + 16, columns: right)
        }
    }
}
