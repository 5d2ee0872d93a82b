#!/usr/bin/env bash
# The attribution runs behind RESULTS.md section 5 and the ROAR speed in BENCHMARKS.md:
# remove-and-retrain / keep-and-retrain for five methods and the random and blurred-random
# controls, and the input-invariance test.
#   scripts/attribution.sh [mnist-5k|fashion-mnist] [outdir]
# mnist-5k: the full protocol (cnn, 5 fractions x 2 modes x 5 retrains, 4 epochs each).
# fashion-mnist: a screening run on 10,000 training and 2,000 test images evenly spaced through
# the splits, 3 retrains of 3 epochs (the full protocol on 60,000 images would take about a day
# on 2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."
data="${1:-mnist-5k}"
out="${2:-runs/attribution}/$data"
swift build -c release --product loupe >/dev/null
loupe=.build/release/loupe
if [[ $data == mnist-5k ]]; then
    roar=(--retrains 5 --epochs 4); invariance=(--epochs 2)
else
    roar=(--retrains 3 --epochs 3 --train-limit 10000 --test-limit 2000); invariance=(--epochs 1)
fi
"$loupe" benchmark roar --data "$data" --model cnn "${roar[@]}" --out "$out/roar" | grep -v "^  "
"$loupe" benchmark invariance --data "$data" --examples 100 "${invariance[@]}" --out "$out/invariance"
