# Writes bench/ort/mlp.onnx: the 784-256-128-10 MLP of the bench (random weights: only its speed
# is measured), with a dynamic batch dim, for bench/ort/ort_mlp.mjs. /usr/bin/python3 (torch 1.13).
import os

import torch

torch.manual_seed(0)
m = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 128), torch.nn.ReLU(),
                        torch.nn.Linear(128, 10)).eval()
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mlp.onnx")
torch.onnx.export(m, torch.rand(1, 784), out, input_names=["x"], output_names=["y"],
                  dynamic_axes={"x": {0: "b"}, "y": {0: "b"}}, opset_version=13)
print("wrote", out)
