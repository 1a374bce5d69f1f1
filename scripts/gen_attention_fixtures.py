#!/usr/bin/python3
"""nn.MultiheadAttention and F.scaledDotProductAttention against PyTorch 1.13: writes
test/fixtures/attention.json.

Each case: a seeded torch.nn.MultiheadAttention (its state dict under PyTorch's keys), inputs,
the forward's output and weights, and the gradients of (out * G).sum() + (weights * Gw).sum()
for the inputs and every parameter. test/attention.test.ts loads the state dict into
tg.nn.MultiheadAttention and compares. Run with the system python that has torch:

    /usr/bin/python3 scripts/gen_attention_fixtures.py
"""
import json
import math
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


# ---- F.scaledDotProductAttention (PyTorch 2's F.scaled_dot_product_attention, which 1.13 lacks)
# composed the way a 1.13 user writes it: q @ kᵀ * scale, masked_fill(-inf) (a bool mask's
# false or the causal triangle) or + a float mask, softmax, @ v. Sizes straddle the fused
# kernel's 64-row blocks (L, S = 1, 3, 17, 65, 130); a query whose keys are all masked gives
# NaN there, in the output and (through the weights) in the gradients. test/attention.test.ts
# checks that these run the fused kernel.

def num(v):
    # 9 significant digits round-trip a float32 (test/helpers/fixtures.ts reads it back with fround).
    return float("%.9g" % v) if math.isfinite(v) else ("nan" if math.isnan(v) else ("inf" if v > 0 else "-inf"))


def enc_num(t):
    t = t.detach()
    if t.dtype == torch.bool:
        return enc(t)
    return {"shape": list(t.shape), "dtype": "float32", "data": [num(float(v)) for v in t.flatten().tolist()]}


def sdpa_ref(q, k, v, mask=None, causal=False, scale=None):
    scale = scale if scale is not None else 1 / math.sqrt(q.shape[-1])
    s = q @ k.transpose(-2, -1) * scale
    if causal:
        s = s.masked_fill(~torch.ones(q.shape[-2], k.shape[-2]).tril().bool(), float("-inf"))
    if mask is not None:
        s = s.masked_fill(~mask, float("-inf")) if mask.dtype == torch.bool else s + mask
    return torch.softmax(s, -1) @ v


SDPA = []


def sdpa_case(name, qs, ks, vs, causal=False, mask=None, scale=None, heads_last=False):
    """qs, ks, vs: the shapes of q, k, v. heads_last: q, k, v are made as [B, L, H, E] and viewed
    as [B, H, L, E] by transpose(1, 2) (the layout of a projection split into heads)."""
    torch.manual_seed(zlib.crc32(name.encode()))
    def leaf(shape):
        if heads_last:
            b, h, l, e = shape
            return torch.randn(b, l, h, e, requires_grad=True)
        return torch.randn(shape, requires_grad=True)
    leaves = [leaf(s) for s in (qs, ks, vs)]
    q, k, v = (x.transpose(1, 2) if heads_last else x for x in leaves)
    out = sdpa_ref(q, k, v, mask, causal, scale)
    G = torch.randn(out.shape)
    (out * G).sum().backward()
    SDPA.append({
        "name": name, "isCausal": causal, "scale": scale, "headsLast": heads_last,
        "inputs": [enc_num(x) for x in leaves], "attnMask": enc_num(mask) if mask is not None else None,
        "out": enc_num(out), "G": enc_num(G), "grads": [enc_num(x.grad) for x in leaves],
    })


def bool_mask(shape, p=0.3, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(shape, generator=g) >= p


sdpa_case("causal 17", (2, 3, 17, 8), (2, 3, 17, 8), (2, 3, 17, 8), causal=True)
sdpa_case("causal 65, E != Ev", (1, 1, 65, 16), (1, 1, 65, 16), (1, 1, 65, 24), causal=True)
sdpa_case("causal 130", (1, 1, 130, 8), (1, 1, 130, 8), (1, 1, 130, 8), causal=True)
sdpa_case("causal L 65 < S 130", (2, 1, 65, 8), (2, 1, 130, 8), (2, 1, 130, 4), causal=True)
sdpa_case("causal L 130 > S 65", (1, 2, 130, 8), (1, 2, 65, 8), (1, 2, 65, 8), causal=True)
sdpa_case("causal L 1", (2, 2, 1, 8), (2, 2, 1, 8), (2, 2, 1, 8), causal=True)
sdpa_case("L 1, S 3", (2, 1, 4), (2, 3, 4), (2, 3, 4))
sdpa_case("L 3, S 17, E 5, Ev 7", (3, 3, 5), (3, 17, 5), (3, 17, 7))
sdpa_case("L 130, S 65, E 64, Ev 16", (1, 1, 130, 64), (1, 1, 65, 64), (1, 1, 65, 16))
sdpa_case("L 65, S 130", (2, 65, 8), (2, 130, 8), (2, 130, 8))
sdpa_case("2-D", (5, 4), (6, 4), (6, 3))
sdpa_case("scale 0.3", (2, 17, 8), (2, 17, 8), (2, 17, 8), scale=0.3)
sdpa_case("negative scale, causal", (1, 2, 17, 8), (1, 2, 17, 8), (1, 2, 17, 8), causal=True, scale=-0.5)
sdpa_case("heads from a transposed projection", (2, 3, 17, 8), (2, 3, 17, 8), (2, 3, 17, 8), heads_last=True, causal=True)
sdpa_case("broadcast key and value batch", (2, 3, 9, 8), (1, 3, 12, 8), (1, 3, 12, 8))
sdpa_case("bool mask [L, S]", (2, 2, 17, 8), (2, 2, 70, 8), (2, 2, 70, 8), mask=bool_mask((17, 70), seed=1) | (torch.arange(70) == 0))
sdpa_case("bool mask [B, 1, L, S]", (2, 2, 65, 8), (2, 2, 66, 8), (2, 2, 66, 8), mask=bool_mask((2, 1, 65, 66), seed=2) | (torch.arange(66) == 65))
m = bool_mask((2, 5, 7), seed=3) | (torch.arange(7) == 3)
m[1, 2] = False  # a query with every key masked: NaN
sdpa_case("bool mask, a row all masked", (2, 5, 4), (2, 7, 4), (2, 7, 3), mask=m)
fm = torch.randn(3, 17, 70, generator=torch.Generator().manual_seed(4))
fm[:, :, 5] = float("-inf")
sdpa_case("float mask [H, L, S] with -inf", (1, 3, 17, 8), (1, 3, 70, 8), (1, 3, 70, 8), mask=fm)
sdpa_case("float mask [L, S]", (3, 4), (5, 4), (5, 2), mask=torch.randn(3, 5, generator=torch.Generator().manual_seed(5)))

path = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "attention.json")
with open(path, "w") as f:
    json.dump({"torch": torch.__version__, "cases": CASES, "sdpa": SDPA}, f, allow_nan=False)
print(f"wrote {path}: {len(CASES)} MultiheadAttention cases, {len(SDPA)} scaledDotProductAttention cases")
