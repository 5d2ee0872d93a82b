// How fast eight 16-wide multiply-adds run when their operands are loads from a row of X
// that an index picks, as in the CSR product's inner loop (SparseRowProduct), by how many
// distinct rows the indices cycle through. Every row lies in L1 (at most 64 rows of 576 bytes).
// x86-64 with AVX-512F only:
//   gcc -O2 -mavx512f Benchmarks/row-loads.c -o /tmp/row-loads && /tmp/row-loads
#include <stdio.h>
#include <time.h>

enum { STRIDE = 144, INDICES = 1 << 16, REPEATS = 100 };
static float rows[64 * STRIDE] __attribute__((aligned(64)));
static int indices[INDICES];

static double seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

// Nanoseconds per iteration: load an index, scale it by the row stride, broadcast a weight and
// add eight 16-float vectors of that row into eight accumulators.
static double indexedLoop(void) {
    double best = 1e9;
    for (int round = 0; round < 5; round++) {
        double start = seconds();
        for (int r = 0; r < REPEATS; r++)
            __asm__ volatile(
                "mov %0, %%rcx\n mov %1, %%rax\n mov %2, %%rdx\n xor %%r8, %%r8\n"
                "1:\n"
                "movslq (%%rdx,%%r8,4), %%r9\n imul $144, %%r9, %%r9\n"
                "vbroadcastss (%%rax), %%zmm31\n"
                "vfmadd231ps (%%rax,%%r9,4), %%zmm31, %%zmm0\n vfmadd231ps 64(%%rax,%%r9,4), %%zmm31, %%zmm1\n"
                "vfmadd231ps 128(%%rax,%%r9,4), %%zmm31, %%zmm2\n vfmadd231ps 192(%%rax,%%r9,4), %%zmm31, %%zmm3\n"
                "vfmadd231ps 256(%%rax,%%r9,4), %%zmm31, %%zmm4\n vfmadd231ps 320(%%rax,%%r9,4), %%zmm31, %%zmm5\n"
                "vfmadd231ps 384(%%rax,%%r9,4), %%zmm31, %%zmm6\n vfmadd231ps 448(%%rax,%%r9,4), %%zmm31, %%zmm7\n"
                "inc %%r8\n cmp %%rcx, %%r8\n jne 1b\n"
                :
                : "r"((long)INDICES), "r"(rows), "r"(indices)
                : "rcx", "rax", "rdx", "r8", "r9", "memory", "zmm0", "zmm1", "zmm2", "zmm3", "zmm4", "zmm5",
                  "zmm6", "zmm7", "zmm31");
        double elapsed = (seconds() - start) / INDICES / REPEATS * 1e9;
        if (elapsed < best) best = elapsed;
    }
    return best;
}

int main(void) {
    int cycles[] = {1, 2, 4, 8, 12, 16, 24, 32, 64};
    for (unsigned c = 0; c < sizeof cycles / sizeof cycles[0]; c++) {
        for (int i = 0; i < INDICES; i++) indices[i] = (i * 13) % cycles[c];
        printf("{\"metric\": \"row-loads\", \"distinct_rows\": %d, \"ns_per_eight_multiply_adds\": %.3f}\n",
               cycles[c], indexedLoop());
    }
    return 0;
}
