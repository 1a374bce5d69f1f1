#!/usr/bin/python3
"""Generates PyTorch 1.13 reference fixtures for nn.ModuleList / nn.ModuleDict, nn.utils,
optim.Adadelta and the LinearLR / OneCycleLR schedulers.

Run with the system interpreter, which has PyTorch 1.13:

    /usr/bin/python3 scripts/gen_nn_fixtures.py

Writes test/fixtures/nn.json:
  containers  models holding ModuleLists / ModuleDicts, before and after list and dict edits:
              state_dict keys and shapes, named_parameters, repr()
  clip        clip_grad_norm_ (norm types 2, 1, inf, 3, 0.5; clipping and not) and
              clip_grad_value_: the gradients before, the returned total norm, the gradients after
  adadelta    a least-squares problem (x @ w + b vs y) trained 6 steps under several Adadelta
              configurations: the loss at each step, the final parameters and the final state
  schedulers  LinearLR and OneCycleLR: each group's lr (and momentum / beta1) after the
              constructor and after every step(), up to the last step PyTorch allows

Option names are tensorgrad's (camelCase); TORCH_KW maps them to torch's keyword arguments.
Floats that are Python floats on both sides (lrs, momenta) are written with repr(), exactly.
"""
import json
import math
import os

import numpy as np
import torch
import torch.nn as nn

assert torch.__version__.startswith("1.13"), torch.__version__
torch.set_num_threads(1)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "test", "fixtures", "nn.json")

TORCH_KW = {
    "weightDecay": "weight_decay", "startFactor": "start_factor", "endFactor": "end_factor",
    "totalIters": "total_iters", "maxLr": "max_lr", "totalSteps": "total_steps",
    "stepsPerEpoch": "steps_per_epoch", "pctStart": "pct_start", "annealStrategy": "anneal_strategy",
    "cycleMomentum": "cycle_momentum", "baseMomentum": "base_momentum", "maxMomentum": "max_momentum",
    "divFactor": "div_factor", "finalDivFactor": "final_div_factor", "threePhase": "three_phase",
}


def kw(opts):
    return {TORCH_KW.get(k, k): v for k, v in opts.items()}


def enc_float(v):
    v = float(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return float(str(np.float32(v)))  # shortest decimal that round-trips through float32


def enc(t):
    t = t.detach()
    return {"shape": list(t.shape), "dtype": "float32", "data": [enc_float(v) for v in t.reshape(-1).tolist()]}


# ---- containers ------------------------------------------------------------------------------

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)])
        self.heads = nn.ModuleDict({"cls": nn.Linear(1, 2), "reg": nn.Linear(1, 1)})
        self.blocks = nn.ModuleList([nn.ModuleList([nn.Linear(1, 1)]),
                                     nn.ModuleDict([("b", nn.Linear(1, 2, bias=False)), ("a", nn.Tanh())])])
        self.empty = nn.ModuleList()


def edited():
    # The same edits test/nn-containers.test.ts makes, in the same order.
    m = Net()
    m.layers.insert(1, nn.Tanh())        # Linear, Tanh, ReLU, Linear
    m.layers.append(nn.Sigmoid())        # ..., Sigmoid
    del m.layers[0]                      # Tanh, ReLU, Linear, Sigmoid
    m.layers.extend([nn.Linear(3, 4)])   # ..., Linear(3, 4)
    m.layers[-2] = nn.Linear(1, 3)       # Tanh, ReLU, Linear(3, 1), Linear(1, 3), Linear(3, 4)
    m.layers.pop(1)                      # Tanh, Linear(3, 1), Linear(1, 3), Linear(3, 4)
    m.heads["emb"] = nn.Linear(2, 2)
    m.heads.pop("cls")
    m.heads["reg"] = nn.Linear(1, 3)     # replaced in place: keeps its position
    m.heads.update([("z", nn.ReLU()), ("a", nn.Linear(4, 1))])
    m.empty.append(nn.Identity())
    return m


