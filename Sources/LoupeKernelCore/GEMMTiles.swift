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

/// Stores one 32-wide row of a tile as its two 16-wide halves (`storeTileRow`).
@inlinable @inline(__always)
@usableFromInline func storeWideTileRow<Arithmetic: MultiplyAdd>(
    _: Arithmetic.Type, _ left: SIMD16<Float>, _ right: SIMD16<Float>, beta: Float,
    to destination: UnsafeMutablePointer<Float>, columns: Int
) {
    storeTileRow(Arithmetic.self, left, beta: beta, to: destination, columns: columns)
    storeTileRow(Arithmetic.self, right, beta: beta, to: destination + 16, columns: columns - 16)
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
    /// 288 deep: a 32-column B panel (36 KB) and an 8-row A panel (9 KB) fit the 48 KB L1, and
    /// a 3 x 3 convolution over 32 channels is one slice instead of two of 144 (1-2% on
    /// resnet-mini's and the cnn's convolutions, `loupe-bench --resnet-convolutions`).
    @inlinable package static var depthBlock: Int { 288 }

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
        storeWideTileRow(Arithmetic.self, c00, c01, beta: beta, to: c, columns: columns)
        if rows > 1 {
            storeWideTileRow(Arithmetic.self, c10, c11, beta: beta, to: c + ldc, columns: columns)
        }
        if rows > 2 {
            storeWideTileRow(Arithmetic.self, c20, c21, beta: beta, to: c + 2 * ldc, columns: columns)
        }
        if rows > 3 {
            storeWideTileRow(Arithmetic.self, c30, c31, beta: beta, to: c + 3 * ldc, columns: columns)
        }
        if rows > 4 {
            storeWideTileRow(Arithmetic.self, c40, c41, beta: beta, to: c + 4 * ldc, columns: columns)
        }
        if rows > 5 {
            storeWideTileRow(Arithmetic.self, c50, c51, beta: beta, to: c + 5 * ldc, columns: columns)
        }
        if rows > 6 {
            storeWideTileRow(Arithmetic.self, c60, c61, beta: beta, to: c + 6 * ldc, columns: columns)
        }
        if rows > 7 {
            storeWideTileRow(Arithmetic.self, c70, c71, beta: beta, to: c + 7 * ldc, columns: columns)
        }
    }
}

extension WidePackedGEMM {
    /// Four rows: eight accumulators, still enough to hide the multiply-add latency on two
    /// pipes, at half the full tile's cost; a product of one to four rows (an inference batch
    /// of one) no longer pays for eight.
    @inlinable package static var narrowRowTile: Int { 4 }

    @inlinable @inline(__always)
    package static func narrowMicroKernel<Tile: TileRows, Panel: PanelRows>(
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
        }
        storeWideTileRow(Arithmetic.self, c00, c01, beta: beta, to: c, columns: columns)
        if rows > 1 {
            storeWideTileRow(Arithmetic.self, c10, c11, beta: beta, to: c + ldc, columns: columns)
        }
        if rows > 2 {
            storeWideTileRow(Arithmetic.self, c20, c21, beta: beta, to: c + 2 * ldc, columns: columns)
        }
        if rows > 3 {
            storeWideTileRow(Arithmetic.self, c30, c31, beta: beta, to: c + 3 * ldc, columns: columns)
        }
    }
}
