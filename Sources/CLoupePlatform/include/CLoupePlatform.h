#ifndef CLOUPECPU_H
#define CLOUPECPU_H

/// 1 when the running CPU (and OS) supports AVX2 and FMA3, else 0.
int loupe_cpu_has_avx2_fma(void);
/// 1 when the running CPU (and OS) supports AVX-512 Foundation, else 0.
int loupe_cpu_has_avx512f(void);

/// Makes the C allocator keep freed blocks of up to 32 MB for reuse instead of returning
/// them to the kernel: training frees and re-allocates tensors of a few megabytes every step,
/// and re-faulting their pages would cost as much as the arithmetic. No-op outside glibc.
void loupe_keep_freed_memory(void);

/// Flushes standard output at every newline, so progress reaches a log file as it happens.
void loupe_line_buffer_stdout(void);

#endif