def containers():
    models = {"net": Net(), "edited": edited(), "slice": Net().layers[1:]}
    return {name: {"keys": [[k, list(v.shape)] for k, v in m.state_dict().items()],
                   "params": [n for n, _ in m.named_parameters()], "repr": repr(m)} for name, m in models.items()}


# ---- clip_grad -------------------------------------------------------------------------------

def clip():
    g = torch.Generator().manual_seed(2024)
    shapes = [[3, 4], [5], [2, 1, 3]]
    grads = [torch.randn(*s, generator=g) for s in shapes]
    grads[1] *= 4  # one gradient dominates the inf norm
    cases = []

    def add(name, fn, arg, gs, single=False, **extra):
        params = [torch.zeros(gr.shape, requires_grad=True) for gr in gs]
        for p, gr in zip(params, gs):
            p.grad = gr.clone()
        # One more parameter without a gradient: skipped.
        noGrad = torch.zeros(2, requires_grad=True)
        if fn == "clipGradNorm_":
            norm = extra["normType"]
            total = torch.nn.utils.clip_grad_norm_(params[0] if single else params + [noGrad], arg,
                                                   float("inf") if norm == "inf" else norm)
            extra["total"] = enc_float(total)
        else:
            torch.nn.utils.clip_grad_value_(params + [noGrad], arg)
        cases.append({"name": name, "fn": fn, "arg": arg, "single": single, "grads": [enc(x) for x in gs],
                      "out": [enc(p.grad) for p in params], **extra})

    for norm in (2, 1, "inf", 3, 0.5):
        for max_norm in (0.5, 1e3):
            add(f"norm{norm}/max{max_norm}", "clipGradNorm_", max_norm, grads, normType=norm)
    add("norm2/single", "clipGradNorm_", 1.0, grads[:1], single=True, normType=2)
    add("normInf/single", "clipGradNorm_", 0.25, grads[:1], single=True, normType="inf")
    big = [x * 1e3 for x in grads]
    add("norm2/large", "clipGradNorm_", 5.0, big, normType=2)
    add("value/0.5", "clipGradValue_", 0.5, grads)
    return cases


# ---- Adadelta --------------------------------------------------------------------------------

ADADELTA = {
    "default": ({}, None),
    "lr_rho_eps": ({"lr": 0.5, "rho": 0.8, "eps": 1e-4}, None),
    "weight_decay": ({"weightDecay": 0.1}, None),
    "maximize": ({"lr": 0.3, "maximize": True}, None),
    "groups": ({"weightDecay": 0.01}, [{"lr": 2.0}, {"rho": 0.5}]),
}


def adadelta():
    g = torch.Generator().manual_seed(5)
    x, y = torch.randn(6, 3, generator=g), torch.randn(6, 2, generator=g)
    w0, b0 = torch.randn(3, 2, generator=g), torch.randn(2, generator=g)
    runs = []
    for name, (opts, groups) in ADADELTA.items():
        w, b = w0.clone().requires_grad_(True), b0.clone().requires_grad_(True)
        params = [{"params": [w], **kw(groups[0])}, {"params": [b], **kw(groups[1])}] if groups else [w, b]
        opt = torch.optim.Adadelta(params, **kw(opts))
        losses = []
        for _ in range(6):
            opt.zero_grad()
            loss = (x @ w + b - y).square().mean()
            loss.backward()
            opt.step()
            losses.append(enc_float(loss.item()))
        state = [{"step": opt.state[p]["step"], "squareAvg": enc(opt.state[p]["square_avg"]),
                  "accDelta": enc(opt.state[p]["acc_delta"])} for p in (w, b)]
        runs.append({"name": name, "opts": opts, "groups": groups, "losses": losses,
                     "final": {"w": enc(w), "b": enc(b)}, "state": state})
    return {"x": enc(x), "y": enc(y), "w": enc(w0), "b": enc(b0), "runs": runs}


# ---- schedulers ------------------------------------------------------------------------------

