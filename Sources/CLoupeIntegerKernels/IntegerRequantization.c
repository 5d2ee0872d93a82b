// The step between two integer layers: Int32 sums to the next layer's int8 codes (or to float
// at the end), with the zero-point correction, optional 2 x 2 max pooling, rescale, bias and
// ReLU in one pass. Generic C, AVX2 and AVX-512 compute the same bits: the float operations are the
// same, in the same order, and never fused (this target is built with -ffp-contract=off).
#include "CLoupeIntegerKernels.h"

#include <math.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define LOUPE_X86 1
#endif

/// `sums - correction` at unpooled position (y, x), channel `c`, wrapping like the products.
static inline int32_t centred(const int32_t *sums, long ldc, long width, long y, long x, long c, int32_t correction) {
    return (int32_t)((uint32_t)sums[(y * width + x) * ldc + c] - (uint32_t)correction);
}

static void requantize_generic(const loupe_int8_requantization *q, const int32_t *sums, void *output) {
    long pool = q->pool, height = q->height / pool, width = q->width / pool;
    for (long y = 0; y < height; y++) {
        for (long x = 0; x < width; x++) {
            long target = y * q->rowStride + x * q->columnStride;
            for (long c = 0; c < q->channels; c++) {
                int32_t best = centred(sums, q->ldc, q->width, y * pool, x * pool, c, q->corrections[c]);
                for (long dy = 0; dy < pool; dy++) {
                    for (long dx = 0; dx < pool; dx++) {
                        int32_t value =
                            centred(sums, q->ldc, q->width, y * pool + dy, x * pool + dx, c, q->corrections[c]);
                        best = value > best ? value : best;
                    }
                }
                float v = (float)best * q->rescales[c];
                v = v + q->offsets[c];
                if (q->relu) v = v > 0.0f ? v : 0.0f;
                long at = target + c * q->channelStride;
                if (q->codes) {
                    float code = rintf(v / q->scale) + q->zeroPoint;
                    code = code < -128.0f ? -128.0f : code;
                    code = code > 127.0f ? 127.0f : code;
                    ((uint8_t *)output)[at] = (uint8_t)((int)code + 128);
                } else {
                    ((float *)output)[at] = v;
                }
            }
        }
    }
}

#if LOUPE_X86
__attribute__((target("avx2,fma"))) static void requantize_avx2(
    const loupe_int8_requantization *q, const int32_t *sums, void *output) {
    long pool = q->pool, height = q->height / pool, width = q->width / pool;
    const __m256 zero = _mm256_setzero_ps(), low = _mm256_set1_ps(-128.0f), high = _mm256_set1_ps(127.0f);
    const __m256 scale = _mm256_set1_ps(q->scale), zeroPoint = _mm256_set1_ps(q->zeroPoint);
    for (long y = 0; y < height; y++) {
        for (long x = 0; x < width; x++) {
            long target = y * q->rowStride + x * q->columnStride;
            for (long c0 = 0; c0 < q->channels; c0 += 8) {
                long lanes = q->channels - c0 < 8 ? q->channels - c0 : 8;
                __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)lanes), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
                __m256i correction = _mm256_maskload_epi32(q->corrections + c0, mask);
                __m256i best = _mm256_set1_epi32(INT32_MIN);
                for (long dy = 0; dy < pool; dy++) {
                    for (long dx = 0; dx < pool; dx++) {
                        const int32_t *row = sums + ((y * pool + dy) * q->width + x * pool + dx) * q->ldc + c0;
                        best = _mm256_max_epi32(best, _mm256_sub_epi32(_mm256_maskload_epi32(row, mask), correction));
                    }
                }
                __m256 v = _mm256_mul_ps(_mm256_cvtepi32_ps(best), _mm256_maskload_ps(q->rescales + c0, mask));
                v = _mm256_add_ps(v, _mm256_maskload_ps(q->offsets + c0, mask));
                if (q->relu) v = _mm256_max_ps(v, zero);
                long at = target + c0 * q->channelStride;
                if (q->codes) {
                    __m256 code = _mm256_round_ps(_mm256_div_ps(v, scale), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
                    code = _mm256_min_ps(_mm256_max_ps(_mm256_add_ps(code, zeroPoint), low), high);
                    int32_t spill[8];
                    _mm256_storeu_si256((__m256i *)spill, _mm256_cvtps_epi32(code));
                    uint8_t *codes = (uint8_t *)output + at;
                    for (long l = 0; l < lanes; l++) codes[l * q->channelStride] = (uint8_t)(spill[l] + 128);
                } else {
                    float *values = (float *)output + at;
                    if (q->channelStride == 1) {
                        _mm256_maskstore_ps(values, mask, v);
                    } else {
                        float spill[8];
                        _mm256_storeu_ps(spill, v);
                        for (long l = 0; l < lanes; l++) values[l * q->channelStride] = spill[l];
                    }
                }
            }
        }
    }
}

