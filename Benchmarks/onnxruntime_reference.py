#!/usr/bin/env python3
"""onnxruntime's side of Benchmarks/onnx.sh: images per second of a model's inference on the
CPU execution provider, seeded uniform images, best of --rounds passes of at least --batches
calls and at least --seconds each (as loupe-bench --onnx-inference measures).

  python3 Benchmarks/onnxruntime_reference.py MODEL.onnx [--batch 128] [--threads 2] [--batches 3] [--seconds 1] [--rounds 3]

intra_op_num_threads = --threads, inter_op_num_threads = 1, sequential execution, all graph
optimizations (onnxruntime's default). Prints one JSON line, as loupe-bench does."""
import argparse
import json
import time

import numpy as np
import onnxruntime as ort

parser = argparse.ArgumentParser()
parser.add_argument("model")
parser.add_argument("--batch", type=int, default=128)
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--batches", type=int, default=3)
parser.add_argument("--seconds", type=float, default=1.0)
parser.add_argument("--rounds", type=int, default=3)
args = parser.parse_args()

options = ort.SessionOptions()
options.intra_op_num_threads = args.threads
options.inter_op_num_threads = 1
options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
session = ort.InferenceSession(args.model, options, providers=["CPUExecutionProvider"])
first = session.get_inputs()[0]
shape = [args.batch] + [int(d) for d in first.shape[1:]]
images = np.random.default_rng(7).random(shape, dtype=np.float32)
session.run(None, {first.name: images})
best = 0.0
for _ in range(args.rounds):
    calls, elapsed = 0, 0.0
    while calls < args.batches or elapsed < args.seconds:
        start = time.perf_counter()
        session.run(None, {first.name: images})
        elapsed += time.perf_counter() - start
        calls += 1
    best = max(best, args.batch * calls / elapsed)
print(json.dumps({"engine": "onnxruntime", "model": args.model.split("/")[-1], "metric": "onnx-inference",
                  "images_per_second": best, "threads": args.threads,
                  "batch": args.batch, "version": ort.__version__}, sort_keys=True))
