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
    @inlinable
    package static func multiply(
        rows: Range<Int>, segmentOffsets: UnsafePointer<Int>, columnBlocks: Int,
        columnIndices: UnsafePointer<Int32>, values: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        input: UnsafePointer<Float>, inputStride: Int, lanes: Int,
        output: UnsafeMutablePointer<Float>, outputStride: Int, rectify: Bool
    ) {
        precondition(lanes % laneVector == 0, "lanes must be a multiple of \(laneVector)")
        precondition(columnBlocks >= 1, "need at least one column block")
        // Lane tiles outermost: the slice of X a tile reads (columns x 64 floats) stays in L2
        // across all rows, whatever the batch size.
        var lane = 0
        while lane < lanes {
            let isWide = lane + laneTile <= lanes
            for block in 0..<columnBlocks {
                let isFirst = block == 0
                let isLast = block == columnBlocks - 1
                for row in rows {
                    let segment = row * (columnBlocks + 1) + block
                    let (start, end) = (segmentOffsets[segment], segmentOffsets[segment + 1])
                    if start == end && !isFirst && !(isLast && rectify) { continue }
                    let y = output + row * outputStride + lane
                    let initial: SIMD16<Float>? = isFirst ? SIMD16(repeating: bias?[row] ?? 0) : nil
                    if isWide {
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
            lane += isWide ? laneTile : laneVector
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
