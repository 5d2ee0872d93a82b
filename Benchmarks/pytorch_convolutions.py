#!/usr/bin/env python3
"""PyTorch's side of `loupe-bench --resnet-convolutions`: GFLOP/s of each convolution of
resnet-mini on CIFAR-10 shapes (batch 64, one thread: a two-thread step of 128 gives each
thread 64), forward, weight gradient and input gradient, best of --rounds. One JSON object per
line, in loupe-bench's format.

    python3 Benchmarks/pytorch_convolutions.py [--batch 64] [--rounds 20] [--threads 1]
"""
import argparse
import json
import time

import torch

LAYERS = [
    # name, in channels, size, out channels, kernel, stride
    ("stem 3x3 3-16 @32", 3, 32, 16, 3, 1),
    ("stage1 3x3 16-16 @32", 16, 32, 16, 3, 1),
    ("stage2 3x3/2 16-32 @32", 16, 32, 32, 3, 2),
    ("stage2 3x3 32-32 @16", 32, 16, 32, 3, 1),
    ("stage2 1x1/2 16-32 @32", 16, 32, 32, 1, 2),
    ("stage3 3x3/2 32-64 @16", 32, 16, 64, 3, 2),
    ("stage3 3x3 64-64 @8", 64, 8, 64, 3, 1),
    ("stage3 1x1/2 32-64 @16", 32, 16, 64, 1, 2),
]


def best_of(rounds, run):
    run()
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    grad = torch.nn.grad
    for name, channels, size, out_channels, kernel, stride in LAYERS:
        padding = kernel // 2
        x = torch.randn(args.batch, channels, size, size)
        w = torch.randn(out_channels, channels, kernel, kernel)
        y = torch.nn.functional.conv2d(x, w, stride=stride, padding=padding)
        g = torch.randn_like(y)
        flops = 2 * y.numel() * channels * kernel * kernel
        passes = {
            "forward": lambda: torch.nn.functional.conv2d(x, w, stride=stride, padding=padding),
            "weight-gradient": lambda: grad.conv2d_weight(x, w.shape, g, stride=stride, padding=padding),
            "input-gradient": lambda: grad.conv2d_input(x.shape, w, g, stride=stride, padding=padding),
        }
        with torch.no_grad():
            for pass_name, run in passes.items():
                seconds = best_of(args.rounds, run)
                print(json.dumps({
                    "engine": "pytorch", "metric": "resnet-convolution", "layer": name, "pass": pass_name,
                    "gflops": flops / seconds / 1e9, "milliseconds": seconds * 1e3, "batch": args.batch,
                    "threads": args.threads,
                }, sort_keys=True))


if __name__ == "__main__":
    main()
