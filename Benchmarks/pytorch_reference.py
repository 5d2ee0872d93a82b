"""PyTorch side of the Loupe benchmark: the same models, data, batch size and thread count.

Prints one JSON object per measurement on stdout, in the format loupe-bench uses, so that
Benchmarks/compare.py can put them side by side. Run by Benchmarks/run.sh.
"""
import argparse
import gzip
import json
import os
import resource
import time

import numpy as np
import torch
from torch import nn


def load_images(data):
    if data == "fashion-mnist":
        root = "/usr/share/datasets/fashion-mnist"
        path = os.path.join(root, "train-images-idx3-ubyte.gz")
        labels = os.path.join(root, "train-labels-idx1-ubyte.gz")
    else:
        root = os.path.join(os.path.dirname(__file__), "..", "Sources", "LoupeData", "Resources", "mnist-5k")
        path = os.path.join(root, "images-idx3-ubyte.gz")
        labels = os.path.join(root, "labels-idx1-ubyte.gz")
    with gzip.open(path) as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)
    with gzip.open(labels) as f:
        targets = np.frombuffer(f.read(), np.uint8, offset=8).astype(np.int64)
    return images, targets


def make_model(name):
    if name == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10))


def batches(images, targets, batch, count, seed):
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(images))
    for b in range(count):
        idx = order[(b * batch) % len(images):][:batch]
        if len(idx) < batch:
            idx = order[:batch]
        x = torch.from_numpy(images[idx].astype(np.float32) / 255.0)
        yield x, torch.from_numpy(targets[idx])


def timed(fn, images, targets, batch, steps):
    data = list(batches(images, targets, batch, steps + 5, 0))
    for x, y in data[:5]:
        fn(x, y)
    start = time.perf_counter()
    for x, y in data[5:]:
        fn(x, y)
    return steps * batch / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="fashion-mnist")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--models", default="mlp,cnn")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    images, targets = load_images(args.data)
    for name in args.models.split(","):
        steps = args.steps if name == "cnn" else args.steps * 5
        model = make_model(name)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
        loss_fn = nn.CrossEntropyLoss()

        def train_step(x, y):
            optimizer.zero_grad(set_to_none=True)
            loss_fn(model(x), y).backward()
            optimizer.step()

        model.train()
        train = timed(train_step, images, targets, args.batch_size, steps)
        model.eval()
        for p in model.parameters():
            p.requires_grad_(False)

        def infer(x, y):
            with torch.no_grad():
                model(x)

        def input_gradient(x, y):
            x.requires_grad_(True)
            logits = model(x)
            logits.gather(1, y[:, None]).sum().backward()
            return x.grad

        inference = timed(infer, images, targets, args.batch_size, steps * 2)
        gradient = timed(input_gradient, images, targets, args.batch_size, steps)
        for metric, value in [("train", train), ("inference", inference), ("input-gradient", gradient)]:
            print(json.dumps({"engine": "pytorch", "model": name, "metric": metric, "images_per_second": value}))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"engine": "pytorch", "metric": "peak-memory", "bytes": peak, "torch": torch.__version__}))


if __name__ == "__main__":
    main()
