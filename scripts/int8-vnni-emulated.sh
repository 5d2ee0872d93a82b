#!/usr/bin/env bash
# Runs CLoupeIntegerKernels' AVX-512 VNNI path on any x86-64 CPU, its AVX-512 intrinsics
# replaced by a scalar emulation (scripts/int8-vnni-emulated/emulated-avx512.h, written from
# the instructions' definitions), against a naive product on 300 shapes; the generic and
# AVX2 paths run natively. The real vpdpbusd path needs a CPU with avx512_vnni.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sed -e 's/_mm512_/emu_mm512_/g; s/__m512i/emu512/g' \
    -e 's/__attribute__((target("avx512f,avx512bw,avx512vnni")))//' \
    -e 's/__attribute__((target("avx512f,avx512bw,avx512vnni"), always_inline))/__attribute__((always_inline))/' \
    -e 's/#include <immintrin.h>/#include <immintrin.h>\n#include "emulated-avx512.h"/' \
    Sources/CLoupeIntegerKernels/IntegerGEMM.c > "$work/IntegerGEMM.c"
clang -O1 -ISources/CLoupeIntegerKernels/include -Iscripts/int8-vnni-emulated \
    scripts/int8-vnni-emulated/check.c "$work/IntegerGEMM.c" -lm -o "$work/check"
"$work/check"
