#!/usr/bin/python3
"""Generates PyTorch 1.13 reference fixtures for tensorgrad's training tests.

Run with the system interpreter, which has PyTorch 1.13:

    /usr/bin/python3 scripts/gen_training_fixtures.py

Writes test/fixtures/training/
  losses.json        every loss x reduction x option set: inputs, value, input gradient
                     (of out.sum() for reduction 'none')
  trajectories.json  a 4-8-3 MLP (Linear, Tanh, Linear) from fixed initial weights (written
                     to the file) trained 5 full-batch steps under every optimizer
                     configuration with every loss; the losses per step and the final
                     parameters. Plus every lr scheduler driving SGD(momentum) for 12 steps:
                     the lr seen by each step, the losses and the final parameters.
  modules.json       state_dict keys and shapes and repr() of reference models.

The model uses Tanh (not ReLU) so that no pre-activation sits on a kink, where float32
rounding on either side could flip a gradient. Option names are tensorgrad's (camelCase);
TORCH_KW maps them to torch's keyword arguments.
"""
import json
import math
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

assert torch.__version__.startswith("1.13"), torch.__version__
torch.set_num_threads(1)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "test", "fixtures", "training")

TORCH_KW = {
    "weightDecay": "weight_decay", "lrDecay": "lr_decay", "initialAccumulatorValue": "initial_accumulator_value",
    "ignoreIndex": "ignore_index", "labelSmoothing": "label_smoothing", "posWeight": "pos_weight",
}


def kw(opts):
    return {TORCH_KW.get(k, k): (tuple(v) if isinstance(v, list) else v) for k, v in opts.items()}


