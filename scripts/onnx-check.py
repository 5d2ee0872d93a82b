#!/usr/bin/env python3
"""Runs an ONNX model with onnxruntime (CPU, one thread) on a NumPy input and saves the output:
the independent check of the models Loupe exports.

  python3 scripts/onnx-check.py MODEL.onnx INPUT.npy OUT.npy [--compare REFERENCE.npy]

MODEL.onnx must have one input and one output; its external data, if any, is read from beside
it. INPUT.npy must have the input's element type (float32 for Loupe's models) and a shape the
model accepts. OUT.npy gets the output (little-endian; written once onnxruntime has run, also when the
comparison below fails, and never partially).
`--compare` also prints max |out - reference| / max |reference| and exits with status 1 when it
exceeds `--tolerance` (default 1e-4, the issue's bound for Loupe against onnxruntime).
The model is checked with onnx.checker first. Errors are one line on stderr, with status 2.
Made for onnx 1.23.2 and onnxruntime 1.32.0 (see scripts/onnx-zoo.py for the full set)."""
import argparse
import os
import pathlib
import sys
import tempfile

import numpy as np


def fail(message):
    print(f"onnx-check: {message}", file=sys.stderr)
    sys.exit(2)


def load_array(path, what):
    try:
        with open(path, "rb") as file:
            if file.read(6) != b"\x93NUMPY":
                fail(f"{path}: {what} is not a .npy file")
        return np.load(path, allow_pickle=False)
    except (OSError, ValueError) as error:
        fail(f"{path}: cannot read {what} as .npy: {error}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", type=pathlib.Path, help="the .onnx file")
    parser.add_argument("input", type=pathlib.Path, help="the input, a .npy file")
    parser.add_argument("output", type=pathlib.Path, help="where to write the output (.npy)")
    parser.add_argument("--compare", type=pathlib.Path, help="a reference output (.npy) to compare with")
    parser.add_argument("--tolerance", type=float, default=1e-4, help="relative bound for --compare (default 1e-4)")
    parser.add_argument("--no-optimization", action="store_true",
                        help="disable onnxruntime's graph optimizations, so QuantizeLinear/DequantizeLinear run as "
                             "the ONNX specification states instead of being fused into integer kernels")
    args = parser.parse_args()

    import onnx
    import onnxruntime as ort

    if not args.model.is_file():
        fail(f"{args.model}: no such file")
    try:
        onnx.checker.check_model(str(args.model), full_check=True)
    except Exception as error:  # onnx raises several types; all mean the file is not a valid model
        fail(f"{args.model}: not a valid ONNX model: {str(error).splitlines()[0] if str(error) else type(error).__name__}")
    x = load_array(args.input, "the input")
    reference = load_array(args.compare, "the reference") if args.compare else None

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    if args.no_optimization:
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    options.inter_op_num_threads = 1
    try:
        session = ort.InferenceSession(str(args.model), options, providers=["CPUExecutionProvider"])
    except Exception as error:
        fail(f"{args.model}: onnxruntime cannot load it: {str(error).splitlines()[0]}")
    inputs, outputs = session.get_inputs(), session.get_outputs()
    if len(inputs) != 1 or len(outputs) != 1:
        fail(f"{args.model}: has {len(inputs)} inputs and {len(outputs)} outputs, expected 1 and 1")
    expected = {"tensor(float)": np.float32, "tensor(double)": np.float64, "tensor(int64)": np.int64,
                "tensor(int32)": np.int32, "tensor(uint8)": np.uint8}.get(inputs[0].type)
    if expected is None or x.dtype != np.dtype(expected):
        fail(f"{args.input}: element type {x.dtype}, but input '{inputs[0].name}' of {args.model.name} is {inputs[0].type}")
    shape = inputs[0].shape
    if len(shape) != x.ndim or any(isinstance(d, int) and d != n for d, n in zip(shape, x.shape)):
        fail(f"{args.input}: shape {list(x.shape)}, but input '{inputs[0].name}' of {args.model.name} is {shape}")
    try:
        (y,) = session.run(None, {inputs[0].name: x})
    except Exception as error:
        fail(f"{args.model}: onnxruntime failed on {args.input}: {str(error).splitlines()[0]}")

    y = np.ascontiguousarray(y, dtype=y.dtype.newbyteorder("<"))
    line = f"{args.model.name}: output '{outputs[0].name}' {y.dtype} {list(y.shape)}"
    status = 0
    if reference is not None:
        if reference.shape != y.shape:
            fail(f"{args.compare}: shape {list(reference.shape)}, but the output is {list(y.shape)}")
        want = reference.astype(np.float64)
        error = float(np.max(np.abs(y.astype(np.float64) - want)) / max(float(np.max(np.abs(want))), 1e-30))
        ok = error <= args.tolerance
        line += f", max |out - reference| / max |reference| = {error:.3g} ({'within' if ok else 'OVER'} {args.tolerance:g})"
        status = 0 if ok else 1
    # Written through a temporary file in the same folder, so a failure leaves nothing behind.
    out = args.output.resolve()
    if not out.parent.is_dir():
        fail(f"{args.output}: folder {out.parent} does not exist")
    handle, temp = tempfile.mkstemp(dir=out.parent, prefix=".onnx-check-", suffix=".npy")
    try:
        with os.fdopen(handle, "wb") as file:
            np.save(file, y, allow_pickle=False)
        os.replace(temp, out)
    except BaseException:
        os.unlink(temp)
        raise
    print(line)
    return status


if __name__ == "__main__":
    sys.exit(main())
