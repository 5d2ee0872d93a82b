#ifndef CLOUPECPU_H
#define CLOUPECPU_H

/// 1 when the running CPU (and OS) supports AVX2 and FMA3, else 0.
int loupe_cpu_has_avx2_fma(void);
/// 1 when the running CPU (and OS) supports AVX-512 Foundation, else 0.
int loupe_cpu_has_avx512f(void);

#endif
