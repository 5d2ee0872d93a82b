#!/usr/bin/env bash
# The compression frontier (issue 18, point 4): a release-build audit whose populations are
# timed on every inference kernel they can run on (variants.csv, latency.json, frontier.html),
# printed as a Markdown table of size, accuracy over members, disparity and measured speed-up.
# Arguments after the output folder go to `loupe audit` (data, model, members, epochs, variants).
#   Benchmarks/frontier.sh OUT [loupe audit options...]
# e.g. Benchmarks/frontier.sh runs/frontier --model cnn --members 5 --epochs 4 \
#        --variants dense,prune:0.5,prune:0.9,prune-2:4,oneshot-filters:0.5,int8-full,float16
set -euo pipefail
cd "$(dirname "$0")/.."
out=$1
shift
swift build -c release --product loupe >/dev/null
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, kernel path ${LOUPE_KERNELS:-best}; $(date -u +%Y-%m-%d); commit $(git rev-parse --short HEAD)"
.build/release/loupe audit "$@" --out "$out" | grep -E "latency|CIEs|wrote"
python3 - "$out/variants.csv" "$out/latency.json" <<'PY'
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
kernels = {v["variant"]: v for v in json.load(open(sys.argv[2]))["variants"]}
print("| variant | size vs dense | accuracy (95% CI over members) | CIE fraction | accuracy on CIEs (dense / compressed) | kernel | ms @1 | ms @128 | speed-up @1 | speed-up @128 | kernels tried (ms @128) |")
print("| --- | ---: | --- | ---: | --- | --- | ---: | ---: | ---: | ---: | --- |")
f = lambda x, d=3: "" if x == "" else f"{float(x):.{d}f}"
for r in rows:
    tried = ", ".join(f"{c['kernel']} {1000 * c['latencies'][-1]['median_seconds']:.2f}" for c in kernels[r["variant"]]["candidates"])
    ci = f"{f(r['accuracy'], 4)} ({f(r['accuracy_ci95_low'], 4)}-{f(r['accuracy_ci95_high'], 4)})" if r["accuracy_ci95_low"] else f(r["accuracy"], 4)
    cie = f"{f(r['accuracy_on_cie_dense'])} / {f(r['accuracy_on_cie_compressed'])}" if r["accuracy_on_cie_dense"] else ""
    print(f"| {r['variant']} | {f(r['size_vs_dense'], 2)} | {ci} | {f(r['cie_fraction'], 4)} | {cie} | {r['kernel']} | {f(r['latency_batch1_ms'], 3)} | {f(r['latency_batch128_ms'], 2)} | {f(r['speedup_batch1'], 2)} | {f(r['speedup_batch128'], 2)} | {tried} |")
PY
