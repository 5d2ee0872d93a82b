import Dispatch
import LoupeKernelCore
import LoupeKernelsAVX2
import LoupeKernelsAVX512

#if canImport(Glibc)
    import Glibc
#else
    import Darwin
#endif

/// Single-precision general matrix multiply on row-major matrices.
package enum GEMM {
    /// Computes `C = alpha * op(A) * op(B) + beta * C` where `op(A)` is `m x k`, `op(B)` is
    /// `k x n` and `C` is `m x n`; `lda`, `ldb`, `ldc` are the row strides of the matrices as
    /// stored (before transposition). With `beta == 0`, `C` need not be initialised.
    ///
    /// `packedA` or `packedB`, when given, must be `op(A)` or `op(B)` packed for this path
    /// (`PackedOperand`); the product then reads them instead of packing `a` or `b`, with the
    /// same result bit for bit. A packed A needs `alpha == 1`. `bRowOffsets`, when given,
    /// makes B the matrix whose stored row `i` starts at `b + bRowOffsets[i]` (`ldb` unused);
    /// `bColumnOffsets`, with it, places column `j` of each row `bColumnOffsets[j]` past its
    /// start (B untransposed). `aRowOffsets`, likewise, makes A the matrix whose row `i`
    /// starts at `a + aRowOffsets[i]` (`lda` unused), read in place: A untransposed, alpha 1,
    /// no `packedA`.
    package static func multiply(
        transposeA: Bool = false, transposeB: Bool = false,
        m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int,
        path: KernelPath = .active,
        packedA: PackedOperand? = nil, packedB: PackedOperand? = nil, aRowOffsets: UnsafePointer<Int>? = nil,
        bRowOffsets: UnsafePointer<Int>? = nil, bColumnOffsets: UnsafePointer<Int>? = nil
    ) {
        precondition(bColumnOffsets == nil || bRowOffsets != nil, "column offsets of B without row offsets")
        if let packedA {
            precondition(
                packedA.side == .left && packedA.path == path && packedA.rows == m && packedA.columns == k,
                "packed left operand \(packedA.rows) x \(packedA.columns) (\(packedA.path)) does not fit \(m) x \(k) (\(path))"
            )
        }
        if let packedB {
            precondition(
                packedB.side == .right && packedB.path == path && packedB.rows == k && packedB.columns == n,
                "packed right operand \(packedB.rows) x \(packedB.columns) (\(packedB.path)) does not fit \(k) x \(n) (\(path))"
            )
        }
        let opA =
            aRowOffsets.map { MatrixOperand(base: a, rowOffsets: $0, isTransposed: transposeA) }
            ?? MatrixOperand(base: a, rowStride: lda, isTransposed: transposeA)
        let opB =
            bRowOffsets.map {
                MatrixOperand(base: b, rowOffsets: $0, columnOffsets: bColumnOffsets, isTransposed: transposeB)
            }
            ?? MatrixOperand(base: b, rowStride: ldb, isTransposed: transposeB)
        let workspace = GEMMWorkspace.forCurrentThread()
        let (panelsA, panelsB) = (packedA.map { UnsafePointer($0.panels) }, packedB.map { UnsafePointer($0.panels) })
        switch path {
        case .avx512:
            avx512Multiply(
                m: m, n: n, k: k, alpha: alpha, a: opA, b: opB, beta: beta, c: c, ldc: ldc,
                workspace: workspace, packedA: panelsA, packedB: panelsB)
        case .avx2:
            avx2Multiply(
                m: m, n: n, k: k, alpha: alpha, a: opA, b: opB, beta: beta, c: c, ldc: ldc,
                workspace: workspace, packedA: panelsA, packedB: panelsB)
        case .generic:
            PackedGEMM<SeparateMultiplyAdd>.multiply(
                m: m, n: n, k: k, alpha: alpha, a: opA, b: opB, beta: beta, c: c, ldc: ldc,
                workspace: workspace, packedA: panelsA, packedB: panelsB)
        }
        withExtendedLifetime((packedA, packedB)) {}
    }
}

extension GEMM {
    /// The depth of the slices `multiply` splits a product of depth `k` into on `path`: each
    /// slice's sums are added onto C in turn, so a product split at these depths by the
    /// caller, each part added onto C, is the same product bit for bit.
    package static func sliceDepth(k: Int, path: KernelPath = .active) -> Int {
        path == .avx512
            ? WidePackedGEMM<SeparateMultiplyAdd>.sliceDepth(k: k) : PackedGEMM<SeparateMultiplyAdd>.sliceDepth(k: k)
    }

    /// The columns of C the micro-kernel of `path` computes at once.
    package static func columnTile(path: KernelPath = .active) -> Int {
        path == .avx512 ? WidePackedGEMM<SeparateMultiplyAdd>.columnTile : PackedGEMM<SeparateMultiplyAdd>.columnTile
    }
}

/// Per-thread packing buffer for `GEMM`, allocated once per thread and reused.
enum GEMMWorkspace {
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { pointer in
            #if os(Linux)
                pointer?.deallocate()
            #else
                pointer.deallocate()
            #endif
        }
        return key
    }()

    static func forCurrentThread() -> UnsafeMutablePointer<Float> {
        if let existing = pthread_getspecific(key) {
            return existing.assumingMemoryBound(to: Float.self)
        }
        let raw = UnsafeMutableRawPointer.allocate(
            byteCount: max(
                PackedGEMM<SeparateMultiplyAdd>.workspaceCount, WidePackedGEMM<SeparateMultiplyAdd>.workspaceCount)
                * MemoryLayout<Float>.size,
            alignment: 64)
        pthread_setspecific(key, raw)
        return raw.assumingMemoryBound(to: Float.self)
    }
}

extension GEMM {
    /// The single-core arithmetic peak of a kernel path in GFLOP/s, measured with a loop of
    /// independent multiply-add chains (best of five runs of about 0.1 s).
    package static func measurePeakGFLOPS(path: KernelPath = .active) -> Double {
        let iterations = 20_000_000
        var best = Double.infinity
        var sink: Float = 0
        let chains = path == .avx512 ? 12 : 6
        for _ in 0..<5 {
            let start = DispatchTime.now().uptimeNanoseconds
            switch path {
            case .avx512: sink += avx512MultiplyAddChains(iterations: iterations)
            case .avx2: sink += avx2MultiplyAddChains(iterations: iterations)
            case .generic: sink += multiplyAddChains(SeparateMultiplyAdd.self, iterations: iterations)
            }
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        precondition(sink.isFinite)
        return Double(iterations * multiplyAddChainFLOPs(chains: chains)) / best / 1e9
    }
}
