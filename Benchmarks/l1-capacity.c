// How much data one thread can re-read at L1 speed: nanoseconds per 64-byte load while a
// buffer of the given size is read over and over with eight independent sums. The step from
// about two loads a cycle to about one every 1.5 cycles marks the cache the thread actually
// gets (on a virtual machine it may be less than the L1 lscpu reports, if another guest shares
// the core). x86-64 with AVX-512F only:
//   gcc -O2 -mavx512f Benchmarks/l1-capacity.c -o /tmp/l1-capacity && /tmp/l1-capacity
#include <immintrin.h>
#include <stdio.h>
#include <time.h>

static float buffer[1 << 18] __attribute__((aligned(64)));  // 1 MiB

static double seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

// Best of five: nanoseconds per 64-byte load over `bytes` of the buffer (a multiple of 512).
static double nanosecondsPerLoad(int bytes, float *checksum) {
    int floats = bytes / 4;
    long repeats = (1L << 27) / floats;
    double best = 1e9;
    for (int round = 0; round < 5; round++) {
        __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
        double start = seconds();
        for (long r = 0; r < repeats; r++)
            for (int i = 0; i < floats; i += 128) {
                s0 = _mm512_add_ps(s0, _mm512_load_ps(buffer + i));
                s1 = _mm512_add_ps(s1, _mm512_load_ps(buffer + i + 16));
                s2 = _mm512_add_ps(s2, _mm512_load_ps(buffer + i + 32));
                s3 = _mm512_add_ps(s3, _mm512_load_ps(buffer + i + 48));
                s4 = _mm512_add_ps(s4, _mm512_load_ps(buffer + i + 64));
                s5 = _mm512_add_ps(s5, _mm512_load_ps(buffer + i + 80));
                s6 = _mm512_add_ps(s6, _mm512_load_ps(buffer + i + 96));
                s7 = _mm512_add_ps(s7, _mm512_load_ps(buffer + i + 112));
            }
        double elapsed = (seconds() - start) / ((double)repeats * floats / 16) * 1e9;
        if (elapsed < best) best = elapsed;
        __m512 sum = _mm512_add_ps(
            _mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)),
            _mm512_add_ps(_mm512_add_ps(s4, s5), _mm512_add_ps(s6, s7)));
        *checksum += _mm512_reduce_add_ps(sum);  // keeps the sums live
    }
    return best;
}

int main(void) {
    int kilobytes[] = {4, 8, 10, 12, 14, 16, 24, 32, 48, 64, 128, 256, 512, 1024};
    float checksum = 0;
    for (unsigned k = 0; k < sizeof kilobytes / sizeof kilobytes[0]; k++)
        printf("{\"metric\": \"l1-capacity\", \"kilobytes\": %d, \"ns_per_64_byte_load\": %.3f}\n", kilobytes[k],
               nanosecondsPerLoad(kilobytes[k] * 1024, &checksum));
    return checksum == 12345.0f;  // never true (the buffer is zero)
}
