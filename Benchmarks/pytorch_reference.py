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
from torch.nn import functional

# Images decoded from an ImageFolder (`--data DIR`): a random subset (seed 0) of this many
# training images, cycled through; the throughput does not depend on which images they are,
# and decoding all 50,000 CIFAR-10 images with PIL would take longer than the measurement.
IMAGE_FOLDER_SUBSET = 6400


def load_image_folder(root):
    """Images (N, C, H, W, uint8) and labels of `root/train/<class>/*` (or `root/<class>/*`):
    classes in sorted order as Loupe numbers them, read in place with PIL."""
    from PIL import Image

    train = os.path.join(root, "train")
    root = train if os.path.isdir(train) else root
    classes = sorted(c for c in os.listdir(root) if os.path.isdir(os.path.join(root, c)) and not c.startswith("."))
    files = [
        (os.path.join(root, c, f), label)
        for label, c in enumerate(classes)
        for f in sorted(os.listdir(os.path.join(root, c)))
        if f.lower().endswith((".jpg", ".jpeg", ".png")) and not f.startswith(".")
    ]
    if not files:
        raise SystemExit(f"{root}: no .jpg, .jpeg or .png images in class folders")
    chosen = np.random.default_rng(0).permutation(len(files))[:IMAGE_FOLDER_SUBSET]
    images, targets = [], []
    for index in chosen:
        path, label = files[index]
        with Image.open(path) as image:
            pixels = np.asarray(image.convert("RGB") if image.mode not in ("L", "RGB") else image)
        images.append(pixels[None] if pixels.ndim == 2 else pixels.transpose(2, 0, 1))
        targets.append(label)
    return np.stack(images), np.array(targets, dtype=np.int64)


def load_images(data):
    if os.path.isdir(data):
        return load_image_folder(data)
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


class ResidualBlock(nn.Module):
    """relu(body(x) + shortcut(x)) as Loupe's ResidualBlock: bias-free 3x3 convolutions with
    batch norm, a 1x1 stride-2 convolution with batch norm as the shortcut of stride-2 stages."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(),
            nn.Conv2d(cout, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout))
        self.shortcut = (
            nn.Sequential(nn.Conv2d(cin, cout, 1, stride, 0, bias=False), nn.BatchNorm2d(cout)) if stride != 1 else None)

    def forward(self, x):
        return functional.relu(self.body(x) + (self.shortcut(x) if self.shortcut is not None else x))


def resnet_mini(channels, classes):
    """Loupe's built-in `resnet-mini` (Sources/LoupeNN/Model/BuiltinArchitectures.swift)."""
    return nn.Sequential(
        nn.Conv2d(channels, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
        ResidualBlock(16, 16, 1), ResidualBlock(16, 32, 2), ResidualBlock(32, 64, 2),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, classes))


def make_model(name, shape, classes):
    if name == "resnet-mini":
        model = resnet_mini(shape[0], classes)
        if shape[0] == 3 and classes == 10:
            count = sum(p.numel() for p in model.parameters())
            assert count == 78_042, f"resnet-mini has {count} parameters, Loupe's has 78,042"
        return model
    pixels = shape[0] * shape[1] * shape[2]
    if name == "mlp":
        return nn.Sequential(
            nn.Flatten(), nn.Linear(pixels, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, classes))
    return nn.Sequential(
        nn.Conv2d(shape[0], 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * (shape[1] // 4) * (shape[2] // 4), 128), nn.ReLU(), nn.Linear(128, classes))


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
        steps = args.steps * 5 if name == "mlp" else args.steps
        model = make_model(name, images.shape[1:], int(targets.max()) + 1)
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
