#!/usr/bin/env python3
"""Builds the ONNX model zoo that Loupe's ONNX import and export are tested against: small
PyTorch models with fixed seeds, each exported by both PyTorch exporters, with reference
inputs, targets, logits and input gradients from PyTorch and outputs from onnxruntime.

Writes into Tests/LoupeONNXTests/Fixtures/zoo/ (replaced as a whole; the files are first
written to a temporary folder beside it, so a failed run leaves the old zoo untouched):

- `<model>-<variant>.onnx` (and `<model>-<variant>.onnx.data` for the `dynamo` variants, whose
  weights the exporter keeps in a separate file named in each initializer's `location`);
- `<model>-input.npy`: 4 inputs, float32, uniform in [0, 1) from a seeded generator;
- `<model>-targets.npy`: 4 target classes, int64;
- `<model>-logits.npy`: PyTorch's logits (float32); for `misc`, whose last layer is a Softmax,
  the values before it, with `misc-probabilities.npy` the model's real output;
- `<model>-gradients.npy`: d logits[i, targets[i]] / d input[i] by PyTorch autograd (float32,
  shaped like the input; for `misc` of the pre-softmax values);
- `<model>-<variant>-ort.npy`: onnxruntime's (CPU, 1 thread) output of that file on the same
  input, checked here against PyTorch: max |ort - torch| <= 1e-5 * max |torch| (and on the
  first input alone, a batch of 1, to check that the batch dimension is dynamic);
- `README.md`: the files, their op types, opsets, initializers, and how they were made.

Models (eval mode; `torch.manual_seed` per model before building it; batch norm with
non-trivial running statistics and affine parameters):
  mlp       [N,1,28,28] Flatten Linear(784,32) ReLU Linear(32,16) ReLU Linear(16,10)
  cnn       [N,1,28,28] Loupe's reference cnn: Conv(1,32,3,p1) ReLU MaxPool2 Conv(32,64,3,p1)
            ReLU MaxPool2 Flatten Linear(3136,128) ReLU Linear(128,10)
  resnet18  [N,3,32,32] ResNet-18 layout (BasicBlock, [2,2,2,2]) for 32x32 inputs: Conv3x3 s1
            + BN + ReLU stem (no max pool), widths 4,8,16,32, stride 2 and a 1x1 conv + BN
            shortcut at the start of stages 2-4, AdaptiveAvgPool2d(1), flatten, Linear(64,10)
  avgtanh   [N,3,32,32] Conv(3,8,5,p2) Tanh AvgPool2 Conv(8,16,3,s2,p1) Tanh AvgPool2 Flatten
            Linear(256,10)
  misc      [N,1,8,8] Conv(1,4,3,p1) LeakyReLU(0.1) Sigmoid reshape(N,-1) matmul(W)+b Dropout
            Identity Tanh Linear(16,10) Softmax(dim=1)
Variants:
  dynamo         torch.onnx.export(dynamo=True), dynamic batch, weights in `<file>.onnx.data`
  dynamo-inline  (mlp) the same with external_data=False: one file
  dynamo-bn      (resnet18) dynamo=True, optimize=False: BatchNormalization nodes kept
  legacy         dynamo=False, opset 13 or 17 (see LEGACY_OPSET), dynamic batch axis
  legacy-bn      (resnet18) dynamo=False, opset 17, do_constant_folding=False, TrainingMode.EVAL

Run from anywhere (about 30 seconds, one thread):
  python3 scripts/onnx-zoo.py            # writes Tests/LoupeONNXTests/Fixtures/zoo/
  python3 scripts/onnx-zoo.py --out DIR  # somewhere else (e.g. to compare two runs)
Made with Python 3.11.7, torch 2.13.0+cpu (the CPU wheel: `pip install torch==2.13.0+cpu
--index-url https://download.pytorch.org/whl/cpu`), numpy 2.4.6, onnx 1.23.2, onnxruntime
1.32.0, onnxscript 0.7.2; the versions of a run are printed and written into the README.
Every output file is byte-identical from run to run (checked on 2026-12-03 with these
versions, three runs; the absolute paths in the dynamo exporter's stack-trace metadata are cut
to relative ones for that), but any edit of this script changes the .onnx files (the stack
traces hold its line numbers) and other versions may export different graphs."""
import argparse
import contextlib
import io
import logging
import os
import pathlib
import platform
import re
import shutil
import sys
import tempfile
import warnings

