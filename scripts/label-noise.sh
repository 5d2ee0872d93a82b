#!/usr/bin/env bash
# The label-noise runs behind RESULTS.md section 4: 5% of training labels flipped (seed 1);
# every difficulty score's AUROC and precision at k for finding them, and the CIE flag of an
# audit of the same noisy training split.
#   scripts/label-noise.sh [mnist-5k|fashion-mnist] [outdir]
set -euo pipefail
cd "$(dirname "$0")/.."
data="${1:-mnist-5k}"
out="${2:-runs/label-noise}/$data"
swift build -c release --product loupe >/dev/null
loupe=.build/release/loupe
if [[ $data == mnist-5k ]]; then model=(--model cnn); audit=(--members 5 --epochs 4); else model=(--model mlp); audit=(--members 10 --epochs 8); fi
noise=(--label-noise 0.05 --noise-seed 1)
"$loupe" audit --data "$data" "${model[@]}" "${audit[@]}" --variants dense,prune:0.9:all "${noise[@]}" \
    --evaluate train --gallery 0 --out "$out/audit" | grep -v "^  "
"$loupe" benchmark label-noise --data "$data" "${model[@]}" --epochs 9 --noise 0.05 --noise-seed 1 --el2n-seeds 3 \
    --cie "$out/audit" --out "$out/benchmark" | grep -v "^  "
