/// The product of a CSR sparse matrix with a dense matrix stored feature-major, written once
/// over the multiply-add policy: `Y[r, lane] = bias[r] + Σ_k values[k] * X[columns[k], lane]`
/// for `k` in row `r`'s range of the CSR arrays.
///
/// `X` is `[columns, lanes]` and `Y` is `[rows, lanes]`, both row-major with the given row
/// strides; for a linear layer the lanes are the examples of a batch, so every nonzero weight
/// is one broadcast multiply-add over a contiguous run of examples. Lanes are processed 64 at a
/// time (four 16-wide accumulators, eight AVX2 registers, enough independent chains to hide
/// the multiply-add latency), then 16 at a time; `lanes` must be a multiple of 16.
public enum SparseRowProduct<Arithmetic: MultiplyAdd> {
    /// Lanes accumulated together by the wide tile.
    public static var laneTile: Int { 64 }
    /// The SIMD width; `lanes` must be a multiple of it.
    public static var laneVector: Int { 16 }

    /// Computes output rows `rows` (a sub-range, so threads can split the rows).
    ///
    /// - Parameters:
    ///   - rowOffsets: CSR row offsets, `rows.upperBound + 1` entries at least.
    ///   - columnIndices: CSR column of every nonzero.
    ///   - values: CSR value of every nonzero.
    ///   - bias: one value per row added to every lane, or nil for zero.
    ///   - rectify: whether to clamp the results at zero (a fused ReLU).
    @inlinable
    public static func multiply(
        rows: Range<Int>, rowOffsets: UnsafePointer<Int>, columnIndices: UnsafePointer<Int32>,
        values: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        input: UnsafePointer<Float>, inputStride: Int, lanes: Int,
        output: UnsafeMutablePointer<Float>, outputStride: Int, rectify: Bool
    ) {
        precondition(lanes % laneVector == 0, "lanes must be a multiple of \(laneVector)")
        // Lane tiles outermost: the slice of X a tile reads (columns x 64 floats) stays in L2
        // across all rows, whatever the batch size.
        var lane = 0
        while lane + laneTile <= lanes {
            for row in rows {
                wideTile(
                    row: row, rowOffsets: rowOffsets, columnIndices: columnIndices, values: values, bias: bias,
                    input: input + lane, inputStride: inputStride, output: output + row * outputStride + lane,
                    rectify: rectify)
            }
            lane += laneTile
        }
        while lane < lanes {
            for row in rows {
                narrowTile(
                    row: row, rowOffsets: rowOffsets, columnIndices: columnIndices, values: values, bias: bias,
                    input: input + lane, inputStride: inputStride, output: output + row * outputStride + lane,
                    rectify: rectify)
            }
            lane += laneVector
        }
    }

    @inlinable @inline(__always)
    static func wideTile(
        row: Int, rowOffsets: UnsafePointer<Int>, columnIndices: UnsafePointer<Int32>,
        values: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        input: UnsafePointer<Float>, inputStride: Int, output: UnsafeMutablePointer<Float>, rectify: Bool
    ) {
        let start = SIMD16<Float>(repeating: bias?[row] ?? 0)
        var a0 = start
        var a1 = start
        var a2 = start
        var a3 = start
        for k in rowOffsets[row]..<rowOffsets[row + 1] {
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
        let y = UnsafeMutableRawPointer(output)
        y.storeBytes(of: a0, as: SIMD16<Float>.self)
        y.storeBytes(of: a1, toByteOffset: 64, as: SIMD16<Float>.self)
        y.storeBytes(of: a2, toByteOffset: 128, as: SIMD16<Float>.self)
        y.storeBytes(of: a3, toByteOffset: 192, as: SIMD16<Float>.self)
    }

    @inlinable @inline(__always)
    static func narrowTile(
        row: Int, rowOffsets: UnsafePointer<Int>, columnIndices: UnsafePointer<Int32>,
        values: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        input: UnsafePointer<Float>, inputStride: Int, output: UnsafeMutablePointer<Float>, rectify: Bool
    ) {
        var a0 = SIMD16<Float>(repeating: bias?[row] ?? 0)
        for k in rowOffsets[row]..<rowOffsets[row + 1] {
            let x = UnsafeRawPointer(input + Int(columnIndices[k]) * inputStride)
            a0 = Arithmetic.multiplyAdd(a0, SIMD16(repeating: values[k]), x.loadUnaligned(as: SIMD16<Float>.self))
        }
        if rectify { a0.replace(with: SIMD16<Float>(), where: a0 .< SIMD16<Float>()) }
        UnsafeMutableRawPointer(output).storeBytes(of: a0, as: SIMD16<Float>.self)
    }
}
