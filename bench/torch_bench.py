#!/usr/bin/python3
"""PyTorch side of `npm run bench`: the workloads of bench/workloads.json, written the way a
PyTorch user writes them, each statement mirroring bench/run.ts line for line.

    /usr/bin/python3 bench/torch_bench.py --threads 1 [--reps 7] [--only id,id]

prints one JSON object on stdout: {"torch": version, "threads": n, "results": {id: {...}}}.

    /usr/bin/python3 bench/torch_bench.py --threads 1 --serve

is how bench/run.ts drives it: one JSON request per stdin line, one JSON reply per stdout line
({"op": "info"}; {"op": "setup", "id": ...}, which builds and warms up a workload;
{"op": "measure", "reps": n}, which times n repetitions of it). One process per thread count
serves every workload, so PyTorch's timing of a workload follows tensorgrad's within seconds.

run.ts starts it with OMP_NUM_THREADS / OPENBLAS_NUM_THREADS / MKL_NUM_THREADS set to the
thread count and OPENBLAS_CORETYPE unset; torch.set_num_threads() below covers a manual run.
"""
import argparse
import json
import os
import re
import statistics
import sys
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))


# ---- workloads: each make_* returns a zero-argument function doing one timed iteration ----

def make_linreg_step(p):
    # The notes' linear regression, one step as in the API example: forward, zero the grads,
    # backward, SGD update through .data.
    x = torch.rand([p["n"]])
    y = x.mul(3).add(0.8)
    w = torch.rand([1], requires_grad=True)
    b = torch.rand([1], requires_grad=True)
    lr = p["lr"]

    def step():
        loss = x.mul(w).add(b).sub(y).pow(2).mean()
        if w.grad is not None:
            w.grad.zero_()
        if b.grad is not None:
            b.grad.zero_()
        loss.backward()
        w.data.sub_(w.grad.mul(lr))
        b.data.sub_(b.grad.mul(lr))

    return step


def make_add_1elem(p):
    # Pure per-op overhead: no grad, one float each.
    a = torch.rand([1])
    b = torch.rand([1])
    return lambda: a.add(b)


def make_affine_1elem(p):
    # Graph build + backward overhead: 2 recorded ops, 2 backward nodes, grads accumulate into
    # w.grad and b.grad (the accumulation is part of the work, on both sides).
    x = torch.rand([1])
    w = torch.rand([1], requires_grad=True)
    b = torch.rand([1], requires_grad=True)

    def step():
        y = x.mul(w).add(b)
        y.backward()

    return step


def make_matmul_fwd_bwd(p):
    # Both operands require grad, so backward runs two more GEMMs (dA = G @ B^T, dB = A^T @ G).
    # Grads are reset to None each time so no accumulation add is timed.
    a = torch.randn([p["m"], p["k"]], requires_grad=True)
    b = torch.randn([p["k"], p["n"]], requires_grad=True)
    g = torch.ones([p["m"], p["n"]])

    def step():
        a.grad = None
        b.grad = None
        c = a.matmul(b)
        c.backward(g)

    return step


def make_add_16m(p):
    # Out-of-place: a fresh 64 MiB output per call, as a user's `a + b` allocates.
    a = torch.rand([p["n"]])
    b = torch.rand([p["n"]])
    return lambda: a.add(b)


def make_exp_1m(p):
    a = torch.rand([p["n"]])
    return lambda: a.exp()


def make_relu_1m(p):
    # A fresh 4 MiB output per call, the size of a layer's activations.
    a = torch.randn([p["n"]])
    return lambda: a.relu()


def make_add_1m(p):
    a = torch.rand([p["n"]])
    b = torch.rand([p["n"]])
    return lambda: a.add(b)


def make_sgemm(p):
    a = torch.randn([p["m"], p["k"]])
    b = torch.randn([p["k"], p["n"]])
    return lambda: a.matmul(b)


def make_add_16m_inplace(p):
    a = torch.rand([p["n"]])
    b = torch.rand([p["n"]])
    return lambda: a.add_(b)


