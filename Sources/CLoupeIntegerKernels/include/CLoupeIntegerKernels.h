#ifndef CLOUPEINTEGERKERNELS_H
#define CLOUPEINTEGERKERNELS_H

#include <stdint.h>

/// The int8 product paths. Every path computes the same exact Int32 sums (wrapping on
/// overflow, as two's-complement hardware does), so their results are bit-identical.
enum {
    /// Plain C: runs on any CPU.
    LOUPE_INT8_GENERIC = 0,
    /// AVX2: int8 widened to int16 pairs, `vpmaddwd` into Int32 (exact: a pair of int8
    /// products sums to at most 2 * 128 * 128 = 32,768 in magnitude, within Int32).
    LOUPE_INT8_AVX2 = 1,
    /// AVX-512 VNNI: `vpdpbusd` on activations shifted by +128 to unsigned bytes, minus
    /// 128 times each column's weight sum.
    LOUPE_INT8_AVX512_VNNI = 2,
};

/// Columns of one packed weight panel on `path` (16 for AVX2, 32 for VNNI; 1 for generic).
long loupe_int8_panel_columns(int path);
/// Depth steps of one packed panel row on `path`: 2 (int16 pairs) for AVX2, 4 for VNNI,
/// 1 for generic.
long loupe_int8_panel_depth_step(int path);

/// Packs the weights `b` (`n` rows of `k` int8 values, row stride `ldb`; row `j` is output
/// column `j`) for `path` into `packed`, which must hold the number of bytes
/// `Int8PackedWeights` computes (generic: `n * k`; AVX2: `ceil(n / 16) * ceil(k / 2) * 64`;
/// VNNI: `ceil(n / 32) * (128 + ceil(k / 4) * 128)`). Padding is zero.
void loupe_int8_pack_weights(int path, const int8_t *b, long ldb, long n, long k, void *packed);

/// `c[i * ldc + j] = sum over d of a[i * lda + d] * b[j][d]` for `i < m`, `j < n`, `d < k`,
/// in Int32 (wrapping), with `b` packed for `path` by `loupe_int8_pack_weights`.
/// Returns 0, or -1 when the packing buffer could not be allocated (nothing written).
int loupe_int8_multiply(
    int path, long m, long n, long k, const int8_t *a, long lda, const void *packed, int32_t *c, long ldc);

/// Lowers one int8 image (`channels x height x width`) into `rows`: one row of
/// `channels * kernelHeight * kernelWidth` values per output pixel (row-major over the output
/// `outputHeight x outputWidth`), ordered (channel, kernel row, kernel column) like the
/// convolution weights; taps outside the image read `fill`.
void loupe_int8_im2row(
    const int8_t *image, long channels, long height, long width, long kernelHeight, long kernelWidth, long stride,
    long padding, int8_t fill, int8_t *rows);

/// `codes[i] = clamp(round_half_even(values[i] / scale) + zeroPoint, -128, 127)` (in float, in
/// that order, as `ActivationRange.code` computes it) for finite values; `path` picks the
/// instruction set (the results are the same).
void loupe_int8_quantize(int path, const float *values, long count, float scale, float zeroPoint, int8_t *codes);

/// `c[i * ldc + j] = sum over q < quads, t < 4 of (a[rowOffsets[i] + quadOffsets[q] + t] - 128) *
/// b[j][4q + t]` for `i < m`, `j < n`, in Int32 (wrapping), with `b` (`n x 4 quads`) packed for
/// `path` by `loupe_int8_pack_weights`. The left operand is read in place: `a` holds int8 codes
/// shifted to unsigned bytes (code + 128), and row `i`, depth quad `q` are the 4 bytes at
/// `rowOffsets[i] + quadOffsets[q]` (a convolution's windows in a padded image, or plain rows).
/// Returns 0, or -1 when a gathering buffer could not be allocated (nothing written).
int loupe_int8_multiply_gathered(
    int path, long m, long n, long quads, const uint8_t *a, const long *rowOffsets, const long *quadOffsets,
    const void *packed, int32_t *c, long ldc);

/// One layer's Int32 sums turned into the next layer's input, per channel `c`:
/// `v = float(max over the pooling window of (sum - corrections[c])) * rescales[c] + offsets[c]`,
/// then `max(v, 0)` when `relu`, then either the code `clamp(round_half_even(v / scale) +
/// zeroPoint, -128, 127) + 128` as an unsigned byte (`codes` non-zero) or `v` as a float.
typedef struct {
    /// Unpooled positions (`height x width`, row-major), each a row of `ldc` Int32 sums.
    long height, width, ldc;
    /// 1 (none) or 2 (2 x 2 windows of stride 2; an odd last row or column is dropped).
    long pool;
    long channels;
    const int32_t *corrections;
    const float *rescales;
    const float *offsets;
    int relu;
    /// Whether the output is codes (unsigned bytes) for a next layer, else floats.
    int codes;
    float scale, zeroPoint;
    /// Output element (y, x, c) of the pooled grid is at `y * rowStride + x * columnStride +
    /// c * channelStride` elements from the output's start.
    long rowStride, columnStride, channelStride;
} loupe_int8_requantization;

/// Applies `q` to `sums`, writing unsigned bytes or floats to `output`; every path gives the
/// same bits.
void loupe_int8_requantize(int path, const loupe_int8_requantization *q, const int32_t *sums, void *output);

#endif
