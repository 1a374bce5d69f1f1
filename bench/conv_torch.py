#!/usr/bin/python3
"""PyTorch side of bench/conv.mjs: the same conv2d layers, timed the same way.

    /usr/bin/python3 bench/conv_torch.py --threads 1 --reps 15 --layers '[...]'

prints one JSON object: {"torch": version, "threads": n, "blas": ..., "results": {name: {"fwd": {"med": ms, "min": ms}, "fwdbwd": ...}}}.
Forward runs under no_grad (no graph, as the raw kernel call); forward+backward builds the graph
and backpropagates a fixed gradient into x (when the layer wants grad_input), weight and bias.
"""
import argparse
import json
import re
import statistics
import time

import torch
import torch.nn.functional as F

ap = argparse.ArgumentParser()
ap.add_argument("--threads", type=int, required=True)
ap.add_argument("--reps", type=int, default=15)
ap.add_argument("--layers", required=True)
args = ap.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(0)


def median_ms(fn, reps):
    for _ in range(3):
        fn()
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1e3)
    return {"med": statistics.median(times), "min": min(times)}


results = {}
for layer in json.loads(args.layers):
    n, c, h, w, o, k = (layer[key] for key in ("n", "c", "h", "w", "o", "k"))
    x = torch.randn(n, c, h, w, requires_grad=layer["gradInput"])
    wt = torch.randn(o, c, k, k, requires_grad=True)
    b = torch.randn(o, requires_grad=True)
    g = torch.randn(n, o, h - k + 1, w - k + 1)

    def fwd():
        with torch.no_grad():
            F.conv2d(x, wt, b)

    def fwdbwd():
        x.grad = None
        wt.grad = None
        b.grad = None
        F.conv2d(x, wt, b).backward(g)

    results[layer["name"]] = {"fwd": median_ms(fwd, args.reps), "fwdbwd": median_ms(fwdbwd, args.reps)}

config = torch.__config__.show()
blas = re.search(r"BLAS_INFO=([^,]*)", config)
print(json.dumps({
    "torch": torch.__version__,
    "threads": args.threads,
    "blas": blas.group(1) if blas else "?",
    "mkldnn": torch.backends.mkldnn.is_available(),
    "results": results,
}))
