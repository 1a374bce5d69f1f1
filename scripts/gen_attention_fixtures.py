#!/usr/bin/python3
"""nn.MultiheadAttention against PyTorch 1.13: writes test/fixtures/attention.json.

Each case: a seeded torch.nn.MultiheadAttention (its state dict under PyTorch's keys), inputs,
the forward's output and weights, and the gradients of (out * G).sum() + (weights * Gw).sum()
for the inputs and every parameter. test/attention.test.ts loads the state dict into
tg.nn.MultiheadAttention and compares. Run with the system python that has torch:

    /usr/bin/python3 scripts/gen_attention_fixtures.py
"""
import json
import os
import zlib

import torch

torch.set_num_threads(1)


def enc(t):
    t = t.detach()
    return {"shape": list(t.shape), "dtype": {torch.float32: "float32", torch.bool: "bool"}[t.dtype],
            "data": [bool(v) for v in t.flatten().tolist()] if t.dtype == torch.bool else [float(v) for v in t.flatten().tolist()]}


CASES = []


def case(name, E, H, L, S, N, batch_first=False, bias=True, self_attn=True, attn_mask=None, key_padding=False,
         need_weights=True, average=True):
    torch.manual_seed(zlib.crc32(name.encode()))
    m = torch.nn.MultiheadAttention(E, H, bias=bias, batch_first=batch_first)
    shape = (lambda n, l: (n, l, E)) if batch_first else (lambda n, l: (l, n, E))
    q = torch.randn(shape(N, L), requires_grad=True)
    if self_attn:
        k = v = q
        S = L
    else:
        k = torch.randn(shape(N, S), requires_grad=True)
        v = torch.randn(shape(N, S), requires_grad=True)
    mask = None
    if attn_mask == "bool":
        mask = torch.rand(L, S) < 0.3
        mask[:, 0] = False  # every query keeps one key
    elif attn_mask == "float":
        mask = torch.randn(L, S)
    elif attn_mask == "causal":
        mask = torch.ones(L, S).triu(1).bool()
    kpm = None
    if key_padding:
        kpm = torch.zeros(N, S, dtype=torch.bool)
        kpm[:, -1] = True
    out, w = m(q, k, v, key_padding_mask=kpm, need_weights=need_weights, attn_mask=mask, average_attn_weights=average)
    G = torch.randn(out.shape)
    loss = (out * G).sum()
    Gw = None
    if w is not None:
        Gw = torch.randn(w.shape)
        loss = loss + (w * Gw).sum()
    loss.backward()
    inputs = [q] if self_attn else [q, k, v]
    CASES.append({
        "name": name, "embedDim": E, "numHeads": H, "batchFirst": batch_first, "bias": bias, "selfAttn": self_attn,
        "needWeights": need_weights, "averageAttnWeights": average,
        "state": {k2: enc(t) for k2, t in m.state_dict().items()},
        "inputs": [enc(t) for t in inputs],
        "attnMask": enc(mask) if mask is not None else None,
        "keyPaddingMask": enc(kpm) if kpm is not None else None,
        "out": enc(out), "weights": enc(w) if w is not None else None,
        "G": enc(G), "Gw": enc(Gw) if Gw is not None else None,
        "inputGrads": [enc(t.grad) for t in inputs],
        "paramGrads": {n: enc(p.grad) for n, p in m.named_parameters()},
    })


case("self-attention", 8, 2, 5, 5, 3)
case("batch first", 8, 4, 4, 4, 2, batch_first=True)
case("cross-attention", 6, 3, 3, 5, 2, self_attn=False)
case("no bias", 4, 1, 3, 3, 2, bias=False)
case("bool attn mask", 8, 2, 4, 4, 2, attn_mask="bool")
case("causal mask", 8, 2, 5, 5, 2, attn_mask="causal", batch_first=True)
case("float attn mask", 4, 2, 3, 6, 2, self_attn=False, attn_mask="float")
case("key padding", 8, 2, 4, 4, 3, key_padding=True)
case("weights per head", 8, 2, 3, 3, 2, average=False)
case("no weights", 8, 4, 3, 3, 2, need_weights=False)

path = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "attention.json")
with open(path, "w") as f:
    json.dump({"torch": torch.__version__, "cases": CASES}, f)
print(f"wrote {path}: {len(CASES)} cases")
