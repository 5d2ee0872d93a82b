// Exact int8 x int8 -> Int32 matrix products on three paths (generic C, AVX2, AVX-512 VNNI),
// each compiled for its instructions by a per-function target attribute; `Int8GEMM` in
// LoupeKernels calls the AVX2 and VNNI paths only on CPUs that report them.
#include "CLoupeIntegerKernels.h"

#include <stdlib.h>
#include <math.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define LOUPE_X86 1
#endif

static long ceil_div(long a, long b) { return (a + b - 1) / b; }

long loupe_int8_panel_columns(int path) {
    switch (path) {
    case LOUPE_INT8_AVX2: return 16;
    case LOUPE_INT8_AVX512_VNNI: return 32;
    default: return 1;
    }
}

long loupe_int8_panel_depth_step(int path) {
    switch (path) {
    case LOUPE_INT8_AVX2: return 2;
    case LOUPE_INT8_AVX512_VNNI: return 4;
    default: return 1;
    }
}

static int8_t weight_at(const int8_t *b, long ldb, long n, long k, long column, long depth) {
    return column < n && depth < k ? b[column * ldb + depth] : 0;
}

void loupe_int8_pack_weights(int path, const int8_t *b, long ldb, long n, long k, void *packed) {
    if (path == LOUPE_INT8_AVX2) {
        // Panels of 16 columns; per depth pair, 16 (int16, int16) pairs: column j's values at
        // depths 2p and 2p + 1, the layout `vpmaddwd` multiplies against a broadcast pair.
        long pairs = ceil_div(k, 2), panels = ceil_div(n, 16);
        int16_t *out = packed;
        for (long panel = 0; panel < panels; panel++) {
            for (long p = 0; p < pairs; p++) {
                for (long j = 0; j < 16; j++) {
                    long column = panel * 16 + j;
                    out[(panel * pairs + p) * 32 + 2 * j] = weight_at(b, ldb, n, k, column, 2 * p);
                    out[(panel * pairs + p) * 32 + 2 * j + 1] = weight_at(b, ldb, n, k, column, 2 * p + 1);
                }
            }
        }
    } else if (path == LOUPE_INT8_AVX512_VNNI) {
        // Panels of 32 columns, each led by 32 Int32 corrections (128 x the column's weight
        // sum); per depth quad, 32 groups of 4 bytes: column j's values at depths 4q...4q+3.
        long quads = ceil_div(k, 4), panels = ceil_div(n, 32);
        uint8_t *out = packed;
        for (long panel = 0; panel < panels; panel++) {
            uint8_t *start = out + panel * (128 + quads * 128);
            int32_t corrections[32];
            for (long j = 0; j < 32; j++) {
                uint32_t sum = 0;
                for (long d = 0; d < k; d++) sum += (uint32_t)(int32_t)weight_at(b, ldb, n, k, panel * 32 + j, d);
                corrections[j] = (int32_t)(sum * 128u);
            }
            memcpy(start, corrections, sizeof corrections);
            int8_t *values = (int8_t *)(start + 128);
            for (long q = 0; q < quads; q++) {
                for (long j = 0; j < 32; j++) {
                    for (long t = 0; t < 4; t++) {
                        values[q * 128 + j * 4 + t] = weight_at(b, ldb, n, k, panel * 32 + j, 4 * q + t);
                    }
                }
            }
        }
    } else {
        int8_t *out = packed;
        for (long j = 0; j < n; j++) memcpy(out + j * k, b + j * ldb, (size_t)k);
    }
}

// MARK: - Generic

static void multiply_generic(long m, long n, long k, const int8_t *a, long lda, const int8_t *b, int32_t *c, long ldc) {
    for (long i = 0; i < m; i++) {
        const int8_t *row = a + i * lda;
        for (long j = 0; j < n; j++) {
            const int8_t *column = b + j * k;
            uint32_t sum = 0;
            for (long d = 0; d < k; d++) sum += (uint32_t)((int32_t)row[d] * (int32_t)column[d]);
            c[i * ldc + j] = (int32_t)sum;
        }
    }
}

