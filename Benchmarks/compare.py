"""Reads the JSON lines of loupe-bench and pytorch_reference.py and prints one Markdown table."""
import json
import sys

rows = [json.loads(line) for line in sys.stdin if line.startswith("{")]
loupe = {(r.get("model"), r["metric"]): r for r in rows if r["engine"] == "loupe"}
torch = {(r.get("model"), r["metric"]): r for r in rows if r["engine"] == "pytorch"}
goals = {"train": 2.0, "input-gradient": 2.0, "inference": 1.5}

print("| measurement | Loupe | PyTorch | ratio | goal |")
print("| --- | ---: | ---: | ---: | --- |")
for model in ["mlp", "cnn"]:
    for metric in ["train", "inference", "input-gradient"]:
        ours = loupe.get((model, metric), {}).get("images_per_second")
        theirs = torch.get((model, metric), {}).get("images_per_second")
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