import numpy as np
import onnx
import onnxruntime as ort
import onnxscript
import torch
import torch.nn as nn

REPO = pathlib.Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "Tests" / "LoupeONNXTests" / "Fixtures" / "zoo"
BATCH = 4
RESNET_WIDTHS = (4, 8, 16, 32)
TOLERANCE = 1e-5  # onnxruntime against PyTorch: max |difference| / max |PyTorch|
LEGACY_OPSET = {"mlp": 13, "cnn": 17, "resnet18": 13, "avgtanh": 17, "misc": 13}
LEGACY_BN_OPSET = 17


class BasicBlock(nn.Module):
    """torchvision's BasicBlock: conv3x3-BN-ReLU-conv3x3-BN, plus the shortcut, then ReLU."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU()
        self.conv2 = nn.Conv2d(cout, cout, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class ResNet18(nn.Module):
    """ResNet-18 layout for 3x32x32 inputs (CIFAR style stem: no 7x7 conv, no max pool)."""

    def __init__(self, widths=RESNET_WIDTHS, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, widths[0], 3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(widths[0])
        self.relu = nn.ReLU()
        layers, cin = [], widths[0]
        for stage, cout in enumerate(widths):
            stride = 1 if stage == 0 else 2
            layers.append(nn.Sequential(BasicBlock(cin, cout, stride), BasicBlock(cout, cout, 1)))
            cin = cout
        self.layer1, self.layer2, self.layer3, self.layer4 = layers
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(widths[-1], classes)

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


class Misc(nn.Module):
    """The operators the other models miss, as one chain; `logits` is everything before the
    final Softmax, `forward` (what is exported) includes it."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, padding=1)
        self.leaky = nn.LeakyReLU(0.1)
        self.sigmoid = nn.Sigmoid()
        self.weight = nn.Parameter(torch.randn(4 * 8 * 8, 16) * 0.1)
        self.bias = nn.Parameter(torch.randn(16) * 0.1)
        self.dropout = nn.Dropout(0.5)
        self.identity = nn.Identity()
        self.tanh = nn.Tanh()
        self.fc = nn.Linear(16, 10)
        self.softmax = nn.Softmax(dim=1)

    def logits(self, x):
        x = self.sigmoid(self.leaky(self.conv(x)))
        x = x.reshape(x.shape[0], -1)
        x = torch.matmul(x, self.weight) + self.bias
        return self.fc(self.tanh(self.identity(self.dropout(x))))

    def forward(self, x):
        return self.softmax(self.logits(x))


def build(name):
    """The model `name` (weights from its own seed) and its input shape without the batch."""
    seed = {"mlp": 1, "cnn": 2, "resnet18": 3, "avgtanh": 4, "misc": 5}[name]
    torch.manual_seed(seed)
    if name == "mlp":
        model = nn.Sequential(nn.Flatten(), nn.Linear(784, 32), nn.ReLU(), nn.Linear(32, 16), nn.ReLU(), nn.Linear(16, 10))
        shape = (1, 28, 28)
    elif name == "cnn":
        model = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(), nn.Linear(128, 10))
        shape = (1, 28, 28)
    elif name == "resnet18":
        model = ResNet18()
        shape = (3, 32, 32)
        with torch.no_grad():  # batch norm that does something: stats and affine away from 0/1
            for m in model.modules():
                if isinstance(m, nn.BatchNorm2d):
                    c = m.num_features
                    m.running_mean.copy_(torch.randn(c) * 0.2)
                    m.running_var.copy_(torch.rand(c) * 1.5 + 0.5)
                    m.weight.copy_(torch.rand(c) + 0.5)
                    m.bias.copy_(torch.randn(c) * 0.2)
    elif name == "avgtanh":
        model = nn.Sequential(
            nn.Conv2d(3, 8, 5, padding=2), nn.Tanh(), nn.AvgPool2d(2),
            nn.Conv2d(8, 16, 3, stride=2, padding=1), nn.Tanh(), nn.AvgPool2d(2),
            nn.Flatten(), nn.Linear(256, 10))
        shape = (3, 32, 32)
    elif name == "misc":
        model = Misc()
        shape = (1, 8, 8)
    else:
        raise ValueError(name)
    model.eval()
    return model, shape, seed


