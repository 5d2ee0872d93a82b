#!/usr/bin/env bash
# Runs Loupe and PyTorch side by side on the same machine, data, models, batch size and thread
# count, and prints the comparison table recorded in BENCHMARKS.md.
#   Benchmarks/run.sh [--rounds 3] [--threads 2] [--steps 200] [--data fashion-mnist]
#
# The throughput measurements run in rounds, alternating Loupe and PyTorch, and the table
# gives each engine's median over the rounds (every round's ratios are printed below it):
# this machine is a virtual one whose speed drifts for minutes at a time, and a single pass
# of each engine can land in different phases.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=3
args=()
while [ $# -gt 0 ]; do
    if [ "$1" = "--rounds" ]; then rounds=$2; shift 2; else args+=("$1"); shift; fi
done
swift build -c release --product loupe-bench >/dev/null
swift build -c release --product loupe >/dev/null
out=$(mktemp)
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; $(date -u +%Y-%m-%d)"
has_torch=0
if python3 -c "import torch" 2>/dev/null; then
    has_torch=1
else
    echo "PyTorch is not installed (python3 -m pip install torch): Loupe's column only" >&2
fi
for round in $(seq "$rounds"); do
    .build/release/loupe-bench --throughput-only "${args[@]}" | tee -a "$out" >&2
    if [ "$has_torch" = 1 ]; then
        python3 Benchmarks/pytorch_reference.py "${args[@]}" | tee -a "$out" >&2
    fi
done
.build/release/loupe-bench --skip-throughput "${args[@]}" | tee -a "$out" >&2
python3 Benchmarks/compare.py < "$out"

# Peak resident memory of a real training run: cnn on all 60,000 Fashion-MNIST images.
if [ -d /usr/share/datasets/fashion-mnist ]; then
    run=$(mktemp -d)
    .build/release/loupe train --data fashion-mnist --model cnn --epochs 1 --out "$run" >/dev/null
    python3 -c "import json,sys; m=json.load(open('$run/manifest.json')); print(f\"| loupe train cnn, all 60,000 Fashion-MNIST images, peak RSS | {m['peakMemoryBytes']/2**20:.0f} MiB | | | <= 400 MB |\")"
    rm -rf "$run"
fi
