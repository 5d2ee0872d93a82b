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