def enc_float(v):
    v = float(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return float(str(np.float32(v)))  # shortest decimal that round-trips through float32


def enc(t):
    t = t.detach()
    if t.dtype == torch.int64:
        t = t.to(torch.int32)
    dtype = {torch.float32: "float32", torch.int32: "int32"}[t.dtype]
    flat = t.reshape(-1).tolist()
    return {"shape": list(t.shape), "dtype": dtype,
            "data": [enc_float(v) for v in flat] if dtype == "float32" else flat}


# ---- losses ------------------------------------------------------------------------------

LOSS_FNS = {
    "mseLoss": F.mse_loss, "l1Loss": F.l1_loss, "huberLoss": F.huber_loss, "smoothL1Loss": F.smooth_l1_loss,
    "crossEntropy": F.cross_entropy, "nllLoss": F.nll_loss, "binaryCrossEntropy": F.binary_cross_entropy,
    "binaryCrossEntropyWithLogits": F.binary_cross_entropy_with_logits,
}


def loss_cases():
    g = torch.Generator().manual_seed(1234)
    rn = lambda *s: torch.randn(*s, generator=g)
    cases = []

    def add(name, fn, inp, target, opts=None, tensors=None):
        for red in ("mean", "sum", "none"):
            o = dict(opts or {}, reduction=red)
            x = inp.clone().requires_grad_(True)
            t_kw = {k: v for k, v in (tensors or {}).items()}
            out = LOSS_FNS[fn](x, target, **kw(o), **{TORCH_KW.get(k, k): v for k, v in t_kw.items()})
            out.sum().backward()
            cases.append({"name": f"{name}/{red}", "fn": fn, "opts": o, "input": enc(inp), "target": enc(target),
                          "tensors": {k: enc(v) for k, v in t_kw.items()}, "out": enc(out), "grad": enc(x.grad)})

    x, y = rn(5, 3), rn(5, 3)
    add("mse", "mseLoss", x, y)
    add("l1", "l1Loss", x, y)
    add("huber", "huberLoss", x * 2, y, {"delta": 0.7})
    add("smoothL1", "smoothL1Loss", x * 2, y, {"beta": 0.6})
    add("smoothL1_beta0", "smoothL1Loss", x, y, {"beta": 0.0})

    logits = rn(6, 4) * 2
    cls = torch.tensor([0, 3, 1, 2, 3, 1])
    w = torch.tensor([0.5, 2.0, 1.0, 1.5])
    cls_ign = torch.tensor([0, -100, 1, 2, -100, 1])
    cls_ign2 = torch.tensor([0, 2, 1, 2, 3, 2])
    add("ce", "crossEntropy", logits, cls)
    add("ce_weight", "crossEntropy", logits, cls, tensors={"weight": w})
    add("ce_ignore", "crossEntropy", logits, cls_ign)
    add("ce_ignore2_weight", "crossEntropy", logits, cls_ign2, {"ignoreIndex": 2}, {"weight": w})
    add("ce_smooth", "crossEntropy", logits, cls, {"labelSmoothing": 0.1})
    add("ce_smooth_weight_ignore", "crossEntropy", logits, cls_ign, {"labelSmoothing": 0.2}, {"weight": w})
    probs = torch.softmax(rn(6, 4), 1)
    add("ce_probs", "crossEntropy", logits, probs)
    add("ce_probs_weight_smooth", "crossEntropy", logits, probs, {"labelSmoothing": 0.15}, {"weight": w})
    add("ce_nd", "crossEntropy", rn(2, 4, 3), torch.tensor([[0, 3, 1], [2, 2, 0]]), tensors={"weight": w})
    add("ce_1d", "crossEntropy", rn(4), torch.tensor(2))
    logp = torch.log_softmax(logits, 1)
    add("nll", "nllLoss", logp, cls)
    add("nll_weight_ignore", "nllLoss", logp, cls_ign2, {"ignoreIndex": 3}, {"weight": w})
    p = torch.sigmoid(rn(4, 3))
    tb = torch.rand(4, 3, generator=g)
    add("bce", "binaryCrossEntropy", p, tb)
    add("bce_weight", "binaryCrossEntropy", p, (tb > 0.5).float(), tensors={"weight": torch.rand(4, 3, generator=g) + 0.5})
    z = rn(4, 3) * 3
    add("bcel", "binaryCrossEntropyWithLogits", z, tb)
    add("bcel_weight_pos", "binaryCrossEntropyWithLogits", z, (tb > 0.5).float(),
        tensors={"weight": torch.rand(3, generator=g) + 0.5, "posWeight": torch.tensor([0.5, 2.0, 3.0])})
    # The fused cross-entropy (src/ops/loss.ts), from a generator of its own so the cases above
    # keep their data: the MLP benchmark's [64, 10], ignoreIndex without a weight, logits far
    # apart, and targets all ignored ('mean': NaN, zero gradient).
    g2 = torch.Generator().manual_seed(4321)
    add("ce_fused_64x10", "crossEntropy", torch.randn(64, 10, generator=g2) * 3, torch.randint(0, 10, (64,), generator=g2))
    add("ce_fused_ignore2", "crossEntropy", logits, cls_ign2, {"ignoreIndex": 2})
    add("ce_fused_far_logits", "crossEntropy",
        torch.tensor([[1000.0, -1000.0, 0.0], [-50.0, 60.0, 55.0], [1e4, 1e4, -1e4], [0.0, 0.0, 0.0]]),
        torch.tensor([1, 2, 0, 2]))
    add("ce_fused_all_ignored", "crossEntropy", logits[:2], torch.tensor([-100, -100]))
    return cases


# ---- trajectories ------------------------------------------------------------------------

OPTIMIZERS = {
    "sgd_plain": ("SGD", {"lr": 0.1}),
    "sgd_momentum": ("SGD", {"lr": 0.1, "momentum": 0.9}),
    "sgd_dampening": ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.3}),
    "sgd_nesterov": ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    "sgd_weight_decay": ("SGD", {"lr": 0.1, "momentum": 0.5, "weightDecay": 0.01}),
    "sgd_maximize": ("SGD", {"lr": 0.05, "maximize": True}),
    "adam": ("Adam", {"lr": 0.01}),
    "adam_weight_decay": ("Adam", {"lr": 0.01, "weightDecay": 0.1}),
    "adam_amsgrad": ("Adam", {"lr": 0.01, "amsgrad": True, "betas": [0.8, 0.9]}),
    "adam_maximize": ("Adam", {"lr": 0.01, "maximize": True}),
    "adamw": ("AdamW", {"lr": 0.01, "weightDecay": 0.1}),
    "adamw_amsgrad": ("AdamW", {"lr": 0.01, "weightDecay": 0.1, "amsgrad": True}),
    "rmsprop": ("RMSprop", {"lr": 0.01}),
    "rmsprop_momentum": ("RMSprop", {"lr": 0.01, "momentum": 0.9}),
    "rmsprop_centered": ("RMSprop", {"lr": 0.01, "centered": True, "momentum": 0.5, "weightDecay": 0.01}),
    "adagrad": ("Adagrad", {"lr": 0.1}),
    "adagrad_decay": ("Adagrad", {"lr": 0.1, "lrDecay": 0.01, "weightDecay": 0.01, "initialAccumulatorValue": 0.1}),
}

