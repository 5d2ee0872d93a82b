#!/usr/bin/env bash
# The CIE paper's question asked of models trained elsewhere: five PyTorch copies of the
# reference cnn trained on Fashion-MNIST (scripts/torch-population.py), exported to ONNX, are
# the dense population of `loupe audit --models`; Loupe prunes each to 90% sparsity and
# fine-tunes it one epoch, and quantizes each to int8 (weights per channel, and with its layer
# inputs: int8-full), then compares the populations. Result in RESULTS.md ("Models trained
# elsewhere").
#   scripts/onnx-audit.sh [outdir]      needs torch, onnx, onnxscript and Fashion-MNIST
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-runs/onnx-audit}"
swift build -c release --product loupe >/dev/null
export LOUPE_KERNELS="${LOUPE_KERNELS:-avx2}"
export LOUPE_GIT_COMMIT="${LOUPE_GIT_COMMIT:-$(git rev-parse --short HEAD)}"
mkdir -p "$out"
echo "commit $LOUPE_GIT_COMMIT, kernel path $LOUPE_KERNELS, $(date -u +%Y-%m-%dT%H:%MZ)" | tee "$out/provenance.txt"
python3 scripts/torch-population.py --members 5 --epochs 2 --out "$out/torch" | tee "$out/torch-accuracy.jsonl"
.build/release/loupe audit --data fashion-mnist --models "$out/torch" --variants oneshot:0.9:1,int8-channel,int8-full \
    --lr 0.01 --schedule constant --out "$out/audit" | grep -v "^  "