def variants(name):
    """(variant, exporter keyword arguments) for model `name`."""
    dynamo = {"dynamo": True, "dynamic_shapes": ({0: torch.export.Dim("batch")},)}
    legacy = {"dynamo": False, "dynamic_axes": {"x": {0: "batch"}, "y": {0: "batch"}}}
    out = [("dynamo", dynamo), ("legacy", {**legacy, "opset_version": LEGACY_OPSET[name]})]
    if name == "cnn":  # 1.7 MB of weights per file: one export keeps the fixtures small
        out = out[1:]
    if name == "mlp":
        out.append(("dynamo-inline", {**dynamo, "external_data": False}))
    if name == "resnet18":
        out.append(("dynamo-bn", {**dynamo, "optimize": False}))
        out.append(("legacy-bn", {**legacy, "opset_version": LEGACY_BN_OPSET, "do_constant_folding": False,
                                  "training": torch.onnx.TrainingMode.EVAL}))
    return out


def export(model, example, path, kwargs):
    """Exports quietly (the exporters print progress and deprecation warnings)."""
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (example,), str(path), input_names=["x"], output_names=["y"], verbose=False, **kwargs)


def strip_paths(path):
    """The dynamo exporter writes each node's Python stack trace (`pkg.torch.onnx.stack_trace`
    in its metadata_props) with absolute file names; cut them to repository- and
    site-packages-relative ones so the files do not depend on where the script ran. Only those
    strings change: the proto is re-serialised without loading its external data."""
    proto = onnx.load(str(path), load_external_data=False)
    pattern = re.compile(re.escape(str(REPO) + os.sep) + "|[^\"]*?site-packages" + re.escape(os.sep))
    changed = False
    for node in all_nodes(proto.graph):
        for prop in node.metadata_props:
            if prop.key == "pkg.torch.onnx.stack_trace":
                value = pattern.sub("", prop.value)
                changed |= value != prop.value
                prop.value = value
    if changed:
        path.write_bytes(proto.SerializeToString())


def save(path, array, dtype):
    array = np.ascontiguousarray(np.asarray(array), dtype=np.dtype(dtype).newbyteorder("<"))
    np.save(path, array, allow_pickle=False)


def all_nodes(graph):
    for node in graph.node:
        yield node
        for attr in node.attribute:
            for g in ([attr.g] if attr.HasField("g") else []) + list(attr.graphs):
                yield from all_nodes(g)


def inspect_onnx(path, folder):
    """Checks the file (and where its weights are) and returns its facts for the README."""
    onnx.checker.check_model(str(path), full_check=True)
    proto = onnx.load(str(path), load_external_data=False)
    ops = {n.op_type for n in all_nodes(proto.graph)}
    for f in proto.functions:
        ops |= {n.op_type for n in f.node}
    external = [t for t in proto.graph.initializer if t.data_location == onnx.TensorProto.EXTERNAL]
    locations = {dict((e.key, e.value) for e in t.external_data)["location"] for t in external}
    data = path.name + ".data"
    if external:
        if locations != {data}:
            raise SystemExit(f"{path.name}: external data in {sorted(locations)}, expected only {data}")
        if not (folder / data).is_file():
            raise SystemExit(f"{path.name}: external data file {data} was not written beside it")
    elif (folder / data).exists():
        raise SystemExit(f"{path.name}: has no external data but {data} exists")
    others = sorted(p.name for p in folder.iterdir() if p.name.startswith(path.name) and p.name not in (path.name, data))
    if others:
        raise SystemExit(f"{path.name}: unexpected files beside it: {others}")
    opsets = {o.domain or "ai.onnx": o.version for o in proto.opset_import}
    inputs = [(i.name, [d.dim_param or d.dim_value for d in i.type.tensor_type.shape.dim]) for i in proto.graph.input]
    outputs = [(o.name, [d.dim_param or d.dim_value for d in o.type.tensor_type.shape.dim]) for o in proto.graph.output]
    names = [t.name for t in proto.graph.initializer]
    return {
        "ops": sorted(ops), "opset": opsets.get("ai.onnx"), "opsets": opsets, "initializers": len(names),
        "initializer_names": names, "external": data if external else None, "n_external": len(external), "inputs": inputs, "outputs": outputs,
        "ir": proto.ir_version, "producer": f"{proto.producer_name} {proto.producer_version}".strip(),
        "functions": len(proto.functions), "bytes": path.stat().st_size + ((folder / data).stat().st_size if external else 0),
    }


