#!/usr/bin/env python3
"""Writes Tests/LoupeONNXTests/Fixtures/format/: a tiny PyTorch model (Linear(4, 3) + ReLU,
torch.manual_seed(0)) exported twice, and prints its weights (the expected values of
ONNXReadingPyTorchTests). Run once; needs torch and onnx (`pip install torch onnx onnxscript`).

- linear-relu-opset13.onnx: the TorchScript exporter (dynamo=False), opset 13, weights inline;
- linear-relu-dynamo.onnx + linear-relu-dynamo.onnx.data: the torch.export exporter
  (dynamo=True), opset 18, a dynamic batch dimension, weights in the external data file.
  PyTorch keeps tensors under 1 KB inline, so the model is saved again with onnx's
  external-data writer and size_threshold=0 (the layout PyTorch writes for larger models)."""
import os, pathlib
import onnx, torch

OUT = pathlib.Path(__file__).resolve().parent.parent / "Tests/LoupeONNXTests/Fixtures/format"
OUT.mkdir(parents=True, exist_ok=True)
os.chdir(OUT)
torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU()).eval()
x = torch.randn(2, 4)
print("weight", model[0].weight.detach().numpy().tolist())
print("bias", model[0].bias.detach().numpy().tolist())
print("x", x.numpy().tolist())
print("y", model(x).detach().numpy().tolist())

torch.onnx.export(model, (x,), "linear-relu-opset13.onnx", dynamo=False, opset_version=13,
                  input_names=["x"], output_names=["y"], dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}})
torch.onnx.export(model, (x,), "dynamo.onnx", dynamo=True, opset_version=18, input_names=["x"], output_names=["y"],
                  dynamic_shapes=({0: torch.export.Dim("batch")},), external_data=True)
exported = onnx.load("dynamo.onnx")
onnx.save_model(exported, "linear-relu-dynamo.onnx", save_as_external_data=True, all_tensors_to_one_file=True,
                location="linear-relu-dynamo.onnx.data", size_threshold=0)
for leftover in ["dynamo.onnx", "dynamo.onnx.data"]:
    if os.path.exists(leftover):
        os.remove(leftover)
for name in ["linear-relu-opset13.onnx", "linear-relu-dynamo.onnx"]:
    onnx.checker.check_model(name)
    loaded = onnx.load(name, load_external_data=False)
    print(name, "ir", loaded.ir_version, "opset", [(o.domain, o.version) for o in loaded.opset_import],
          [(t.name, list(t.dims), [(e.key, e.value) for e in t.external_data]) for t in loaded.graph.initializer])
