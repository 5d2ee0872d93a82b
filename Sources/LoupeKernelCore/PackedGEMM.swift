/// A cache-blocked single-precision matrix product, `C = alpha * op(A) * op(B) + beta * C`,
/// with operands packed into contiguous panels and a 6 x 16 register-blocked micro-kernel.
///
/// The blocking follows the usual Goto/BLIS scheme: a `kc`-deep slice of B is packed into
/// 16-column panels that stay in L2, a `mc`-row block of A into 6-row panels that stay in L1,
/// and the micro-kernel keeps a 6 x 16 tile of C in registers across the whole slice.
public enum PackedGEMM<Arithmetic: MultiplyAdd> {
    public static var rowTile: Int { 6 }
    public static var columnTile: Int { 16 }
    /// The deepest slice packed at once; depths are split into balanced slices no deeper.
    @usableFromInline static var depthBlock: Int { 384 }
    @usableFromInline static var rowBlock: Int { 96 }
    @usableFromInline static var columnBlock: Int { 2048 }

    /// Floats of scratch space `multiply` needs for packing.
    public static var workspaceCount: Int {
        depthBlock * (rowBlock + columnBlock)
    }

    /// Computes `C[m x n] = alpha * op(A)[m x k] * op(B)[k x n] + beta * C`.
    ///
    /// - Parameter workspace: at least `workspaceCount` floats, 64-byte aligned preferred.
    @inlinable
    public static func multiply(
        m: Int, n: Int, k: Int, alpha: Float,
        a: MatrixOperand, b: MatrixOperand,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int,
        workspace: UnsafeMutablePointer<Float>
    ) {
        guard m > 0, n > 0 else { return }
        if k == 0 || alpha == 0 {
            scale(m: m, n: n, beta: beta, c: c, ldc: ldc)
            return
        }
        let packedB = workspace
        let packedA = workspace + depthBlock * columnBlock
        var jc = 0
        while jc < n {
            let nc = min(columnBlock, n - jc)
            // Balanced slices: a depth of 288 is one slice, not 256 + 32.
            let slices = (k + depthBlock - 1) / depthBlock
            let sliceDepth = (k + slices - 1) / slices
            var pc = 0
            while pc < k {
                let kc = min(sliceDepth, k - pc)
                packB(b, depth: pc, kc: kc, column: jc, nc: nc, into: packedB)
                let blockBeta: Float = pc == 0 ? beta : 1
                var ic = 0
                while ic < m {
                    let mc = min(rowBlock, m - ic)
                    packA(a, row: ic, mc: mc, depth: pc, kc: kc, alpha: alpha, into: packedA)
                    macroKernel(
                        mc: mc, nc: nc, kc: kc, packedA: packedA, packedB: packedB,
                        beta: blockBeta, c: c + ic * ldc + jc, ldc: ldc)
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
        let (rs, cs) = a.strides
        var destination = packed
        var i0 = 0
        while i0 < mc {
            let rows = min(rowTile, mc - i0)
            let source = a.base + (row + i0) * rs + depth * cs
            if rows == rowTile && cs == 1 {
                for p in 0..<kc {
                    for r in 0..<6 { destination[p * 6 + r] = alpha * source[r * rs + p] }
                }
            } else {
                for p in 0..<kc {
                    for r in 0..<rowTile {
                        destination[p * rowTile + r] = r < rows ? alpha * source[r * rs + p * cs] : 0
                    }
                }
            }
            destination += kc * rowTile
            i0 += rowTile
        }
    }

    /// Packs depth `depth..<depth+kc`, columns `column..<column+nc` of op(B) into panels of
    /// `columnTile` columns stored depth-major; the last panel is zero-padded.
    @inlinable
    static func packB(
        _ b: MatrixOperand, depth: Int, kc: Int, column: Int, nc: Int,
        into packed: UnsafeMutablePointer<Float>
    ) {
        let (rs, cs) = b.strides
        var destination = packed
        var j0 = 0
        while j0 < nc {
            let columns = min(columnTile, nc - j0)
            let source = b.base + depth * rs + (column + j0) * cs
            if columns == columnTile && cs == 1 {
                for p in 0..<kc {
                    UnsafeMutableRawPointer(destination + p * 16).storeBytes(
                        of: UnsafeRawPointer(source + p * rs).loadUnaligned(as: SIMD16<Float>.self),
                        as: SIMD16<Float>.self)
                }
            } else if columns == columnTile {
                for p in 0..<kc {
                    for q in 0..<16 { destination[p * 16 + q] = source[p * rs + q * cs] }
                }
            } else {
                for p in 0..<kc {
                    for q in 0..<columnTile {
                        destination[p * columnTile + q] = q < columns ? source[p * rs + q * cs] : 0
                    }
                }
            }
            destination += kc * columnTile
            j0 += columnTile
        }
    }

    @inlinable
    static func macroKernel(
        mc: Int, nc: Int, kc: Int,
        packedA: UnsafeMutablePointer<Float>, packedB: UnsafeMutablePointer<Float>,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        var j0 = 0
        while j0 < nc {
            let columns = min(columnTile, nc - j0)
            let panelB = packedB + j0 * kc
            var i0 = 0
            while i0 < mc {
                microKernel(
                    kc: kc, a: packedA + i0 * kc, b: panelB, beta: beta, c: c + i0 * ldc + j0, ldc: ldc,
                    rows: min(rowTile, mc - i0), columns: columns)
                i0 += rowTile
            }
            j0 += columnTile
        }
    }

    /// C[rows x columns] = A-panel * B-panel + beta * C, accumulating a 6 x 16 tile in
    /// registers; edge tiles (fewer rows or columns) store only their valid part.
    @inlinable @inline(__always)
    static func microKernel(
        kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, columns: Int
    ) {
        var c0 = SIMD16<Float>()
        var c1 = c0
        var c2 = c0
        var c3 = c0
        var c4 = c0
        var c5 = c0
        var pa = a
        var pb = UnsafeRawPointer(b)
        for _ in 0..<kc {
            let bv = pb.loadUnaligned(as: SIMD16<Float>.self)
            c0 = Arithmetic.multiplyAdd(c0, SIMD16(repeating: pa[0]), bv)
            c1 = Arithmetic.multiplyAdd(c1, SIMD16(repeating: pa[1]), bv)
            c2 = Arithmetic.multiplyAdd(c2, SIMD16(repeating: pa[2]), bv)
            c3 = Arithmetic.multiplyAdd(c3, SIMD16(repeating: pa[3]), bv)
            c4 = Arithmetic.multiplyAdd(c4, SIMD16(repeating: pa[4]), bv)
            c5 = Arithmetic.multiplyAdd(c5, SIMD16(repeating: pa[5]), bv)
            pa += 6
            pb += 64
        }
        if rows == 6 && columns == 16 {
            store(c0, beta: beta, to: c)
            store(c1, beta: beta, to: c + ldc)
            store(c2, beta: beta, to: c + 2 * ldc)
            store(c3, beta: beta, to: c + 3 * ldc)
            store(c4, beta: beta, to: c + 4 * ldc)
            store(c5, beta: beta, to: c + 5 * ldc)
            return
        }
        storeEdge(c0, beta: beta, to: c, columns: columns)
        if rows > 1 { storeEdge(c1, beta: beta, to: c + ldc, columns: columns) }
        if rows > 2 { storeEdge(c2, beta: beta, to: c + 2 * ldc, columns: columns) }
        if rows > 3 { storeEdge(c3, beta: beta, to: c + 3 * ldc, columns: columns) }
        if rows > 4 { storeEdge(c4, beta: beta, to: c + 4 * ldc, columns: columns) }
        if rows > 5 { storeEdge(c5, beta: beta, to: c + 5 * ldc, columns: columns) }
    }

    @inlinable @inline(__always)
    static func store(_ value: SIMD16<Float>, beta: Float, to destination: UnsafeMutablePointer<Float>) {
        let raw = UnsafeMutableRawPointer(destination)
        if beta == 0 {
            raw.storeBytes(of: value, as: SIMD16<Float>.self)
        } else {
            let old = UnsafeRawPointer(raw).loadUnaligned(as: SIMD16<Float>.self)
            raw.storeBytes(of: Arithmetic.multiplyAdd(value, SIMD16(repeating: beta), old), as: SIMD16<Float>.self)
        }
    }

    @inlinable @inline(__always)
    static func storeEdge(
        _ value: SIMD16<Float>, beta: Float, to destination: UnsafeMutablePointer<Float>, columns: Int
    ) {
        if columns == 16 { return store(value, beta: beta, to: destination) }
        for q in 0..<columns {
            destination[q] = beta == 0 ? value[q] : value[q] + beta * destination[q]
        }
    }
}
