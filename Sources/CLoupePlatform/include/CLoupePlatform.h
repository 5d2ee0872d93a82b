#ifndef CLOUPECPU_H
#define CLOUPECPU_H

/// 1 when the running CPU (and OS) supports AVX2 and FMA3, else 0.
int loupe_cpu_has_avx2_fma(void);
/// 1 when the running CPU (and OS) supports AVX-512 Foundation, else 0.
int loupe_cpu_has_avx512f(void);
/// 1 when the running CPU (and OS) supports AVX-512 Foundation, BW and VNNI (`vpdpbusd`), else 0.
int loupe_cpu_has_avx512_vnni(void);

/// Makes the C allocator keep freed blocks of up to 32 MB for reuse instead of returning
/// them to the kernel: training frees and re-allocates tensors of a few megabytes every step,
/// and re-faulting their pages would cost as much as the arithmetic. No-op outside glibc.
void loupe_keep_freed_memory(void);

/// Flushes standard output at every newline, so progress reaches a log file as it happens.
void loupe_line_buffer_stdout(void);

/// Makes the kernel kill this process when its parent ends (Linux `PR_SET_PDEATHSIG`), for a
/// child whose parent is `parent`. Returns 0 when linked, 1 when `parent` has already ended
/// (the caller should stop), -1 where the OS has no such link.
int loupe_end_with_parent(int parent);

/// Sequentially consistent atomic operations on a 64-bit integer, for `WorkerTeam`.
static inline long long loupe_atomic_load(long long *value) { return __atomic_load_n(value, __ATOMIC_SEQ_CST); }
static inline void loupe_atomic_store(long long *value, long long desired) {
    __atomic_store_n(value, desired, __ATOMIC_SEQ_CST);
}
static inline long long loupe_atomic_fetch_add(long long *value, long long delta) {
    return __atomic_fetch_add(value, delta, __ATOMIC_SEQ_CST);
}
/// Stores `desired` if `*value == expected`; returns whether it did.
static inline int loupe_atomic_compare_exchange(long long *value, long long expected, long long desired) {
    return __atomic_compare_exchange_n(value, &expected, desired, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}
/// A hint to the CPU that the thread is spinning.
static inline void loupe_spin_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/// Asks the CPU to bring the cache line holding `address` into its caches ahead of a read
/// (a hint: no fault, no effect on any value).
static inline void loupe_prefetch(const void *address) { __builtin_prefetch(address, 0, 3); }

#endif
