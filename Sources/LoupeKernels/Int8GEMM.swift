import CLoupeIntegerKernels
import LoupeSupport

/// Exact int8 matrix products: `C[m x n] = A[m x k] * W^T` in Int32, with `W` (`n x k`) packed
/// once (`Int8PackedWeights`). Integer sums are exact (wrapping on overflow, as integer
/// hardware does), so every path and every thread count gives bit-identical results.
package enum Int8GEMM {
    /// `c[i * ldc + j] = sum_d a[i * lda + d] * weights[j][d]` for `i < m`, `j < weights.outputs`,
    /// on the path the weights were packed for; rows of C are split into contiguous ranges
    /// across up to `threads` threads.
    package static func multiply(
        m: Int, a: UnsafePointer<Int8>, lda: Int, weights: Int8PackedWeights,
        c: UnsafeMutablePointer<Int32>, ldc: Int, threads: Int = 1
    ) {
        precondition(m >= 0 && lda >= weights.inputs && ldc >= weights.outputs, "int8 product strides too small")
        let (n, k) = (weights.outputs, weights.inputs)
        // At least 48 rows (8 micro-tiles of 6) per thread; small products run on one.
        let parts = max(1, min(threads, m / 48))
        let ranges = Parallel.ranges(count: m, parts: parts)
        let failures = Parallel.map(count: ranges.count, threads: parts) { part -> Bool in
            let rows = ranges[part]
            return loupe_int8_multiply(
                weights.path.code, rows.count, n, k, a + rows.lowerBound * lda, lda, weights.storage,
                c + rows.lowerBound * ldc, ldc) != 0
        }
        precondition(!failures.contains(true), "out of memory packing an int8 product's rows")
        withExtendedLifetime(weights) {}
    }

    /// `c[i * ldc + j] = sum_q sum_t (a[rowOffsets[i] + quadOffsets[q] + t] - 128) *
    /// weights[j][4q + t]`, on one thread: the left operand read in place from unsigned bytes
    /// (codes + 128), `weights.inputs / 4` quads per row (a convolution's windows in a padded
    /// image, `Int8ConvolutionLayout`, or plain rows). The caller keeps every byte read inside
    /// `a`.
    package static func multiply(
        m: Int, a: UnsafePointer<UInt8>, rowOffsets: UnsafePointer<Int>, quadOffsets: UnsafePointer<Int>,
        weights: Int8PackedWeights, c: UnsafeMutablePointer<Int32>, ldc: Int
    ) {
        precondition(m >= 0 && weights.inputs % 4 == 0 && ldc >= weights.outputs, "int8 gathered product shape")
        let status = loupe_int8_multiply_gathered(
            weights.path.code, m, weights.outputs, weights.inputs / 4, a, rowOffsets, quadOffsets, weights.storage, c,
            ldc)
        precondition(status == 0, "out of memory gathering an int8 product's rows")
        withExtendedLifetime(weights) {}
    }
}