# Each loss: the module, the head applied to the model output, and which target it uses.
LOSSES = {
    "mse": (lambda: nn.MSELoss(), None, "reg"),
    "l1": (lambda: nn.L1Loss(), None, "reg"),
    "huber": (lambda: nn.HuberLoss(delta=0.5), None, "reg"),
    "smoothL1": (lambda: nn.SmoothL1Loss(beta=0.5), None, "reg"),
    "crossEntropy": (lambda: nn.CrossEntropyLoss(), None, "cls"),
    "crossEntropySmooth": (lambda: nn.CrossEntropyLoss(label_smoothing=0.1), None, "cls"),
    "nll": (lambda: nn.NLLLoss(), "logSoftmax", "cls"),
    "bce": (lambda: nn.BCELoss(), "sigmoid", "bin"),
    "bceWithLogits": (lambda: nn.BCEWithLogitsLoss(), None, "bin"),
}

SCHEDULERS = {
    "StepLR": (lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=3, gamma=0.5), {"stepSize": 3, "gamma": 0.5}),
    "MultiStepLR": (lambda o: torch.optim.lr_scheduler.MultiStepLR(o, milestones=[2, 5, 5, 9], gamma=0.5),
                    {"milestones": [2, 5, 5, 9], "gamma": 0.5}),
    "ExponentialLR": (lambda o: torch.optim.lr_scheduler.ExponentialLR(o, gamma=0.8), {"gamma": 0.8}),
    "CosineAnnealingLR": (lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=4, eta_min=0.01),
                          {"TMax": 4, "etaMin": 0.01}),
    "LambdaLR": (lambda o: torch.optim.lr_scheduler.LambdaLR(o, lambda e: 1.0 / (1 + e)), {"lambda": "1/(1+e)"}),
    "ReduceLROnPlateau": (lambda o: torch.optim.lr_scheduler.ReduceLROnPlateau(o, factor=0.5, patience=1, threshold=0.05),
                          {"factor": 0.5, "patience": 1, "threshold": 0.05}),
    "ReduceLROnPlateauMaxAbsCooldown": (
        lambda o: torch.optim.lr_scheduler.ReduceLROnPlateau(o, mode="max", factor=0.3, patience=0, threshold=0.1,
                                                             threshold_mode="abs", cooldown=2, min_lr=0.02),
        {"mode": "max", "factor": 0.3, "patience": 0, "threshold": 0.1, "thresholdMode": "abs", "cooldown": 2, "minLr": 0.02}),
}
# The metric ReduceLROnPlateau sees each step: fixed, so plateaus happen at known steps.
PLATEAU_METRICS = [1.0, 0.9, 0.89, 0.88, 0.7, 0.71, 0.72, 0.69, 0.5, 0.52, 0.51, 0.53]


def make_model(init):
    m = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3))
    with torch.no_grad():
        for k, v in m.state_dict().items():
            v.copy_(init[k])
    return m


def make_optimizer(kind, opts, model):
    cls = getattr(torch.optim, kind)
    return cls(model.parameters(), **kw(opts))


