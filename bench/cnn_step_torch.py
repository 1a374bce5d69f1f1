#!/usr/bin/python3
"""PyTorch side of bench/cnn_step.mjs: the same MNIST training step and per-op timings.

    /usr/bin/python3 bench/cnn_step_torch.py --threads 1 --reps 11 [--clock wall|cpu]

prints one JSON object: {"torch": version, "threads": n, "step": {...}, "forward": {...}, "fwdbwd": {...}},
each value a median in ms, with the keys bench/cnn_step.mjs uses.
"""
import argparse
import json
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

ap = argparse.ArgumentParser()
ap.add_argument("--threads", type=int, required=True)
ap.add_argument("--reps", type=int, default=11)
ap.add_argument("--clock", choices=["wall", "cpu"], default="wall")
args = ap.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(0)
reps = args.reps


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3)
        self.conv2 = nn.Conv2d(32, 64, 3)
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        h = F.relu(self.conv2(F.relu(self.conv1(x))))
        h = torch.flatten(F.dropout(F.max_pool2d(h, 2), 0.25, self.training), 1)
        h = F.dropout(F.relu(self.fc1(h)), 0.5, self.training)
        return F.log_softmax(self.fc2(h), dim=1)


now = time.process_time if args.clock == "cpu" else time.perf_counter


def time_it(fn):
    for _ in range(3):
        fn()
    t = []
    for _ in range(reps):
        t0 = now()
        fn()
        t.append((now() - t0) * 1e3)
    return statistics.median(t)


model = Net()
model.train()
opt = torch.optim.Adadelta(model.parameters(), lr=1.0)
x = torch.randn(64, 1, 28, 28)
y = torch.randint(0, 10, (64,))

phases = {"step": [], "forward": [], "backward": [], "optimizer": []}
for i in range(reps + 3):
    t0 = now()
    opt.zero_grad()
    loss = F.nll_loss(model(x), y)
    t1 = now()
    loss.backward()
    t2 = now()
    opt.step()
    loss.item()
    t3 = now()
    if i < 3:
        continue
    for k, v in (("step", t3 - t0), ("forward", t1 - t0), ("backward", t2 - t1), ("optimizer", t3 - t2)):
        phases[k].append(v * 1e3)
step = {k: statistics.median(v) for k, v in phases.items()}

m = model
a1 = m.conv1(x)
r1 = F.relu(a1)
a2 = m.conv2(r1)
r2 = F.relu(a2)
p = F.max_pool2d(r2, 2)
d1 = F.dropout(p, 0.25, True)
f = torch.flatten(d1, 1)
h1 = m.fc1(f)
r3 = F.relu(h1)
d2 = F.dropout(r3, 0.5, True)
o = m.fc2(d2)
ls = F.log_softmax(o, dim=1)
forward = {
    "conv1": time_it(lambda: m.conv1(x)),
    "relu1": time_it(lambda: F.relu(a1)),
    "conv2": time_it(lambda: m.conv2(r1)),
    "relu2": time_it(lambda: F.relu(a2)),
    "maxpool": time_it(lambda: F.max_pool2d(r2, 2)),
    "dropout1": time_it(lambda: F.dropout(p, 0.25, True)),
    "flatten": time_it(lambda: torch.flatten(d1, 1)),
    "fc1": time_it(lambda: m.fc1(f)),
    "relu3": time_it(lambda: F.relu(h1)),
    "dropout2": time_it(lambda: F.dropout(r3, 0.5, True)),
    "fc2": time_it(lambda: m.fc2(d2)),
    "log_softmax": time_it(lambda: F.log_softmax(o, dim=1)),
    "nll_loss": time_it(lambda: F.nll_loss(ls, y)),
}


def leaf(t):
    return t.detach().requires_grad_()


def fb(inp, fn, grad=True):
    g = torch.randn(fn(inp).shape)

    def run():
        xi = leaf(inp) if grad else inp
        fn(xi).backward(g)

    return time_it(run)


for prm in model.parameters():
    prm.grad = None
fwdbwd = {
    "conv1": fb(x, m.conv1, False),
    "relu1": fb(a1, F.relu),
    "conv2": fb(r1, m.conv2),
    "relu2": fb(a2, F.relu),
    "maxpool": fb(r2, lambda t: F.max_pool2d(t, 2)),
    "dropout1": fb(p, lambda t: F.dropout(t, 0.25, True)),
    "fc1": fb(f, m.fc1),
    "relu3": fb(h1, F.relu),
    "dropout2": fb(r3, lambda t: F.dropout(t, 0.5, True)),
    "fc2": fb(d2, m.fc2),
    "log_softmax_nll": time_it(lambda: F.nll_loss(F.log_softmax(leaf(o), dim=1), y).backward()),
}
opt.zero_grad()
F.nll_loss(model(x), y).backward()
fwdbwd["adadelta"] = time_it(opt.step)

print(json.dumps({"torch": torch.__version__, "threads": args.threads, "step": step, "forward": forward, "fwdbwd": fwdbwd}))
