/// The product of a CSR sparse matrix with a dense matrix stored feature-major, written once
/// over the multiply-add policy: `Y[r, lane] = bias[r] + Σ_k values[k] * X[columns[k], lane]`
/// for `k` in row `r`'s range of the CSR arrays.
///
/// `X` is `[columns, lanes]` and `Y` is `[rows, lanes]`, both row-major with the given row
/// strides; for a linear layer the lanes are the examples of a batch, so every nonzero weight
/// is one broadcast multiply-add over a contiguous run of examples. Lanes are processed 64 at a
/// time (four 16-wide accumulators, eight AVX2 registers, enough independent chains to hide
/// the multiply-add latency), then 16 at a time; `lanes` must be a multiple of 16.
@usableFromInline package enum SparseRowProduct<Arithmetic: MultiplyAdd> {
    /// Lanes accumulated together by the wide tile.
    @usableFromInline package static var laneTile: Int { 64 }
    /// Output rows whose tiles stay in L1 while a column block is added to them.
    @usableFromInline package static var rowGroup: Int { 32 }
    /// The SIMD width; `lanes` must be a multiple of it.
    @usableFromInline package static var laneVector: Int { 16 }

    /// Computes output rows `rows` (a sub-range, so threads can split the rows).
    ///
    /// The columns are processed in blocks (`segmentOffsets`) so that the rows of X a block
    /// reads stay in L1 while every output row adds that block's nonzeros: the output tile is
    /// reloaded once per block instead of X being streamed from L2 once per nonzero.
    ///
    /// - Parameters:
    ///   - segmentOffsets: for row `r` and column block `j`, the nonzeros of that block are
    ///     `segmentOffsets[r * (columnBlocks + 1) + j]..<segmentOffsets[r * (columnBlocks + 1) + j + 1]`.
    ///   - columnBlocks: number of column blocks (at least 1).
    ///   - columnIndices: CSR column of every nonzero.
    ///   - values: CSR value of every nonzero.
    ///   - bias: one value per row added to every lane, or nil for zero.
    ///   - rectify: whether to clamp the results at zero (a fused ReLU).
    ///   - doubleTiles: whether to take 128 lanes at a time (eight accumulators: AVX-512 has the
    ///     registers) where there are as many; each lane's sum is the same.
    @inlinable
    package static func multiply(
        rows: Range<Int>, segmentOffsets: UnsafePointer<Int>, columnBlocks: Int,
        columnIndices: UnsafePointer<Int32>, values: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        input: UnsafePointer<Float>, inputStride: Int, lanes: Int,
        output: UnsafeMutablePointer<Float>, outputStride: Int, rectify: Bool, doubleTiles: Bool = false
    ) {
        precondition(lanes % laneVector == 0, "lanes must be a multiple of \(laneVector)")
        precondition(columnBlocks >= 1, "need at least one column block")
        // Lane tiles outermost: the slice of X a tile reads (columns x 64 floats) stays in L2
        // across all rows, whatever the batch size.
        var lane = 0
        while lane < lanes {
            let width =
                doubleTiles && lane + 2 * laneTile <= lanes
                ? 2 * laneTile : lane + laneTile <= lanes ? laneTile : laneVector
            // Rows in groups whose output tiles (rowGroup x 64 lanes) stay in L1 beside the
            // block of X, instead of the whole output streaming through once per block.
            for group in stride(from: rows.lowerBound, to: rows.upperBound, by: rowGroup) {
                for block in 0..<columnBlocks {
                    let isFirst = block == 0
                    let isLast = block == columnBlocks - 1
                    for row in group..<min(group + rowGroup, rows.upperBound) {
                        let segment = row * (columnBlocks + 1) + block
                        let (start, end) = (segmentOffsets[segment], segmentOffsets[segment + 1])
                        if start == end && !isFirst && !(isLast && rectify) { continue }
                        let y = output + row * outputStride + lane
                        let initial: SIMD16<Float>? = isFirst ? SIMD16(repeating: bias?[row] ?? 0) : nil
                        if width == 2 * laneTile {
                            doubleTile(
                                nonzeros: start..<end, columnIndices: columnIndices, values: values, initial: initial,
                                input: input + lane, inputStride: inputStride, output: y, rectify: isLast && rectify)
                        } else if width == laneTile {
                            wideTile(
                                nonzeros: start..<end, columnIndices: columnIndices, values: values, initial: initial,
                                input: input + lane, inputStride: inputStride, output: y, rectify: isLast && rectify)
                        } else {
                            narrowTile(
                                nonzeros: start..<end, columnIndices: columnIndices, values: values, initial: initial,
                                input: input + lane, inputStride: inputStride, output: y, rectify: isLast && rectify)
                        }
                    }
                }
            }
            lane += width
        }
    }

    /// 64 lanes of one output row: starts from `initial` (or the stored output when nil) and
    /// adds the given nonzeros.
    @inlinable @inline(__always)
    static func wideTile(
        nonzeros: Range<Int>, columnIndices: UnsafePointer<Int32>, values: UnsafePointer<Float>,
        initial: SIMD16<Float>?, input: UnsafePointer<Float>, inputStride: Int,
        output: UnsafeMutablePointer<Float>, rectify: Bool
    ) {
        let y = UnsafeMutableRawPointer(output)
        var a0: SIMD16<Float>
        var a1: SIMD16<Float>
        var a2: SIMD16<Float>
        var a3: SIMD16<Float>
        if let initial {
            (a0, a1, a2, a3) = (initial, initial, initial, initial)
        } else {
            a0 = UnsafeRawPointer(y).loadUnaligned(as: SIMD16<Float>.self)
            a1 = UnsafeRawPointer(y).loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)
            a2 = UnsafeRawPointer(y).loadUnaligned(fromByteOffset: 128, as: SIMD16<Float>.self)
            a3 = UnsafeRawPointer(y).loadUnaligned(fromByteOffset: 192, as: SIMD16<Float>.self)
        }
        for k in nonzeros {
            let weight = SIMD16<Float>(repeating: values[k])
            let x = UnsafeRawPointer(input + Int(columnIndices[k]) * inputStride)
            a0 = Arithmetic.multiplyAdd(a0, weight, x.loadUnaligned(as: SIMD16<Float>.self))
            a1 = Arithmetic.multiplyAdd(a1, weight, x.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self))
            a2 = Arithmetic.multiplyAdd(a2, weight, x.loadUnaligned(fromByteOffset: 128, as: SIMD16<Float>.self))
            a3 = Arithmetic.multiplyAdd(a3, weight, x.loadUnaligned(fromByteOffset: 192, as: SIMD16<Float>.self))
        }
        if rectify {
            let zero = SIMD16<Float>()
            a0.replace(with: zero, where: a0 .< zero)
            a1.replace(with: zero, where: a1 .< zero)
            a2.replace(with: zero, where: a2 .< zero)
            a3.replace(with: zero, where: a3 .< zero)
        }
        y.storeBytes(of: a0, as: SIMD16<Float>.self)
        y.storeBytes(of: a1, toByteOffset: 64, as: SIMD16<Float>.self)
        y.storeBytes(of: a2, toByteOffset: 128, as: SIMD16<Float>.self)
        y.storeBytes(of: a3, toByteOffset: 192, as: SIMD16<Float>.self)
    }

    /// 128 lanes of one output row, as `wideTile` with eight accumulators: each nonzero's
    /// eight multiply-adds cover the multiply-add latency on their own.
    @inlinable @inline(__always)
    static func doubleTile(
        nonzeros: Range<Int>, columnIndices: UnsafePointer<Int32>, values: UnsafePointer<Float>,
        initial: SIMD16<Float>?, input: UnsafePointer<Float>, inputStride: Int,
        output: UnsafeMutablePointer<Float>, rectify: Bool
    ) {
        let y = UnsafeMutableRawPointer(output)
        var a = (SIMD16<Float>(), SIMD16<Float>(), SIMD16<Float>(), SIMD16<Float>())
        var b = a
        if let initial {
            (a, b) = ((initial, initial, initial, initial), (initial, initial, initial, initial))
        } else {
            let z = UnsafeRawPointer(y)
            a = (
                z.loadUnaligned(as: SIMD16<Float>.self), z.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self),
                z.loadUnaligned(fromByteOffset: 128, as: SIMD16<Float>.self),
                z.loadUnaligned(fromByteOffset: 192, as: SIMD16<Float>.self)
            )
            b = (
                z.loadUnaligned(fromByteOffset: 256, as: SIMD16<Float>.self),
                z.loadUnaligned(fromByteOffset: 320, as: SIMD16<Float>.self),
                z.loadUnaligned(fromByteOffset: 384, as: SIMD16<Float>.self),
                z.loadUnaligned(fromByteOffset: 448, as: SIMD16<Float>.self)
            )
        }
        for k in nonzeros {
            let weight = SIMD16<Float>(repeating: values[k])
            let x = UnsafeRawPointer(input + Int(columnIndices[k]) * inputStride)
            a.0 = Arithmetic.multiplyAdd(a.0, weight, x.loadUnaligned(as: SIMD16<Float>.self))
            a.1 = Arithmetic.multiplyAdd(a.1, weight, x.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self))
            a.2 = Arithmetic.multiplyAdd(a.2, weight, x.loadUnaligned(fromByteOffset: 128, as: SIMD16<Float>.self))
            a.3 = Arithmetic.multiplyAdd(a.3, weight, x.loadUnaligned(fromByteOffset: 192, as: SIMD16<Float>.self))
            b.0 = Arithmetic.multiplyAdd(b.0, weight, x.loadUnaligned(fromByteOffset: 256, as: SIMD16<Float>.self))
            b.1 = Arithmetic.multiplyAdd(b.1, weight, x.loadUnaligned(fromByteOffset: 320, as: SIMD16<Float>.self))
            b.2 = Arithmetic.multiplyAdd(b.2, weight, x.loadUnaligned(fromByteOffset: 384, as: SIMD16<Float>.self))
            b.3 = Arithmetic.multiplyAdd(b.3, weight, x.loadUnaligned(fromByteOffset: 448, as: SIMD16<Float>.self))
        }
        if rectify {
            let zero = SIMD16<Float>()
            a.0.replace(with: zero, where: a.0 .< zero)
            a.1.replace(with: zero, where: a.1 .< zero)
            a.2.replace(with: zero, where: a.2 .< zero)
            a.3.replace(with: zero, where: a.3 .< zero)
            b.0.replace(with: zero, where: b.0 .< zero)
            b.1.replace(with: zero, where: b.1 .< zero)
            b.2.replace(with: zero, where: b.2 .< zero)
            b.3.replace(with: zero, where: b.3 .< zero)
        }
        y.storeBytes(of: a.0, as: SIMD16<Float>.self)
        y.storeBytes(of: a.1, toByteOffset: 64, as: SIMD16<Float>.self)
        y.storeBytes(of: a.2, toByteOffset: 128, as: SIMD16<Float>.self)
        y.storeBytes(of: a.3, toByteOffset: 192, as: SIMD16<Float>.self)
        y.storeBytes(of: b.0, toByteOffset: 256, as: SIMD16<Float>.self)
        y.storeBytes(of: b.1, toByteOffset: 320, as: SIMD16<Float>.self)
        y.storeBytes(of: b.2, toByteOffset: 384, as: SIMD16<Float>.self)
        y.storeBytes(of: b.3, toByteOffset: 448, as: SIMD16<Float>.self)
    }

    /// 16 lanes of one output row, as `wideTile`.
    @inlinable @inline(__always)
    static func narrowTile(
        nonzeros: Range<Int>, columnIndices: UnsafePointer<Int32>, values: UnsafePointer<Float>,
        initial: SIMD16<Float>?, input: UnsafePointer<Float>, inputStride: Int,
        output: UnsafeMutablePointer<Float>, rectify: Bool
    ) {
        let y = UnsafeMutableRawPointer(output)
        var a0 = initial ?? UnsafeRawPointer(y).loadUnaligned(as: SIMD16<Float>.self)
        for k in nonzeros {
            let x = UnsafeRawPointer(input + Int(columnIndices[k]) * inputStride)
            a0 = Arithmetic.multiplyAdd(a0, SIMD16(repeating: values[k]), x.loadUnaligned(as: SIMD16<Float>.self))
        }
        if rectify { a0.replace(with: SIMD16<Float>(), where: a0 .< SIMD16<Float>()) }
        y.storeBytes(of: a0, as: SIMD16<Float>.self)
    }
}
