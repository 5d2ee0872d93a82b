#!/usr/bin/env bash
# Trains the reference models and prints their test accuracy: the runs behind the accuracy
# table in BENCHMARKS.md. Usage: scripts/accuracy.sh [fashion-mnist|mnist-5k|all] [outdir]
set -euo pipefail
cd "$(dirname "$0")/.."
which="${1:-all}"
out="${2:-runs/accuracy}"
swift build -c release --product loupe >/dev/null
loupe=.build/release/loupe

run() { # name data model epochs extra...
    local name=$1 data=$2 model=$3 epochs=$4; shift 4
    echo "== $name: $model on $data, $epochs epochs $*"
    "$loupe" train --data "$data" --model "$model" --epochs "$epochs" --out "$out/$name" "$@" | tail -1
    "$loupe" eval --data "$data" --model-file "$out/$name/model.safetensors" --json | grep -E '"(accuracy|loss)"'
}

if [[ $which == mnist-5k || $which == all ]]; then
    run mnist5k-cnn mnist-5k cnn 15 --lr 0.05 --schedule cosine
fi
if [[ $which == fashion-mnist || $which == all ]]; then
    run fashion-mlp fashion-mnist mlp 30 --lr 0.05 --schedule cosine
    run fashion-cnn fashion-mnist cnn 15 --lr 0.05 --schedule cosine
fi
