/* Counts the calls to the C allocator, for `Benchmarks/allocations.sh`.
 *
 * Loaded with LD_PRELOAD (glibc only), it forwards every allocation to glibc's own entry
 * points and counts calls and bytes in two classes: blocks under 4 KiB (bookkeeping: tape
 * nodes, shape arrays, closures) and blocks of 4 KiB or more (tensor buffers).
 * `loupe-bench --allocations` reads the counters through `loupe_allocation_counts`. */
#include <errno.h>
#include <stddef.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);

static long long counts[4]; /* small calls, small bytes, large calls, large bytes */

static void count(size_t size) {
    int large = size >= 4096;
    __atomic_fetch_add(&counts[2 * large], 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&counts[2 * large + 1], (long long)size, __ATOMIC_RELAXED);
}

void loupe_allocation_counts(long long out[4]) {
    for (int i = 0; i < 4; i++) out[i] = __atomic_load_n(&counts[i], __ATOMIC_RELAXED);
}

void *malloc(size_t size) {
    count(size);
    return __libc_malloc(size);
}

void *calloc(size_t n, size_t size) {
    count(n * size);
    return __libc_calloc(n, size);
}

void *realloc(void *pointer, size_t size) {
    count(size);
    return __libc_realloc(pointer, size);
}

void *memalign(size_t alignment, size_t size) {
    count(size);
    return __libc_memalign(alignment, size);
}

void *aligned_alloc(size_t alignment, size_t size) { return memalign(alignment, size); }

int posix_memalign(void **out, size_t alignment, size_t size) {
    void *pointer = memalign(alignment, size);
    if (pointer == NULL) return ENOMEM;
    *out = pointer;
    return 0;
}
