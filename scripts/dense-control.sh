#!/usr/bin/env bash
# The seed control of a compression audit: how many "CIEs" a second dense population, trained
# the same way from other seeds, has against the audit's dense population. A compressed
# population's CIE fraction means something only above this floor.
#   scripts/dense-control.sh AUDIT OUT [loupe audit training options...]
# Trains OUT/population/dense (seeds from --seed, default 1000: give the audit's options,
# e.g. --data, --model, --epochs, --members), then runs `loupe audit` on bring-your-own
# predictions: AUDIT's dense members as the baseline, the new ones as the "compressed"
# population; the result is in OUT/byo.
set -euo pipefail
cd "$(dirname "$0")/.."
audit=$1 out=$2
shift 2
swift build -c release --product loupe >/dev/null
loupe=.build/release/loupe
data=$(python3 -c 'import sys; a = sys.argv[1:]; print(a[a.index("--data") + 1])' "$@")
seed_given=$(python3 -c 'import sys; print("--seed" in sys.argv[1:])' "$@")
extra=()
[ "$seed_given" = True ] || extra=(--seed 1000)
"$loupe" audit "$@" "${extra[@]}" --variants dense,float16 --latency-runs 0 --out "$out/train" | grep -E "wrote|accuracy" || true
python3 - "$audit/population/dense" "$out/train/population/dense" "$out" <<'PY'
import pathlib, sys
import numpy as np
for folder, name in ((sys.argv[1], "baseline.npy"), (sys.argv[2], "control.npy")):
    members = sorted(p for p in pathlib.Path(folder).iterdir() if (p / "predictions.npy").exists())
    stacked = np.stack([np.load(m / "predictions.npy") for m in members])
    np.save(pathlib.Path(sys.argv[3]) / name, stacked)
    print(f"{name}: {stacked.shape[0]} members x {stacked.shape[1]} examples from {folder}")
PY
"$loupe" audit --data "$data" --baseline-predictions "$out/baseline.npy" --compressed-predictions "$out/control.npy" \
    --out "$out/byo" | grep -E "CIEs|wrote"