/// Stores a computed tile `tile` (`rows x columns` valid of a `tileColumns`-wide tile) into
/// `c`, adding to what is there when `accumulate`.
static void store_edge(
    const int32_t *tile, long tileColumns, int32_t *c, long ldc, long rows, long columns, int accumulate) {
    for (long r = 0; r < rows; r++) {
        for (long j = 0; j < columns; j++) {
            uint32_t value = (uint32_t)tile[r * tileColumns + j];
            c[r * ldc + j] = (int32_t)(accumulate ? (uint32_t)c[r * ldc + j] + value : value);
        }
    }
}

#if LOUPE_X86

// MARK: - AVX2: 6 x 16 tiles of int16 pairs

#define AVX2_ROWS 6
#define AVX2_ROW_BLOCK 72
#define AVX2_DEPTH_PAIRS 256

/// Packs rows `0..<rows` of `a`, depth pairs `p0..<p0 + pairs`, into panels of 6 rows: per
/// pair, 6 Int32 each holding (int16 a[r][2p], int16 a[r][2p + 1]). Missing rows and depths
/// are zero.
static void pack_rows_avx2(const int8_t *a, long lda, long rows, long k, long p0, long pairs, uint32_t *out) {
    long panels = ceil_div(rows, AVX2_ROWS);
    for (long panel = 0; panel < panels; panel++) {
        for (long r = 0; r < AVX2_ROWS; r++) {
            long row = panel * AVX2_ROWS + r;
            uint32_t *dst = out + panel * pairs * AVX2_ROWS + r;
            if (row >= rows) {
                for (long p = 0; p < pairs; p++) dst[p * AVX2_ROWS] = 0;
                continue;
            }
            const int8_t *source = a + row * lda + 2 * p0;
            long whole = (k - 2 * p0) / 2 < pairs ? (k - 2 * p0) / 2 : pairs;
            for (long p = 0; p < whole; p++) {
                uint16_t low = (uint16_t)(int16_t)source[2 * p], high = (uint16_t)(int16_t)source[2 * p + 1];
                dst[p * AVX2_ROWS] = (uint32_t)low | ((uint32_t)high << 16);
            }
            for (long p = whole; p < pairs; p++) {
                long d = 2 * (p0 + p);
                uint16_t low = (uint16_t)(int16_t)(d < k ? a[row * lda + d] : 0);
                dst[p * AVX2_ROWS] = (uint32_t)low;
            }
        }
    }
}

#define AVX2_STEP(r)                                                                                                   \
    {                                                                                                                  \
        __m256i x = _mm256_set1_epi32((int)a[p * AVX2_ROWS + r]);                                                      \
        c##r##0 = _mm256_add_epi32(c##r##0, _mm256_madd_epi16(x, b0));                                                \
        c##r##1 = _mm256_add_epi32(c##r##1, _mm256_madd_epi16(x, b1));                                                \
    }

