#!/usr/bin/python3
"""PyTorch parity fixtures for the two larger examples (read by test/parity.test.ts).

Run with the system interpreter, which has PyTorch 1.13:

    /usr/bin/python3 scripts/gen_parity_fixtures.py

Builds, in PyTorch, the same models as examples/07-digits-cnn.ts (pytorch/examples' MNIST net
on the 8x8 digits, Adadelta + StepLR) and examples/08-char-gpt.ts (a nanoGPT-style char GPT on
Genesis 1-11, AdamW + cosine schedule, gradients clipped to norm 1), with tensorgrad's module
and state-dict key names, seeds them, and writes into test/fixtures/parity/:

  cnn_init.safetensors, gpt_init.safetensors
      the initial state dicts. The GPT's output layer is tied to its token embedding: both keys
      (wte.weight, lmHead.weight) are written, with the same bytes, because tensorgrad's strict
      loadStateDict expects every key its stateDict() has (the reference `safetensors` package
      refuses shared tensors; this writer copies them).
  cnn.json, gpt.json
      the batches (CNN: indices into the 1797 digits; GPT: start offsets of the token windows),
      the loss and the lr of every step, and per parameter the norm of its final value and of
      its change over the run (float64 of the float32 tensors).

Dropout: the CNN's two Dropout layers are switched off for these runs (model.eval(); nothing
else in the net depends on the mode), because PyTorch's and tensorgrad's random streams differ,
so their masks could never agree. The batches are drawn here and saved for the same reason.

The `safetensors` package is not installed for this interpreter, so the format is written by
hand (as scripts/gen_safetensors_fixtures.py does): u64 little-endian header length, a JSON
header (dtype, shape, data_offsets per tensor) padded with spaces to 8-byte alignment, then the
packed little-endian row-major data.
"""
import gzip
import json
import math
import os
import struct
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

assert torch.__version__.startswith("1.13"), torch.__version__
assert sys.byteorder == "little"
torch.set_num_threads(1)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "examples", "data")
OUT = os.path.join(ROOT, "test", "fixtures", "parity")


def save_safetensors(path, tensors):
    """tensors: list of (name, float32 tensor), written in that order."""
    header, blobs, offset = {}, [], 0
    for name, t in tensors:
        assert t.dtype == torch.float32
        b = t.detach().contiguous().reshape(-1).numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header, separators=(",", ":")).encode("utf8")
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def checksums(model, init):
    out = {}
    for k, v in model.state_dict().items():
        v64, i64 = v.double(), init[k].double()
        out[k] = {"norm": v64.norm().item(), "deltaNorm": (v64 - i64).norm().item()}
    return out


def write_json(name, obj):
    with open(os.path.join(OUT, name), "w") as f:
        json.dump(obj, f, indent=None, separators=(",", ":"))
        f.write("\n")


