#!/usr/bin/env bash
# The CIFAR-10 runs behind RESULTS.md section 6 and the CIFAR-10 rows of README's accuracy
# table, read in place from the ImageFolder copy beside the repository (never copied into it).
#   scripts/cifar.sh [outdir] [cifar10-root] [parts]   parts: any of accuracy long vog audit (default all)
# `long` is the README's resnet-mini row: 100 epochs, about 75 minutes on an idle 2-core machine.
# Kernel path: $LOUPE_KERNELS if set, else `avx2` (the portable path of scripts/results.sh);
# the commit and path are written to provenance.txt and every manifest.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-runs/cifar}"
data="${2:-../shared/datasets/cifar10-images}"
parts="${3:-accuracy long vog audit}"
[ -d "$data/train" ] && [ -d "$data/test" ] || {
    echo "scripts/cifar.sh: no CIFAR-10 ImageFolder (train/ and test/) at $data" >&2
    exit 1
}
swift build -c release --product loupe >/dev/null
loupe=.build/release/loupe
export LOUPE_KERNELS="${LOUPE_KERNELS:-avx2}"
export LOUPE_GIT_COMMIT="${LOUPE_GIT_COMMIT:-$(git rev-parse --short HEAD)}"
mkdir -p "$out"
echo "commit $LOUPE_GIT_COMMIT, kernel path $LOUPE_KERNELS, $(date -u +%Y-%m-%dT%H:%MZ)" | tee -a "$out/provenance.txt"
step() { echo "== $* ($(date -u +%H:%M:%S))"; }
# Every resnet-mini run: per-channel normalisation from the training split, SGD with Nesterov
# momentum 0.9 and weight decay, random crop (4 pixels of zero padding) and horizontal flip.
recipe=(--data "$data" --model resnet-mini --normalize dataset --lr 0.1 --nesterov --weight-decay 5e-4
    --crop-padding 4 --flip)

if [[ $parts == *accuracy* ]]; then
    step "accuracy: resnet-mini, 40 epochs (one of warm-up, then cosine), a checkpoint per epoch"
    "$loupe" train "${recipe[@]}" --epochs 40 --schedule warmup:391+cosine --checkpoint-every 1 \
        --out "$out/resnet-mini" | tail -2
    step "accuracy: cnn with 3 input channels, 15 epochs"
    "$loupe" train --data "$data" --model cnn --normalize dataset --lr 0.05 --schedule cosine --crop-padding 4 \
        --flip --epochs 15 --out "$out/cnn" | tail -2
fi
if [[ $parts == *long* ]]; then
    step "accuracy: resnet-mini, 100 epochs (one of warm-up, then cosine), a checkpoint every 5"
    "$loupe" train "${recipe[@]}" --epochs 100 --schedule warmup:391+cosine --checkpoint-every 5 \
        --out "$out/resnet-mini-100" | tail -2
fi
if [[ $parts == *vog* ]]; then
    step "VoG over the resnet-mini run's checkpoints, on the 10,000 test images"
    "$loupe" difficulty --data "$data" --checkpoints "$out/resnet-mini" --evaluate test --cl-folds 0 \
        --out "$out/vog-test" | tail -1
fi
if [[ $parts == *audit* ]]; then
    step "compression audit: 5 resnet-mini models per variant, 8 epochs each"
    "$loupe" audit "${recipe[@]}" --epochs 8 --members 5 --variants dense,prune:0.5,prune:0.9,int8-channel \
        --out "$out/audit" | grep -v "^  "
fi
step done
