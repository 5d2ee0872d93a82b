#!/usr/bin/env bash
# On-disk size of dense, 50%- and 90%-pruned and int8 checkpoints of mlp and cnn: a one-epoch
# audit of each model on the embedded mnist-5k (2 members per variant), then the bytes of each
# variant's first member file next to the audit's size column (summary.json) and the ratio to
# the dense file. Sizes do not depend on the build; LOUPE_CONFIGURATION=debug skips the release
# build. Usage: scripts/checkpoint-sizes.sh [outdir]
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-runs/checkpoint-sizes}"
configuration="${LOUPE_CONFIGURATION:-release}"
swift build -c "$configuration" --product loupe >/dev/null
loupe=".build/$configuration/loupe"
variants=dense,prune:0.5:all,prune:0.9:all,int8-channel

printf '%-6s %-16s %12s %14s %8s\n' model variant file-bytes audit-column x-dense
for model in mlp cnn; do
    rm -rf "${out:?}/$model"
    "$loupe" audit --data mnist-5k --model "$model" --epochs 1 --members 2 --threads 2 \
        --variants "$variants" --out "$out/$model" >/dev/null
    python3 - "$out/$model" "$model" <<'EOF'
import json, os, sys
folder, model = sys.argv[1], sys.argv[2]
summary = json.load(open(os.path.join(folder, "summary.json")))
column = {v["variant"]: v["size_on_disk_bytes"] for v in summary["variants"]}
column["dense"] = summary["baseline_size_on_disk_bytes"]
def size(variant):
    return os.path.getsize(os.path.join(folder, "population", variant, "000", "model.safetensors"))
dense = size("dense")
for variant in ["dense", "prune-0.50-all", "prune-0.90-all", "int8-channel"]:
    print(f"{model:<6} {variant:<16} {size(variant):>12} {column[variant]:>14} {size(variant) / dense:>8.3f}")
EOF
done