# ---- examples/07-digits-cnn.ts ---------------------------------------------------------------
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3)
        self.conv2 = nn.Conv2d(32, 64, 3)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(64 * 2 * 2, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        h = F.relu(self.conv2(F.relu(self.conv1(x))))
        h = torch.flatten(self.dropout1(F.max_pool2d(h, 2)), 1)
        h = self.dropout2(F.relu(self.fc1(h)))
        return F.log_softmax(self.fc2(h), dim=1)


def digit_images():
    """As digitImages() in the example: pixels / 16, minus their mean, over their (unbiased) std."""
    with gzip.open(os.path.join(DATA, "digits.csv.gz"), "rt") as f:
        rows = [[float(v) for v in line.strip().split(",")] for line in f.read().strip().split("\n")]
    pixels = torch.tensor([r[:64] for r in rows], dtype=torch.float32) / 16
    x = ((pixels - pixels.mean()) / pixels.std()).reshape(-1, 1, 8, 8)
    return x, torch.tensor([int(r[64]) for r in rows], dtype=torch.int64)


def cnn_fixture():
    x, y = digit_images()
    g = torch.Generator().manual_seed(7)
    n = x.shape[0]
    train = torch.randperm(n, generator=g)[: n - round(0.2 * n)]  # the example's 80/20 split: 1438 images
    # The first epoch (22 batches of 64 and one of 30) and 7 batches of the second, so that the
    # run crosses StepLR's step at the end of epoch 1.
    batches = []
    for epoch in range(2):
        perm = train[torch.randperm(len(train), generator=g)]
        batches += [(epoch, perm[i : i + 64]) for i in range(0, len(perm), 64)]
    batches = batches[: math.ceil(len(train) / 64) + 7]

    torch.manual_seed(1)
    model = Net()
    init = {k: v.clone() for k, v in model.state_dict().items()}
    save_safetensors(os.path.join(OUT, "cnn_init.safetensors"), list(init.items()))
    opt = torch.optim.Adadelta(model.parameters(), lr=1.0)
    sched = torch.optim.lr_scheduler.StepLR(opt, 1, gamma=0.7)
    model.eval()  # Dropout off (see the module docstring)
    losses, lrs = [], []
    for i, (epoch, idx) in enumerate(batches):
        lrs.append(opt.param_groups[0]["lr"])
        opt.zero_grad()
        loss = F.nll_loss(model(x[idx]), y[idx])
        loss.backward()
        opt.step()
        losses.append(loss.item())
        if i + 1 < len(batches) and batches[i + 1][0] != epoch:
            sched.step()
    write_json("cnn.json", {
        "batchesPerEpoch": math.ceil(len(train) / 64),
        "batches": [idx.tolist() for _, idx in batches],
        "losses": losses, "lrs": lrs, "final": checksums(model, init),
    })
    print(f"cnn: {len(batches)} steps, loss {losses[0]:.4f} -> {losses[-1]:.4f}")


# ---- examples/08-char-gpt.ts -----------------------------------------------------------------
BLOCK, EMBED, HEADS, LAYERS = 32, 48, 3, 2


class CausalSelfAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.qkv = nn.Linear(EMBED, 3 * EMBED)
        self.proj = nn.Linear(EMBED, EMBED)

    def forward(self, x):
        B, T, _ = x.shape
        q, k, v = (t.reshape(B, T, HEADS, EMBED // HEADS).transpose(1, 2) for t in self.qkv(x).split(EMBED, 2))
        # F.scaled_dot_product_attention(is_causal=True) appeared in PyTorch 2.0; this is its definition.
        att = (q @ k.transpose(-2, -1)) / math.sqrt(EMBED // HEADS)
        att = att.masked_fill(~torch.ones(T, T, dtype=torch.bool).tril(), float("-inf")).softmax(-1)
        return self.proj((att @ v).transpose(1, 2).reshape(B, T, EMBED))


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln1 = nn.LayerNorm(EMBED)
        self.attn = CausalSelfAttention()
        self.ln2 = nn.LayerNorm(EMBED)
        self.mlp = nn.Sequential(nn.Linear(EMBED, 4 * EMBED), nn.GELU(), nn.Linear(4 * EMBED, EMBED))

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.mlp(self.ln2(x))


class GPT(nn.Module):
    def __init__(self, vocab):
        super().__init__()
        self.wte = nn.Embedding(vocab, EMBED)
        self.wpe = nn.Embedding(BLOCK, EMBED)
        self.blocks = nn.ModuleList([Block() for _ in range(LAYERS)])
        self.lnF = nn.LayerNorm(EMBED)
        self.lmHead = nn.Linear(EMBED, vocab, bias=False)
        self.lmHead.weight = self.wte.weight
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Embedding)):
                nn.init.normal_(m.weight, 0, 0.02)
            if isinstance(m, nn.Linear) and m.bias is not None:
                nn.init.zeros_(m.bias)

    def forward(self, idx):
        x = self.wte(idx) + self.wpe(torch.arange(idx.shape[1]))
        for b in self.blocks:
            x = b(x)
        return self.lmHead(self.lnF(x))


def gpt_fixture(steps=20, batch=16):
    with open(os.path.join(DATA, "genesis-1-11.txt"), encoding="utf8") as f:
        text = f.read()
    chars = sorted(set(text))  # the text is ASCII: the same order as JS's default sort
    code = {c: i for i, c in enumerate(chars)}
    data = torch.tensor([code[c] for c in text], dtype=torch.int64)
    g = torch.Generator().manual_seed(11)
    starts = [torch.randint(0, len(data) - BLOCK - 1, (batch,), generator=g) for _ in range(steps)]

    torch.manual_seed(0)
    model = GPT(len(chars))
    init = {k: v.clone() for k, v in model.state_dict().items()}  # both tied keys, separate copies
    save_safetensors(os.path.join(OUT, "gpt_init.safetensors"), list(init.items()))
    # The example's optimizer and schedule, the cosine spread over this run's steps.
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps, eta_min=3e-4)
    losses, lrs, norms = [], [], []
    for s in starts:
        xb = torch.stack([data[i : i + BLOCK] for i in s.tolist()])
        yb = torch.stack([data[i + 1 : i + 1 + BLOCK] for i in s.tolist()]).reshape(-1)
        lrs.append(opt.param_groups[0]["lr"])
        loss = F.cross_entropy(model(xb).reshape(-1, len(chars)), yb)
        opt.zero_grad()
        loss.backward()
        norms.append(nn.utils.clip_grad_norm_(model.parameters(), 1.0).item())
        opt.step()
        sched.step()
        losses.append(loss.item())
    write_json("gpt.json", {
        "vocab": len(chars), "tokens": len(data), "steps": steps,
        "starts": [s.tolist() for s in starts],
        "losses": losses, "lrs": lrs, "gradNorms": norms, "final": checksums(model, init),
    })
    print(f"gpt: {steps} steps, loss {losses[0]:.4f} -> {losses[-1]:.4f}")


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    cnn_fixture()
    gpt_fixture()
