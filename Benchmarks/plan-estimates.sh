#!/usr/bin/env bash
# How close `loupe plan`'s estimates are to what the work units take (issue 17, point 3), with
# the release build on the embedded mnist-5k: for an audit, a difficulty run and a ROAR
# benchmark, the plan's estimated core-seconds of all units (and of ROAR's preparation) against
# the unit times the same command records when run on one core (--threads 1; the manifest's
# phaseSeconds). The plan sizes tasks at 2x its estimate, so a ratio of 0.5 or more keeps them
# within their time limit.
#   Benchmarks/plan-estimates.sh
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product loupe >/dev/null
loupe=$PWD/.build/release/loupe
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; $(date -u +%Y-%m-%d); commit $(git -C "$OLDPWD" rev-parse --short HEAD)"
printf '%-10s %14s %14s %7s   %s\n' command estimated measured ratio "(core-seconds of the units; preparation apart)"

# Prints the plan's estimates and the one-core run's unit times for one command.
compare() {
  local name=$1
  shift
  "$loupe" plan slurm --out "plan-$name" -- "$@" --out "run-$name" >"plan-$name.log" 2>&1
  "$loupe" "$@" --threads 1 --out "run-$name" >"run-$name.log" 2>&1
  python3 - "$name" "plan-$name.log" "run-$name/manifest.json" <<'PY'
import json, re, sys
name, plan, manifest = sys.argv[1], open(sys.argv[2]).read(), json.load(open(sys.argv[3]))
units = float(re.search(r"([\d.e+]+) core-seconds estimated in total", plan).group(1))
prepared = re.search(r"first, once: .*?, ([\d.e+]+) core-seconds estimated", plan)
# Unit times only: "wall" and "retraining" (ROAR's retraining phase) are sums over units.
phases = {k: v for k, v in manifest.get("phaseSeconds", {}).items() if k not in ("wall", "retraining")}
preparation = {k: v for k, v in phases.items() if k == "base model" or k.startswith("maps ")}
measured = sum(v for k, v in phases.items() if k not in preparation)
print(f"{name:<10} {units:14.1f} {measured:14.1f} {units / measured:7.2f}")
if prepared:
    estimate = float(prepared.group(1))
    got = sum(preparation.values())
    print(f"{name + ' prep':<10} {estimate:14.1f} {got:14.1f} {estimate / got:7.2f}   ({', '.join(sorted(preparation))})")
PY
}

# shellcheck disable=SC2054 # the commas are in one argument
compare audit audit --model cnn --members 2 --epochs 2 --variants dense,prune:0.9,int8-channel
compare difficulty difficulty --model cnn --epochs 6 --el2n-seeds 2 --cl-folds 3
# shellcheck disable=SC2054
compare roar benchmark roar --model cnn --epochs 2 --retrains 1 --fractions 50 \
  --methods gradient,integrated-gradients,smoothgrad-squared,random --train-limit 2000 --test-limit 500
