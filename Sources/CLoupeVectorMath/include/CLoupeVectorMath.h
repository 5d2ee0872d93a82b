#ifndef CLOUPEVECTORMATH_H
#define CLOUPEVECTORMATH_H

/// The functions `loupe_vector_apply` computes.
enum {
    LOUPE_VECTOR_EXP = 0,
    LOUPE_VECTOR_LOG = 1,
    LOUPE_VECTOR_TANH = 2,
    LOUPE_VECTOR_SIGMOID = 3,
};

/// The instruction sets `loupe_vector_apply` can use. Every path computes the same
/// operations in the same order, without fused multiply-adds, so results are bit-identical.
enum {
    LOUPE_VECTOR_GENERIC = 0,
    LOUPE_VECTOR_AVX2 = 1,
    LOUPE_VECTOR_AVX512 = 2,
};

/// `output[i] = function(input[i])` for `i < count` (`output` may be `input`), with the
/// instructions of `path`, which the caller has checked the CPU supports. exp and log follow
/// Cephes' single-precision routines (within 2 ulp of the correctly rounded values, subnormals,
/// zeros, infinities and NaN included), tanh Cephes' tanhf (within 3 ulp; 1 beyond 9), the
/// sigmoid is `1 / (1 + exp(-x))`.
void loupe_vector_apply(int path, int function, const float *input, float *output, long count);

/// Max pooling over disjoint 2 x 2 windows of `pairs` row pairs of `width` (even) columns in
/// rows `rowLength` apart, into `pairs * width / 2` outputs, optionally rectified, recording
/// each window's first maximum (0-3, row-major) in `windows` unless it is null: the
/// comparisons and selections of `MaxPooling.windowPairs`, in its order, so the same bits.
/// Unless `bias` is null, `bias[pair / pairsPerBias]` is added to each value first. For
/// AVX-512F only; the caller has checked the CPU supports it.
void loupe_window_pairs_avx512(
    const float *x, long pairs, long rowLength, long width, int rectifying, const float *bias, long pairsPerBias,
    float *y, float *windows);

#endif
