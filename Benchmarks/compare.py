"""Reads the JSON lines of loupe-bench and pytorch_reference.py and prints one Markdown table."""
import json
import statistics
import sys

rows = [json.loads(line) for line in sys.stdin if line.startswith("{")]
loupe = {(r.get("model"), r["metric"]): r for r in rows if r["engine"] == "loupe"}
torch = {(r.get("model"), r["metric"]): r for r in rows if r["engine"] == "pytorch"}
goals = {"train": 2.0, "input-gradient": 2.0, "inference": 1.5}
# resnet-mini's goals (issue 14): training 1.5x PyTorch, inference 2x.
model_goals = {"resnet-mini": {"train": 1.5, "inference": 2.0}}
throughput = ["train", "inference", "input-gradient"]
models = ["mlp", "cnn", "resnet-mini"]


# Each engine's pass is a run of consecutive throughput rows; the core checks around it say
# whether the two CPUs were near (a cache-line round trip under 200 ns) while it ran.
passes = []  # [engine, {(model, metric): images/s}, checks before and after]
last_check = None
for r in rows:
    if r["metric"] == "core-check":
        last_check = r["round_trip_ns"]
        if passes and len(passes[-1][2]) == 1:
            passes[-1][2].append(last_check)
    elif r["metric"] in throughput:
        if not passes or passes[-1][0] != r["engine"] or len(passes[-1][2]) == 2:
            passes.append([r["engine"], {}, [last_check] if last_check is not None else []])
        passes[-1][1][(r["model"], r["metric"])] = r["images_per_second"]


def near(checks):
    return all(c is not None and c < 200 for c in checks) and len(checks) == 2


def engine_passes(engine):
    return [p for p in passes if p[0] == engine]


clean_only = any(near(p[2]) for p in engine_passes("loupe")) and (
    not engine_passes("pytorch") or any(near(p[2]) for p in engine_passes("pytorch")))


def rounds(engine, model, metric, clean=None):
    """The measurement's value in each pass, in order (only passes with near cores if `clean`)."""
    clean = clean_only if clean is None else clean
    return [p[1][(model, metric)] for p in engine_passes(engine) if (model, metric) in p[1] and (near(p[2]) or not clean)]


def median(values):
    return statistics.median(values) if values else None


print("| measurement | Loupe | PyTorch | ratio | goal |")
print("| --- | ---: | ---: | ---: | --- |")
for model in models:
    for metric in throughput:
        ours = median(rounds("loupe", model, metric))
        theirs = median(rounds("pytorch", model, metric))
        if not ours and not theirs:
            continue
        goal = model_goals.get(model, goals).get(metric)
        ratio = f"{ours / theirs:.2f}x" if ours and theirs else "n/a"
        mark = "" if not (ours and theirs and goal) else (" (met)" if ours / theirs >= goal else " (missed)")
        target = f">= {goal}x{mark}" if goal else ""
        print(f"| {model} {metric} images/s | {ours or 0:,.0f} | {theirs or 0:,.0f} | {ratio} | {target} |")
for model in ["mlp", "cnn"]:
    split = loupe.get((model, "population-split-across-cores"), {}).get("images_per_second")
    per_core = loupe.get((model, "population-one-model-per-core"), {}).get("images_per_second")
    if split and per_core:
        better = "one model per core" if per_core > split else "split across cores"
        print(f"| {model} population training, one model per core vs split | {per_core:,.0f} vs {split:,.0f} | | {per_core / split:.2f}x | {better} is faster |")
peak = loupe.get((None, "fma-peak"), {}).get("gflops")
for r in rows:
    if r["engine"] == "loupe" and r["metric"] == "gemm":
        share = f"{100 * r['gflops'] / peak:.0f}% of the {peak:.1f} GFLOP/s FMA peak" if peak else ""
        if peak and r["size"] == 512:
            share += f" (goal >= 85%: {'met' if r['gflops'] / peak >= 0.85 else 'missed'})"
        print(f"| GEMM {r['size']}^3 ({r['path']}) | {r['gflops']:.1f} GFLOP/s | | | {share} |")
training = loupe.get((None, "training-peak-memory"), {}).get("bytes")
if training:
    mark = "met" if training <= 400e6 else "missed"
    print(f"| loupe train cnn, all 60,000 Fashion-MNIST images, peak RSS | {training / 2**20:.0f} MiB | | | <= 400 MB ({mark}) |")
for engine, table in [("Loupe", loupe), ("PyTorch", torch)]:
    memory = table.get((None, "peak-memory"), {}).get("bytes")
    if memory:
        print(f"| {engine} benchmark process peak RSS | {memory / 2**20:.0f} MiB | | | |")
if len(engine_passes("loupe")) > 1:
    used = "with near cores" if clean_only else "(none had near cores throughout: all of them)"
    print()
    print(f"Throughput: each engine's median over the rounds {used}. Every round, Loupe and PyTorch alternating,")
    print("with the cache-line round trip between the two CPUs measured before and after each pass:")
    print()
    for index, (ours, theirs) in enumerate(zip(engine_passes("loupe"), engine_passes("pytorch") or [None] * len(passes))):
        checks = ", ".join(f"{c:.0f} ns" for c in ours[2] + (theirs[2][1:] if theirs else []) if c is not None)
        parts = []
        for model in models:
            for metric in throughput:
                if (model, metric) not in ours[1] and not (theirs and (model, metric) in theirs[1]):
                    continue
                a = ours[1].get((model, metric))
                b = theirs[1].get((model, metric)) if theirs else None
                parts.append(f"{model} {metric} {a / b:.2f}x" if a and b else f"{model} {metric} {a or 0:,.0f}")
        print(f"- round {index + 1} (round trips {checks}): " + "; ".join(parts))
