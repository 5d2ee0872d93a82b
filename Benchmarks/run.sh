#!/usr/bin/env bash
# Runs Loupe and PyTorch side by side on the same machine, data, models, batch size and thread
# count, and prints the comparison table recorded in BENCHMARKS.md.
#   Benchmarks/run.sh [--threads 2] [--steps 200] [--data fashion-mnist]
set -euo pipefail
cd "$(dirname "$0")/.."
args=("$@")
swift build -c release --product loupe-bench >/dev/null
swift build -c release --product loupe >/dev/null
out=$(mktemp)
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; $(date -u +%Y-%m-%d)"
.build/release/loupe-bench "${args[@]}" | tee -a "$out" >&2
if python3 -c "import torch" 2>/dev/null; then
    python3 Benchmarks/pytorch_reference.py "${args[@]}" | tee -a "$out" >&2
else
    echo "PyTorch is not installed (python3 -m pip install torch): Loupe's column only" >&2
fi
python3 Benchmarks/compare.py < "$out"

# Peak resident memory of a real training run: cnn on all 60,000 Fashion-MNIST images.
if [ -d /usr/share/datasets/fashion-mnist ]; then
    run=$(mktemp -d)
    .build/release/loupe train --data fashion-mnist --model cnn --epochs 1 --out "$run" >/dev/null
    python3 -c "import json,sys; m=json.load(open('$run/manifest.json')); print(f\"| loupe train cnn, all 60,000 Fashion-MNIST images, peak RSS | {m['peakMemoryBytes']/2**20:.0f} MiB | | | <= 400 MB |\")"
    rm -rf "$run"
fi
