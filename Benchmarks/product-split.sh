#!/usr/bin/env bash
# How a fully connected network should use two threads (Model.splitsProducts): each product
# split by rows across the threads, or one shard of the batch per thread. Exports MLPs of
# growing width (784-H1-H2-10, PyTorch, legacy exporter) and times `loupe-bench
# --onnx-inference --products split|shard` on each, batch 128, the two alternating --rounds
# times (default 5); prints each one's best and the ratio, beside the multiply-adds per thread.
#   Benchmarks/product-split.sh [--rounds 5] [--threads 2]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=5 threads=2
while [ $# -gt 0 ]; do
    case $1 in
    --rounds) rounds=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
python3 -c "import torch" 2>/dev/null || { echo "Benchmarks/product-split.sh needs PyTorch to export the MLPs" >&2; exit 1; }
swift build -c release --product loupe-bench >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$work" <<'PY'
import sys, warnings, torch, torch.nn as nn
warnings.simplefilter("ignore")
torch.manual_seed(0)
for h1, h2 in [(32, 16), (64, 32), (128, 64), (256, 128)]:
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, h1), nn.ReLU(), nn.Linear(h1, h2), nn.ReLU(), nn.Linear(h2, 10))
    torch.onnx.export(model.eval(), torch.zeros(1, 1, 28, 28), f"{sys.argv[1]}/mlp-{h1}-{h2}.onnx", dynamo=False,
                      input_names=["x"], dynamic_axes={"x": {0: "batch"}})
PY
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; $(date -u +%Y-%m-%d); batch 128, $threads threads"
for _ in $(seq "$rounds"); do
    for model in "$work"/mlp-*.onnx; do
        for products in split shard; do
            .build/release/loupe-bench --onnx-inference "$model" --threads "$threads" --products "$products"
        done
    done
done >"$work/results.jsonl"
python3 - "$work/results.jsonl" "$threads" <<'PY'
import json, sys
best = {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    key = (r["model"], r["products"])
    best[key] = max(best.get(key, 0), r["images_per_second"])
threads = int(sys.argv[2])
print("| network | multiply-adds a thread | split img/s | shard img/s | split / shard |")
print("| --- | ---: | ---: | ---: | ---: |")
for name in sorted({m for m, _ in best}, key=lambda n: int(n.split("-")[1])):
    h1, h2 = (int(w) for w in name[len("mlp-"):-len(".onnx")].split("-"))
    per_thread = 128 * (784 * h1 + h1 * h2 + h2 * 10) / threads
    split, shard = best[(name, "split")], best[(name, "shard")]
    print(f"| 784-{h1}-{h2}-10 | {per_thread / 1e6:.1f} M | {split:,.0f} | {shard:,.0f} | {split / shard:.2f}x |")
PY