def run(init, data, opt_kind, opt_opts, loss_name, steps, sched=None, groups=None):
    model = make_model(init)
    loss_mod, head, tkind = LOSSES[loss_name]
    loss_fn = loss_mod()
    if groups:
        params = [{"params": model[0].parameters(), **kw(groups[0])}, {"params": model[2].parameters(), **kw(groups[1])}]
        opt = getattr(torch.optim, opt_kind)(params, **kw(opt_opts))
    else:
        opt = make_optimizer(opt_kind, opt_opts, model)
    scheduler = SCHEDULERS[sched][0](opt) if sched else None
    losses, lrs = [], []
    for i in range(steps):
        opt.zero_grad()
        out = model(data["x"])
        if head == "logSoftmax":
            out = torch.log_softmax(out, 1)
        elif head == "sigmoid":
            out = torch.sigmoid(out)
        loss = loss_fn(out, data[tkind])
        loss.backward()
        lrs.append([g["lr"] for g in opt.param_groups])
        opt.step()
        losses.append(enc_float(loss.item()))
        if scheduler is not None:
            if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
                scheduler.step(PLATEAU_METRICS[i])
            else:
                scheduler.step()
    return {"losses": losses, "lrs": lrs, "final": {k: enc(v) for k, v in model.state_dict().items()}}


def trajectories():
    torch.manual_seed(7)
    init = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3)).state_dict()
    g = torch.Generator().manual_seed(99)
    data = {
        "x": torch.randn(16, 4, generator=g),
        "cls": torch.randint(0, 3, (16,), generator=g),
        "reg": torch.randn(16, 3, generator=g),
        "bin": (torch.rand(16, 3, generator=g) > 0.5).float(),
    }
    runs = []
    for oname, (kind, opts) in OPTIMIZERS.items():
        for lname in LOSSES:
            runs.append({"name": f"{oname}/{lname}", "optimizer": kind, "opts": opts, "loss": lname, "steps": 5,
                         **run(init, data, kind, opts, lname, 5)})
    # Param groups with per-group overrides.
    groups = [{"lr": 0.2}, {"momentum": 0.0}]
    runs.append({"name": "sgd_groups/crossEntropy", "optimizer": "SGD", "opts": {"lr": 0.05, "momentum": 0.9},
                 "groups": groups, "loss": "crossEntropy", "steps": 5,
                 **run(init, data, "SGD", {"lr": 0.05, "momentum": 0.9}, "crossEntropy", 5, groups=groups)})
    scheds = []
    for sname, (_, sopts) in SCHEDULERS.items():
        opts = {"lr": 0.1, "momentum": 0.9}
        scheds.append({"name": sname, "scheduler": sname.replace("MaxAbsCooldown", ""), "schedOpts": sopts,
                       "optimizer": "SGD", "opts": opts, "loss": "crossEntropy", "steps": 12,
                       **run(init, data, "SGD", opts, "crossEntropy", 12, sched=sname)})
    return {"init": {k: enc(v) for k, v in init.items()}, "data": {k: enc(v) for k, v in data.items()},
            "plateauMetrics": PLATEAU_METRICS, "runs": runs, "schedulers": scheds}


# ---- module structure ------------------------------------------------------------------------

class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(3, 5)
        self.act = nn.GELU()
        self.register_buffer("running", torch.zeros(5))
        self.scale = nn.Parameter(torch.ones(5))
        self.drop = nn.Dropout(0.25)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Flatten(), nn.Linear(6, 3), nn.LeakyReLU(0.2))
        self.block = Block()
        self.head = nn.Linear(5, 2, bias=False)
        self.out = nn.LogSoftmax(dim=1)


def modules():
    models = {
        "sequential": nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2)),
        "net": Net(),
        "activations": nn.Sequential(nn.Sigmoid(), nn.Tanh(), nn.Softmax(dim=-1), nn.Identity(), nn.Dropout(0.5)),
    }
    return {name: {"keys": [[k, list(v.shape)] for k, v in m.state_dict().items()],
                   "params": [n for n, _ in m.named_parameters()], "repr": repr(m)} for name, m in models.items()}


def main():
    os.makedirs(OUT, exist_ok=True)
    for fname, obj in (("losses.json", {"torch": torch.__version__, "cases": loss_cases()}),
                       ("trajectories.json", {"torch": torch.__version__, **trajectories()}),
                       ("modules.json", {"torch": torch.__version__, "models": modules()})):
        path = os.path.join(OUT, fname)
        with open(path, "w") as f:
            json.dump(obj, f, separators=(",", ":"))
        print(path, os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()