def run_ort(path, x):
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    (name,) = [i.name for i in session.get_inputs()]
    outputs = session.run(None, {name: x})
    if len(outputs) != 1:
        raise SystemExit(f"{path.name}: {len(outputs)} outputs, expected 1")
    return outputs[0]


def relative_error(got, want):
    return float(np.max(np.abs(got.astype(np.float64) - want)) / max(np.max(np.abs(want)), 1e-30))


def make(name, folder, table):
    model, shape, seed = build(name)
    generator = torch.Generator().manual_seed(1000 + seed)
    x = torch.rand((BATCH, *shape), generator=generator, dtype=torch.float32)
    targets = torch.randint(0, 10, (BATCH,), generator=generator, dtype=torch.int64)
    leaf = x.clone().requires_grad_(True)
    logits = model.logits(leaf) if name == "misc" else model(leaf)
    logits[torch.arange(BATCH), targets].sum().backward()
    with torch.no_grad():
        y = model(x)
    save(folder / f"{name}-input.npy", x.numpy(), np.float32)
    save(folder / f"{name}-targets.npy", targets.numpy(), np.int64)
    save(folder / f"{name}-logits.npy", logits.detach().numpy(), np.float32)
    save(folder / f"{name}-gradients.npy", leaf.grad.numpy(), np.float32)
    if name == "misc":
        save(folder / f"{name}-probabilities.npy", y.numpy(), np.float32)
    want = y.numpy().astype(np.float64)
    for variant, kwargs in variants(name):
        file = f"{name}-{variant}.onnx"
        export(model, x, folder / file, kwargs)
        strip_paths(folder / file)
        facts = inspect_onnx(folder / file, folder)
        if variant.endswith("-bn") and "BatchNormalization" not in facts["ops"]:
            raise SystemExit(f"{file}: no BatchNormalization node; the exporter folded it")
        if name == "resnet18" and not variant.endswith("-bn") and "BatchNormalization" in facts["ops"]:
            raise SystemExit(f"{file}: BatchNormalization was expected to be folded into Conv")
        got = run_ort(folder / file, x.numpy())
        error = relative_error(got, want)
        if got.shape != want.shape or error > TOLERANCE:
            raise SystemExit(f"{file}: onnxruntime differs from PyTorch: shape {got.shape}, relative error {error:.3g}")
        one = run_ort(folder / file, x.numpy()[:1])  # the batch dimension really is dynamic
        if one.shape != (1, *want.shape[1:]) or relative_error(one, want[:1]) > TOLERANCE:
            raise SystemExit(f"{file}: onnxruntime on a batch of 1 differs from PyTorch")
        save(folder / f"{name}-{variant}-ort.npy", got, np.float32)
        facts.update(file=file, model=name, variant=variant, error=error, kwargs=describe(kwargs))
        table.append(facts)


def describe(kwargs):
    parts = []
    for key, value in kwargs.items():
        if key == "dynamic_shapes":
            value = "({0: Dim('batch')},)"
        elif key == "dynamic_axes":
            value = "{x: {0: 'batch'}, y: {0: 'batch'}}"
        elif key == "training":
            value = "TrainingMode.EVAL"
        parts.append(f"{key}={value}")
    return ", ".join(parts)


