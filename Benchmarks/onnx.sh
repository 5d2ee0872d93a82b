#!/usr/bin/env bash
# Inference of every ONNX zoo model (Tests/LoupeONNXTests/Fixtures/zoo, made by
# scripts/onnx-zoo.py) in Loupe (imported) and in onnxruntime's CPU execution provider, side by
# side in one run: batch 128, 2 threads, best of 3 passes of at least 1 s (and 3 batches) each,
# the engines alternating per model, --alternations times (default 3; each engine's best run
# counts, so a slow phase of this shared machine during one engine's turn does not decide). Also a full-width ResNet-18 layout for 32x32 inputs (widths 64-512,
# exported here when PyTorch is installed) and the built-in cnn next to its imported copy.
#   Benchmarks/onnx.sh [--threads 2] [--batch 128] [--alternations 3] [--baseline BENCH] [--models A.onnx,B.onnx]
# --baseline BENCH: also time another build's loupe-bench (e.g. of the commit before a change)
# in the same alternation, as a column of its own. --models: these ONNX files instead of the zoo
# and the full-width ResNet-18.
set -euo pipefail
cd "$(dirname "$0")/.."
threads=2 batch=128 alternations=3 baseline= only=
while [ $# -gt 0 ]; do
    case $1 in
    --threads) threads=$2; shift 2 ;;
    --batch) batch=$2; shift 2 ;;
    --alternations) alternations=$2; shift 2 ;;
    --baseline) baseline=$2; shift 2 ;;
    --models) only=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
python3 -c "import onnxruntime" 2>/dev/null || { echo "Benchmarks/onnx.sh needs onnxruntime (pip install onnxruntime)" >&2; exit 1; }
swift build -c release --product loupe-bench >/dev/null
bench=.build/release/loupe-bench
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
models=(Tests/LoupeONNXTests/Fixtures/zoo/*.onnx)
if [ -n "$only" ]; then
    IFS=, read -r -a models <<<"$only"
elif python3 -c "import torch, onnxscript" 2>/dev/null; then
    python3 scripts/onnx-zoo.py --full-width-resnet "$work/resnet18-full.onnx" >/dev/null
    models+=("$work/resnet18-full.onnx")
fi
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; $(date -u +%Y-%m-%d); batch $batch, $threads threads"
out="$work/results.jsonl"
for model in "${models[@]}"; do
    extra=()
    [[ $(basename "$model") == cnn-legacy.onnx ]] && extra=(--builtin cnn)
    for _ in $(seq "$alternations"); do
        if [ -n "$baseline" ]; then
            "$baseline" --onnx-inference "$model" --batch-size "$batch" --threads "$threads" |
                sed 's/"engine":"loupe"/"engine":"baseline"/' | tee -a "$out" >&2
        fi
        "$bench" --onnx-inference "$model" "${extra[@]}" --batch-size "$batch" --threads "$threads" | tee -a "$out" >&2
        python3 Benchmarks/onnxruntime_reference.py "$model" --batch "$batch" --threads "$threads" | tee -a "$out" >&2
    done
done
python3 - "$out" <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
best = {"loupe": {}, "onnxruntime": {}, "baseline": {}}
for r in rows:
    rates = best[r["engine"]]
    rates[r["model"]] = max(rates.get(r["model"], 0), r["images_per_second"])
loupe, ort, before = best["loupe"], best["onnxruntime"], best["baseline"]
if before:
    print("| model | Loupe img/s | baseline img/s | onnxruntime img/s | Loupe / baseline | Loupe / onnxruntime |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, rate in loupe.items():
        cells = [f"{rate:,.0f}", f"{before[name]:,.0f}" if name in before else "", f"{ort[name]:,.0f}" if name in ort else ""]
        cells += [f"{rate / before[name]:.2f}x" if name in before else "", f"{rate / ort[name]:.2f}x" if name in ort else ""]
        print(f"| {name} | " + " | ".join(cells) + " |")
    sys.exit(0)
print("| model | Loupe img/s | onnxruntime img/s | Loupe / onnxruntime |")
print("| --- | ---: | ---: | ---: |")
for name, rate in loupe.items():
    other = ort.get(name)
    print(f"| {name} | {rate:,.0f} | {other:,.0f} | {rate / other:.2f}x |" if other else f"| {name} | {rate:,.0f} | | |")
PY
