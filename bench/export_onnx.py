"""Writes an ONNX file of a bench model with PyTorch's exporter, for bench/lib/ort.mjs.

usage: /usr/bin/python3 bench/export_onnx.py <model> <out.onnx>
models: mlp  (784-256-128-10, ReLU; input x [batch, 784], output y [batch, 10], batch dynamic)
"""
import sys

import torch


def mlp():
    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10)
    )
    return net, torch.randn(1, 784)


MODELS = {"mlp": mlp}


def main():
    name, out = sys.argv[1], sys.argv[2]
    net, example = MODELS[name]()
    net.eval()
    torch.onnx.export(
        net, example, out, input_names=["x"], output_names=["y"],
        dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}}, opset_version=13,
    )


if __name__ == "__main__":
    main()
