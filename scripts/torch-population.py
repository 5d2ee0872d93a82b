#!/usr/bin/env python3
"""Trains N PyTorch copies of Loupe's reference cnn on Fashion-MNIST (seeds 0..N-1) and exports
each to ONNX: the "models trained elsewhere" of scripts/onnx-audit.sh.

  python3 scripts/torch-population.py [--data /usr/share/datasets/fashion-mnist] [--members 5]
                                      [--epochs 2] --out DIR

The network is Loupe's `cnn` (Conv 32 3x3 p1, ReLU, MaxPool 2, Conv 64 3x3 p1, ReLU, MaxPool 2,
Linear 3136-128, ReLU, Linear 128-10), trained on the 60,000 training images (pixels / 255) with
SGD (lr 0.05, momentum 0.9, batch 128, cosine schedule), 2 threads. Each model is exported with
PyTorch's default exporter (dynamo=True: opset 18+, weights in `member-<i>.onnx.data`). Made for
torch 2.13.0+cpu with onnx 1.23 and onnxscript 0.7; prints each model's test accuracy."""
import argparse
import contextlib
import gzip
import io
import json
import logging
import pathlib
import warnings

import numpy as np
import torch
import torch.nn as nn


def idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def cnn():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(), nn.Linear(128, 10))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--members", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--out", type=pathlib.Path, required=True)
    args = parser.parse_args()
    torch.set_num_threads(2)
    logging.getLogger("torch.onnx").setLevel(logging.ERROR)
    root = pathlib.Path(args.data)
    images = torch.from_numpy(idx(root / "train-images-idx3-ubyte.gz").astype(np.float32) / 255).unsqueeze(1)
    labels = torch.from_numpy(idx(root / "train-labels-idx1-ubyte.gz").astype(np.int64))
    test_images = torch.from_numpy(idx(root / "t10k-images-idx3-ubyte.gz").astype(np.float32) / 255).unsqueeze(1)
    test_labels = torch.from_numpy(idx(root / "t10k-labels-idx1-ubyte.gz").astype(np.int64))
    args.out.mkdir(parents=True, exist_ok=True)
    for member in range(args.members):
        torch.manual_seed(member)
        model = cnn()
        steps = args.epochs * ((len(images) + 127) // 128)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
        schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, steps)
        for epoch in range(args.epochs):
            order = torch.randperm(len(images))
            for start in range(0, len(images), 128):
                batch = order[start:start + 128]
                loss = nn.functional.cross_entropy(model(images[batch]), labels[batch])
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                schedule.step()
        model.eval()
        with torch.no_grad():
            accuracy = (model(test_images).argmax(1) == test_labels).float().mean().item()
        path = args.out / f"member-{member}.onnx"
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            torch.onnx.export(model, (torch.rand(1, 1, 28, 28),), str(path), input_names=["x"], output_names=["y"],
                              dynamo=True, dynamic_shapes=({0: torch.export.Dim("batch")},))
        print(json.dumps({"member": member, "file": str(path), "test_accuracy": round(accuracy, 4)}))


if __name__ == "__main__":
    main()
