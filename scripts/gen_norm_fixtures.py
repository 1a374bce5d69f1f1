#!/usr/bin/python3
"""nn.BatchNorm1d / BatchNorm2d against PyTorch 1.13: writes test/fixtures/batchnorm.json.

Each case: a module with random weight and bias (its state dict under PyTorch's keys), three
training steps (output, input gradient, parameter gradients of (out * G).sum(), and the running
statistics after each), then an eval-mode forward. test/batchnorm.test.ts replays it. Run:

    /usr/bin/python3 scripts/gen_norm_fixtures.py
"""
import json
import os
import zlib

import torch

torch.set_num_threads(1)


def enc(t):
    t = t.detach()
    if t.dtype == torch.int64:
        t = t.to(torch.int32)
    dtype = {torch.float32: "float32", torch.int32: "int32"}[t.dtype]
    return {"shape": list(t.shape), "dtype": dtype, "data": [float(v) if dtype == "float32" else int(v) for v in t.flatten().tolist()]}


CASES = []


def case(name, cls, C, shape, **opts):
    torch.manual_seed(zlib.crc32(name.encode()))
    m = getattr(torch.nn, cls)(C, **opts)
    if m.affine:
        with torch.no_grad():
            m.weight.copy_(torch.randn(C))
            m.bias.copy_(torch.randn(C))
    state = {k: enc(v) for k, v in m.state_dict().items()}
    steps = []
    for _ in range(3):
        x = (torch.randn(shape) * 2 + 0.5).requires_grad_(True)
        out = m(x)
        G = torch.randn(out.shape)
        (out * G).sum().backward()
        steps.append({
            "x": enc(x), "G": enc(G), "out": enc(out), "xGrad": enc(x.grad),
            "paramGrads": {n: enc(p.grad) for n, p in m.named_parameters()},
            "buffers": {n: enc(b) for n, b in m.named_buffers()},
        })
        m.zero_grad()
    m.eval()
    x = torch.randn(shape)
    CASES.append({"name": name, "cls": cls, "C": C, "opts": {
        "eps": opts.get("eps", 1e-5), "momentum": opts.get("momentum", 0.1), "affine": opts.get("affine", True),
        "trackRunningStats": opts.get("track_running_stats", True)},
        "state": state, "steps": steps, "evalX": enc(x), "evalOut": enc(m(x))})


case("1d [N, C]", "BatchNorm1d", 4, (8, 4))
case("1d [N, C, L]", "BatchNorm1d", 3, (5, 3, 7))
case("2d", "BatchNorm2d", 3, (4, 3, 5, 6))
case("2d momentum 0.3 eps 1e-3", "BatchNorm2d", 2, (3, 2, 4, 4), momentum=0.3, eps=1e-3)
case("2d cumulative average", "BatchNorm2d", 2, (3, 2, 3, 3), momentum=None)
case("1d no affine", "BatchNorm1d", 5, (6, 5), affine=False)
case("2d no running stats", "BatchNorm2d", 3, (2, 3, 4, 4), track_running_stats=False)

path = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "batchnorm.json")
with open(path, "w") as f:
    json.dump({"torch": torch.__version__, "cases": CASES}, f)
print(f"wrote {path}: {len(CASES)} cases")
