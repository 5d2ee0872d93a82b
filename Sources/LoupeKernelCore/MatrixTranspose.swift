import CLoupePlatform

/// The transpose of a row-major `rows x columns` matrix into another: blocks through SIMD
/// registers, scalar copies at the ragged edges. Pure data movement, so every path gives the
/// same values; it is generic over the multiply-add policy only so that each CPU module
/// compiles a specialisation of its own, with its registers (register shuffles compiled
/// without CPU flags were a sixth of sparse inference).
@usableFromInline package enum MatrixTranspose<Arithmetic: MultiplyAdd> {
    /// Tiles of 16 x 16, then 8 x 8 blocks and single values at the ragged edges.
    ///
    /// A 16 x 16 tile covers whole 64-byte cache lines on both sides. Without AVX-512 it is
    /// four 8 x 8 blocks, taken so that the side whose rows lie far apart (a channels-first
    /// image's planes, 4 KB apart at 32 x 32, all in one set of the L1 cache) has each line
    /// finished before the next is touched: two half-line visits to sixteen lines of one set
    /// would evict them in between.
    ///
    /// - Parameter wideBlocks: a tile in one step through 16 registers of 16 lanes (AVX-512's
    ///   32 registers hold it), else as four 8 x 8 blocks.
    @inlinable
    package static func transpose(
        _ source: UnsafePointer<Float>, rows: Int, columns: Int, sourceStride: Int,
        into destination: UnsafeMutablePointer<Float>, destinationStride: Int, wideBlocks: Bool
    ) {
        let (fullRows, fullColumns) = (rows / 16 * 16, columns / 16 * 16)
        // Blocks in source order (a source line's two halves one after the other) when the
        // source rows are the farther apart, else in destination order.
        let sourceOrder = sourceStride >= destinationStride
        for r0 in stride(from: 0, to: fullRows, by: 16) {
            // The rows of the next tile row, a tile of columns at a time: with 16 rows read
            // side by side, the hardware prefetcher alone leaves a batch that is not in cache
            // to arrive at a third of the memory's sequential rate.
            let next = r0 + 16 < fullRows ? source + (r0 + 16) * sourceStride : nil
            for c0 in stride(from: 0, to: fullColumns, by: 16) {
                if let next {
                    for i in 0..<16 { loupe_prefetch(next + i * sourceStride + c0) }
                }
                let (from, to) = (source + r0 * sourceStride + c0, destination + c0 * destinationStride + r0)
                if wideBlocks {
                    transpose16x16(to: to, destinationRowStride: destinationStride) { from + $0 * sourceStride }
                } else {
                    for block in 0..<4 {
                        let (i, j) = sourceOrder ? (block / 2 * 8, block % 2 * 8) : (block % 2 * 8, block / 2 * 8)
                        transpose8x8(
                            from + i * sourceStride + j, sourceStride: sourceStride,
                            into: to + j * destinationStride + i, destinationStride: destinationStride)
                    }
                }
            }
        }
        // The edges: the rows below the tiles, and the columns right of them.
        blocks(
            source, rows: fullRows..<rows, columns: 0..<columns, sourceStride: sourceStride, into: destination,
            destinationStride: destinationStride)
        blocks(
            source, rows: 0..<fullRows, columns: fullColumns..<columns, sourceStride: sourceStride,
            into: destination, destinationStride: destinationStride)
    }

    /// The transpose of one rectangle of the source, in 8 x 8 blocks and single values.
    @inlinable
    static func blocks(
        _ source: UnsafePointer<Float>, rows: Range<Int>, columns: Range<Int>, sourceStride: Int,
        into destination: UnsafeMutablePointer<Float>, destinationStride: Int
    ) {
        let rowEnd = rows.lowerBound + rows.count / 8 * 8
        let columnEnd = columns.lowerBound + columns.count / 8 * 8
        for r0 in stride(from: rows.lowerBound, to: rowEnd, by: 8) {
            for c0 in stride(from: columns.lowerBound, to: columnEnd, by: 8) {
                transpose8x8(
                    source + r0 * sourceStride + c0, sourceStride: sourceStride,
                    into: destination + c0 * destinationStride + r0, destinationStride: destinationStride)
            }
        }
        for r in rows {
            for c in (r < rowEnd ? columnEnd : columns.lowerBound)..<columns.upperBound {
                destination[c * destinationStride + r] = source[r * sourceStride + c]
            }
        }
    }

    /// Transposes one 8 x 8 block: three rounds of splitting row pairs into their even and odd
    /// elements turn rows into columns.
    @inlinable @inline(__always)
    static func transpose8x8(
        _ source: UnsafePointer<Float>, sourceStride: Int, into destination: UnsafeMutablePointer<Float>,
        destinationStride: Int
    ) {
        @inline(__always) func row(_ i: Int) -> SIMD8<Float> {
            UnsafeRawPointer(source + i * sourceStride).loadUnaligned(as: SIMD8<Float>.self)
        }
        var r = (row(0), row(1), row(2), row(3), row(4), row(5), row(6), row(7))
        for _ in 0..<3 {
            let p0 = SIMD16(lowHalf: r.0, highHalf: r.1)
            let p1 = SIMD16(lowHalf: r.2, highHalf: r.3)
            let p2 = SIMD16(lowHalf: r.4, highHalf: r.5)
            let p3 = SIMD16(lowHalf: r.6, highHalf: r.7)
            r = (p0.evenHalf, p1.evenHalf, p2.evenHalf, p3.evenHalf, p0.oddHalf, p1.oddHalf, p2.oddHalf, p3.oddHalf)
        }
        @inline(__always) func store(_ value: SIMD8<Float>, _ i: Int) {
            UnsafeMutableRawPointer(destination + i * destinationStride).storeBytes(of: value, as: SIMD8<Float>.self)
        }
        store(r.0, 0)
        store(r.1, 1)
        store(r.2, 2)
        store(r.3, 3)
        store(r.4, 4)
        store(r.5, 5)
        store(r.6, 6)
        store(r.7, 7)
    }
}