__attribute__((target("avx2,fma"))) static void tile_avx2(
    long pairs, const uint32_t *a, const int16_t *b, int32_t *c, long ldc, long rows, long columns, int accumulate) {
    __m256i c00 = _mm256_setzero_si256(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00,
            c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
    for (long p = 0; p < pairs; p++) {
        __m256i b0 = _mm256_loadu_si256((const __m256i *)(b + p * 32));
        __m256i b1 = _mm256_loadu_si256((const __m256i *)(b + p * 32 + 16));
        AVX2_STEP(0) AVX2_STEP(1) AVX2_STEP(2) AVX2_STEP(3) AVX2_STEP(4) AVX2_STEP(5)
    }
    __m256i tile[12] = {c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51};
    if (rows == AVX2_ROWS && columns == 16) {
        for (long r = 0; r < AVX2_ROWS; r++) {
            for (long h = 0; h < 2; h++) {
                __m256i *target = (__m256i *)(c + r * ldc + 8 * h);
                __m256i value = tile[2 * r + h];
                if (accumulate) value = _mm256_add_epi32(value, _mm256_loadu_si256(target));
                _mm256_storeu_si256(target, value);
            }
        }
        return;
    }
    int32_t spill[AVX2_ROWS * 16];
    for (long i = 0; i < 12; i++) _mm256_storeu_si256((__m256i *)(spill + 8 * i), tile[i]);
    store_edge(spill, 16, c, ldc, rows, columns, accumulate);
}

static int multiply_avx2(long m, long n, long k, const int8_t *a, long lda, const int16_t *b, int32_t *c, long ldc) {
    long pairs = ceil_div(k, 2), panels = ceil_div(n, 16);
    uint32_t *buffer = malloc(sizeof(uint32_t) * AVX2_ROW_BLOCK * AVX2_DEPTH_PAIRS);
    if (!buffer) return -1;
    for (long p0 = 0; p0 < pairs; p0 += AVX2_DEPTH_PAIRS) {
        long depth = pairs - p0 < AVX2_DEPTH_PAIRS ? pairs - p0 : AVX2_DEPTH_PAIRS;
        for (long i0 = 0; i0 < m; i0 += AVX2_ROW_BLOCK) {
            long rows = m - i0 < AVX2_ROW_BLOCK ? m - i0 : AVX2_ROW_BLOCK;
            pack_rows_avx2(a + i0 * lda, lda, rows, k, p0, depth, buffer);
            for (long panel = 0; panel < panels; panel++) {
                const int16_t *weights = b + (panel * pairs + p0) * 32;
                long columns = n - panel * 16 < 16 ? n - panel * 16 : 16;
                for (long r = 0; r < rows; r += AVX2_ROWS) {
                    tile_avx2(
                        depth, buffer + r * depth, weights, c + (i0 + r) * ldc + panel * 16, ldc,
                        rows - r < AVX2_ROWS ? rows - r : AVX2_ROWS, columns, p0 > 0);
                }
            }
        }
    }
    free(buffer);
    return 0;
}

// MARK: - AVX-512 VNNI: 8 x 32 tiles of byte quads

#define VNNI_ROWS 8
#define VNNI_ROW_BLOCK 96
#define VNNI_DEPTH_QUADS 128

/// Packs rows `0..<rows` of `a`, depth quads `q0..<q0 + quads`, into panels of 8 rows: per
/// quad, 8 Int32 each holding the 4 bytes a[r][4q...4q + 3] + 128 (unsigned). Missing rows and
/// depths hold 128 (a zero), which meets zero weights.
static void pack_rows_vnni(const int8_t *a, long lda, long rows, long k, long q0, long quads, uint32_t *out) {
    long panels = ceil_div(rows, VNNI_ROWS);
    for (long panel = 0; panel < panels; panel++) {
        for (long r = 0; r < VNNI_ROWS; r++) {
            long row = panel * VNNI_ROWS + r;
            uint32_t *dst = out + panel * quads * VNNI_ROWS + r;
            for (long q = 0; q < quads; q++) {
                uint32_t word = 0;
                for (long t = 0; t < 4; t++) {
                    long d = 4 * (q0 + q) + t;
                    int value = row < rows && d < k ? a[row * lda + d] : 0;
                    word |= (uint32_t)(value + 128) << (8 * t);
                }
                dst[q * VNNI_ROWS] = word;
            }
        }
    }
}

#define VNNI_STEP(r)                                                                                                   \
    {                                                                                                                  \
        __m512i x = _mm512_set1_epi32((int)a[q * VNNI_ROWS + r]);                                                      \
        acc[r][0] = _mm512_dpbusd_epi32(acc[r][0], x, b0);                                                            \
        acc[r][1] = _mm512_dpbusd_epi32(acc[r][1], x, b1);                                                            \
    }

/// Writes an 8 x 32 tile of sums to `c` (`rows x columns` valid): on the first depth slice
/// minus the corrections (128 x each column's weight sum), on later ones added to what is there.
__attribute__((target("avx512f,avx512bw,avx512vnni"), always_inline)) static inline void store_vnni_tile(
    __m512i acc[VNNI_ROWS][2], const int32_t *corrections, int32_t *c, long ldc, long rows, long columns, int first) {
    if (first) {
        __m512i low = _mm512_loadu_si512((const void *)corrections);
        __m512i high = _mm512_loadu_si512((const void *)(corrections + 16));
        for (long r = 0; r < VNNI_ROWS; r++) {
            acc[r][0] = _mm512_sub_epi32(acc[r][0], low);
            acc[r][1] = _mm512_sub_epi32(acc[r][1], high);
        }
    }
    if (rows == VNNI_ROWS && columns == 32) {
        for (long r = 0; r < VNNI_ROWS; r++) {
            for (long h = 0; h < 2; h++) {
                void *target = c + r * ldc + 16 * h;
                __m512i value = acc[r][h];
                if (!first) value = _mm512_add_epi32(value, _mm512_loadu_si512(target));
                _mm512_storeu_si512(target, value);
            }
        }
        return;
    }
    int32_t spill[VNNI_ROWS * 32];
    for (long r = 0; r < VNNI_ROWS; r++) {
        _mm512_storeu_si512((void *)(spill + 32 * r), acc[r][0]);
        _mm512_storeu_si512((void *)(spill + 32 * r + 16), acc[r][1]);
    }
    store_edge(spill, 32, c, ldc, rows, columns, !first);
}

__attribute__((target("avx512f,avx512bw,avx512vnni"))) static void tile_vnni(
    long quads, const uint32_t *a, const int8_t *b, const int32_t *corrections, int32_t *c, long ldc, long rows,
    long columns, int first) {
    __m512i acc[VNNI_ROWS][2];
    for (long r = 0; r < VNNI_ROWS; r++) acc[r][0] = acc[r][1] = _mm512_setzero_si512();
    for (long q = 0; q < quads; q++) {
        __m512i b0 = _mm512_loadu_si512((const void *)(b + q * 128));
        __m512i b1 = _mm512_loadu_si512((const void *)(b + q * 128 + 64));
        VNNI_STEP(0) VNNI_STEP(1) VNNI_STEP(2) VNNI_STEP(3) VNNI_STEP(4) VNNI_STEP(5) VNNI_STEP(6) VNNI_STEP(7)
    }
    store_vnni_tile(acc, corrections, c, ldc, rows, columns, first);
}

static int multiply_vnni(long m, long n, long k, const int8_t *a, long lda, const uint8_t *b, int32_t *c, long ldc) {
    long quads = ceil_div(k, 4), panels = ceil_div(n, 32);
    uint32_t *buffer = malloc(sizeof(uint32_t) * VNNI_ROW_BLOCK * VNNI_DEPTH_QUADS);
    if (!buffer) return -1;
    // At least one depth slice, so that the corrections reach C even when k == 0.
    for (long q0 = 0; q0 < quads || q0 == 0; q0 += VNNI_DEPTH_QUADS) {
        long depth = quads - q0 < VNNI_DEPTH_QUADS ? quads - q0 : VNNI_DEPTH_QUADS;
        for (long i0 = 0; i0 < m; i0 += VNNI_ROW_BLOCK) {
            long rows = m - i0 < VNNI_ROW_BLOCK ? m - i0 : VNNI_ROW_BLOCK;
            pack_rows_vnni(a + i0 * lda, lda, rows, k, q0, depth, buffer);
            for (long panel = 0; panel < panels; panel++) {
                const uint8_t *start = b + panel * (128 + quads * 128);
                const int8_t *weights = (const int8_t *)(start + 128) + q0 * 128;
                long columns = n - panel * 32 < 32 ? n - panel * 32 : 32;
                for (long r = 0; r < rows; r += VNNI_ROWS) {
                    tile_vnni(
                        depth, buffer + r * depth, weights, (const int32_t *)start, c + (i0 + r) * ldc + panel * 32,
                        ldc, rows - r < VNNI_ROWS ? rows - r : VNNI_ROWS, columns, q0 == 0);
                }
            }
        }
        if (quads == 0) break;
    }
    free(buffer);
    return 0;
}


/// The VNNI tile of `tile_vnni` with its left operand read in place: row `r`'s quad `q` is the
/// 4 unsigned bytes at `rows[r] + quadOffsets[q]` (codes + 128), so nothing is packed.
__attribute__((target("avx512f,avx512bw,avx512vnni"))) static void tile_vnni_gathered(
    long quads, const uint8_t *const *rows, const long *quadOffsets, const int8_t *b, const int32_t *corrections,
    int32_t *c, long ldc, long count, long columns, int first) {
    __m512i acc[VNNI_ROWS][2];
    for (long r = 0; r < VNNI_ROWS; r++) acc[r][0] = acc[r][1] = _mm512_setzero_si512();
    const uint8_t *p0 = rows[0], *p1 = rows[1], *p2 = rows[2], *p3 = rows[3], *p4 = rows[4], *p5 = rows[5],
                  *p6 = rows[6], *p7 = rows[7];
    for (long q = 0; q < quads; q++) {
        long offset = quadOffsets[q];
        __m512i b0 = _mm512_loadu_si512((const void *)(b + q * 128));
        __m512i b1 = _mm512_loadu_si512((const void *)(b + q * 128 + 64));
#define GATHERED_STEP(r)                                                                                               \
    {                                                                                                                  \
        int32_t word;                                                                                                  \
        memcpy(&word, p##r + offset, 4);                                                                                  \
        __m512i x = _mm512_set1_epi32(word);                                                                           \
        acc[r][0] = _mm512_dpbusd_epi32(acc[r][0], x, b0);                                                            \
        acc[r][1] = _mm512_dpbusd_epi32(acc[r][1], x, b1);                                                            \
    }
        GATHERED_STEP(0) GATHERED_STEP(1) GATHERED_STEP(2) GATHERED_STEP(3) GATHERED_STEP(4) GATHERED_STEP(5)
        GATHERED_STEP(6) GATHERED_STEP(7)
#undef GATHERED_STEP
    }
    store_vnni_tile(acc, corrections, c, ldc, count, columns, first);
}

static void multiply_gathered_vnni(
    long m, long n, long quads, const uint8_t *a, const long *rowOffsets, const long *quadOffsets, const uint8_t *b,
    int32_t *c, long ldc) {
    long panels = ceil_div(n, 32);
    // At least one depth slice, so that the corrections reach C even when there are no quads.
    for (long q0 = 0; q0 < quads || q0 == 0; q0 += VNNI_DEPTH_QUADS) {
        long depth = quads - q0 < VNNI_DEPTH_QUADS ? quads - q0 : VNNI_DEPTH_QUADS;
        for (long panel = 0; panel < panels; panel++) {
            const uint8_t *start = b + panel * (128 + quads * 128);
            const int8_t *weights = (const int8_t *)(start + 128) + q0 * 128;
            long columns = n - panel * 32 < 32 ? n - panel * 32 : 32;
            for (long i0 = 0; i0 < m; i0 += VNNI_ROWS) {
                long count = m - i0 < VNNI_ROWS ? m - i0 : VNNI_ROWS;
                // Missing rows of an edge tile repeat the last row; store_edge drops them.
                const uint8_t *rows[VNNI_ROWS];
                for (long r = 0; r < VNNI_ROWS; r++) rows[r] = a + rowOffsets[i0 + (r < count ? r : count - 1)];
                tile_vnni_gathered(
                    depth, rows, quadOffsets + q0, weights, (const int32_t *)start, c + i0 * ldc + panel * 32, ldc,
                    count, columns, q0 == 0);
            }
        }
        if (quads == 0) break;
    }
}

#endif

int loupe_int8_multiply(
    int path, long m, long n, long k, const int8_t *a, long lda, const void *packed, int32_t *c, long ldc) {
    if (m <= 0 || n <= 0) return 0;
#if LOUPE_X86
    if (path == LOUPE_INT8_AVX2) {
        if (k == 0) {
            for (long i = 0; i < m; i++) memset(c + i * ldc, 0, sizeof(int32_t) * (size_t)n);
            return 0;
        }
        return multiply_avx2(m, n, k, a, lda, packed, c, ldc);
    }
    if (path == LOUPE_INT8_AVX512_VNNI) return multiply_vnni(m, n, k, a, lda, packed, c, ldc);
#endif
    multiply_generic(m, n, k, a, lda, packed, c, ldc);
    return 0;
}

void loupe_int8_im2row(
    const int8_t *image, long channels, long height, long width, long kernelHeight, long kernelWidth, long stride,
    long padding, int8_t fill, int8_t *rows) {
    long outputHeight = (height + 2 * padding - kernelHeight) / stride + 1;
    long outputWidth = (width + 2 * padding - kernelWidth) / stride + 1;
    // The image copied into a frame of `fill` first, so that no tap needs a bounds check.
    long paddedHeight = height + 2 * padding, paddedWidth = width + 2 * padding;
    const int8_t *source = image;
    int8_t *padded = NULL;
    if (padding > 0) {
        padded = malloc((size_t)(channels * paddedHeight * paddedWidth));
        if (padded) {
            memset(padded, fill, (size_t)(channels * paddedHeight * paddedWidth));
            for (long ch = 0; ch < channels; ch++) {
                for (long y = 0; y < height; y++) {
                    memcpy(padded + (ch * paddedHeight + y + padding) * paddedWidth + padding,
                        image + (ch * height + y) * width, (size_t)width);
                }
            }
            source = padded;
        }
    }
    int8_t *out = rows;
    for (long oy = 0; oy < outputHeight; oy++) {
        for (long ox = 0; ox < outputWidth; ox++) {
            long top = oy * stride - padding, left = ox * stride - padding;
            for (long ch = 0; ch < channels; ch++) {
                for (long ky = 0; ky < kernelHeight; ky++) {
                    long iy = top + ky;
                    if (padded) {
                        // Kernels are a few taps wide: a call to memcpy would cost more than the copy.
                        const int8_t *line = padded + (ch * paddedHeight + iy + padding) * paddedWidth + left + padding;
                        if (kernelWidth == 3) {
                            out[0] = line[0], out[1] = line[1], out[2] = line[2];
                        } else {
                            for (long kx = 0; kx < kernelWidth; kx++) out[kx] = line[kx];
                        }
                        out += kernelWidth;
                        continue;
                    }
                    const int8_t *plane = source + ch * height * width;
                    for (long kx = 0; kx < kernelWidth; kx++) {
                        long ix = left + kx;
                        *out++ = iy >= 0 && iy < height && ix >= 0 && ix < width ? plane[iy * width + ix] : fill;
                    }
                }
            }
        }
    }
    free(padded);
}

// MARK: - Quantization

/// The body of `loupe_int8_quantize`, compiled once per instruction set.
#define QUANTIZE_BODY                                                                                                  \
    for (long i = 0; i < count; i++) {                                                                                 \
        float code = rintf(values[i] / scale) + zeroPoint;                                                             \
        code = code < -128.0f ? -128.0f : code;                                                                        \
        code = code > 127.0f ? 127.0f : code;                                                                          \
        codes[i] = (int8_t)(int)code;                                                                                  \
    }

static void quantize_generic(const float *values, long count, float scale, float zeroPoint, int8_t *codes) {
    QUANTIZE_BODY
}

#if LOUPE_X86
__attribute__((target("avx2,fma"))) static void quantize_avx2(
    const float *values, long count, float scale, float zeroPoint, int8_t *codes) {
    QUANTIZE_BODY
}
#endif

void loupe_int8_quantize(int path, const float *values, long count, float scale, float zeroPoint, int8_t *codes) {
#if LOUPE_X86
    if (path != LOUPE_INT8_GENERIC) {
        quantize_avx2(values, count, scale, zeroPoint, codes);
        return;
    }
#endif
    quantize_generic(values, count, scale, zeroPoint, codes);
}

// MARK: - Products whose left operand is read in place

int loupe_int8_multiply_gathered(
    int path, long m, long n, long quads, const uint8_t *a, const long *rowOffsets, const long *quadOffsets,
    const void *packed, int32_t *c, long ldc) {
    if (m <= 0 || n <= 0) return 0;
#if LOUPE_X86
    if (path == LOUPE_INT8_AVX512_VNNI) {
        multiply_gathered_vnni(m, n, quads, a, rowOffsets, quadOffsets, packed, c, ldc);
        return 0;
    }
#endif
    // Other paths: the rows gathered (back to signed codes) a block at a time, then multiplied.
    long k = 4 * quads, block = 64;
    int8_t *rows = malloc((size_t)(block * (k > 0 ? k : 1)));
    if (!rows) return -1;
    for (long i0 = 0; i0 < m; i0 += block) {
        long count = m - i0 < block ? m - i0 : block;
        for (long r = 0; r < count; r++) {
            const uint8_t *source = a + rowOffsets[i0 + r];
            int8_t *row = rows + r * k;
            for (long q = 0; q < quads; q++) {
                uint32_t word;
                memcpy(&word, source + quadOffsets[q], 4);
                word ^= 0x80808080u;
                memcpy(row + 4 * q, &word, 4);
            }
        }
        int status = loupe_int8_multiply(path, count, n, k, rows, k, packed, c + i0 * ldc, ldc);
        if (status != 0) {
            free(rows);
            return status;
        }
    }
    free(rows);
    return 0;
}
