"""Reads the JSON lines of loupe-bench and pytorch_reference.py and prints one Markdown table."""
import json
import statistics
import sys

rows = [json.loads(line) for line in sys.stdin if line.startswith("{")]
loupe = {(r.get("model"), r["metric"]): r for r in rows if r["engine"] == "loupe"}
torch = {(r.get("model"), r["metric"]): r for r in rows if r["engine"] == "pytorch"}
goals = {"train": 2.0, "input-gradient": 2.0, "inference": 1.5}
throughput = ["train", "inference", "input-gradient"]


def rounds(engine, model, metric):
    """The measurement's value in each round, in order."""
    return [r["images_per_second"] for r in rows if r["engine"] == engine and r.get("model") == model and r["metric"] == metric]


def median(values):
    return statistics.median(values) if values else None


print("| measurement | Loupe | PyTorch | ratio | goal |")
print("| --- | ---: | ---: | ---: | --- |")
for model in ["mlp", "cnn"]:
    for metric in throughput:
        ours = median(rounds("loupe", model, metric))
        theirs = median(rounds("pytorch", model, metric))
        ratio = f"{ours / theirs:.2f}x" if ours and theirs else "n/a"
        mark = "" if not (ours and theirs) else (" (met)" if ours / theirs >= goals[metric] else " (missed)")
        print(f"| {model} {metric} images/s | {ours or 0:,.0f} | {theirs or 0:,.0f} | {ratio} | >= {goals[metric]}x{mark} |")
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
        print(f"| GEMM {r['size']}^3 ({r['path']}) | {r['gflops']:.1f} GFLOP/s | | | {share} |")
for engine, table in [("Loupe", loupe), ("PyTorch", torch)]:
    memory = table.get((None, "peak-memory"), {}).get("bytes")
    if memory:
        print(f"| {engine} benchmark process peak RSS | {memory / 2**20:.0f} MiB | | | |")
count = len(rounds("loupe", "mlp", "train"))
if count > 1:
    print()
    print(f"Medians of {count} rounds, Loupe and PyTorch alternating. Ratios of each round (Loupe / PyTorch of the same round):")
    print()
    for model in ["mlp", "cnn"]:
        for metric in throughput:
            pairs = zip(rounds("loupe", model, metric), rounds("pytorch", model, metric))
            print(f"- {model} {metric}: " + ", ".join(f"{a / b:.2f}x ({a:,.0f} / {b:,.0f})" for a, b in pairs))
