#!/usr/bin/env bash
# Re-runs the small recorded result of RESULTS.md (section 0: the README's default audit on
# the embedded mnist-5k, kernel path avx2) and compares its outputs byte for byte with the
# SHA-256 recorded there, then has `loupe verify --rerun` run the recorded command again from
# the folder's manifest and compare every output. CI runs it; any difference fails.
#   scripts/reproduce.sh [outdir]
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-$(mktemp -d)/default-audit}"
swift build -c release --product loupe 2>&1 | grep -E "error|Build complete" || true
loupe=.build/release/loupe
LOUPE_KERNELS=avx2 "$loupe" audit --out "$out" | grep -v "^  "
status=0
# RESULTS.md lists the recorded hashes as lines "- `FILE` SHA-256 `HASH`" in section 0.
while read -r file hash; do
    actual=$(sha256sum "$out/$file" | cut -d' ' -f1)
    if [[ $actual == "$hash" ]]; then
        echo "reproduced: $file ($hash)"
    else
        echo "NOT reproduced: $file: recorded $hash, this run $actual"
        status=1
    fi
done < <(sed -n 's/^- `\([^`]*\)` SHA-256 `\([0-9a-f]\{64\}\)`.*/\1 \2/p' RESULTS.md)
[[ $(grep -c '^- `[^`]*` SHA-256 `' RESULTS.md) -gt 0 ]] || { echo "RESULTS.md records no hashes"; status=1; }
# The third-party check: every output of the folder, rerun from its manifest alone.
"$loupe" verify --rerun "$out" | grep -v "^identical " || status=1
exit "$status"
