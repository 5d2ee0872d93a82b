#include "CLoupeVectorMath.h"

// 2 x 2 max pooling of row pairs (MaxPooling.windowPairs in LoupeKernels), for AVX-512F:
// sixteen windows per step, the row's tail under a mask. Only comparisons and selections, in
// the order of the Swift kernel, so the bits are those of every other path:
//   columns = lower > upper ? lower : upper   (vmaxps lower, upper)
//   window  = right > left ? right : left     (left the even columns, right the odd)
//   rectified: window < 0 ? 0 : window
//   index of the first maximum: upper even 0, upper odd 1, lower even 2, else 3.
// The last pair goes window by window, as the Swift kernel's does (Swift's max: y >= x ? y : x).
// With a bias, each value is its sum with the bias before anything else (none is added without
// one: adding 0 would turn -0 into +0).

static void last_pair(
    const float *top, const float *bottom, long ow, int rectifying, const float *bias, float *y, float *windows) {
    for (long ox = 0; ox < ow; ox++) {
        float a = top[2 * ox], b = top[2 * ox + 1], c = bottom[2 * ox], d = bottom[2 * ox + 1];
        if (bias) a += *bias, b += *bias, c += *bias, d += *bias;
        float ab = b >= a ? b : a, cd = d >= c ? d : c;
        float window = cd >= ab ? cd : ab;
        y[ox] = rectifying && window < 0 ? 0 : window;
        if (windows) windows[ox] = a == window ? 0 : b == window ? 1 : c == window ? 2 : 3;
    }
}

#if defined(__x86_64__)
#include <immintrin.h>

__attribute__((target("avx512f"))) static void window_pairs_avx512(
    const float *x, long pairs, long rowLength, long width, int rectifying, const float *bias, long pairsPerBias,
    float *y, float *windows) {
    const long ow = width / 2;
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i odd = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    const __m512 zero = _mm512_setzero_ps();
    for (long pair = 0; pair < pairs; pair++) {
        const float *top = x + pair * 2 * rowLength, *bottom = top + rowLength;
        float *target = y + pair * ow, *recorded = windows ? windows + pair * ow : 0;
        const float *added = bias ? bias + pair / pairsPerBias : 0;
        if (pair == pairs - 1) {
            last_pair(top, bottom, ow, rectifying, added, target, recorded);
            continue;
        }
        for (long ox = 0; ox < ow; ox += 16) {
            long n = ow - ox < 16 ? ow - ox : 16;
            __mmask16 low = n >= 8 ? 0xFFFF : (__mmask16)((1u << (2 * n)) - 1);
            __mmask16 high = n > 8 ? (__mmask16)((1u << (2 * (n - 8))) - 1) : 0;
            __mmask16 out = (__mmask16)((1u << n) - 1);
            __m512 u0 = _mm512_maskz_loadu_ps(low, top + 2 * ox), u1 = _mm512_maskz_loadu_ps(high, top + 2 * ox + 16);
            __m512 l0 = _mm512_maskz_loadu_ps(low, bottom + 2 * ox);
            __m512 l1 = _mm512_maskz_loadu_ps(high, bottom + 2 * ox + 16);
            if (added) {
                __m512 b = _mm512_set1_ps(*added);
                u0 = _mm512_add_ps(u0, b), u1 = _mm512_add_ps(u1, b), l0 = _mm512_add_ps(l0, b), l1 = _mm512_add_ps(l1, b);
            }
            __m512 c0 = _mm512_max_ps(l0, u0), c1 = _mm512_max_ps(l1, u1);
            __m512 left = _mm512_permutex2var_ps(c0, even, c1), right = _mm512_permutex2var_ps(c0, odd, c1);
            __m512 window = _mm512_max_ps(right, left);
            if (recorded) {
                __m512 index = _mm512_set1_ps(3);
                __m512 lowerEven = _mm512_permutex2var_ps(l0, even, l1);
                __m512 upperOdd = _mm512_permutex2var_ps(u0, odd, u1);
                __m512 upperEven = _mm512_permutex2var_ps(u0, even, u1);
                index = _mm512_mask_mov_ps(index, _mm512_cmp_ps_mask(lowerEven, window, _CMP_EQ_OQ), _mm512_set1_ps(2));
                index = _mm512_mask_mov_ps(index, _mm512_cmp_ps_mask(upperOdd, window, _CMP_EQ_OQ), _mm512_set1_ps(1));
                index = _mm512_mask_mov_ps(index, _mm512_cmp_ps_mask(upperEven, window, _CMP_EQ_OQ), zero);
                _mm512_mask_storeu_ps(recorded + ox, out, index);
            }
            if (rectifying) window = _mm512_mask_mov_ps(window, _mm512_cmp_ps_mask(window, zero, _CMP_LT_OQ), zero);
            _mm512_mask_storeu_ps(target + ox, out, window);
        }
    }
}
#endif

void loupe_window_pairs_avx512(
    const float *x, long pairs, long rowLength, long width, int rectifying, const float *bias, long pairsPerBias,
    float *y, float *windows) {
#if defined(__x86_64__)
    window_pairs_avx512(x, pairs, rowLength, width, rectifying, bias, pairsPerBias, y, windows);
#else
    (void)x, (void)pairs, (void)rowLength, (void)width, (void)rectifying, (void)bias, (void)pairsPerBias, (void)y;
    (void)windows;
#endif
}
