#!/usr/bin/env bash
# Runs Loupe and PyTorch side by side on the same machine, data, models, batch size and thread
# count, and prints the comparison table recorded in BENCHMARKS.md.
#   Benchmarks/run.sh [--rounds 3] [--threads 2] [--steps 200] [--data fashion-mnist] [--models mlp,cnn]
#   Benchmarks/run.sh --models resnet-mini --data /work/shared/datasets/cifar10-images (a CIFAR-style ImageFolder)
#
# The throughput measurements run in rounds, alternating Loupe and PyTorch, with
# `loupe-bench --core-check` before and after each engine's pass: this virtual machine has
# phases of minutes in which a cache line takes about 460 ns instead of 50 ns to travel
# between its two CPUs (the host has moved one of them away), and two-thread training then
# measures that distance rather than the engines. The table gives each engine's median over
# the rounds whose checks all show near cores (all rounds if none do); every round is listed
# below it with its checks.
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
if python3 -c "import torch, PIL" 2>/dev/null; then
    has_torch=1
else
    echo "PyTorch or Pillow is not installed (python3 -m pip install torch pillow): Loupe's column only" >&2
fi
threads=2
for ((i = 0; i < ${#args[@]}; i++)); do [ "${args[i]}" = --threads ] && threads=${args[i + 1]}; done
check() { .build/release/loupe-bench --core-check --threads "$threads" | tee -a "$out" >&2; }
for round in $(seq "$rounds"); do
    check
    .build/release/loupe-bench --throughput-only "${args[@]}" | tee -a "$out" >&2
    check
    if [ "$has_torch" = 1 ]; then
        python3 Benchmarks/pytorch_reference.py "${args[@]}" | tee -a "$out" >&2
        check
    fi
done
.build/release/loupe-bench --skip-throughput "${args[@]}" | tee -a "$out" >&2

# Peak resident memory of a real training run: cnn on all 60,000 Fashion-MNIST images.
if [ -d /usr/share/datasets/fashion-mnist ]; then
    run=$(mktemp -d)
    .build/release/loupe train --data fashion-mnist --model cnn --epochs 1 --out "$run" >/dev/null
    python3 -c "import json; m=json.load(open('$run/manifest.json')); print(json.dumps({'engine': 'loupe', 'metric': 'training-peak-memory', 'bytes': m['peakMemoryBytes']}))" | tee -a "$out" >&2
    rm -rf "$run"
fi
python3 Benchmarks/compare.py < "$out"