def versions():
    return (f"Python {platform.python_version()}, torch {torch.__version__}, numpy {np.__version__}, "
            f"onnx {onnx.__version__}, onnxruntime {ort.__version__}, onnxscript {onnxscript.__version__}")


def table_lines(table):
    lines = ["| file | opset | initializers | external data (initializers in it) | op types |",
             "| --- | --- | --- | --- | --- |"]
    for t in table:
        external = f"`{t['external']}` ({t['n_external']})" if t["external"] else "no"
        lines.append(f"| `{t['file']}` | {t['opset']} | {t['initializers']} | {external} | {', '.join(t['ops'])} |")
    return lines


NOTES = """## What an importer meets (seen with the versions above)

- Both exporters write every `Linear` as `Gemm` with `transB=1` (weight [out, in], as in the
  state dict); `torch.matmul` + `+ b` becomes `MatMul` + `Add`. `Dropout` (eval) and `Identity`
  leave no node in either exporter's graph.
- `dynamo` files: opset 20; `Flatten` / `flatten` become `Reshape` with a constant shape
  initializer `val_N` = [-1, features] and `allowzero=1`; `AdaptiveAvgPool2d(1)` becomes
  `ReduceMean` (axes [-1, -2] as an input, `keepdims=1`), not `GlobalAveragePool`. Only tensors
  of 512 bytes or more go to the `.data` file; smaller ones (most biases, `val_N`) stay inline.
  Nodes carry `metadata_props` (module path, FX node, stack trace; the script cuts the stack
  traces' absolute paths to relative ones, nothing else is changed).
- `resnet18-dynamo`: batch norm folded into the convolutions, whose folded weights keep the
  state-dict names (`conv1.weight`, with values that differ from the state dict) and get new
  biases `<weight name>_bias`.
- `resnet18-dynamo-bn` (`optimize=False`): the graph is not cleaned up. Every bias-free `Conv`
  gets a zero bias computed at run time (`Shape(weight, start=0, end=1)` -> `Expand` of a
  `Constant` 0.0 made `CastLike` the input); the flatten's shape is built from the batch size
  (`Shape` -> `Squeeze` -> `Reshape` -> `Concat` with `Constant`s); `ReduceMean`'s axes come from
  a `Reshape` of a `Constant`. So an importer needs constant folding of shape arithmetic, or
  these files are rejected. `BatchNormalization` has `momentum=0.9` (ONNX's convention,
  1 - PyTorch's 0.1) and `epsilon=1e-5`.
- `legacy` files: the opset asked for; `Flatten` (axis 1) and `GlobalAveragePool`; node outputs
  named like `/conv1/Conv_output_0`; batch norm folded into convolutions named
  `onnx::Conv_N` (weights and biases), `fc.*` kept; `resnet18-legacy-bn` keeps state-dict names
  and `BatchNormalization` with `training_mode=0`. A dynamic batch adds shape arithmetic only where
  the model computes a shape: `misc-legacy` (`x.reshape(x.shape[0], -1)`) has `Shape`, `Gather`,
  `Unsqueeze`, `Concat`, `Constant` before its `Reshape`; the others use `Flatten` and have none.
"""


