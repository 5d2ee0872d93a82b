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

#endif
