#!/usr/bin/env bash
# Counts calls to the C allocator per training step, inference batch and input-gradient batch
# in steady state (glibc only): builds the counting allocator in Benchmarks/allocation-counter
# and runs `loupe-bench --allocations` with it preloaded.
#   Benchmarks/allocations.sh [--models mlp,cnn] [--threads 2]
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product loupe-bench >/dev/null
library=$(mktemp -d)/liballocation_counter.so
cc -O2 -shared -fPIC -o "$library" Benchmarks/allocation-counter/allocation_counter.c
LD_PRELOAD="$library" .build/release/loupe-bench --allocations "$@"
rm -f "$library"
