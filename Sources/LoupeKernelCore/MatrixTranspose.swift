import CLoupePlatform

/// The transpose of a row-major `rows x columns` matrix into another: blocks through SIMD
/// registers, scalar copies at the ragged edges. Pure data movement, so every path gives the
/// same values; it is generic over the multiply-add policy only so that each CPU module
/// compiles a specialisation of its own, with its registers (register shuffles compiled
/// without CPU flags were a sixth of sparse inference).
@usableFromInline package enum MatrixTranspose<Arithmetic: MultiplyAdd> {
    /// - Parameters:
    ///   - wideBlocks: 16 x 16 blocks (AVX-512's 32 registers hold one), else 8 x 8.
    ///   - prefetchesNextRows: touch the next block of rows while this one is moved, for a
    ///     source that is not in cache (sparse inference's batches: 2-3%). Where the rows are
    ///     a multiple of 4 KiB apart (the channel planes of a 32 x 32 image), those lines go to
    ///     the one L1 set the current rows already fill and evict them: Winograd's transposes
    ///     ran up to 30% faster without (BENCHMARKS.md).
    @inlinable
    package static func transpose(
        _ source: UnsafePointer<Float>, rows: Int, columns: Int, sourceStride: Int,
        into destination: UnsafeMutablePointer<Float>, destinationStride: Int, wideBlocks: Bool,
        prefetchesNextRows: Bool
    ) {
        let block = wideBlocks ? 16 : 8
        let (fullRows, fullColumns) = (rows / block * block, columns / block * block)
        for r0 in stride(from: 0, to: fullRows, by: block) {
            // The rows of the next block, a block of columns at a time: with 16 rows read side
            // by side, the hardware prefetcher alone leaves a batch that is not in cache to
            // arrive at a third of the memory's sequential rate.
            let next = prefetchesNextRows && r0 + block < fullRows ? source + (r0 + block) * sourceStride : nil
            for c0 in stride(from: 0, to: fullColumns, by: block) {
                if let next {
                    for i in 0..<block { loupe_prefetch(next + i * sourceStride + c0) }
                }
                let (from, to) = (source + r0 * sourceStride + c0, destination + c0 * destinationStride + r0)
                if wideBlocks {
                    transpose16x16(to: to, destinationRowStride: destinationStride) { from + $0 * sourceStride }
                } else {
                    transpose8x8(from, sourceStride: sourceStride, into: to, destinationStride: destinationStride)
                }
            }
        }
        for r in 0..<rows {
            let done = r < fullRows ? fullColumns : 0
            for c in done..<columns { destination[c * destinationStride + r] = source[r * sourceStride + c] }
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