def make_linear_sgd_epoch(p):
    # The notes' nn.Linear(1, 1) + MSELoss(size_average=False) + SGD(lr=0.01) on the 3 points.
    x = torch.tensor([[1.0], [2.0], [3.0]])
    y = torch.tensor([[2.0], [4.0], [6.0]])
    model = torch.nn.Linear(1, 1)
    loss_fn = torch.nn.MSELoss(reduction="sum")
    opt = torch.optim.SGD(model.parameters(), lr=p["lr"])

    def epoch():
        loss = loss_fn(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()

    return epoch


def mlp(p):
    model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 128),
                                torch.nn.ReLU(), torch.nn.Linear(128, 10))
    batches = [(torch.rand([p["batch"], 784]), torch.randint(0, 10, [p["batch"]])) for _ in range(p["pool"])]
    return model, batches


def make_mlp_train(p):
    model, batches = mlp(p)
    loss_fn = torch.nn.CrossEntropyLoss()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    state = {"i": 0}

    def step():
        x, y = batches[state["i"] % len(batches)]
        state["i"] += 1
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()

    return step


def make_mlp_infer(p):
    model, batches = mlp(p)
    model.eval()
    state = {"i": 0}

    def step():
        x, _ = batches[state["i"] % len(batches)]
        state["i"] += 1
        with torch.no_grad():
            return model(x)

    return step


def make_conv_layer(p):
    # One conv layer of the MNIST net, forward + backward; grads reset so no accumulation is timed.
    x = torch.randn([p["batch"], p["cin"], p["hw"], p["hw"]], requires_grad=p["inputGrad"] == 1)
    w = torch.randn([p["cout"], p["cin"], p["k"], p["k"]], requires_grad=True)
    b = torch.randn([p["cout"]], requires_grad=True)
    out = p["hw"] - p["k"] + 1
    g = torch.randn([p["batch"], p["cout"], out, out])

    def step():
        x.grad = w.grad = b.grad = None
        torch.nn.functional.conv2d(x, w, b).backward(g)

    return step


class MnistNet(torch.nn.Module):
    """pytorch/examples' MNIST network, as bench/run.ts's mnistNet."""

    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 32, 3)
        self.conv2 = torch.nn.Conv2d(32, 64, 3)
        self.dropout1 = torch.nn.Dropout(0.25)
        self.dropout2 = torch.nn.Dropout(0.5)
        self.fc1 = torch.nn.Linear(9216, 128)
        self.fc2 = torch.nn.Linear(128, 10)

    def forward(self, x):
        h = self.conv2(self.conv1(x).relu()).relu()
        h = self.dropout1(torch.nn.functional.max_pool2d(h, 2)).flatten(1)
        h = self.dropout2(self.fc1(h).relu())
        return torch.nn.functional.log_softmax(self.fc2(h), 1)


def make_cnn_train(p):
    model = MnistNet()
    opt = torch.optim.Adadelta(model.parameters(), lr=1.0)
    batches = [(torch.randn([p["batch"], 1, 28, 28]), torch.randint(0, 10, [p["batch"]])) for _ in range(p["pool"])]
    state = {"i": 0}

    def step():
        x, y = batches[state["i"] % len(batches)]
        state["i"] += 1
        opt.zero_grad()
        torch.nn.functional.nll_loss(model(x), y).backward()
        opt.step()

    return step


def make_layernorm_fwd_bwd(p):
    x = torch.randn([p["rows"], p["d"]], requires_grad=True)
    w = torch.randn([p["d"]], requires_grad=True)
    b = torch.randn([p["d"]], requires_grad=True)
    g = torch.randn([p["rows"], p["d"]])

    def step():
        x.grad = w.grad = b.grad = None
        torch.nn.functional.layer_norm(x, [p["d"]], w, b).backward(g)

    return step


def make_softmax_rows(p):
    x = torch.randn([p["n"], p["c"]], requires_grad=True)
    g = torch.randn([p["n"], p["c"]])

    def step():
        x.grad = None
        x.softmax(-1).backward(g)

    return step


def make_ce_rows(p):
    x = torch.randn([p["n"], p["c"]], requires_grad=True)
    y = torch.randint(0, p["c"], [p["n"]])

    def step():
        x.grad = None
        torch.nn.functional.cross_entropy(x, y).backward()

    return step


def make_attention_fwd_bwd(p):
    # PyTorch 1.13 has no fused scaled_dot_product_attention: written as its users write it.
    shape = [p["batch"], p["heads"], p["t"], p["d"]]
    q, k, v = (torch.randn(shape, requires_grad=True) for _ in range(3))
    g = torch.randn(shape)
    causal = torch.ones([p["t"], p["t"]], dtype=torch.bool).tril()
    scale = 1 / p["d"] ** 0.5

    def step():
        q.grad = k.grad = v.grad = None
        scores = (q @ k.transpose(-2, -1)) * scale
        (scores.masked_fill(~causal, float("-inf")).softmax(-1) @ v).backward(g)

    return step