__attribute__((target("avx512f,avx512bw"))) static void requantize_avx512(
    const loupe_int8_requantization *q, const int32_t *sums, void *output) {
    long pool = q->pool, height = q->height / pool, width = q->width / pool;
    const __m512 zero = _mm512_setzero_ps(), low = _mm512_set1_ps(-128.0f), high = _mm512_set1_ps(127.0f);
    const __m512 scale = _mm512_set1_ps(q->scale), zeroPoint = _mm512_set1_ps(q->zeroPoint);
    for (long y = 0; y < height; y++) {
        for (long x = 0; x < width; x++) {
            long target = y * q->rowStride + x * q->columnStride;
            for (long c0 = 0; c0 < q->channels; c0 += 16) {
                long lanes = q->channels - c0 < 16 ? q->channels - c0 : 16;
                __mmask16 mask = (__mmask16)((1u << lanes) - 1u);
                __m512i correction = _mm512_maskz_loadu_epi32(mask, q->corrections + c0);
                __m512i best = _mm512_set1_epi32(INT32_MIN);
                for (long dy = 0; dy < pool; dy++) {
                    for (long dx = 0; dx < pool; dx++) {
                        const int32_t *row = sums + ((y * pool + dy) * q->width + x * pool + dx) * q->ldc + c0;
                        __m512i value = _mm512_sub_epi32(_mm512_maskz_loadu_epi32(mask, row), correction);
                        best = _mm512_max_epi32(best, value);
                    }
                }
                __m512 v = _mm512_mul_ps(_mm512_cvtepi32_ps(best), _mm512_maskz_loadu_ps(mask, q->rescales + c0));
                v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mask, q->offsets + c0));
                // vmaxps returns its second operand for (+-0, 0): +0, as `v > 0 ? v : 0` does.
                if (q->relu) v = _mm512_max_ps(v, zero);
                long at = target + c0 * q->channelStride;
                if (q->codes) {
                    __m512 code = _mm512_roundscale_ps(
                        _mm512_div_ps(v, scale), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
                    code = _mm512_min_ps(_mm512_max_ps(_mm512_add_ps(code, zeroPoint), low), high);
                    __m512i shifted = _mm512_add_epi32(_mm512_cvtps_epi32(code), _mm512_set1_epi32(128));
                    uint8_t *codes = (uint8_t *)output + at;
                    if (q->channelStride == 1) {
                        _mm512_mask_cvtepi32_storeu_epi8(codes, mask, shifted);
                    } else {
                        uint8_t spill[16];
                        _mm_storeu_si128((__m128i *)spill, _mm512_cvtepi32_epi8(shifted));
                        for (long l = 0; l < lanes; l++) codes[l * q->channelStride] = spill[l];
                    }
                } else {
                    float *values = (float *)output + at;
                    if (q->channelStride == 1) {
                        _mm512_mask_storeu_ps(values, mask, v);
                    } else {
                        float spill[16];
                        _mm512_storeu_ps(spill, v);
                        for (long l = 0; l < lanes; l++) values[l * q->channelStride] = spill[l];
                    }
                }
            }
        }
    }
}
#endif

void loupe_int8_requantize(int path, const loupe_int8_requantization *q, const int32_t *sums, void *output) {
#if LOUPE_X86
    if (path == LOUPE_INT8_AVX512_VNNI) {
        requantize_avx512(q, sums, output);
        return;
    }
    if (path == LOUPE_INT8_AVX2) {
        requantize_avx2(q, sums, output);
        return;
    }
#endif
    requantize_generic(q, sums, output);
}
