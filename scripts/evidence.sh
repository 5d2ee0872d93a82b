#!/usr/bin/env bash
# The Fashion-MNIST runs behind RESULTS.md: populations of 10 mlp models per variant.
#   scripts/evidence.sh [outdir] [parts]    parts: any of 1 2 3 (default all); 20-30 minutes on 2 cores
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-runs/evidence}"
parts="${2:-1 2 3}"
swift build -c release --product loupe >/dev/null
loupe=.build/release/loupe
common=(--data fashion-mnist --model mlp --members 10 --epochs 8)

if [[ $parts == *1* ]]; then
echo "== 1. CIE fraction against sparsity and quantization"
"$loupe" audit "${common[@]}" --variants dense,prune:0.5:all,prune:0.7:all,prune:0.9:all,prune:0.95:all,prune:0.9:all:random,int8-channel,int8-full \
    --out "$out/sparsity" | grep -v "^  "

fi
if [[ $parts == *2* ]]; then
echo "== 2. 5% of training labels flipped (seed 1): are flipped examples over-represented among CIEs?"
"$loupe" audit "${common[@]}" --variants dense,prune:0.9:all,prune:0.95:all --label-noise 0.05 --noise-seed 1 \
    --evaluate train --gallery 0 --out "$out/label-noise" | grep -v "^  "

fi
if [[ $parts == *3* ]]; then
echo "== 3. Class 0 (T-shirt/top) made rare in training (10% kept): does compression hurt the rare group more?"
python3 - "$out/rare-attributes.csv" <<'PY'
import gzip, sys
import numpy as np
with gzip.open("/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz") as f:
    labels = np.frombuffer(f.read(), np.uint8, offset=8)
with open(sys.argv[1], "w") as f:
    f.write("id,group\n")
    for i, y in enumerate(labels):
        f.write(f"{i},{'rare' if y == 0 else 'majority'}\n")
PY
"$loupe" audit "${common[@]}" --variants dense,prune:0.9:all,prune:0.95:all --undersample 0:0.1 --noise-seed 1 \
    --attributes "$out/rare-attributes.csv" --out "$out/rare-class" | grep -v "^  "
fi