SCHEDULERS = [
    ("LinearLR/default", "LinearLR", "SGD", [0.1], {}, 8),
    ("LinearLR/decay", "LinearLR", "SGD", [0.1], {"startFactor": 1.0, "endFactor": 0.25, "totalIters": 4}, 7),
    ("LinearLR/two_groups", "LinearLR", "SGD", [0.1, 0.02], {"startFactor": 0.25, "totalIters": 3}, 6),
    ("LinearLR/total0", "LinearLR", "SGD", [0.1], {"startFactor": 0.5, "endFactor": 0.0, "totalIters": 0}, 3),
    ("OneCycleLR/cos", "OneCycleLR", "SGD", [0.1], {"maxLr": 1.0, "totalSteps": 20}, None),
    ("OneCycleLR/linear", "OneCycleLR", "SGD", [0.1], {"maxLr": 0.5, "totalSteps": 17, "annealStrategy": "linear"}, None),
    ("OneCycleLR/three_phase", "OneCycleLR", "SGD", [0.1], {"maxLr": 0.3, "totalSteps": 23, "threePhase": True}, None),
    ("OneCycleLR/three_phase_linear", "OneCycleLR", "SGD", [0.1],
     {"maxLr": 0.3, "totalSteps": 23, "threePhase": True, "annealStrategy": "linear", "pctStart": 0.4}, None),
    ("OneCycleLR/epochs", "OneCycleLR", "SGD", [0.1],
     {"maxLr": 0.2, "epochs": 3, "stepsPerEpoch": 7, "pctStart": 0.25, "divFactor": 10.0, "finalDivFactor": 100.0}, None),
    ("OneCycleLR/groups", "OneCycleLR", "SGD", [0.1, 0.05],
     {"maxLr": [0.4, 0.1], "totalSteps": 15, "baseMomentum": [0.8, 0.7], "maxMomentum": [0.9, 0.95]}, None),
    ("OneCycleLR/no_momentum", "OneCycleLR", "SGD", [0.1], {"maxLr": 0.1, "totalSteps": 10, "cycleMomentum": False}, None),
    ("OneCycleLR/pct0", "OneCycleLR", "SGD", [0.1], {"maxLr": 0.1, "totalSteps": 8, "pctStart": 0.0}, None),
    ("OneCycleLR/adam_betas", "OneCycleLR", "Adam", [0.001], {"maxLr": 0.01, "totalSteps": 12}, None),
    ("OneCycleLR/rmsprop", "OneCycleLR", "RMSprop", [0.01], {"maxLr": 0.05, "totalSteps": 9, "threePhase": True}, None),
]


def momentum_of(group):
    return group["betas"][0] if "betas" in group else group.get("momentum")


def schedulers():
    out = []
    for name, kind, opt_kind, lrs, opts, steps in SCHEDULERS:
        params = [{"params": [torch.zeros(1, requires_grad=True)], "lr": lr} for lr in lrs]
        opt_kw = {"momentum": 0.9} if opt_kind == "SGD" else {}
        opt = getattr(torch.optim, opt_kind)(params, **opt_kw)
        sched = getattr(torch.optim.lr_scheduler, kind)(opt, **kw(opts))
        n = steps if steps is not None else sched.total_steps  # OneCycleLR allows last_epoch == total_steps
        seq_lr, seq_m, last = [], [], []
        for i in range(n + 1):
            if i > 0:
                opt.step()
                sched.step()
            seq_lr.append([gr["lr"] for gr in opt.param_groups])
            seq_m.append([momentum_of(gr) for gr in opt.param_groups])
            last.append(sched.get_last_lr())
        raises = None
        if kind == "OneCycleLR":
            try:
                sched.step()
            except ValueError as e:
                raises = str(e)
        out.append({"name": name, "scheduler": kind, "optimizer": opt_kind, "optOpts": opt_kw, "lrs0": lrs,
                    "opts": opts, "steps": n, "lr": seq_lr, "momentum": seq_m, "lastLr": last, "raises": raises})
    return out


def main():
    obj = {"torch": torch.__version__, "containers": containers(), "clip": clip(), "adadelta": adadelta(),
           "schedulers": schedulers()}
    with open(OUT, "w") as f:
        json.dump(obj, f, separators=(",", ":"))
    print(OUT, os.path.getsize(OUT), "bytes")


if __name__ == "__main__":
    main()
