// Every int8 path of CLoupeIntegerKernels against a naive product, the AVX-512 VNNI path with
// its intrinsics replaced by the scalar emulation in emulated-avx512.h (built by
// scripts/int8-vnni-emulated.sh): checks the VNNI packing, tiling, depth slices and the
// 128 x column-sum correction on a CPU without AVX-512.
#include <stdio.h>
#include <stdlib.h>

#include "CLoupeIntegerKernels.h"

int main(void) {
    srand(1);
    int bad = 0, paths = 3;
    for (int trial = 0; trial < 300; trial++) {
        long m = rand() % 80 + 1, n = rand() % 70 + 1, k = rand() % 1100;
        int extreme = trial % 3 == 0;
        int8_t *a = malloc(m * k + 1), *b = malloc(n * k + 1);
        for (long i = 0; i < m * k; i++) a[i] = extreme ? (rand() % 2 ? -128 : 127) : (int8_t)rand();
        for (long i = 0; i < n * k; i++) b[i] = extreme ? (rand() % 2 ? -128 : 127) : (int8_t)rand();
        int32_t *expected = malloc(4 * m * n), *c = malloc(4 * m * n);
        for (long i = 0; i < m; i++)
            for (long j = 0; j < n; j++) {
                long long sum = 0;
                for (long d = 0; d < k; d++) sum += a[i * k + d] * b[j * k + d];
                expected[i * n + j] = (int32_t)sum;
            }
        for (int path = 0; path < paths; path++) {
            void *packed = malloc((n + 31) / 32 * (128 + (k + 3) / 4 * 128) + (n + 15) / 16 * ((k + 1) / 2) * 64 + n * k + 64);
            loupe_int8_pack_weights(path, b, k, n, k, packed);
            for (long i = 0; i < m * n; i++) c[i] = 12345;
            loupe_int8_multiply(path, m, n, k, a, k, packed, c, n);
            for (long i = 0; i < m * n; i++)
                if (c[i] != expected[i]) {
                    if (bad++ < 5) printf("path %d, %ld x %ld x %ld: [%ld] %d, expected %d\n", path, m, n, k, i, c[i], expected[i]);
                    break;
                }
            free(packed);
        }
        free(a), free(b), free(expected), free(c);
    }
    printf("%d mismatching products in 300 shapes x %d paths\n", bad, paths);
    return bad != 0;
}