class CharGPT(torch.nn.Module):
    """nanoGPT's architecture, small, as bench/run.ts's charGpt."""

    class Attention(torch.nn.Module):
        def __init__(self, e, h, block):
            super().__init__()
            self.e, self.h = e, h
            self.qkv = torch.nn.Linear(e, 3 * e)
            self.proj = torch.nn.Linear(e, e)
            self.register_buffer("causal", torch.ones([block, block], dtype=torch.bool).tril())

        def forward(self, x):
            B, T, E = x.shape
            q, k, v = (t.reshape(B, T, self.h, E // self.h).transpose(1, 2) for t in self.qkv(x).split(E, 2))
            scores = (q @ k.transpose(-2, -1)) * (1 / (E // self.h) ** 0.5)
            y = scores.masked_fill(~self.causal[:T, :T], float("-inf")).softmax(-1) @ v
            return self.proj(y.transpose(1, 2).reshape(B, T, E))

    class Block(torch.nn.Module):
        def __init__(self, e, h, block):
            super().__init__()
            self.ln1 = torch.nn.LayerNorm(e)
            self.attn = CharGPT.Attention(e, h, block)
            self.ln2 = torch.nn.LayerNorm(e)
            self.mlp = torch.nn.Sequential(torch.nn.Linear(e, 4 * e), torch.nn.GELU(), torch.nn.Linear(4 * e, e))

        def forward(self, x):
            x = x + self.attn(self.ln1(x))
            return x + self.mlp(self.ln2(x))

    def __init__(self, p):
        super().__init__()
        e = p["embed"]
        self.wte = torch.nn.Embedding(p["vocab"], e)
        self.wpe = torch.nn.Embedding(p["block"], e)
        self.blocks = torch.nn.ModuleList([CharGPT.Block(e, p["heads"], p["block"]) for _ in range(p["layers"])])
        self.ln_f = torch.nn.LayerNorm(e)
        self.lm_head = torch.nn.Linear(e, p["vocab"], bias=False)
        self.lm_head.weight = self.wte.weight

    def forward(self, idx):
        x = self.wte(idx) + self.wpe(torch.arange(idx.shape[1]))
        for block in self.blocks:
            x = block(x)
        return self.lm_head(self.ln_f(x))


def make_gpt_train(p):
    model = CharGPT(p)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
    batches = [(torch.randint(0, p["vocab"], [p["batch"], p["block"]]), torch.randint(0, p["vocab"], [p["batch"] * p["block"]]))
               for _ in range(4)]
    state = {"i": 0}

    def step():
        x, y = batches[state["i"] % len(batches)]
        state["i"] += 1
        loss = torch.nn.functional.cross_entropy(model(x).reshape(-1, p["vocab"]), y)
        opt.zero_grad()
        loss.backward()
        opt.step()

    return step


def make_mlp_infer_traced(p):
    # torch.jit.trace + freeze: PyTorch's compiled inference, beside tg.jit.trace.
    model, batches = mlp(p)
    model.eval()
    with torch.no_grad():
        traced = torch.jit.freeze(torch.jit.trace(model, batches[0][0]))
    state = {"i": 0}

    def step():
        x, _ = batches[state["i"] % len(batches)]
        state["i"] += 1
        with torch.no_grad():
            return traced(x)

    return step


MAKERS = {
    "conv1_fwd_bwd": make_conv_layer,
    "conv2_fwd_bwd": make_conv_layer,
    "cnn_train": make_cnn_train,
    "layernorm_fwd_bwd": make_layernorm_fwd_bwd,
    "softmax_4096x32": make_softmax_rows,
    "softmax_64x1000": make_softmax_rows,
    "softmax_1024x84": make_softmax_rows,
    "ce_4096x32": make_ce_rows,
    "ce_64x1000": make_ce_rows,
    "ce_1024x84": make_ce_rows,
    "attention_fwd_bwd": make_attention_fwd_bwd,
    "gpt_train": make_gpt_train,
    "gpt_train_jit": make_gpt_train,
    "cnn_train_jit": make_cnn_train,
    "mlp_train_jit": make_mlp_train,
    "mlp_infer_b1": make_mlp_infer,
    "mlp_infer_b64": make_mlp_infer,
    "mlp_infer_b1_jit": make_mlp_infer_traced,
    "mlp_infer_b64_jit": make_mlp_infer_traced,
    "linear_sgd_epoch_jit": make_linear_sgd_epoch,
    "linreg_step_jit": make_linreg_step,
    "sgemm_1024": make_sgemm,
    "sgemm_mlp": make_sgemm,
    "sgemm_head": make_sgemm,
    "add_16m_inplace": make_add_16m_inplace,
    "linear_sgd_epoch": make_linear_sgd_epoch,
    "mlp_train": make_mlp_train,
    "mlp_infer": make_mlp_infer,
    "linreg_step": make_linreg_step,
    "add_1elem": make_add_1elem,
    "affine_1elem": make_affine_1elem,
    "matmul_fwd_bwd": make_matmul_fwd_bwd,
    "add_16m": make_add_16m,
    "exp_1m": make_exp_1m,
    "relu_1m": make_relu_1m,
    "add_1m": make_add_1m,
}


def blas_libraries():
    """The BLAS/LAPACK shared objects actually mapped into this process (matmul speed depends on
    which one the distribution's alternatives point at: reference BLAS is ~10x slower than MKL)."""
    try:
        with open("/proc/self/maps") as f:
            paths = {line.split()[-1] for line in f if "/" in line}
    except OSError:
        return []
    return sorted(p for p in paths if re.search(r"blas|lapack|mkl", os.path.basename(p), re.I))


def time_rep(fn, iters):
    """One repetition: time for `iters` calls / iters, in ns."""
    t0 = time.perf_counter_ns()
    for _ in range(iters):
        fn()
    return (time.perf_counter_ns() - t0) / iters


def warm_up(fn, warmup, warmup_s):
    """`warmup` calls, then more until `warmup_s` seconds have passed (same rule as run.ts)."""
    t0 = time.perf_counter()
    for _ in range(warmup):
        fn()
    while time.perf_counter() - t0 < warmup_s:
        fn()


def measure(fn, iters, warmup, warmup_s, reps):
    """Median over `reps` repetitions of (time for `iters` calls) / iters, in ns."""
    warm_up(fn, warmup, warmup_s)
    samples = [time_rep(fn, iters) for _ in range(reps)]
    return {"median_ns": statistics.median(samples), "samples_ns": samples}


def info(threads):
    return {
        "torch": torch.__version__,
        "python": sys.version.split()[0],
        "threads": threads,
        "blas": blas_libraries(),
    }


def serve(cfg, threads):
    workloads = {wl["id"]: wl for wl in cfg["workloads"]}
    fn, wl = None, None
    for line in sys.stdin:
        req = json.loads(line)
        op = req["op"]
        if op == "info":
            reply = info(threads)
        elif op == "setup":
            wl = workloads[req["id"]]
            fn = None  # free the previous workload's tensors before allocating
            torch.manual_seed(0)
            fn = MAKERS[wl["id"]](wl["params"])
            warm_up(fn, wl["warmup"], cfg["warmup_s"])
            reply = {"ok": True}
        elif op == "measure":
            reply = {"samples_ns": [time_rep(fn, wl["iters"]) for _ in range(req["reps"])]}
        else:
            reply = {"error": "unknown op " + repr(op)}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--reps", type=int, default=None, help="override workloads.json reps")
    ap.add_argument("--only", default="", help="comma-separated workload ids")
    ap.add_argument("--config", default=os.path.join(HERE, "workloads.json"))
    ap.add_argument("--serve", action="store_true", help="line protocol for bench/run.ts")
    args = ap.parse_args()

    with open(args.config) as f:
        cfg = json.load(f)
    torch.set_num_threads(args.threads)
    if args.serve:
        serve(cfg, args.threads)
        return
    only = set(filter(None, args.only.split(",")))
    reps = args.reps or cfg["reps"]

    # Same seed policy as the tensorgrad side (tg.manualSeed(0) before each workload); the
    # values differ between the two RNGs, which no timed op here is sensitive to.
    results = {}
    for wl in cfg["workloads"]:
        if args.threads not in wl["threads"] or (only and wl["id"] not in only):
            continue
        torch.manual_seed(0)
        fn = MAKERS[wl["id"]](wl["params"])
        results[wl["id"]] = measure(fn, wl["iters"], wl["warmup"], cfg["warmup_s"], reps)

    json.dump(dict(info(args.threads), results=results), sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
