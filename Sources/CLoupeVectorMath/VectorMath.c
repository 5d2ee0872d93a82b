#include "CLoupeVectorMath.h"

// One build of the same source per instruction set (VectorMathBody.inc). The target's flags
// turn floating-point contraction off, so no path fuses a multiply and an add: every path
// rounds the same operations in the same order and gives the same bits.

#define LANES 4
#define NAME(x) x##_generic
#define TARGET
#include "VectorMathBody.inc"
#undef LANES
#undef NAME
#undef TARGET

#if defined(__x86_64__)
#define LANES 8
#define NAME(x) x##_avx2
#define TARGET __attribute__((target("avx2,fma")))
#include "VectorMathBody.inc"
#undef LANES
#undef NAME
#undef TARGET

#define LANES 16
#define NAME(x) x##_avx512
#define TARGET __attribute__((target("avx512f,avx2,fma")))
#include "VectorMathBody.inc"
#undef LANES
#undef NAME
#undef TARGET
#endif

void loupe_vector_apply(int path, int function, const float *input, float *output, long count) {
#if defined(__x86_64__)
    if (path == LOUPE_VECTOR_AVX512) {
        apply_avx512(function, input, output, count);
        return;
    }
    if (path == LOUPE_VECTOR_AVX2) {
        apply_avx2(function, input, output, count);
        return;
    }
#endif
    apply_generic(function, input, output, count);
}
