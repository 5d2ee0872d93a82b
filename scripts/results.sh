#!/usr/bin/env bash
# Every run behind RESULTS.md and the README's accuracy table, on the portable `avx2` kernel
# path (so that any x86-64 machine with AVX2 reproduces the numbers bit for bit), with the
# commit that made them recorded beside the outputs.
#   scripts/results.sh [outdir]     about 2 hours on 2 cores
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-runs/results}"
mkdir -p "$out"
export LOUPE_KERNELS=avx2
export LOUPE_GIT_COMMIT="${LOUPE_GIT_COMMIT:-$(git rev-parse --short HEAD)}"
echo "commit $LOUPE_GIT_COMMIT, kernel path $LOUPE_KERNELS, $(date -u +%Y-%m-%dT%H:%MZ)" | tee "$out/provenance.txt"
step() { echo "== $* ($(date -u +%H:%M:%S))"; }
step "RESULTS.md sections 1-3";   scripts/evidence.sh "$out/evidence"
step "RESULTS.md section 4";      scripts/label-noise.sh mnist-5k "$out/label-noise"
scripts/label-noise.sh fashion-mnist "$out/label-noise"
step "RESULTS.md section 5";      scripts/attribution.sh mnist-5k "$out/attribution"
scripts/attribution.sh fashion-mnist "$out/attribution"
step "README accuracy table";     scripts/accuracy.sh all "$out/accuracy"
step "done"
