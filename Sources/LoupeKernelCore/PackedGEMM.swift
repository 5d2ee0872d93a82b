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

extension PackedGEMMKernel {
    @inlinable static var rowBlock: Int { 96 }
    @inlinable static var columnBlock: Int { 2048 }
    /// The longest stored rows of an operand that `multiply` reads in place rather than packs
    /// (a transposed A, a row-major B of whole panels).
    @inlinable static var shortRowLimit: Int { 64 }

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
        // So is a transposed A whose stored rows are short (at most `shortRowLimit` values: a
        // tile's depth steps a few cache lines apart): packing it is a strided
        // gather that cost more than the product of a Winograd weight gradient's 16 x 16 sums.
        let readsTransposedAInPlace =
            alpha == 1 && a.rowOffsets == nil && a.isTransposed && a.rowStride <= shortRowLimit
        // An A given by row starts is only ever read in place.
        precondition(
            a.rowOffsets == nil || (alpha == 1 && packedA == nil && !a.isTransposed && a.columnOffsets == nil),
            "a left operand given by row starts is read in place, untransposed and unscaled")
        // A row-major B of short rows in whole panels is read in place as well (the Winograd
        // weight gradient's transformed tiles, 16 to 64 channels a tile).
        let readsBInPlace =
            packedB == nil && b.rowOffsets == nil && !b.isTransposed && b.rowStride <= shortRowLimit
            && n % columnTile == 0
        let bRowStride = readsBInPlace ? b.rowStride : nil
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
                } else if readsBInPlace {
                    panelsB = b.base + pc * b.rowStride + jc
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
                            packedB: panelsB, bRowStride: bRowStride, beta: blockBeta, c: c + ic * ldc + jc, ldc: ldc,
                            inPlace: inPlaceB)
                    } else if let rowOffsets = a.rowOffsets {
                        macroKernel(
                            mc: mc, nc: nc, kc: kc, a: OffsetRowsBlock(start: a.base + pc, offsets: rowOffsets + ic),
                            packedB: panelsB, bRowStride: bRowStride, beta: blockBeta, c: c + ic * ldc + jc, ldc: ldc,
                            inPlace: inPlaceB)
                    } else if readsTransposedAInPlace {
                        macroKernel(
                            mc: mc, nc: nc, kc: kc,
                            a: TransposedBlock(start: a.base + pc * a.rowStride + ic, depthStride: a.rowStride),
                            packedB: panelsB, bRowStride: bRowStride, beta: blockBeta, c: c + ic * ldc + jc, ldc: ldc,
                            inPlace: inPlaceB)
                    } else if readsAInPlace {
                        macroKernel(
                            mc: mc, nc: nc, kc: kc,
                            a: RowMajorBlock(start: a.base + ic * a.rowStride + pc, rowStride: a.rowStride),
                            packedB: panelsB, bRowStride: bRowStride, beta: blockBeta, c: c + ic * ldc + jc, ldc: ldc,
                            inPlace: inPlaceB)
                    } else {
                        packA(a, row: ic, mc: mc, depth: pc, kc: kc, alpha: alpha, into: aBuffer)
                        macroKernel(
                            mc: mc, nc: nc, kc: kc, a: PackedBlock(start: aBuffer, depth: kc, rowTile: rowTile),
                            packedB: panelsB, bRowStride: bRowStride, beta: blockBeta, c: c + ic * ldc + jc, ldc: ldc,
                            inPlace: inPlaceB)
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
                        copyFloats(from: source + runs[r].offset, to: row + runs[r].column, count: runs[r].count)
                    }
                    for q in columns..<tile { row[q] = 0 }
                }
                destination += kc * tile
                j0 += tile
            }
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
    /// and the rest from `packedB` as usual. With `bRowStride`, `packedB` is instead a
    /// row-major B read in place: panel `j0` starts at `packedB + j0`, depth steps
    /// `bRowStride` apart.
    @inlinable
    static func macroKernel<Left: LeftBlock>(
        mc: Int, nc: Int, kc: Int,
        a: Left, packedB: UnsafePointer<Float>, bRowStride: Int? = nil,
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
                let panel =
                    bRowStride.map { PackedPanel(start: UnsafeRawPointer(packedB + j0), step: $0 * 4) }
                    ?? PackedPanel(start: UnsafeRawPointer(packedB + j0 * kc), step: columnTile * 4)
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

/// Copies `count` floats, sixteen, eight or four at a time where it can, inline: the runs that
/// packing and padding copy are short (8 to 64 values), too short for a `memmove` call each.
@inlinable @inline(__always)
package func copyFloats(from source: UnsafePointer<Float>, to target: UnsafeMutablePointer<Float>, count: Int) {
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