def readme(table, folder):
    sizes = {p.name: p.stat().st_size for p in folder.iterdir()}
    lines = [
        "# ONNX zoo",
        "",
        "Small PyTorch models exported to ONNX by both PyTorch exporters, with reference inputs and",
        "outputs, for Loupe's ONNX import and export tests. Made by `scripts/onnx-zoo.py` (which",
        "describes the models); do not edit by hand, re-run it:",
        "",
        "```sh",
        "python3 scripts/onnx-zoo.py",
        "```",
        "",
        f"with {versions()} (CPU wheel `torch==2.13.0+cpu`), one thread.",
        "Weights come from `torch.manual_seed` per model (PyTorch's default initialisation), batch",
        "norm statistics and affine parameters are seeded random values away from 0 and 1.",
        "",
        "## Reference arrays (NumPy .npy, little-endian)",
        "",
        "| file | holds |",
        "| --- | --- |",
        "| `<model>-input.npy` | float32 [4, C, H, W]: 4 inputs, uniform in [0, 1) |",
        "| `<model>-targets.npy` | int64 [4]: a target class per input |",
        "| `<model>-logits.npy` | float32 [4, 10]: PyTorch's logits (for `misc`: before its final Softmax) |",
        "| `misc-probabilities.npy` | float32 [4, 10]: PyTorch's output of `misc` (after the Softmax) |",
        "| `<model>-gradients.npy` | float32 [4, C, H, W]: d logits[i, targets[i]] / d input[i], PyTorch autograd (for `misc`: of the pre-softmax logits) |",
        "| `<model>-<variant>-ort.npy` | float32 [4, 10]: onnxruntime 1 thread CPU output of that .onnx on `<model>-input.npy` (for `misc`: probabilities) |",
        "",
        f"The script checks every onnxruntime output against PyTorch: max |ort - torch| <= {TOLERANCE:g} x max |torch|.",
        "",
        "## Models",
        "",
        "| file | exporter arguments | input -> output | bytes (with .data) | ort vs torch |",
        "| --- | --- | --- | --- | --- |",
    ]
    for t in table:
        shapes = " ".join(f"{n}{s}" for n, s in t["inputs"]) + " -> " + " ".join(f"{n}{s}" for n, s in t["outputs"])
        lines.append(f"| `{t['file']}` | `{t['kwargs']}` | {shapes} | {t['bytes']} | {t['error']:.1e} |")
    lines += ["", "## Operators, opset, weights", "", *table_lines(table), "",
              "`opset` is the default (ai.onnx) domain's version. External data: those initializers are",
              "stored in that file beside the .onnx (each `location` is the bare file name, offsets packed",
              "without alignment); the others are inline in the .onnx.", "", NOTES,
              "## Initializer names", ""]
    for t in table:
        names = t["initializer_names"]
        shown = ", ".join(f"`{n}`" for n in names[:8]) + (f", ... ({len(names)} in all)" if len(names) > 8 else "")
        lines.append(f"- `{t['file']}`: {shown or 'none'}")
    lines += ["", "## Files", "", "| file | bytes |", "| --- | --- |"]
    lines += [f"| `{n}` | {s} |" for n, s in sorted(sizes.items())]
    lines += [f"| total | {sum(sizes.values())} |", ""]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=pathlib.Path, default=DEFAULT_OUT, help="output folder (default: %(default)s)")
    parser.add_argument("--full-width-resnet", type=pathlib.Path, metavar="FILE",
                        help="instead, export only the ResNet-18 layout at full width (64-512) to FILE "
                             "(one file, legacy exporter, opset 17; for Benchmarks/onnx.sh)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    logging.getLogger("torch.onnx").setLevel(logging.ERROR)  # "torchvision is not installed"
    torch.use_deterministic_algorithms(True)
    if args.full_width_resnet:
        torch.manual_seed(3)
        model = ResNet18(widths=(64, 128, 256, 512)).eval()
        export(model, torch.rand(1, 3, 32, 32),
               args.full_width_resnet, {"dynamo": False, "opset_version": 17, "dynamic_axes": {"x": {0: "batch"}}})
        return 0
    out = args.out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    table = []
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".zoo-") as tmp:
        folder = pathlib.Path(tmp) / "zoo"
        folder.mkdir()
        for name in ("mlp", "cnn", "resnet18", "avgtanh", "misc"):
            make(name, folder, table)
        (folder / "README.md").write_text(readme(table, folder))
        if out.exists():
            shutil.rmtree(out)
        os.replace(folder, out)
    print(versions())
    print("\n".join(table_lines(table)))
    total = sum(p.stat().st_size for p in out.iterdir())
    print(f"wrote {len(list(out.iterdir()))} files, {total} bytes, into {out}")


if __name__ == "__main__":
    sys.exit(main())
