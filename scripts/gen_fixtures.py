#!/usr/bin/python3
"""Generates PyTorch reference fixtures for tensorgrad's op tests.

Run with the system interpreter, which has PyTorch 1.13:

    /usr/bin/python3 scripts/gen_fixtures.py

Writes test/fixtures/ops.json, read by test/ops.fixtures.test.ts (forward values and the
gradients of (out * G).sum()) and test/gradcheck.test.ts (Hessian-vector products).

Each case describes its call in a small JSON expression language that both this script and the
TypeScript test interpret, so the two sides evaluate literally the same expression:

    {"t": i}                               input tensor i
    {"m": name, "self": e, "args": [...]}  method call e.name(...args)
    {"f": name, "args": [...]}             free function tg.name(...args)
    {"get": "values" | "indices", "of": e} a field of max(dim)/min(dim)'s result (or .T)
    {"at": i, "of": e}                     element i of a list result (split, chunk)
    {"num": "nan" | "inf" | "-inf"}        a non-finite scalar argument
    {"opts": {...}}                        an options argument ({alpha} for add/sub)

Other arguments (numbers, null, booleans) are passed as they are; arrays are passed as arrays
of their evaluated elements (a list of dims, or the tensors of tg.cat / tg.stack).
A result may be a list of tensors (split, chunk): every element is an output, and the backward
is of sum_k (out_k * G_k).sum() over the outputs that require grad ("Gs").
Method names are the tensorgrad (camelCase) names; CALLS below maps them to torch.

Determinism: every case seeds torch's generator with a CRC of its (unique) name before drawing
its inputs and G, so adding or removing a case does not change the data of the others. Inputs
are drawn in float32 by torch; the TypeScript side has no randomness.

Contract adaptations (tensorgrad's dtypes are float32, int32 and bool): int64 results of torch
(indices, argmax, sums of ints) are written as int32, and index inputs are int32.
Non-finite numbers are written as the strings "nan", "inf" and "-inf".
"""
import json
import math
import os
import sys
import warnings
import zlib

import numpy as np
import torch
import torch.nn.functional as F

assert torch.__version__.startswith("1.13"), torch.__version__
# x.T on a tensor that is not 2-D reverses its dims, as tensorgrad's T does; 1.13 warns.
warnings.filterwarnings("ignore", message="The use of `x.T`")
torch.set_num_threads(1)  # deterministic reduction order on the reference side

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "test", "fixtures", "ops.json")

# ---- the expression language ------------------------------------------------------------


class X:
    """Builder for expressions: T(0).exp().sum(1) records {"m": "sum", ...}."""

    def __init__(self, d):
        self.d = d

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)

        def call(*args, **opts):
            a = [enc(v) for v in args]
            if opts:
                a.append({"opts": opts})
            return X({"m": name, "self": self.d, "args": a})

        return call

    def get(self, key):
        return X({"get": key, "of": self.d})

    def at(self, i):
        return X({"at": i, "of": self.d})


def enc(v):
    if isinstance(v, X):
        return v.d
    if isinstance(v, (list, tuple)):
        return [enc(e) for e in v]
    if isinstance(v, float) and not math.isfinite(v):
        return {"num": "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")}
    return v


def T(i):
    return X({"t": i})


def Fn(name, *args, **opts):
    a = [enc(v) for v in args]
    if opts:
        # An option may be a tensor expression (attnMask=y): encoded, and evaluated on both sides.
        a.append({"opts": {k: enc(v) for k, v in opts.items()}})
    return X({"f": name, "args": a})


def _slice(x, dim, start=None, end=None, step=1):
    return x[(slice(None),) * (dim % x.dim()) + (slice(start, end, step),)]


def _sum(x, dim=None, keepdim=False):
    if dim is None:
        return x.sum(dim=tuple(range(x.dim())), keepdim=True) if keepdim else x.sum()
    return x.sum(dim=dim, keepdim=keepdim)


def _mean(x, dim=None, keepdim=False):
    if dim is None:
        return x.mean(dim=tuple(range(x.dim())), keepdim=True) if keepdim else x.mean()
    return x.mean(dim=dim, keepdim=keepdim)


def _extreme(fn):
    def f(x, dim=None, keepdim=False):
        return fn(x) if dim is None else fn(x, dim, keepdim)

    return f


def _any_all(fn, x, dim, keepdim):
    # torch.any/all take one dim; over several (or all, keepdim) reduce one dim at a time.
    if dim is None:
        dim = list(range(x.dim())) if keepdim else None
    if dim is None:
        return fn(x)
    for d in sorted([dim] if isinstance(dim, int) else dim, key=lambda d: -(d % max(x.dim(), 1))):
        x = fn(x, d, keepdim=True)
    if not keepdim:
        dims = [dim] if isinstance(dim, int) else dim
        keep = [s for i, s in enumerate(x.shape) if i not in {d % max(x.dim(), 1) for d in dims}]
        x = x.reshape(keep)
    return x


def _sdpa(q, k, v, opts=None):
    # PyTorch 2's F.scaled_dot_product_attention, which 1.13 lacks, by its definition.
    o = opts or {}
    scale = o.get("scale") or 1 / math.sqrt(q.shape[-1])
    s = q @ k.transpose(-2, -1) * scale
    if o.get("isCausal"):
        s = s.masked_fill(~torch.ones(q.shape[-2], k.shape[-2]).tril().bool(), float("-inf"))
    m = o.get("attnMask")
    if m is not None:
        s = s.masked_fill(~m, float("-inf")) if m.dtype == torch.bool else s + m
    return torch.softmax(s, -1) @ v


def _torch_opts(opts):
    # tensorgrad's camelCase options as torch's keyword arguments (lists as tuples).
    names = {"ceilMode": "ceil_mode", "countIncludePad": "count_include_pad", "divisorOverride": "divisor_override"}
    return {names.get(k, k): tuple(v) if isinstance(v, list) else v for k, v in (opts or {}).items()}


def _loss_opts(opts):
    # tensorgrad's loss options as torch's keyword arguments.
    names = {"ignoreIndex": "ignore_index", "labelSmoothing": "label_smoothing"}
    return {names.get(k, k): v for k, v in (opts or {}).items()}


def _as_tensor_like(x, v):
    # tensorgrad's maximum/minimum take a JS number; torch's need a tensor (0-d keeps dtype rules).
    return v if isinstance(v, torch.Tensor) else torch.tensor(v)


DTYPES = {"float32": torch.float32, "int32": torch.int32, "bool": torch.bool}

# tensorgrad method name -> torch implementation (self first).
CALLS = {
    "add": lambda x, y, opts=None: torch.add(x, y, **(opts or {})),
    "sub": lambda x, y, opts=None: torch.sub(x, y, **(opts or {})),
    "mul": lambda x, y: x * y,
    "div": lambda x, y: x / y,
    "pow": lambda x, y: torch.pow(x, y),
    "maximum": lambda x, y: torch.maximum(x, _as_tensor_like(x, y)),
    "minimum": lambda x, y: torch.minimum(x, _as_tensor_like(x, y)),
    "neg": torch.neg,
    "abs": torch.abs,
    "exp": torch.exp,
    "log": torch.log,
    "log2": torch.log2,
    "floor": torch.floor,
    "ceil": torch.ceil,
    "round": torch.round,
    "trunc": torch.trunc,
    "sqrt": torch.sqrt,
    "rsqrt": torch.rsqrt,
    "square": torch.square,
    "reciprocal": torch.reciprocal,
    "sin": torch.sin,
    "cos": torch.cos,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "relu": torch.relu,
    "leakyRelu": lambda x, s=0.01: F.leaky_relu(x, s),
    "gelu": F.gelu,
    "softplus": F.softplus,
    "sign": torch.sign,
    "clamp": lambda x, lo=None, hi=None: torch.clamp(x, lo, hi),
    "where": lambda x, cond, other: torch.where(cond, x, other),
    "eq": torch.eq,
    "ne": torch.ne,
    "lt": torch.lt,
    "le": torch.le,
    "gt": torch.gt,
    "ge": torch.ge,
    "sum": _sum,
    "mean": _mean,
    "max": _extreme(torch.max),
    "min": _extreme(torch.min),
    "argmax": lambda x, dim=None, keepdim=False: torch.argmax(x, dim, keepdim),
    "argmin": lambda x, dim=None, keepdim=False: torch.argmin(x, dim, keepdim),
    "matmul": torch.matmul,
    "mm": torch.mm,
    "bmm": torch.bmm,
    "dot": torch.dot,
    "outer": torch.outer,
    "t": torch.t,
    "reshape": lambda x, *s: x.reshape(*s),
    "view": lambda x, *s: x.view(*s),
    "flatten": lambda x, s=0, e=-1: torch.flatten(x, s, e),
    "transpose": torch.transpose,
    "permute": lambda x, *d: x.permute(*d),
    "squeeze": lambda x, d=None: x.squeeze() if d is None else x.squeeze(d) if isinstance(d, int) else _squeeze_dims(x, d),
    "unsqueeze": torch.unsqueeze,
    "expand": lambda x, *s: x.expand(*s),
    "narrow": torch.narrow,
    "slice": _slice,
    "select": torch.select,
    # An N-D index (tensorgrad's extension): PyTorch's x[..., index, ...] along d.
    "indexSelect": lambda x, d, i: torch.index_select(x, d, i.long()) if i.dim() <= 1 else torch.index_select(x, d, i.long().flatten()).reshape(x.shape[:d % x.dim()] + i.shape + x.shape[d % x.dim() + 1:]),
    "tril": lambda x, k=0: torch.tril(x, k),
    "F.groupNorm": lambda x, g, w=None, b=None, eps=1e-5: F.group_norm(x, g, w, b, eps),
    "F.pad": lambda x, p, mode="constant", value=0.0: F.pad(x, p, mode, value),
    "F.conv2d": lambda x, w, b=None, opts=None: F.conv2d(x, w, b, **_torch_opts(opts)),
    "F.conv1d": lambda x, w, b=None, opts=None: F.conv1d(x, w, b, **_torch_opts(opts)),
    "F.maxPool2d": lambda x, k, opts=None: F.max_pool2d(x, k, **_torch_opts(opts)),
    "F.avgPool2d": lambda x, k, opts=None: F.avg_pool2d(x, k, **_torch_opts(opts)),
    "F.adaptiveAvgPool2d": lambda x, size: F.adaptive_avg_pool2d(x, size),
    "remainder": lambda x, y: torch.remainder(x, y),
    "floorDivide": lambda x, y: torch.floor_divide(x, y),
    "F.scaledDotProductAttention": _sdpa,
    "scatterAdd": lambda x, d, i, s: torch.scatter_add(x, d, i.long(), s),
    "indexAdd": lambda x, d, i, s, opts=None: torch.index_add(x, d, i.long(), s, alpha=(opts or {}).get("alpha", 1)),
    "F.layerNorm": lambda x, shape, w=None, b=None, eps=1e-5: F.layer_norm(x, shape if isinstance(shape, list) else [shape], w, b, eps),
    "F.embedding": lambda i, w, pad=None: F.embedding(i.long(), w, pad),
    "triu": lambda x, k=0: torch.triu(x, k),
    "maskedFill": lambda x, m, v: x.masked_fill(m, v),
    "maskedSelect": lambda x, m: torch.masked_select(x, m),
    "any": lambda x, dim=None, keepdim=False: _any_all(torch.any, x, dim, keepdim),
    "all": lambda x, dim=None, keepdim=False: _any_all(torch.all, x, dim, keepdim),
    "norm": lambda x, p=2, dim=None, keepdim=False: torch.norm(x, p, _dimarg(dim), keepdim),
    "expandAs": lambda x, o: x.expand_as(o),
    "to": lambda x, d: x.to(DTYPES[d]),
    "float": lambda x: x.float(),
    "int": lambda x: x.int(),
    "bool": lambda x: x.bool(),
    "contiguous": lambda x: x.contiguous(),
    "clone": torch.clone,
    # ---- the tensor surface added with cat/stack/split/chunk/gather/oneHot/var/std/prod/
    # logsumexp/softmax/logSoftmax.
    "var": lambda x, dim=None, keepdim=False, opts=None: torch.var(x, _dimarg(dim), correction=_correction(opts), keepdim=keepdim),
    "std": lambda x, dim=None, keepdim=False, opts=None: torch.std(x, _dimarg(dim), correction=_correction(opts), keepdim=keepdim),
    "prod": lambda x, dim=None, keepdim=False: _prod(x, dim, keepdim),
    "logsumexp": lambda x, dim, keepdim=False: torch.logsumexp(x, _dimarg(dim), keepdim),
    "softmax": lambda x, dim: torch.softmax(x, dim),
    "logSoftmax": lambda x, dim: torch.log_softmax(x, dim),
    "cat": lambda ts, dim=0: torch.cat(ts, dim),
    "stack": lambda ts, dim=0: torch.stack(ts, dim),
    "split": lambda x, s, dim=0: list(torch.split(x, s, dim)),
    "chunk": lambda x, n, dim=0: list(torch.chunk(x, n, dim)),
    # int32 indices become torch's int64; any other dtype reaches torch as it is (and fails).
    "gather": lambda x, d, i: torch.gather(x, d, i.long() if i.dtype == torch.int32 else i),
    "oneHot": lambda labels, n=-1: F.one_hot(labels.long() if labels.dtype == torch.int32 else labels, n),
    # ---- scans and sorting (src/ops/sorting.ts); ties sort stably on both sides.
    "cumsum": lambda x, dim: torch.cumsum(x, dim),
    "cumprod": lambda x, dim: torch.cumprod(x, dim),
    "scatter": lambda x, d, i, s, opts=None: x.scatter(d, i.long(), s, **(opts or {})),
    "scatter_": lambda x, d, i, s, opts=None: x.scatter_(d, i.long(), s, **(opts or {})),
    "F.crossEntropy": lambda x, t, opts=None: F.cross_entropy(x, t.long() if t.dtype == torch.int32 else t, **_loss_opts(opts)),
    "F.nllLoss": lambda x, t, opts=None: F.nll_loss(x, t.long(), **_loss_opts(opts)),
    "F.unfold": lambda x, k, opts=None: F.unfold(x, tuple(k) if isinstance(k, list) else k, **_torch_opts(opts)),
    "F.fold": lambda x, o, k, opts=None: F.fold(x, tuple(o) if isinstance(o, list) else o, tuple(k) if isinstance(k, list) else k, **_torch_opts(opts)),
    "sort": lambda x, dim=-1, descending=False: torch.sort(x, dim=dim, descending=descending, stable=True),
    "argsort": lambda x, dim=-1, descending=False: torch.sort(x, dim=dim, descending=descending, stable=True).indices,
    "topk": lambda x, k, dim=-1, largest=True, sorted=True: torch.topk(x, k, dim, largest, sorted),
    "multinomial": lambda p, n, opts=None: torch.multinomial(p, n, **(opts or {})),
}


def _squeeze_dims(x, dims):
    # squeeze with a list of dims (torch >= 2.0): each listed dim of size 1 goes.
    n = x.dim()
    lo, hi = (-1, 0) if n == 0 else (-n, n - 1)
    for d in dims:
        if not lo <= d <= hi:
            raise IndexError(f"Dimension out of range (expected to be in range of [{lo}, {hi}], but got {d})")
    for d in sorted({d % max(n, 1) for d in dims}, reverse=True):
        x = x.squeeze(d)
    return x


def _dimarg(dim):
    return tuple(dim) if isinstance(dim, list) else dim


def _correction(opts):
    # tensorgrad's VarOptions: {correction} wins over {unbiased}; the default is Bessel's (1).
    opts = opts or {}
    if "correction" in opts:
        return opts["correction"]
    return 0 if opts.get("unbiased") is False else 1


def _prod(x, dim=None, keepdim=False):
    # torch 1.13's prod takes one dim; a list of dims is a product over each in turn (keepdim,
    # so the other dims keep their positions), then the reduced dims are squeezed.
    if dim is None:
        r = torch.prod(x)
        return r.reshape([1] * x.dim()) if keepdim else r
    if isinstance(dim, int):
        return torch.prod(x, dim, keepdim)
    if x.dim() == 0:
        return torch.prod(x)
    dims = sorted({d % x.dim() for d in dim}, reverse=True)
    for d in dims:
        x = torch.prod(x, d, keepdim=True)
    if not keepdim:
        for d in dims:
            x = x.squeeze(d)
    return x

# Free functions whose first argument may be a JS number (tg.pow(2, t), tg.sub(2, t), ...).
FREE = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": torch.pow,
    "where": torch.where,
    "remainder": lambda a, b: torch.remainder(torch.tensor(a), b) if not isinstance(a, torch.Tensor) else torch.remainder(a, b),
}


def eval_arg(a, ins):
    if isinstance(a, list):
        return [eval_arg(v, ins) for v in a]
    if isinstance(a, dict) and "num" in a:
        return float(a["num"])
    if isinstance(a, dict) and "opts" in a:
        return {k: eval_arg(v, ins) if isinstance(v, dict) else v for k, v in a["opts"].items()}
    if isinstance(a, dict):
        return evaluate(a, ins)
    return a


def evaluate(e, ins):
    if "t" in e:
        return ins[e["t"]]
    if "get" in e:
        r = evaluate(e["of"], ins)
        return getattr(r, e["get"])
    if "at" in e:
        return evaluate(e["of"], ins)[e["at"]]
    args = [eval_arg(a, ins) for a in e["args"]]
    if "m" in e:
        return CALLS[e["m"]](evaluate(e["self"], ins), *args)
    if e["f"] in FREE:
        return FREE[e["f"]](*args)
    return CALLS[e["f"]](*args)


# ---- input specs (drawn lazily, after the case's seed is set) ----------------------------


def rn(*shape, rg=True, scale=1.0):
    """Standard normal."""
    return lambda: (torch.randn(shape) * scale, rg)


def un(*shape, lo=-1.0, hi=1.0, rg=True):
    """Uniform in [lo, hi)."""
    return lambda: (torch.rand(shape) * (hi - lo) + lo, rg)


def pos(*shape, lo=0.5, hi=2.0, rg=True):
    """Positive, away from 0 (log, sqrt, rsqrt, fractional powers)."""
    return un(*shape, lo=lo, hi=hi, rg=rg)


def away(*shape, lo=0.3, hi=2.0, rg=True):
    """Random sign, magnitude in [lo, hi): away from the kink at 0 (abs, relu, sign, ...)."""

    def draw():
        mag = torch.rand(shape) * (hi - lo) + lo
        sgn = torch.where(torch.rand(shape) < 0.5, -1.0, 1.0)
        return (mag * sgn, rg)

    return draw


def intf(*shape, lo=-3, hi=4, rg=True):
    """Small integers as float32: produces ties and values exactly on bounds."""
    return lambda: (torch.randint(lo, hi, shape).float(), rg)


def ints(*shape, lo=-5, hi=6):
    return lambda: (torch.randint(lo, hi, shape).to(torch.int32), False)


def boolm(*shape):
    return lambda: (torch.rand(shape) < 0.5, False)


def lit(values, shape=None, dtype=torch.float32, rg=True):
    def draw():
        t = torch.tensor(values, dtype=dtype)
        return (t.reshape(shape) if shape is not None else t, rg and dtype == torch.float32)

    return draw


def idx(values):
    return lit(values, dtype=torch.int32, rg=False)


# ---- encoding -----------------------------------------------------------------------------


def enc_float(v):
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    # Shortest decimal that round-trips through float32 (e.g. 0.1, not 0.10000000149011612):
    # Math.fround / Float32Array on the JS side recovers the exact float32.
    return float(str(np.float32(v)))


def dtype_name(t):
    if t.dtype == torch.bool:
        return "bool"
    if t.dtype in (torch.int32, torch.int64):
        return "int32"
    assert t.dtype == torch.float32, t.dtype
    return "float32"


def enc_tensor(t):
    t = t.detach().contiguous()
    d = dtype_name(t)
    flat = t.reshape(-1).tolist()
    if d == "float32":
        data = [enc_float(v) for v in flat]
    elif d == "int32":
        assert all(-(2**31) <= v < 2**31 for v in flat)
        data = [int(v) for v in flat]
    else:
        data = [1 if v else 0 for v in flat]
    return {"shape": list(t.shape), "dtype": d, "data": data}


# ---- cases --------------------------------------------------------------------------------

CASES = []
HVP = []
NAMES = set()

# Cases where tensorgrad does not match PyTorch yet (reported; src/ is being fixed). "grad": the
# forward matches, so the case is written without its gradient; "all": the case is left out.
# Delete a line here when the fix lands, and regenerate.
PENDING = {}


def seed_for(name):
    assert name not in NAMES, f"duplicate case name {name}"
    NAMES.add(name)
    torch.manual_seed(zlib.crc32(name.encode()))


def leaves_of(specs):
    drawn = [s() for s in specs]
    leaves = []
    for t, rg in drawn:
        t = t.detach().clone()
        if rg and t.dtype == torch.float32:
            t.requires_grad_(True)
        leaves.append(t)
    return leaves


def case(name, op, family, expr, specs, grad=True):
    """One forward (+ backward of (out * G).sum()) fixture."""
    seed_for(name)
    if PENDING.get(name) == "all":
        return
    if PENDING.get(name) == "grad":
        grad = False
    leaves = leaves_of(specs)
    out = evaluate(expr.d, leaves)
    is_list = isinstance(out, list)  # split / chunk
    outs = out if is_list else [out.values, out.indices] if isinstance(out, tuple) else [out]
    c = {
        "name": name,
        "op": op,
        "family": family,
        "expr": expr.d,
        "inputs": [dict(enc_tensor(t), requiresGrad=t.requires_grad) for t in leaves],
        "outputs": [enc_tensor(o) for o in outs],
        # Whether torch's first output requires grad: tensorgrad must agree (bool/int results,
        # indices and ops on non-grad inputs do not).
        "outRequiresGrad": outs[0].requires_grad,
    }
    if grad and is_list and any(o.requires_grad for o in outs):
        # Every piece gets its own G; the loss is the sum over the pieces.
        Gs = [torch.randn(o.shape) if o.requires_grad else None for o in outs]
        sum((o * G).sum() for o, G in zip(outs, Gs) if G is not None).backward()
        c["Gs"] = [enc_tensor(G) if G is not None else None for G in Gs]
        c["grads"] = [enc_tensor(t.grad) if t.grad is not None else None for t in leaves if t.requires_grad]
    elif grad and not is_list and outs[0].requires_grad:
        G = torch.randn(outs[0].shape)
        (outs[0] * G).sum().backward()
        c["G"] = enc_tensor(G)
        c["grads"] = [enc_tensor(t.grad) if t.grad is not None else None for t in leaves if t.requires_grad]
    CASES.append(c)


ERRORS = []


def err(name, op, expr, specs):
    """A call PyTorch rejects: tensorgrad must throw too, a TypeError or RangeError whose message
    starts with "<op>:". Records torch's message for reference."""
    seed_for("error " + name)
    if PENDING.get("error " + name) == "all":
        return
    leaves = leaves_of(specs)
    try:
        evaluate(expr.d, leaves)
    except (RuntimeError, IndexError, TypeError, ValueError) as e:
        msg = str(e).split("\n")[0]
    else:
        raise AssertionError(f"error case {name!r}: torch did not raise")
    ERRORS.append(
        {
            "name": name,
            "op": op,
            "expr": expr.d,
            "inputs": [dict(enc_tensor(t), requiresGrad=t.requires_grad) for t in leaves],
            "torchError": msg,
        }
    )


def hvp(name, op, expr, specs):
    """Second derivative fixture: with L = (out * G).sum(), g_i = dL/dx_i (create_graph), and
    S = sum_i (g_i * V_i).sum(), records dS/dx_j for every input (a Hessian-vector product)."""
    seed_for("hvp " + name)
    if PENDING.get("hvp " + name) == "all":
        return
    leaves = leaves_of(specs)
    xs = [t for t in leaves if t.requires_grad]
    out = evaluate(expr.d, leaves)
    G = torch.randn(out.shape)
    gs = torch.autograd.grad((out * G).sum(), xs, create_graph=True)
    V = [torch.randn(x.shape) for x in xs]
    S = sum((g * v).sum() for g, v in zip(gs, V))
    hs = torch.autograd.grad(S, xs, allow_unused=True)
    HVP.append(
        {
            "name": name,
            "op": op,
            "expr": expr.d,
            "inputs": [dict(enc_tensor(t), requiresGrad=t.requires_grad) for t in leaves],
            "G": enc_tensor(G),
            "V": [enc_tensor(v) for v in V],
            "grads": [enc_tensor(g) for g in gs],
            "hvp": [enc_tensor(h) if h is not None else None for h in hs],
        }
    )


x, y, c = T(0), T(1), T(2)

# ---- elementwise unary ------------------------------------------------------------------

# (op, family, input spec maker for a given shape, extra method args)
UNARY = [
    ("neg", "exact", rn, ()),
    ("abs", "exact", away, ()),
    ("sign", "exact", away, ()),
    ("relu", "exact", away, ()),
    ("leakyRelu", "arith", away, ()),
    ("square", "arith", rn, ()),
    ("reciprocal", "arith", away, ()),
    ("exp", "transcendental", lambda *s, **k: un(*s, lo=-3, hi=3, **k), ()),
    ("log", "transcendental", lambda *s, **k: pos(*s, lo=0.1, hi=5, **k), ()),
    ("log2", "transcendental", lambda *s, **k: pos(*s, lo=0.1, hi=5, **k), ()),
    ("floor", "exact", lambda *s, **k: un(*s, lo=-4, hi=4, **k), ()),
    ("ceil", "exact", lambda *s, **k: un(*s, lo=-4, hi=4, **k), ()),
    ("round", "exact", lambda *s, **k: un(*s, lo=-4, hi=4, **k), ()),
    ("trunc", "exact", lambda *s, **k: un(*s, lo=-4, hi=4, **k), ()),
    ("sqrt", "transcendental", lambda *s, **k: pos(*s, lo=0.1, hi=5, **k), ()),
    ("rsqrt", "transcendental", lambda *s, **k: pos(*s, lo=0.1, hi=5, **k), ()),
    ("sin", "transcendental", lambda *s, **k: un(*s, lo=-4, hi=4, **k), ()),
    ("cos", "transcendental", lambda *s, **k: un(*s, lo=-4, hi=4, **k), ()),
    ("tanh", "transcendental", lambda *s, **k: un(*s, lo=-3, hi=3, **k), ()),
    ("sigmoid", "transcendental", lambda *s, **k: un(*s, lo=-6, hi=6, **k), ()),
    ("gelu", "transcendental", lambda *s, **k: un(*s, lo=-4, hi=4, **k), ()),
    ("softplus", "transcendental", lambda *s, **k: un(*s, lo=-6, hi=6, **k), ()),
]

SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 1e-30, -1e-30, 20.0, 21.0, -20.0, 88.0, -88.0, 100.0, -100.0,
           3e38, -3e38, float("inf"), float("-inf")]

for op, fam, spec, extra in UNARY:
    case(f"{op} [17]", op, fam, getattr(x, op)(*extra), [spec(17)])
    case(f"{op} [7,17]", op, fam, getattr(x, op)(*extra), [spec(7, 17)])
    case(f"{op} 0-d", op, fam, getattr(x, op)(*extra), [spec()])
    case(f"{op} [0,3]", op, fam, getattr(x, op)(*extra), [spec(0, 3)])
    # Non-contiguous operands: a transpose and a stride-2 slice of the leaf.
    case(f"{op} [5,3].t()", op, fam, getattr(x.t(), op)(*extra), [spec(5, 3)])
    case(f"{op} [4,10] slice(1,0,,2)", op, fam, getattr(x.slice(1, 0, None, 2), op)(*extra), [spec(4, 10)])
    # Special values (zeros, huge, subnormal-producing, non-finite), forward and backward.
    case(f"{op} special values", op, "special", getattr(x, op)(*extra), [lit(SPECIAL)])
    # NaN on its own, so a NaN-convention mismatch does not mask the other special values.
    case(f"{op} nan", op, "special", getattr(x, op)(*extra), [lit([float("nan"), 1.0])])

case("leakyRelu slope 0.2", "leakyRelu", "arith", x.leakyRelu(0.2), [away(17)])
case("leakyRelu slope 0.2 at 0", "leakyRelu", "arith", x.leakyRelu(0.2), [lit([0.0, -0.0, 1.0, -1.0])])
case("softplus large/threshold", "softplus", "transcendental", x.softplus(), [un(33, lo=-30, hi=30)])
case("gelu wide range", "gelu", "transcendental", x.gelu(), [un(67, lo=-10, hi=10)])
case("exp wide range", "exp", "transcendental", x.exp(), [un(67, lo=-80, hi=80)])
case("sigmoid wide range", "sigmoid", "transcendental", x.sigmoid(), [un(67, lo=-30, hi=30)])
case("tanh wide range", "tanh", "transcendental", x.tanh(), [un(67, lo=-12, hi=12)])
case("log wide range", "log", "transcendental", x.log(), [un(67, lo=1e-6, hi=1e6)])
case("log2 wide range", "log2", "transcendental", x.log2(), [un(67, lo=1e-6, hi=1e6)])
case("log2 special values: powers of two", "log2", "transcendental", x.log2(), [lit([0.125, 0.5, 1.0, 2.0, 1024.0, 2.0 ** -126, 2.0 ** 100])])
case("sin wide range", "sin", "transcendental", x.sin(), [un(67, lo=-100, hi=100)])
case("cos wide range", "cos", "transcendental", x.cos(), [un(67, lo=-100, hi=100)])
# Kinks at exactly 0: PyTorch's conventions are sign(0) = 0 (abs grad 0), relu grad 0 at 0,
# leaky_relu grad = slope at 0.
for op in ["abs", "relu", "leakyRelu", "sign"]:
    case(f"{op} at 0", op, "exact" if op != "leakyRelu" else "arith", getattr(x, op)(), [lit([0.0, -0.0, 2.0, -2.0])])
# Free-function forms.
case("tg.exp(x)", "exp", "transcendental", Fn("exp", x), [un(9, lo=-2, hi=2)])
case("tg.log2(x)", "log2", "transcendental", Fn("log2", x), [pos(9)])
case("tg.relu(x)", "relu", "exact", Fn("relu", x), [away(9)])
# int32 inputs: neg/abs/sign/relu/square keep int32 (PyTorch); float functions promote to float32.
for op in ["neg", "abs", "sign", "relu", "square"]:
    case(f"{op} int32", op, "int32", getattr(x, op)(), [ints(11)])
for op in ["exp", "sqrt", "sigmoid", "log2"]:
    case(f"{op} int32 -> float32", op, "transcendental", getattr(x, op)(), [ints(11, lo=0, hi=6)])

# ---- elementwise binary -----------------------------------------------------------------

nz = away  # denominators away from 0
for op in ["add", "sub", "mul", "div"]:
    fam = "arith"
    rhs = nz if op == "div" else rn
    case(f"{op} [17]", op, fam, getattr(x, op)(y), [rn(17), rhs(17)])
    case(f"{op} [7,17]", op, fam, getattr(x, op)(y), [rn(7, 17), rhs(7, 17)])
    case(f"{op} bcast [3,1],[1,4]", op, fam, getattr(x, op)(y), [rn(3, 1), rhs(1, 4)])
    case(f"{op} bcast [4],[2,3,4]", op, fam, getattr(x, op)(y), [rn(4), rhs(2, 3, 4)])
    case(f"{op} bcast [2,3,4],[3,1]", op, fam, getattr(x, op)(y), [rn(2, 3, 4), rhs(3, 1)])
    case(f"{op} bcast [5,1,3],[4,1]", op, fam, getattr(x, op)(y), [rn(5, 1, 3), rhs(4, 1)])
    case(f"{op} 0-d,[3,4]", op, fam, getattr(x, op)(y), [rn(), rhs(3, 4)])
    case(f"{op} [3,4],0-d", op, fam, getattr(x, op)(y), [rn(3, 4), rhs()])
    case(f"{op} 0-d,0-d", op, fam, getattr(x, op)(y), [rn(), rhs()])
    case(f"{op} [0,3],[1,3]", op, fam, getattr(x, op)(y), [rn(0, 3), rhs(1, 3)])
    case(f"{op} [0,3],[3]", op, fam, getattr(x, op)(y), [rn(0, 3), rhs(3)])
    case(f"{op} t() operands", op, fam, getattr(x.t(), op)(y), [rn(5, 3), rhs(3, 5)])
    case(f"{op} both t()", op, fam, getattr(x.t(), op)(y.t()), [rn(5, 3), rhs(5, 3)])
    case(f"{op} slice step 2", op, fam, getattr(x.slice(1, 1, None, 2), op)(y), [rn(4, 9), rhs(4, 4)])
    case(f"{op} slice rhs, bcast", op, fam, getattr(x, op)(y.slice(0, 0, None, 3)), [rn(2, 3), rhs(9)])
    case(f"{op} same tensor twice", op, fam, getattr(x, op)(x), [nz(6)])
    for s in [2.5, -1.5, 4.0]:
        case(f"{op} scalar {s}", op, fam, getattr(x, op)(s), [rn(17)])
    case(f"{op} scalar 0-d", op, fam, getattr(x, op)(0.5), [rn()])
    case(f"{op} scalar t()", op, fam, getattr(x.t(), op)(0.5), [rn(5, 3)])
    # Number first: tg.sub(2, t) is 2 - t, tg.div(2, t) is 2 / t.
    case(f"tg.{op}(2.5, t)", op, fam, Fn(op, 2.5, x), [nz(17) if op == "div" else rn(17)])
    case(f"tg.{op}(t, u)", op, fam, Fn(op, x, y), [rn(3, 1), rhs(4)])
    # int32 paths: int32 op int32 stays int32 (div is true division: float32), int32 op float32
    # is float32, int32 op 2.5 is float32, int32 op 2 stays int32.
    if op != "div":
        case(f"{op} int32,int32", op, "int32", getattr(x, op)(y), [ints(3, 4), ints(4)])
        case(f"{op} int32,2", op, "int32", getattr(x, op)(2), [ints(7)])
    else:
        case(f"{op} int32,int32", op, "arith", getattr(x, op)(y), [ints(3, 4), ints(4, lo=1, hi=5)])
        case(f"{op} int32,2", op, "arith", getattr(x, op)(2), [ints(7)])
    case(f"{op} int32,float32", op, "arith", getattr(x, op)(y), [ints(3, 4), rhs(3, 4)])
    case(f"{op} float32,int32", op, "arith", getattr(x, op)(y), [rn(3, 4), ints(4, lo=1, hi=5)])
    case(f"{op} int32,2.5", op, "arith", getattr(x, op)(2.5), [ints(7)])

for op in ["add", "sub"]:
    case(f"{op} alpha 2", op, "arith", getattr(x, op)(y, alpha=2), [rn(3, 4), rn(4)])
    case(f"{op} alpha -0.5", op, "arith", getattr(x, op)(y, alpha=-0.5), [rn(3, 4), rn(3, 4)])

case("div special", "div", "special", x.div(y), [lit([1.0, -1.0, 0.0, 1.0, float("inf"), float("nan"), 0.0]),
                                                 lit([0.0, 0.0, 0.0, float("inf"), float("inf"), 1.0, -0.0])], grad=False)
case("mul special", "mul", "special", x.mul(y), [lit([0.0, float("inf"), float("nan"), -0.0, 3e38]),
                                                 lit([float("inf"), 0.0, 1.0, 5.0, 10.0])], grad=False)

# ---- pow --------------------------------------------------------------------------------

case("pow scalar 2", "pow", "pow", x.pow(2), [rn(17)])
case("pow scalar 3 negative base", "pow", "pow", x.pow(3), [rn(17)])
case("pow scalar 0.5", "pow", "pow", x.pow(0.5), [pos(17)])
case("pow scalar -1.5", "pow", "pow", x.pow(-1.5), [pos(17)])
case("pow scalar 2.5", "pow", "pow", x.pow(2.5), [pos(17)])
case("pow scalar 0", "pow", "pow", x.pow(0), [rn(7)])
case("pow scalar 1", "pow", "pow", x.pow(1), [rn(7)])
case("pow scalar -1", "pow", "pow", x.pow(-1), [away(7)])
case("pow scalar -2", "pow", "pow", x.pow(-2), [away(7)])
case("pow scalar 2 t()", "pow", "pow", x.t().pow(2), [rn(5, 3)])
case("pow scalar 0-d", "pow", "pow", x.pow(3), [rn()])
case("pow scalar [0,3]", "pow", "pow", x.pow(3), [rn(0, 3)])
case("pow tensor", "pow", "pow", x.pow(y), [pos(17), rn(17)])
case("pow tensor bcast [3,1],[1,4]", "pow", "pow", x.pow(y), [pos(3, 1), rn(1, 4)])
case("pow tensor bcast [4],[2,3,4]", "pow", "pow", x.pow(y), [pos(4), un(2, 3, 4, lo=-2, hi=3)])
case("pow tensor 0-d exponent", "pow", "pow", x.pow(y), [pos(3, 4), rn()])
case("pow tensor t()", "pow", "pow", x.t().pow(y), [pos(5, 3), rn(3, 5)])
# Negative bases with integral exponents are finite; the exponent's gradient (a^e log a) is NaN
# there in PyTorch too. Forward and the base's gradient only.
case("pow tensor negative base int exponent", "pow", "pow", x.pow(y),
     [rn(8), lit([2.0, 3.0, 1.0, 0.0, -1.0, 2.0, 3.0, 4.0], rg=False)])
# Zero base: PyTorch masks the exponent gradient to 0 where base == 0 and exponent >= 0,
# and the base gradient to 0 where exponent == 0.
case("pow tensor zero base", "pow", "pow", x.pow(y),
     [lit([0.0, 0.0, 0.0, 2.0]), lit([1.0, 2.0, 3.0, 0.0])])
case("pow tensor zero base zero exponent", "pow", "pow", x.pow(y), [lit([0.0, 0.0]), lit([0.0, 0.0])])
case("tg.pow(2, t)", "pow", "pow", Fn("pow", 2, x), [rn(17)])
case("tg.pow(0.5, t)", "pow", "pow", Fn("pow", 0.5, x), [rn(17)])
case("tg.pow(3, t) t()", "pow", "pow", Fn("pow", 3, x.t()), [rn(5, 3)])
case("pow special", "pow", "special", x.pow(y), [lit([-2.0, 0.0, 0.0, float("inf"), float("nan"), 1.0, -8.0]),
                                                 lit([0.5, -1.0, 0.0, -1.0, 0.0, float("nan"), 1.0 / 3.0])], grad=False)
case("pow int32 scalar 2", "pow", "int32", x.pow(2), [ints(7)])
case("pow int32 scalar 0.5", "pow", "pow", x.pow(0.5), [ints(7, lo=0, hi=9)])

# ---- maximum / minimum / clamp ----------------------------------------------------------

for op in ["maximum", "minimum"]:
    case(f"{op} [17]", op, "exact", getattr(x, op)(y), [rn(17), rn(17)])
    case(f"{op} bcast [3,1],[1,4]", op, "exact", getattr(x, op)(y), [rn(3, 1), rn(1, 4)])
    case(f"{op} bcast [4],[2,3,4]", op, "exact", getattr(x, op)(y), [rn(4), rn(2, 3, 4)])
    # Ties split the gradient in half between the two inputs (PyTorch).
    case(f"{op} ties", op, "exact", getattr(x, op)(y), [intf(20, lo=-2, hi=3), intf(20, lo=-2, hi=3)])
    case(f"{op} scalar", op, "exact", getattr(x, op)(0.25), [rn(17)])
    case(f"{op} scalar ties", op, "exact", getattr(x, op)(1), [intf(12, lo=-1, hi=3)])
    case(f"{op} t()", op, "exact", getattr(x.t(), op)(y), [rn(5, 3), rn(3, 5)])
    # 0-d against [3]; |y| >= 0.5 > |x| keeps them apart, away from the tie (kink).
    case(f"{op} 0-d", op, "exact", getattr(x, op)(y), [un(lo=-0.2, hi=0.2), away(3, lo=0.5)])
    case(f"{op} [0,3]", op, "exact", getattr(x, op)(y), [rn(0, 3), rn(3)])
    case(f"{op} int32", op, "int32", getattr(x, op)(y), [ints(3, 4), ints(4)])
    case(f"{op} int32 scalar", op, "int32", getattr(x, op)(1), [ints(9)])
    case(f"{op} int32,float32", op, "exact", getattr(x, op)(y), [ints(7), rn(7)])
    case(f"{op} nan", op, "special", getattr(x, op)(y), [lit([float("nan"), 1.0, float("nan"), float("inf")]),
                                                           lit([1.0, float("nan"), float("nan"), float("-inf")])])

case("clamp min only", "clamp", "exact", x.clamp(-0.5), [rn(17)])
case("clamp max only", "clamp", "exact", x.clamp(None, 0.5), [rn(17)])
case("clamp both", "clamp", "exact", x.clamp(-0.5, 0.5), [rn(17)])
case("clamp at bounds", "clamp", "exact", x.clamp(-1, 1), [intf(20, lo=-2, hi=3)])
case("clamp min only at bound", "clamp", "exact", x.clamp(0), [intf(12, lo=-2, hi=3)])
case("clamp max only at bound", "clamp", "exact", x.clamp(None, 0), [intf(12, lo=-2, hi=3)])
case("clamp t()", "clamp", "exact", x.t().clamp(-0.5, 0.5), [rn(5, 3)])
case("clamp slice", "clamp", "exact", x.slice(1, 0, None, 2).clamp(-0.5, 0.5), [rn(4, 10)])
case("clamp 0-d", "clamp", "exact", x.clamp(-0.5, 0.5), [rn()])
case("clamp [0,3]", "clamp", "exact", x.clamp(-0.5, 0.5), [rn(0, 3)])
case("clamp int32", "clamp", "int32", x.clamp(-2, 2), [ints(11)])
case("clamp special", "clamp", "special", x.clamp(-1, 1), [lit([float("nan"), float("inf"), float("-inf"), 0.5])])
case("tg.clamp", "clamp", "exact", Fn("clamp", x, -0.5, 0.5), [rn(9)])
# min > max: PyTorch gives max everywhere (min(max(x, lo), hi)) and a zero gradient.
case("clamp min > max", "clamp", "exact", x.clamp(1, -1), [rn(9)])

# ---- where and comparisons --------------------------------------------------------------

case("where same shape", "where", "exact", Fn("where", c, x, y), [rn(3, 4), rn(3, 4), boolm(3, 4)])
case("where bcast", "where", "exact", Fn("where", c, x, y), [rn(1, 4), rn(3, 4), boolm(3, 1)])
case("where bcast all", "where", "exact", Fn("where", c, x, y), [rn(3, 1), rn(1, 4), boolm(2, 1, 1)])
case("where scalar other (method)", "where", "exact", x.where(c, 0.5), [rn(3, 4), rn(1), boolm(3, 4)])
case("where scalar input", "where", "exact", Fn("where", c, 1.5, x), [rn(3, 4), rn(1), boolm(3, 4)])
case("where t()", "where", "exact", Fn("where", c, x.t(), y), [rn(4, 3), rn(3, 4), boolm(3, 4)])
case("where int32", "where", "int32", Fn("where", c, x, y), [ints(3, 4), ints(3, 4), boolm(3, 4)])
case("where int32,float32", "where", "exact", Fn("where", c, x, y), [ints(3, 4), rn(3, 4), boolm(3, 4)])
case("where 0-d cond", "where", "exact", Fn("where", c, x, y), [rn(3), rn(3), lit(True, dtype=torch.bool)])
case("where [0,3]", "where", "exact", Fn("where", c, x, y), [rn(0, 3), rn(3), boolm(0, 1)])

for op in ["eq", "ne", "lt", "le", "gt", "ge"]:
    case(f"{op} tensor", op, "exact", getattr(x, op)(y), [intf(20, lo=-2, hi=3), intf(20, lo=-2, hi=3)])
    case(f"{op} bcast", op, "exact", getattr(x, op)(y), [intf(3, 1, lo=-2, hi=3), intf(1, 4, lo=-2, hi=3)])
    case(f"{op} scalar", op, "exact", getattr(x, op)(1), [intf(12, lo=-1, hi=3)])
    case(f"{op} scalar 0.5", op, "exact", getattr(x, op)(0.5), [rn(9)])
    case(f"{op} t()", op, "exact", getattr(x.t(), op)(y), [intf(4, 3, lo=-1, hi=2), intf(3, 4, lo=-1, hi=2)])
    case(f"{op} int32", op, "exact", getattr(x, op)(y), [ints(12, lo=-2, hi=3), ints(12, lo=-2, hi=3)])
    case(f"{op} int32,float32", op, "exact", getattr(x, op)(y), [ints(12, lo=-2, hi=3), intf(12, lo=-2, hi=3)])
    case(f"{op} int32,2.5", op, "exact", getattr(x, op)(2.5), [ints(12, lo=0, hi=5)])
    case(f"{op} nan/inf", op, "exact", getattr(x, op)(y), [lit([float("nan"), 1.0, float("nan"), float("inf"), float("-inf"), 0.0]),
                                                           lit([float("nan"), float("nan"), 1.0, float("inf"), float("inf"), -0.0])])
    case(f"{op} 0-d", op, "exact", getattr(x, op)(y), [intf(), intf(5)])
    case(f"{op} [0,3]", op, "exact", getattr(x, op)(y), [rn(0, 3), rn(3)])

# ---- dtype conversion and bool tensors ---------------------------------------------------

fam = "exact"
# float -> int32 truncates toward zero; -> bool is x != 0 (NaN is true).
case("to int32", "to", "int32", x.to("int32"), [lit([-2.7, -1.5, -0.5, 0.0, 0.5, 1.5, 2.7, 100.9, -100.9])])
case("int()", "to", "int32", x.int(), [rn(7, scale=3.0)])
case("to bool", "to", fam, x.to("bool"), [lit([0.0, -0.0, 0.5, -2.0, float("inf"), float("nan")])])
case("bool() of int32", "to", fam, x.bool(), [ints(9, lo=-1, hi=2)])
case("to float32 of int32", "to", fam, x.to("float32"), [ints(9)])
case("float() of bool", "to", fam, x.float(), [boolm(9)])
case("int() of bool", "to", "int32", x.int(), [boolm(9)])
case("to float32 of float32 keeps grad", "to", fam, x.to("float32").mul(2), [rn(5)])
# Bool operands follow PyTorch's promotion: bool op float is float, bool op int32 is int32,
# bool op int scalar is int; a mask multiplies a float tensor (common in user code).
case("mul bool mask,float32", "mul", "arith", x.mul(y), [boolm(3, 4), rn(3, 4)])
case("mul float32,bool mask bcast", "mul", "arith", x.mul(y), [rn(3, 4), boolm(4)])
case("add bool,int32", "add", "int32", x.add(y), [boolm(3, 4), ints(3, 4)])
case("mul bool,2.5", "mul", "arith", x.mul(2.5), [boolm(6)])
case("add bool,1", "add", "int32", x.add(1), [boolm(6)])
case("add bool,bool", "add", "exact", x.add(y), [boolm(8), boolm(8)])
case("mul bool,bool", "mul", "exact", x.mul(y), [boolm(8), boolm(8)])
case("sum of comparison", "sum", "int32", x.gt(0).sum(), [rn(5, 4)])
case("sum of bool dim", "sum", "int32", x.sum(1), [boolm(3, 5)])
case("where from comparison", "where", "exact", Fn("where", x.gt(y), x, y), [rn(3, 4), rn(4)])
case("eq bool,bool", "eq", "exact", x.eq(y), [boolm(8), boolm(8)])

# ---- reductions -------------------------------------------------------------------------

def dim_cases(op, fam):
    """The reductions' shared cases: all elements, one dim, negative dims, dim lists."""
    case(f"{op} all", op, fam, getattr(x, op)(), [rn(3, 4, 5)])
    case(f"{op} all [17]", op, fam, getattr(x, op)(), [rn(17)])
    case(f"{op} dim 0", op, fam, getattr(x, op)(0), [rn(3, 4, 5)])
    case(f"{op} dim 1", op, fam, getattr(x, op)(1), [rn(3, 4, 5)])
    case(f"{op} dim -1", op, fam, getattr(x, op)(-1), [rn(3, 4, 5)])
    case(f"{op} dims [0,2]", op, fam, getattr(x, op)([0, 2]), [rn(3, 4, 5)])
    case(f"{op} dims [-1,0]", op, fam, getattr(x, op)([-1, 0]), [rn(3, 4, 5)])


for op in ["sum", "mean"]:
    fam = "reduce"
    dim_cases(op, fam)
    case(f"{op} dim 1 keepdim", op, fam, getattr(x, op)(1, True), [rn(3, 4, 5)])
    case(f"{op} dims [0,2] keepdim", op, fam, getattr(x, op)([0, 2], True), [rn(3, 4, 5)])
    case(f"{op} all keepdim", op, fam, getattr(x, op)(None, True), [rn(3, 4)])
    case(f"{op} 0-d", op, fam, getattr(x, op)(), [rn()])
    case(f"{op} 0-d dim 0", op, fam, getattr(x, op)(0), [rn()])
    case(f"{op} [0,3] all", op, fam, getattr(x, op)(), [rn(0, 3)])
    case(f"{op} [0,3] dim 0", op, fam, getattr(x, op)(0), [rn(0, 3)])
    case(f"{op} [0,3] dim 1", op, fam, getattr(x, op)(1), [rn(0, 3)])
    case(f"{op} t() dim 0", op, fam, getattr(x.t(), op)(0), [rn(5, 7)])
    case(f"{op} t() all", op, fam, getattr(x.t(), op)(), [rn(5, 7)])
    case(f"{op} slice dim 1", op, fam, getattr(x.slice(1, 0, None, 2), op)(1), [rn(4, 10)])
    case(f"{op} permute dims [0,1]", op, fam, getattr(x.permute(2, 0, 1), op)([0, 1]), [rn(3, 4, 5)])
    case(f"{op} long row [3,1000] dim 1", op, fam, getattr(x, op)(1), [rn(3, 1000)])
    case(f"{op} long col [1000,3] dim 0", op, fam, getattr(x, op)(0), [rn(1000, 3)])
    case(f"{op} [2,1] after bcast", op, fam, getattr(x.add(y), op)(0), [rn(2, 1), rn(3)])
    case(f"tg.{op}", op, fam, Fn(op, x, 1, True), [rn(3, 4)])
case("sum int32", "sum", "int32", x.sum(), [ints(3, 4)])
case("sum int32 dim", "sum", "int32", x.sum(1), [ints(3, 4)])

for op in ["max", "min"]:
    fam = "exact"
    case(f"{op} all", op, fam, getattr(x, op)(), [rn(3, 4, 5)])
    case(f"{op} all [17]", op, fam, getattr(x, op)(), [rn(17)])
    case(f"{op} all 0-d", op, fam, getattr(x, op)(), [rn()])
    # Ties in the full reduction share the gradient evenly (PyTorch's evenly_distribute_backward).
    case(f"{op} all ties", op, fam, getattr(x, op)(), [lit([1.0, 3.0, -2.0, 3.0, 0.0, 3.0, -2.0])])
    case(f"{op} all t()", op, fam, getattr(x.t(), op)(), [rn(5, 3)])
    case(f"{op} dim 1 values", op, fam, getattr(x, op)(1).get("values"), [rn(4, 6)])
    case(f"{op} dim 1", op, fam, getattr(x, op)(1), [rn(4, 6)])
    case(f"{op} dim 0", op, fam, getattr(x, op)(0), [rn(4, 6)])
    case(f"{op} dim -1 keepdim", op, fam, getattr(x, op)(-1, True), [rn(3, 4, 5)])
    case(f"{op} dim 1 3-D", op, fam, getattr(x, op)(1), [rn(3, 4, 5)])
    case(f"{op} dim ties", op, fam, getattr(x, op)(1), [lit([[1.0, 3.0, 3.0], [2.0, 2.0, 1.0], [0.0, 0.0, 0.0]])])
    case(f"{op} dim 0 on 0-d", op, fam, getattr(x, op)(0), [rn()])
    case(f"{op} dim t()", op, fam, getattr(x.t(), op)(1), [rn(5, 3)])
    case(f"{op} dim 1 [0,3]", op, fam, getattr(x, op)(1), [rn(0, 3)])
    case(f"{op} indices", op, fam, getattr(x, op)(1).get("indices"), [rn(4, 6)])
    case(f"{op} int32 all", op, "int32", getattr(x, op)(), [ints(3, 4)])
    case(f"{op} int32 dim", op, "int32", getattr(x, op)(0), [ints(3, 4)])
    case(f"{op} nan", op, "special", getattr(x, op)(), [lit([1.0, float("nan"), 3.0])], grad=False)

for op in ["argmax", "argmin"]:
    fam = "exact"
    case(f"{op} all", op, fam, getattr(x, op)(), [rn(3, 4, 5)])
    case(f"{op} dim 1", op, fam, getattr(x, op)(1), [rn(3, 4, 5)])
    case(f"{op} dim -1 keepdim", op, fam, getattr(x, op)(-1, True), [rn(3, 4, 5)])
    case(f"{op} all keepdim", op, fam, getattr(x, op)(None, True), [rn(3, 4)])
    case(f"{op} ties (first index)", op, fam, getattr(x, op)(1), [intf(5, 8, lo=0, hi=2)])
    case(f"{op} all ties", op, fam, getattr(x, op)(), [intf(12, lo=0, hi=2)])
    case(f"{op} t()", op, fam, getattr(x.t(), op)(1), [rn(5, 3)])
    case(f"{op} 0-d", op, fam, getattr(x, op)(), [rn()])
    case(f"{op} int32", op, fam, getattr(x, op)(0), [ints(4, 5)])
    case(f"tg.{op}", op, fam, Fn(op, x, 0), [rn(4, 5)])
    case(f"{op} [0,3] dim 1", op, fam, getattr(x, op)(1), [rn(0, 3)])
    # NaN counts as the extreme for both argmax and argmin (PyTorch).
    case(f"{op} nan", op, "special", getattr(x, op)(), [lit([1.0, float("nan"), 3.0, float("nan")])])

# ---- matrix products --------------------------------------------------------------------

fam = "matmul"
case("matmul 1-D . 1-D", "matmul", fam, x.matmul(y), [rn(7), rn(7)])
case("matmul 1-D @ 2-D", "matmul", fam, x.matmul(y), [rn(4), rn(4, 5)])
case("matmul 2-D @ 1-D", "matmul", fam, x.matmul(y), [rn(3, 4), rn(4)])
case("matmul 2-D @ 2-D", "matmul", fam, x.matmul(y), [rn(3, 4), rn(4, 5)])
case("matmul 2-D odd [7,17]@[17,5]", "matmul", fam, x.matmul(y), [rn(7, 17), rn(17, 5)])
case("matmul 2-D [33,19]@[19,35]", "matmul", fam, x.matmul(y), [rn(33, 19), rn(19, 35)])
case("matmul 3-D batched", "matmul", fam, x.matmul(y), [rn(2, 3, 4), rn(2, 4, 5)])
case("matmul 3-D @ 2-D", "matmul", fam, x.matmul(y), [rn(2, 3, 4), rn(4, 5)])
case("matmul 2-D @ 3-D", "matmul", fam, x.matmul(y), [rn(3, 4), rn(2, 4, 5)])
case("matmul 1-D @ 3-D", "matmul", fam, x.matmul(y), [rn(4), rn(2, 4, 5)])
case("matmul 3-D @ 1-D", "matmul", fam, x.matmul(y), [rn(2, 3, 4), rn(4)])
case("matmul bcast [2,1,3,4]@[5,4,2]", "matmul", fam, x.matmul(y), [rn(2, 1, 3, 4), rn(5, 4, 2)])
case("matmul bcast [1,3,4]@[2,4,5]", "matmul", fam, x.matmul(y), [rn(1, 3, 4), rn(2, 4, 5)])
case("matmul a.t() @ b", "matmul", fam, x.t().matmul(y), [rn(4, 3), rn(4, 5)])
case("matmul a @ b.t()", "matmul", fam, x.matmul(y.t()), [rn(3, 4), rn(5, 4)])
case("matmul a.t() @ b.t()", "matmul", fam, x.t().matmul(y.t()), [rn(4, 3), rn(5, 4)])
case("matmul transpose(1,2) batched", "matmul", fam, x.transpose(1, 2).matmul(y), [rn(2, 4, 3), rn(2, 4, 5)])
case("matmul transpose(-1,-2) rhs", "matmul", fam, x.matmul(y.transpose(-1, -2)), [rn(2, 3, 4), rn(2, 5, 4)])
case("matmul permuted batch", "matmul", fam, x.permute(1, 0, 2).matmul(y), [rn(3, 2, 4), rn(2, 4, 5)])
case("matmul sliced operand", "matmul", fam, x.slice(1, 0, None, 2).matmul(y), [rn(3, 8), rn(4, 5)])
case("matmul expanded operand", "matmul", fam, x.expand(3, 4, 5).matmul(y), [rn(4, 5), rn(3, 5, 2)])
case("matmul long K [4,513]@[513,3]", "matmul", fam, x.matmul(y), [rn(4, 513), rn(513, 3)])
case("matmul [0,3]@[3,4]", "matmul", fam, x.matmul(y), [rn(0, 3), rn(3, 4)])
case("matmul [2,0]@[0,3]", "matmul", fam, x.matmul(y), [rn(2, 0), rn(0, 3)])
case("matmul [0]@[0]", "matmul", fam, x.matmul(y), [rn(0), rn(0)])
case("matmul [1,1]@[1,1]", "matmul", fam, x.matmul(y), [rn(1, 1), rn(1, 1)])
# Big enough for the native matmul to split rows over threads.
case("matmul threaded [36,96]@[96,96]", "matmul", fam, x.matmul(y), [rn(36, 96), rn(96, 96)])
case("tg.matmul", "matmul", fam, Fn("matmul", x, y), [rn(3, 4), rn(4, 2)])
case("mm", "mm", fam, x.mm(y), [rn(3, 4), rn(4, 5)])
case("mm t()", "mm", fam, x.t().mm(y.t()), [rn(4, 3), rn(5, 4)])
case("mm odd", "mm", fam, x.mm(y), [rn(7, 17), rn(17, 9)])
case("tg.mm", "mm", fam, Fn("mm", x, y), [rn(2, 3), rn(3, 2)])
case("bmm", "bmm", fam, x.bmm(y), [rn(3, 2, 4), rn(3, 4, 5)])
case("bmm transposed", "bmm", fam, x.transpose(1, 2).bmm(y), [rn(3, 4, 2), rn(3, 4, 5)])
case("bmm odd", "bmm", fam, x.bmm(y), [rn(2, 7, 17), rn(2, 17, 3)])
case("dot", "dot", fam, x.dot(y), [rn(17), rn(17)])
case("dot strided", "dot", fam, x.slice(0, 0, None, 2).dot(y), [rn(10), rn(5)])
case("dot [0]", "dot", fam, x.dot(y), [rn(0), rn(0)])
case("tg.dot", "dot", fam, Fn("dot", x, y), [rn(5), rn(5)])
case("outer", "outer", fam, x.outer(y), [rn(4), rn(7)])
case("outer strided", "outer", fam, x.slice(0, 1, None, 2).outer(y), [rn(8), rn(3)])
case("tg.outer", "outer", fam, Fn("outer", x, y), [rn(3), rn(2)])

# ---- shape ops --------------------------------------------------------------------------

fam = "view"
case("reshape array", "reshape", fam, x.reshape([4, 3]), [rn(3, 4)])
case("reshape varargs -1", "reshape", fam, x.reshape(2, -1), [rn(3, 4)])
case("reshape to 0-d", "reshape", fam, x.reshape([]), [rn(1)])
case("reshape from 0-d", "reshape", fam, x.reshape(1, 1), [rn()])
case("reshape t() (copy)", "reshape", fam, x.t().reshape(-1), [rn(3, 4)])
case("reshape [0,3]", "reshape", fam, x.reshape(3, 0), [rn(0, 3)])
case("reshape int32", "reshape", "int32", x.reshape(2, 6), [ints(3, 4)])
case("tg.reshape", "reshape", fam, Fn("reshape", x, 6, 2), [rn(3, 4)])
case("view", "view", fam, x.view(2, 2, 3), [rn(3, 4)])
case("view -1", "view", fam, x.view(-1), [rn(3, 4)])
case("view of slice rows", "view", fam, x.slice(0, 0, None, 2).view(2, 2, 2), [rn(4, 4)])
case("flatten", "flatten", fam, x.flatten(), [rn(2, 3, 4)])
case("flatten 1", "flatten", fam, x.flatten(1), [rn(2, 3, 4)])
case("flatten 0,1", "flatten", fam, x.flatten(0, 1), [rn(2, 3, 4)])
case("flatten 0-d", "flatten", fam, x.flatten(), [rn()])
case("flatten permuted", "flatten", fam, x.permute(2, 0, 1).flatten(), [rn(2, 3, 4)])
case("tg.flatten", "flatten", fam, Fn("flatten", x, 1), [rn(2, 3, 4)])
case("transpose", "transpose", fam, x.transpose(0, 2), [rn(2, 3, 4)])
case("transpose negative", "transpose", fam, x.transpose(-1, -2), [rn(2, 3, 4)])
case("transpose same dim", "transpose", fam, x.transpose(1, 1), [rn(2, 3)])
case("tg.transpose", "transpose", fam, Fn("transpose", x, 0, 1), [rn(2, 3)])
case("t", "t", fam, x.t(), [rn(3, 4)])
case("t 1-D", "t", fam, x.t(), [rn(4)])
case("t 0-d", "t", fam, x.t(), [rn()])
case("t twice", "t", fam, x.t().t(), [rn(3, 4)])
case("tg.t", "t", fam, Fn("t", x), [rn(3, 4)])
case("permute", "permute", fam, x.permute(2, 0, 1), [rn(2, 3, 4)])
case("permute array", "permute", fam, x.permute([1, 2, 0]), [rn(2, 3, 4)])
case("permute negative", "permute", fam, x.permute(-1, 0, 1), [rn(2, 3, 4)])
case("tg.permute", "permute", fam, Fn("permute", x, 1, 0), [rn(2, 3)])
case("squeeze all", "squeeze", fam, x.squeeze(), [rn(1, 3, 1, 4)])
case("squeeze dim", "squeeze", fam, x.squeeze(2), [rn(1, 3, 1, 4)])
case("squeeze negative dim", "squeeze", fam, x.squeeze(-4), [rn(1, 3, 1, 4)])
case("squeeze non-1 dim", "squeeze", fam, x.squeeze(1), [rn(1, 3, 1, 4)])
case("squeeze to 0-d", "squeeze", fam, x.squeeze(), [rn(1, 1)])
case("tg.squeeze", "squeeze", fam, Fn("squeeze", x, 0), [rn(1, 3)])
case("unsqueeze 0", "unsqueeze", fam, x.unsqueeze(0), [rn(3, 4)])
case("unsqueeze -1", "unsqueeze", fam, x.unsqueeze(-1), [rn(3, 4)])
case("unsqueeze middle of t()", "unsqueeze", fam, x.t().unsqueeze(1), [rn(3, 4)])
case("unsqueeze 0-d", "unsqueeze", fam, x.unsqueeze(0), [rn()])
case("tg.unsqueeze", "unsqueeze", fam, Fn("unsqueeze", x, 1), [rn(3)])
case("expand", "expand", fam, x.expand(3, 4), [rn(1, 4)])
case("expand -1 and new dims", "expand", fam, x.expand(2, 3, -1), [rn(1, 4)])
case("expand array", "expand", fam, x.expand([2, 3, 4]), [rn(3, 1)])
case("expand 0-d", "expand", fam, x.expand(2, 3), [rn()])
case("expand then op", "expand", fam, x.expand(3, 4).exp(), [un(3, 1, lo=-1, hi=1)])
case("narrow", "narrow", fam, x.narrow(1, 1, 2), [rn(3, 4)])
case("narrow negative start", "narrow", fam, x.narrow(0, -2, 2), [rn(3, 4)])
case("narrow length 0", "narrow", fam, x.narrow(1, 2, 0), [rn(3, 4)])
case("tg.narrow", "narrow", fam, Fn("narrow", x, 0, 1, 2), [rn(3, 4)])
case("slice", "slice", fam, x.slice(1, 1, 3), [rn(3, 4)])
case("slice step 2", "slice", fam, x.slice(0, 0, None, 2), [rn(7, 3)])
case("slice step 3 offset", "slice", fam, x.slice(1, 1, None, 3), [rn(2, 17)])
case("slice negative", "slice", fam, x.slice(-1, -3, -1), [rn(3, 5)])
case("slice end past size", "slice", fam, x.slice(0, 1, 100), [rn(4, 2)])
case("slice empty", "slice", fam, x.slice(0, 3, 1), [rn(4, 2)])
case("slice of slice", "slice", fam, x.slice(0, 1, None, 2).slice(0, 1, None, 2), [rn(13, 2)])
case("select", "select", fam, x.select(1, 2), [rn(3, 4)])
case("select negative", "select", fam, x.select(0, -1), [rn(3, 4)])
case("select to 0-d", "select", fam, x.select(0, 3), [rn(5)])
case("select of t()", "select", fam, x.t().select(0, 1), [rn(3, 4)])
case("tg.select", "select", fam, Fn("select", x, 1, 0), [rn(3, 4)])
case("indexSelect dim 0", "indexSelect", fam, x.indexSelect(0, y), [rn(5, 3), idx([4, 0, 2])])
case("indexSelect dim 1 repeated", "indexSelect", fam, x.indexSelect(1, y), [rn(3, 5), idx([1, 1, 4, 1, 0])])
case("indexSelect dim -1", "indexSelect", fam, x.indexSelect(-1, y), [rn(2, 3, 4), idx([3, 0])])
case("indexSelect empty index", "indexSelect", fam, x.indexSelect(0, y), [rn(4, 3), idx([])])
case("indexSelect t()", "indexSelect", fam, x.t().indexSelect(0, y), [rn(3, 5), idx([2, 2, 4])])
case("indexSelect strided index", "indexSelect", fam, x.indexSelect(0, y.slice(0, 0, None, 2)), [rn(5, 2), idx([3, 9, 1, 9, 0])])
case("indexSelect 0-d index", "indexSelect", fam, x.indexSelect(0, y), [rn(4, 3), lit(2, dtype=torch.int32, rg=False)])
case("indexSelect int32", "indexSelect", "int32", x.indexSelect(0, y), [ints(4, 3), idx([3, 1])])
case("tg.indexSelect", "indexSelect", fam, Fn("indexSelect", x, 0, y), [rn(4, 3), idx([1, 0])])
case("contiguous of t()", "contiguous", fam, x.t().contiguous(), [rn(3, 4)])
case("contiguous already", "contiguous", fam, x.contiguous(), [rn(3, 4)])
case("clone", "clone", fam, x.clone(), [rn(3, 4)])
case("clone of slice", "clone", fam, x.slice(1, 0, None, 2).clone(), [rn(3, 6)])
case("clone int32", "clone", "int32", x.clone(), [ints(5)])
case("T 2-D", "T", fam, x.get("T"), [rn(3, 4)])
case("T then matmul", "T", "matmul", x.get("T").matmul(y), [rn(4, 3), rn(4, 2)])
case("expandAs", "expandAs", fam, x.expandAs(y), [rn(3, 1), rn(2, 3, 4, rg=False)])
case("indexSelect 1-D", "indexSelect", fam, x.indexSelect(0, y), [rn(6), idx([5, 0, 5])])
case("view chain", "view", fam, x.permute(1, 0, 2).reshape(3, 8).t().narrow(0, 1, 4).unsqueeze(0).squeeze(0),
     [rn(2, 3, 4)])

# ---- the tensor surface: var/std, prod, logsumexp, softmax/logSoftmax, cat/stack, split/chunk,
# gather, oneHot, and more of the views (slice steps, select, expand, flatten ranges, squeeze
# dim lists, T) ---------------------------------------------------------------------------

NINF, PINF, NAN = float("-inf"), float("inf"), float("nan")

for op in ["var", "std"]:
    fam = "reduce"
    dim_cases(op, fam)
    case(f"{op} dims [0,1,2]", op, fam, getattr(x, op)([0, 1, 2]), [rn(2, 3, 4)])
    case(f"{op} dim 1 keepdim", op, fam, getattr(x, op)(1, True), [rn(3, 4, 5)])
    case(f"{op} dims [0,2] keepdim", op, fam, getattr(x, op)([0, 2], True), [rn(3, 4, 5)])
    case(f"{op} all keepdim", op, fam, getattr(x, op)(None, True), [rn(3, 4)])
    case(f"{op} all unbiased false", op, fam, getattr(x, op)(None, False, unbiased=False), [rn(3, 4)])
    case(f"{op} dim 1 unbiased false", op, fam, getattr(x, op)(1, False, unbiased=False), [rn(3, 4, 5)])
    case(f"{op} dim 1 unbiased true", op, fam, getattr(x, op)(1, False, unbiased=True), [rn(3, 4, 5)])
    case(f"{op} dims [0,1] keepdim correction 0", op, fam, getattr(x, op)([0, 1], True, correction=0), [rn(3, 4, 5)])
    case(f"{op} dim 1 correction 2", op, fam, getattr(x, op)(1, False, correction=2), [rn(3, 6)])
    case(f"{op} correction wins over unbiased", op, fam, getattr(x, op)(1, False, unbiased=False, correction=2), [rn(3, 6)])
    case(f"{op} t() dim 0", op, fam, getattr(x.t(), op)(0), [rn(5, 7)])
    case(f"{op} slice dim 1", op, fam, getattr(x.slice(1, 0, None, 2), op)(1), [rn(4, 10)])
    case(f"{op} permute dims [0,1]", op, fam, getattr(x.permute(2, 0, 1), op)([0, 1]), [rn(3, 4, 5)])
    case(f"{op} long row [3,1000] dim 1", op, fam, getattr(x, op)(1), [rn(3, 1000)])
    # A large mean and a small spread: a one-pass E[x^2] - E[x]^2 would cancel catastrophically.
    case(f"{op} large mean", op, "large", getattr(x, op)(1), [un(4, 50, lo=999, hi=1001)])
    case(f"{op} 0-d unbiased false", op, fam, getattr(x, op)(None, False, unbiased=False), [rn()])
    case(f"{op} [2,1] dim 1 unbiased false", op, fam, getattr(x, op)(1, False, unbiased=False), [rn(2, 1)])
    case(f"{op} [0,3] dim 1", op, fam, getattr(x, op)(1), [rn(0, 3)])
    case(f"tg.{op}", op, fam, Fn(op, x, 1, True), [rn(3, 4)])
    case(f"tg.{op} opts", op, fam, Fn(op, x, [0, 1], False, unbiased=False), [rn(3, 4)])
    # n - correction <= 0: PyTorch divides by max(0, n - correction), giving inf or nan.
    case(f"{op} special 0-d unbiased", op, "special", getattr(x, op)(), [rn()])
    case(f"{op} special one element per row", op, "special", getattr(x, op)(1), [rn(3, 1)])
    case(f"{op} special correction > n", op, "special", getattr(x, op)(0, False, correction=5), [rn(3, 2)])
    case(f"{op} special [0,3] dim 0", op, "special", getattr(x, op)(0), [rn(0, 3)])
    case(f"{op} special nan/inf", op, "special", getattr(x, op)(1), [lit([[1.0, NAN, 2.0], [1.0, PINF, 2.0], [1.0, 2.0, 4.0]])])
# std of a constant row: std = 0, so its gradient is 0/0 = nan (PyTorch).
case("std special constant row", "std", "special", x.std(1), [lit([[2.0, 2.0, 2.0], [1.0, 2.0, 3.0]])])

fam = "reduce"
case("prod all", "prod", fam, x.prod(), [away(3, 4, lo=0.5, hi=1.5)])
case("prod all [17]", "prod", fam, x.prod(), [away(17, lo=0.7, hi=1.3)])
case("prod dim 1", "prod", fam, x.prod(1), [away(3, 4, 5, lo=0.5, hi=1.5)])
case("prod dim -1 keepdim", "prod", fam, x.prod(-1, True), [away(3, 4, 5, lo=0.5, hi=1.5)])
case("prod dims [0,2]", "prod", fam, x.prod([0, 2]), [away(3, 4, 5, lo=0.5, hi=1.5)])
case("prod dims [2,0] keepdim", "prod", fam, x.prod([2, 0], True), [away(3, 4, 5, lo=0.5, hi=1.5)])
case("prod all keepdim", "prod", fam, x.prod(None, True), [away(3, 4, lo=0.5, hi=1.5)])
case("prod 0-d", "prod", fam, x.prod(), [rn()])
case("prod 0-d dim 0", "prod", fam, x.prod(0), [rn()])
case("prod [0,3] all", "prod", fam, x.prod(), [rn(0, 3)])
case("prod [0,3] dim 0", "prod", fam, x.prod(0), [rn(0, 3)])
case("prod [0,3] dim 1", "prod", fam, x.prod(1), [rn(0, 3)])
case("prod t() dim 0", "prod", fam, x.t().prod(0), [away(5, 4, lo=0.5, hi=1.5)])
case("prod slice dim 1", "prod", fam, x.slice(1, 0, None, 2).prod(1), [away(4, 10, lo=0.5, hi=1.5)])
# Zeros: one zero in a slice gives the others' product as that element's gradient (and 0 to
# the rest); two zeros give an all-zero gradient. Row 0: one zero, row 1: none, row 2: two,
# row 3: all zeros.
ZROWS = [[1.5, -2.0, 0.0, 3.0], [2.0, 0.5, -1.0, 4.0], [0.0, 0.0, 2.0, 1.0], [0.0, 0.0, 0.0, 0.0]]
case("prod dim 1 zeros (one, none, two, all)", "prod", fam, x.prod(1), [lit(ZROWS)])
case("prod dim 0 zeros", "prod", fam, x.prod(0), [lit(ZROWS)])
case("prod dim 1 keepdim zeros", "prod", fam, x.prod(1, True), [lit(ZROWS)])
case("prod all one zero", "prod", fam, x.prod(), [lit([1.5, -2.0, 0.0, 3.0, 0.5])])
case("prod all two zeros", "prod", fam, x.prod(), [lit([1.5, 0.0, 2.0, 0.0, 0.5])])
case("prod all -0.0", "prod", fam, x.prod(), [lit([1.5, -0.0, 2.0, 3.0])])
case("prod dims [0,2] zeros", "prod", fam, x.prod([0, 2]),
     [lit([[[1.0, 2.0], [0.0, 3.0], [0.0, 1.0]], [[2.0, -1.0], [4.0, 0.5], [0.0, 2.0]]])])
case("prod zeros t()", "prod", fam, x.t().prod(1), [lit(ZROWS)])
case("prod int32 all", "prod", "int32", x.prod(), [ints(3, 4, lo=-3, hi=4)])
case("prod int32 dim", "prod", "int32", x.prod(1), [ints(3, 4, lo=-3, hi=4)])
case("tg.prod", "prod", fam, Fn("prod", x, 1, True), [away(3, 4, lo=0.5, hi=1.5)])
case("prod special", "prod", "special", x.prod(1), [lit([[PINF, 2.0], [PINF, 0.0], [NAN, 1.0], [3e38, 10.0]])], grad=False)

fam = "reduce"
case("logsumexp dim 1", "logsumexp", fam, x.logsumexp(1), [rn(3, 4, 5)])
case("logsumexp dim 0", "logsumexp", fam, x.logsumexp(0), [rn(3, 4, 5)])
case("logsumexp dim -1 keepdim", "logsumexp", fam, x.logsumexp(-1, True), [rn(3, 4, 5)])
case("logsumexp dims [0,2]", "logsumexp", fam, x.logsumexp([0, 2]), [rn(3, 4, 5)])
case("logsumexp dims [2,0] keepdim", "logsumexp", fam, x.logsumexp([2, 0], True), [rn(3, 4, 5)])
case("logsumexp dims [0,1] all", "logsumexp", fam, x.logsumexp([0, 1]), [rn(3, 4)])
case("logsumexp 0-d dim 0", "logsumexp", fam, x.logsumexp(0), [rn()])
case("logsumexp [0,3] dim 0", "logsumexp", fam, x.logsumexp(0), [rn(0, 3)])
case("logsumexp [0,3] dim 1", "logsumexp", fam, x.logsumexp(1), [rn(0, 3)])
case("logsumexp t() dim 1", "logsumexp", fam, x.t().logsumexp(1), [rn(5, 3)])
case("logsumexp slice dim 1", "logsumexp", fam, x.slice(1, 1, None, 2).logsumexp(1), [rn(4, 10)])
case("logsumexp long row [3,1000]", "logsumexp", fam, x.logsumexp(1), [rn(3, 1000)])
case("logsumexp large ±1000", "logsumexp", "large", x.logsumexp(1), [rn(4, 6, scale=1000.0)])
case("logsumexp large rows", "logsumexp", "large", x.logsumexp(1),
     [lit([[1000.0, 999.0, -1000.0], [-1000.0, -1001.0, -999.0], [0.0, 1.0, 2.0], [88.0, 89.0, 90.0]])])
case("logsumexp large all", "logsumexp", "large", x.logsumexp([0, 1]), [lit([[1000.0, 999.0], [998.0, -1000.0]])])
case("logsumexp int32 -> float32", "logsumexp", fam, x.logsumexp(1), [ints(3, 4)])
case("tg.logsumexp", "logsumexp", fam, Fn("logsumexp", x, 1, True), [rn(3, 4)])
# -inf rows give -inf (and a nan gradient, exp(-inf - -inf)); -inf entries get a 0 gradient.
case("logsumexp special -inf rows", "logsumexp", "special", x.logsumexp(1),
     [lit([[NINF, NINF, NINF], [1.0, NINF, 2.0], [0.0, 0.0, 0.0], [NINF, 5.0, NINF]])])
case("logsumexp special -inf column", "logsumexp", "special", x.logsumexp(0), [lit([[NINF, 1.0], [NINF, NINF]])])
case("logsumexp special +inf", "logsumexp", "special", x.logsumexp(1), [lit([[PINF, 1.0], [PINF, NINF]])])
case("logsumexp special nan", "logsumexp", "special", x.logsumexp(1), [lit([[NAN, 1.0], [2.0, 1.0]])])

for op in ["softmax", "logSoftmax"]:
    fam = "softmax"
    case(f"{op} dim 1", op, fam, getattr(x, op)(1), [rn(3, 5)])
    case(f"{op} dim 0", op, fam, getattr(x, op)(0), [rn(3, 5)])
    case(f"{op} dim -1 3-D", op, fam, getattr(x, op)(-1), [rn(2, 3, 4)])
    case(f"{op} dim 1 3-D", op, fam, getattr(x, op)(1), [rn(2, 3, 4)])
    case(f"{op} [17]", op, fam, getattr(x, op)(0), [rn(17)])
    case(f"{op} t() dim 1", op, fam, getattr(x.t(), op)(1), [rn(5, 3)])
    case(f"{op} slice", op, fam, getattr(x.slice(1, 0, None, 2), op)(1), [rn(3, 9)])
    case(f"{op} 0-d", op, fam, getattr(x, op)(0), [rn()])
    case(f"{op} [3,1] dim 1", op, fam, getattr(x, op)(1), [rn(3, 1)])
    case(f"{op} [0,3] dim 1", op, fam, getattr(x, op)(1), [rn(0, 3)])
    case(f"{op} [3,0] dim 1", op, fam, getattr(x, op)(1), [rn(3, 0)])
    case(f"{op} long row [2,1000]", op, fam, getattr(x, op)(1), [rn(2, 1000, scale=3.0)])
    case(f"{op} large logits", op, "large", getattr(x, op)(1), [rn(4, 6, scale=1000.0)])
    case(f"{op} large rows", op, "large", getattr(x, op)(1),
         [lit([[1000.0, 0.0, -1000.0], [1e4, 1e4, 1e4], [-1e4, -1e4 + 1.0, -1e4 + 2.0], [88.0, 89.0, 90.0]])])
    case(f"{op} masked -inf", op, fam, getattr(x, op)(1), [lit([[1.0, NINF, 2.0], [NINF, NINF, 0.0], [0.5, 0.5, NINF]])])
    case(f"tg.{op}", op, fam, Fn(op, x, -1), [rn(3, 4)])
    case(f"{op} special all -inf row", op, "special", getattr(x, op)(1), [lit([[NINF, NINF], [1.0, 2.0]])])
    case(f"{op} special +inf", op, "special", getattr(x, op)(1), [lit([[PINF, 1.0], [2.0, 1.0]])], grad=False)
    case(f"{op} special nan", op, "special", getattr(x, op)(1), [lit([[NAN, 1.0], [2.0, 1.0]])])

fam = "view"
case("tg.cat dim 0", "cat", fam, Fn("cat", [x, y], 0), [rn(2, 3), rn(4, 3)])
case("tg.cat default dim", "cat", fam, Fn("cat", [x, y]), [rn(2, 3), rn(1, 3)])
case("tg.cat dim 1", "cat", fam, Fn("cat", [x, y], 1), [rn(2, 3), rn(2, 1)])
case("tg.cat three", "cat", fam, Fn("cat", [x, y, c], 0), [rn(1, 4), rn(3, 4), rn(2, 4)])
case("tg.cat dim -1", "cat", fam, Fn("cat", [x, y, c], -1), [rn(2, 2, 1), rn(2, 2, 3), rn(2, 2, 2)])
case("tg.cat dim 1 3-D", "cat", fam, Fn("cat", [x, y], 1), [rn(2, 3, 4), rn(2, 1, 4)])
case("tg.cat dim -3", "cat", fam, Fn("cat", [x, y], -3), [rn(1, 3, 2), rn(2, 3, 2)])
case("tg.cat 1-D", "cat", fam, Fn("cat", [x, y, c]), [rn(3), rn(1), rn(4)])
case("tg.cat single", "cat", fam, Fn("cat", [x], 1), [rn(2, 3)])
case("tg.cat same tensor twice", "cat", fam, Fn("cat", [x, x, y], 0), [rn(2, 3), rn(1, 3)])
case("tg.cat non-contiguous", "cat", fam, Fn("cat", [x.t(), y.slice(1, 0, None, 2)], 1), [rn(3, 2), rn(2, 7)])
case("tg.cat expanded", "cat", fam, Fn("cat", [x.expand(2, 3), y], 0), [rn(1, 3), rn(2, 3)])
case("tg.cat of results", "cat", fam, Fn("cat", [x.exp(), y.neg()], 1), [un(2, 2, lo=-1, hi=1), rn(2, 3)])
case("tg.cat size-0 part", "cat", fam, Fn("cat", [x, y, c], 1), [rn(2, 0), rn(2, 3), rn(2, 0)])
case("tg.cat all size 0", "cat", fam, Fn("cat", [x, y], 0), [rn(0, 3), rn(0, 3)])
# Legacy: 1-D empty tensors are skipped, whatever the other tensors' shapes (PyTorch).
case("tg.cat skips 1-D empty", "cat", fam, Fn("cat", [x, y, c], 0), [rn(0), rn(2, 3), rn(1, 3)])
case("tg.cat skips 1-D empty dim 1", "cat", fam, Fn("cat", [x, y], 1), [rn(2, 3), rn(0)])
case("tg.cat only 1-D empty", "cat", fam, Fn("cat", [x, y], 0), [rn(0), rn(0)])
case("tg.cat int32+float32", "cat", fam, Fn("cat", [x, y], 0), [ints(2, 3), rn(1, 3)])
case("tg.cat float32+int32 dim 1", "cat", fam, Fn("cat", [x, y], 1), [rn(2, 2), ints(2, 3)])
case("tg.cat int32", "cat", "int32", Fn("cat", [x, y], 0), [ints(2, 3), ints(1, 3)])
case("tg.cat bool", "cat", "exact", Fn("cat", [x, y], 0), [boolm(2, 3), boolm(1, 3)])
case("tg.cat bool+int32", "cat", "int32", Fn("cat", [x, y], 0), [boolm(2, 3), ints(1, 3)])
case("tg.cat no grad part", "cat", fam, Fn("cat", [x, y], 0), [rn(2, 3), rn(1, 3, rg=False)])

case("tg.stack dim 0", "stack", fam, Fn("stack", [x, y], 0), [rn(2, 3), rn(2, 3)])
case("tg.stack default dim", "stack", fam, Fn("stack", [x, y, c]), [rn(4), rn(4), rn(4)])
case("tg.stack dim 1", "stack", fam, Fn("stack", [x, y, c], 1), [rn(2, 3), rn(2, 3), rn(2, 3)])
case("tg.stack dim -1", "stack", fam, Fn("stack", [x, y], -1), [rn(2, 3), rn(2, 3)])
case("tg.stack dim 2 (new last)", "stack", fam, Fn("stack", [x, y], 2), [rn(2, 3), rn(2, 3)])
case("tg.stack 0-d", "stack", fam, Fn("stack", [x, y, c]), [rn(), rn(), rn()])
case("tg.stack single", "stack", fam, Fn("stack", [x], 1), [rn(2, 3)])
case("tg.stack non-contiguous", "stack", fam, Fn("stack", [x.t(), y], 0), [rn(3, 2), rn(2, 3)])
case("tg.stack same tensor", "stack", fam, Fn("stack", [x, x], 1), [rn(3)])
case("tg.stack int32+float32", "stack", fam, Fn("stack", [x, y], 0), [ints(3), rn(3)])
case("tg.stack size 0", "stack", fam, Fn("stack", [x, y], 1), [rn(0, 2), rn(0, 2)])

case("split int", "split", fam, x.split(2), [rn(5, 3)])
case("split int even", "split", fam, x.split(2), [rn(4, 3)])
case("split int dim 1", "split", fam, x.split(2, 1), [rn(3, 5)])
case("split int dim -1", "split", fam, x.split(3, -1), [rn(2, 2, 7)])
case("split int larger than size", "split", fam, x.split(10), [rn(4, 2)])
case("split int 1", "split", fam, x.split(1, 1), [rn(2, 3)])
case("split sizes", "split", fam, x.split([1, 3, 1]), [rn(5, 2)])
case("split sizes with 0", "split", fam, x.split([2, 0, 3], 1), [rn(2, 5)])
case("split sizes single", "split", fam, x.split([4]), [rn(4, 2)])
case("split t()", "split", fam, x.t().split(2), [rn(3, 5)])
case("split size-0 dim", "split", fam, x.split(2), [rn(0, 3)])
case("split int32", "split", "int32", x.split(2), [ints(5, 2)])
case("tg.split", "split", fam, Fn("split", x, 2, 1), [rn(3, 5)])
case("tg.split sizes", "split", fam, Fn("split", x, [3, 2], 0), [rn(5, 2)])
# exp rounds: the transcendental tolerance, not the views' exactness.
case("split one piece used", "split", "transcendental", x.split(2).at(1).exp(), [un(5, 3, lo=-1, hi=1)])
case("split pieces recombined", "split", fam, Fn("cat", [x.split(2).at(2), x.split(2).at(0)], 0), [rn(5, 3)])

case("chunk uneven", "chunk", fam, x.chunk(3), [rn(7, 2)])
case("chunk even", "chunk", fam, x.chunk(2), [rn(6, 2)])
case("chunk dim 1", "chunk", fam, x.chunk(2, 1), [rn(3, 5)])
case("chunk dim -1", "chunk", fam, x.chunk(3, -1), [rn(2, 2, 8)])
# chunks that do not divide the size: torch.chunk returns ceil-sized pieces, possibly fewer.
case("chunk fewer pieces [6] 4", "chunk", fam, x.chunk(4), [rn(6)])
case("chunk more than size", "chunk", fam, x.chunk(5), [rn(3)])
case("chunk 1", "chunk", fam, x.chunk(1), [rn(3, 2)])
# A size-0 dim: torch.chunk gives `chunks` empty pieces (split with size 0).
case("chunk size-0 dim", "chunk", fam, x.chunk(2), [rn(0, 3)])
case("chunk t()", "chunk", fam, x.t().chunk(2), [rn(3, 5)])
case("tg.chunk", "chunk", fam, Fn("chunk", x, 2, 1), [rn(3, 4)])
case("chunk stacked back", "chunk", fam, Fn("stack", x.chunk(3, 1), 0), [rn(2, 6)])

GIDX = [[0, 0], [3, 3], [1, 2]]
case("gather dim 1", "gather", fam, x.gather(1, y), [rn(3, 4), idx([[3, 0, 1, 2], [1, 1, 0, 3], [2, 0, 2, 3]])])
case("gather dim 1 fewer columns", "gather", fam, x.gather(1, y), [rn(3, 4), idx([[3], [0], [2]])])
case("gather dim 0", "gather", fam, x.gather(0, y), [rn(4, 3), idx([[3, 0, 1], [1, 2, 0]])])
# Index smaller than the input outside the gather dim, and larger than it along it.
case("gather dim 0 index smaller", "gather", fam, x.gather(0, y), [rn(4, 3), idx([[3, 0], [1, 1], [0, 2], [2, 2], [3, 3]])])
case("gather dim -1 3-D", "gather", fam, x.gather(-1, y), [rn(2, 3, 4), idx([[[0, 3, 3, 1, 2]], [[2, 2, 0, 1, 3]]])])
case("gather dim 1 3-D", "gather", fam, x.gather(1, y), [rn(2, 3, 4), idx([[[0, 1, 2, 0], [2, 2, 1, 0]], [[1, 0, 0, 2], [0, 1, 2, 2]]])])
case("gather 1-D", "gather", fam, x.gather(0, y), [rn(5), idx([4, 0, 4, 2, 2, 1, 3])])
case("gather 0-d", "gather", fam, x.gather(0, y), [rn(), lit(0, dtype=torch.int32, rg=False)])
case("gather empty index", "gather", fam, x.gather(1, y), [rn(3, 4), lit([], shape=(3, 0), dtype=torch.int32, rg=False)])
case("gather t() input", "gather", fam, x.t().gather(1, y), [rn(4, 3), idx(GIDX)])
case("gather t() index", "gather", fam, x.gather(0, y.t()), [rn(4, 2), idx([[0, 3, 1], [2, 2, 0]])])
case("gather int32", "gather", "int32", x.gather(1, y), [ints(3, 4), idx(GIDX)])
case("tg.gather", "gather", fam, Fn("gather", x, 1, y), [rn(3, 4), idx(GIDX)])
# Repeated indices: the gradient accumulates (scatter-add), so sums of a few floats.
case("gather repeated indices", "gather", "arith", x.gather(1, y), [rn(2, 3), idx([[1, 1, 1, 0, 1], [2, 0, 2, 2, 0]])])
case("gather repeated dim 0", "gather", "arith", x.gather(0, y), [rn(3, 2), idx([[2, 0], [2, 0], [2, 2], [1, 0]])])

fam = "int32"
case("tg.oneHot", "oneHot", fam, Fn("oneHot", x, 5), [idx([0, 3, 4, 1, 3, 0])])
case("tg.oneHot 2-D labels", "oneHot", fam, Fn("oneHot", x, 4), [idx([[0, 3, 1], [2, 2, 0]])])
case("tg.oneHot inferred classes", "oneHot", fam, Fn("oneHot", x, -1), [idx([2, 0, 1, 2])])
case("tg.oneHot default classes", "oneHot", fam, Fn("oneHot", x), [idx([1, 3, 0])])
case("tg.oneHot 0-d", "oneHot", fam, Fn("oneHot", x, 4), [lit(2, dtype=torch.int32, rg=False)])
case("tg.oneHot empty", "oneHot", fam, Fn("oneHot", x, 3), [idx([])])
case("tg.oneHot strided labels", "oneHot", fam, Fn("oneHot", x.slice(0, 0, None, 2), 4), [idx([3, 9, 1, 9, 0])])
case("tg.oneHot one class", "oneHot", fam, Fn("oneHot", x, 1), [idx([0, 0])])

fam = "view"
case("slice step 2 dim 1 3-D", "slice", fam, x.slice(1, 0, None, 2), [rn(2, 5, 3)])
case("slice step 4", "slice", fam, x.slice(0, None, None, 4), [rn(9, 2)])
case("slice step past size", "slice", fam, x.slice(0, 1, None, 10), [rn(5, 2)])
case("slice negative start step 2", "slice", fam, x.slice(1, -5, None, 2), [rn(2, 7)])
case("slice step 2 of t()", "slice", fam, x.t().slice(1, 1, 6, 2), [rn(7, 3)])
case("slice step 3 then exp", "slice", fam, x.slice(0, 0, None, 3).exp(), [un(8, lo=-1, hi=1)])
case("tg.slice step", "slice", fam, Fn("slice", x, 1, 0, None, 3), [rn(2, 7)])
case("select negative dim and index", "select", fam, x.select(-1, -2), [rn(3, 4)])
case("select middle 3-D", "select", fam, x.select(1, -3), [rn(2, 3, 4)])
case("select twice", "select", fam, x.select(0, 1).select(0, -1), [rn(3, 4)])
case("expand -1 keeps size", "expand", fam, x.expand(-1, 4), [rn(3, 1)])
case("expand of t()", "expand", "reduce", x.t().expand(2, 3, 4), [rn(4, 3)])
case("expand size 0", "expand", fam, x.expand(0, 3), [rn(1, 3)])
case("tg.expand", "expand", "reduce", Fn("expand", x, 2, 3), [rn(3)])
case("expandAs 0-d", "expandAs", "reduce", x.expandAs(y), [rn(), rn(2, 3, rg=False)])
case("expandAs same shape", "expandAs", fam, x.expandAs(y), [rn(2, 3), rn(2, 3, rg=False)])
case("expandAs grad both", "expandAs", "reduce", x.expandAs(y).mul(y), [rn(1, 3), rn(4, 3)])
case("flatten 1,2 of 4-D", "flatten", fam, x.flatten(1, 2), [rn(2, 3, 4, 2)])
case("flatten -3,-2", "flatten", fam, x.flatten(-3, -2), [rn(2, 3, 4, 2)])
case("flatten 2,2 no-op", "flatten", fam, x.flatten(2, 2), [rn(2, 3, 4)])
case("flatten 0,-2", "flatten", fam, x.flatten(0, -2), [rn(2, 3, 4)])
case("flatten 1 of t()", "flatten", fam, x.t().flatten(0, 1), [rn(3, 4)])
case("flatten 1-D", "flatten", fam, x.flatten(0, 0), [rn(5)])
case("flatten size 0", "flatten", fam, x.flatten(1), [rn(2, 0, 3)])
case("squeeze dims [0,2]", "squeeze", fam, x.squeeze([0, 2]), [rn(1, 3, 1, 4)])
case("squeeze dims with non-1", "squeeze", fam, x.squeeze([0, 1]), [rn(1, 3, 1, 4)])
case("squeeze dims negative", "squeeze", fam, x.squeeze([-1, -4]), [rn(1, 3, 1, 1)])
case("squeeze dims single-element list", "squeeze", fam, x.squeeze([2]), [rn(1, 3, 1, 4)])
case("squeeze dims all to 0-d", "squeeze", fam, x.squeeze([0, 1]), [rn(1, 1)])
case("squeeze dims of t()", "squeeze", fam, x.t().squeeze([1]), [rn(1, 4)])
case("tg.squeeze dims", "squeeze", fam, Fn("squeeze", x, [0, 2]), [rn(1, 3, 1)])
case("T 1-D", "T", fam, x.get("T"), [rn(4)])
case("T 0-d", "T", fam, x.get("T"), [rn()])
case("T 3-D reverses dims", "T", fam, x.get("T"), [rn(2, 3, 4)])
case("T of slice", "T", fam, x.slice(1, 0, None, 2).get("T"), [rn(3, 6)])
case("T twice", "T", fam, x.get("T").get("T"), [rn(3, 4)])

# ---- masks, triangles, any / all and norms -----------------------------------------------------
fam = "exact"
for k in [0, 1, -1, 3, -4]:
    case(f"tril k={k}", "tril", fam, x.tril(k), [rn(4, 5)])
    case(f"triu k={k}", "triu", fam, x.triu(k), [rn(4, 5)])
case("tril batched", "tril", fam, x.tril(), [rn(2, 3, 3)])
case("triu tall", "triu", fam, x.triu(), [rn(5, 2)])
case("tril of t()", "tril", fam, x.t().tril(), [rn(3, 4)])
case("tril int32", "tril", "int32", x.tril(), [ints(3, 3)])
case("triu bool", "triu", fam, x.triu(1), [boolm(3, 4)])
case("tg.tril", "tril", fam, Fn("tril", x, -1), [rn(3, 3)])
case("maskedFill scalar", "maskedFill", fam, x.maskedFill(y, -1.5), [rn(3, 4), boolm(3, 4)])
case("maskedFill broadcast mask", "maskedFill", fam, x.maskedFill(y, 0.0), [rn(2, 3, 4), boolm(4)])
case("maskedFill -inf (attention)", "maskedFill", "softmax", x.maskedFill(y, float("-inf")).softmax(-1), [rn(4, 4), lit([[False, True, True, True], [False, False, True, True], [False, False, False, True], [False, False, False, False]], dtype=torch.bool)])
case("maskedFill 0-d tensor value", "maskedFill", "reduce", x.maskedFill(y, c), [rn(3, 4), boolm(3, 4), rn()])
case("maskedFill int32", "maskedFill", "int32", x.maskedFill(y, 7), [ints(3, 4), boolm(3, 4)])
case("tg.maskedFill", "maskedFill", fam, Fn("maskedFill", x, y, 2.0), [rn(5), boolm(5)])
case("maskedSelect", "maskedSelect", fam, x.maskedSelect(y), [rn(3, 4), boolm(3, 4)])
case("maskedSelect broadcast", "maskedSelect", fam, x.maskedSelect(y), [rn(2, 3), boolm(3)])
case("maskedSelect none", "maskedSelect", fam, x.maskedSelect(y), [rn(3), lit([False, False, False], dtype=torch.bool)])
for op in ["any", "all"]:
    case(f"{op} all dims", op, fam, getattr(x, op)(), [boolm(3, 4)])
    case(f"{op} dim 1", op, fam, getattr(x, op)(1), [boolm(3, 4)])
    case(f"{op} dim 0 keepdim", op, fam, getattr(x, op)(0, True), [boolm(3, 4)])
    case(f"{op} float", op, fam, getattr(x, op)(-1), [lit([[0.0, 1.5, 0.0], [0.0, 0.0, 0.0], [2.0, -1.0, 3.0]])])
    case(f"{op} int32", op, fam, getattr(x, op)(0), [lit([[0, 1], [0, 0], [3, 0]], dtype=torch.int32)])
    case(f"{op} empty", op, fam, getattr(x, op)(), [lit([], dtype=torch.bool)])
    case(f"{op} empty dim", op, fam, getattr(x, op)(1), [rn(3, 0, rg=False)])
fam = "reduce"
case("norm default", "norm", fam, x.norm(), [rn(3, 4)])
for p in [1, 2, 3, 0.5, float("inf"), float("-inf"), 0]:
    case(f"norm p={p}", "norm", fam, x.norm(p), [away(3, 4)])
    case(f"norm p={p} dim 1", "norm", fam, x.norm(p, 1), [away(3, 4)])
case("norm dim 0 keepdim", "norm", fam, x.norm(2, 0, True), [rn(3, 4)])
case("norm dims [0, 2]", "norm", fam, x.norm(2, [0, 2]), [rn(2, 3, 4)])
case("norm zero vector", "norm", fam, x.norm(), [lit([0.0, 0.0, 0.0])])
case("norm zero row", "norm", fam, x.norm(2, 1), [lit([[0.0, 0.0], [3.0, 4.0]])])
case("tg.norm", "norm", fam, Fn("norm", x), [rn(5)])

# ---- rounding, remainder, floorDivide -------------------------------------------------------------
fam = "exact"
case("round special: halves to even", "round", fam, x.round(), [lit([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.49999997, 8388607.5, 8388609.0, -0.0])])
for op in ["floor", "ceil", "round", "trunc"]:
    case(f"{op} int32 identity", op, "int32", getattr(x, op)(), [ints(7)])
    case(f"{op} special: halves and big", op, fam, getattr(x, op)(), [lit([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 1e10, -3e38, 16777217.0, 0.0])])
case("remainder tensor", "remainder", "arith", x.remainder(y), [un(4, 5, lo=-6, hi=6), away(4, 5)])
case("remainder negative divisor", "remainder", "arith", x.remainder(y), [un(3, 4, lo=-6, hi=6), un(3, 4, lo=-3, hi=-0.5)])
case("remainder scalar", "remainder", "arith", x.remainder(1.5), [un(9, lo=-5, hi=5)])
case("remainder scalar negative", "remainder", "arith", x.remainder(-2.0), [un(9, lo=-5, hi=5)])
case("remainder broadcast", "remainder", "arith", x.remainder(y), [un(3, 4, lo=-6, hi=6), away(4)])
case("remainder special", "remainder", "special", x.remainder(y), [lit([5.0, -5.0, 0.0, -0.0, 7.5, float("inf"), 3.0, 1.0]), lit([0.0, 3.0, 2.0, 2.0, float("inf"), 2.0, float("-inf"), float("nan")])])
case("remainder int32", "remainder", "int32", x.remainder(y), [ints(3, 4, lo=-9, hi=9), lit([[3, -3, 2, -2]] * 3, dtype=torch.int32)])
case("remainder int32 scalar", "remainder", "int32", x.remainder(4), [ints(8, lo=-9, hi=9)])
case("remainder int32 by float", "remainder", "arith", x.remainder(2.5), [ints(8, lo=-9, hi=9)])
case("tg.remainder number first", "remainder", "arith", Fn("remainder", 5.5, x), [away(6)])
case("floorDivide tensor", "floorDivide", "arith", x.floorDivide(y), [un(4, 5, lo=-6, hi=6, rg=False), away(4, 5, rg=False)])
case("floorDivide scalar", "floorDivide", "arith", x.floorDivide(-1.5), [un(9, lo=-5, hi=5, rg=False)])
case("floorDivide special", "floorDivide", "special", x.floorDivide(y), [lit([5.0, -5.0, 0.0, -0.0, 7.5, float("inf"), 1.0, -1.0], rg=False), lit([0.0, 3.0, 2.0, -2.0, float("inf"), 2.0, float("nan"), 0.0], rg=False)])
case("floorDivide int32", "floorDivide", "int32", x.floorDivide(y), [ints(3, 4, lo=-9, hi=9), lit([[3, -3, 2, -2]] * 3, dtype=torch.int32)])

# ---- convolution and pooling ----------------------------------------------------------------------
fam = "matmul"
cv = "F.conv2d"
case("conv2d basic", cv, fam, Fn(cv, x, y, c), [rn(2, 3, 7, 6), rn(4, 3, 3, 3), rn(4)])
case("conv2d no bias", cv, fam, Fn(cv, x, y), [rn(1, 2, 5, 5), rn(3, 2, 3, 3)])
case("conv2d stride 2 padding 1", cv, fam, Fn(cv, x, y, c, stride=2, padding=1), [rn(2, 3, 8, 7), rn(5, 3, 3, 3), rn(5)])
case("conv2d dilation 2", cv, fam, Fn(cv, x, y, None, dilation=2, padding=[2, 1]), [rn(1, 2, 9, 8), rn(3, 2, 3, 3)])
case("conv2d groups 2", cv, fam, Fn(cv, x, y, c, groups=2), [rn(2, 4, 6, 6), rn(6, 2, 3, 3), rn(6)])
case("conv2d depthwise", cv, fam, Fn(cv, x, y, None, groups=3, padding=1), [rn(1, 3, 5, 5), rn(3, 1, 3, 3)])
case("conv2d 1x1", cv, fam, Fn(cv, x, y, c), [rn(2, 5, 4, 3), rn(6, 5, 1, 1), rn(6)])
case("conv2d 1x1 strided", cv, fam, Fn(cv, x, y, None, stride=2), [rn(2, 3, 5, 5), rn(2, 3, 1, 1)])
case("conv2d kernel = input", cv, fam, Fn(cv, x, y, c), [rn(2, 2, 3, 4), rn(3, 2, 3, 4), rn(3)])
case("conv2d rectangular kernel", cv, fam, Fn(cv, x, y, None, stride=[2, 1], padding=[0, 2]), [rn(1, 2, 7, 5), rn(2, 2, 2, 5)])
case("conv2d same", cv, fam, Fn(cv, x, y, c, padding="same"), [rn(1, 2, 6, 5), rn(3, 2, 3, 5), rn(3)])
# An even kernel extent: PyTorch pads the extra element on the right / bottom.
case("conv2d same even kernel", cv, fam, Fn(cv, x, y, c, padding="same"), [rn(1, 2, 5, 6), rn(3, 2, 2, 4), rn(3)])
case("conv2d same even kernel dilated unbatched", cv, fam, Fn(cv, x, y, None, padding="same", dilation=[3, 1]), [rn(2, 6, 5), rn(2, 2, 2, 3)])
case("conv2d valid", cv, fam, Fn(cv, x, y, None, padding="valid"), [rn(1, 2, 6, 5), rn(3, 2, 3, 3)])
case("conv2d unbatched", cv, fam, Fn(cv, x, y, c), [rn(3, 6, 6), rn(2, 3, 3, 3), rn(2)])
case("conv2d mnist conv1", cv, fam, Fn(cv, x, y, c), [rn(2, 1, 28, 28), rn(32, 1, 3, 3), rn(32)])
case("conv2d of permuted input", cv, fam, Fn(cv, x.permute(0, 3, 1, 2), y), [rn(2, 5, 6, 3), rn(2, 3, 3, 3)])
case("conv1d basic", "F.conv1d", fam, Fn("F.conv1d", x, y, c), [rn(2, 3, 10), rn(4, 3, 3), rn(4)])
case("conv1d stride padding dilation", "F.conv1d", fam, Fn("F.conv1d", x, y, None, stride=2, padding=2, dilation=2), [rn(2, 2, 11), rn(3, 2, 3)])
case("conv1d same even kernel", "F.conv1d", fam, Fn("F.conv1d", x, y, c, padding="same"), [rn(2, 2, 7), rn(3, 2, 4), rn(3)])
case("conv1d same dilated odd extent", "F.conv1d", fam, Fn("F.conv1d", x, y, None, padding="same", dilation=3), [rn(1, 2, 6), rn(2, 2, 2)])
case("conv1d groups unbatched", "F.conv1d", fam, Fn("F.conv1d", x, y, None, groups=2), [rn(4, 9), rn(2, 2, 4)])
fam = "exact"
mp = "F.maxPool2d"
case("maxPool2d 2", mp, fam, Fn(mp, x, 2), [rn(2, 3, 8, 6)])
case("maxPool2d 3 stride 2 padding 1", mp, fam, Fn(mp, x, 3, stride=2, padding=1), [rn(1, 2, 7, 7)])
case("maxPool2d ceil mode", mp, fam, Fn(mp, x, 2, ceilMode=True), [rn(1, 2, 5, 7)])
case("maxPool2d dilation", mp, fam, Fn(mp, x, 2, stride=1, dilation=2), [rn(1, 1, 6, 6)])
case("maxPool2d rectangular", mp, fam, Fn(mp, x, [2, 3], stride=[1, 2]), [rn(2, 2, 5, 7)])
case("maxPool2d unbatched", mp, fam, Fn(mp, x, 2), [rn(3, 4, 4)])
case("maxPool2d ties", mp, fam, Fn(mp, x, 2), [lit([[[[1.0, 1.0, 0.0, 2.0], [1.0, 0.0, 2.0, 2.0]]]])])
fam = "reduce"
ap = "F.avgPool2d"
case("avgPool2d 2", ap, fam, Fn(ap, x, 2), [rn(2, 3, 8, 6)])
case("avgPool2d padding count pad", ap, fam, Fn(ap, x, 3, stride=2, padding=1), [rn(1, 2, 7, 7)])
case("avgPool2d padding no count pad", ap, fam, Fn(ap, x, 3, stride=2, padding=1, countIncludePad=False), [rn(1, 2, 7, 7)])
case("avgPool2d ceil mode", ap, fam, Fn(ap, x, 2, ceilMode=True), [rn(1, 2, 5, 7)])
case("avgPool2d ceil mode padding", ap, fam, Fn(ap, x, 3, stride=2, padding=1, ceilMode=True), [rn(1, 1, 6, 6)])
case("avgPool2d divisor override", ap, fam, Fn(ap, x, 2, divisorOverride=3), [rn(1, 2, 4, 4)])
aa = "F.adaptiveAvgPool2d"
case("adaptiveAvgPool2d 1x1", aa, fam, Fn(aa, x, 1), [rn(2, 3, 5, 7)])
case("adaptiveAvgPool2d uneven", aa, fam, Fn(aa, x, [3, 4]), [rn(1, 2, 7, 9)])
case("adaptiveAvgPool2d upsample", aa, fam, Fn(aa, x, [4, 4]), [rn(1, 1, 3, 2)])

# ---- pad and N-D indexSelect -----------------------------------------------------------------------
fam = "exact"
case("pad last dim", "F.pad", fam, Fn("F.pad", x, [1, 2]), [rn(2, 3)])
case("pad two dims value", "F.pad", fam, Fn("F.pad", x, [1, 0, 2, 1], "constant", -1.5), [rn(2, 3, 4)])
case("pad crop negative", "F.pad", fam, Fn("F.pad", x, [-1, 2, 0, -1]), [rn(3, 5)])
case("pad int32", "F.pad", "int32", Fn("F.pad", x, [2, 2], "constant", 7), [ints(2, 3)])
case("indexSelect 2-D index", "indexSelect", fam, x.indexSelect(0, y), [rn(5, 3), idx([[0, 4], [2, 2], [1, 0]])])
case("indexSelect 2-D index middle dim", "indexSelect", fam, x.indexSelect(1, y), [rn(2, 4, 3), idx([[3, 0, 1], [1, 1, 2]])])

# ---- scatterAdd and indexAdd --------------------------------------------------------------------
fam = "reduce"
case("scatterAdd dim 0", "scatterAdd", fam, x.scatterAdd(0, c, y), [rn(3, 4), rn(2, 4), idx([[0, 1, 2, 0], [2, 0, 0, 1]])])
case("scatterAdd dim 1 repeats", "scatterAdd", fam, x.scatterAdd(1, c, y), [rn(2, 5), rn(2, 3), idx([[4, 4, 0], [1, 1, 1]])])
case("scatterAdd src larger", "scatterAdd", fam, x.scatterAdd(1, c, y), [rn(2, 5), rn(3, 4, rg=False), idx([[0, 2], [3, 3]])])
case("scatterAdd 1-D", "scatterAdd", fam, x.scatterAdd(0, c, y), [rn(4), rn(5), idx([3, 0, 3, 3, 1])])
case("tg.scatterAdd", "scatterAdd", fam, Fn("scatterAdd", x, -1, c, y), [rn(2, 3), rn(2, 2), idx([[2, 2], [0, 1]])])
case("indexAdd dim 0", "indexAdd", fam, x.indexAdd(0, c, y), [rn(4, 3), rn(2, 3), idx([3, 0])])
case("indexAdd dim 1 repeats", "indexAdd", fam, x.indexAdd(1, c, y), [rn(2, 4), rn(2, 3), idx([1, 1, 3])])
case("indexAdd alpha", "indexAdd", fam, x.indexAdd(0, c, y, alpha=-2.5), [rn(3, 2), rn(2, 2), idx([2, 0])])
case("tg.indexAdd", "indexAdd", fam, Fn("indexAdd", x, 0, c, y), [rn(3), rn(2), idx([1, 1])])

# ---- cross-entropy over any dim (fused for index targets without weight / smoothing) ---------
fam = "softmax"
ce, nll = "F.crossEntropy", "F.nllLoss"
case("crossEntropy [N, C]", ce, fam, Fn(ce, x, y), [rn(6, 5), ints(6, lo=0, hi=5)])
case("crossEntropy [N, C] sum", ce, fam, Fn(ce, x, y, reduction="sum"), [rn(6, 5), ints(6, lo=0, hi=5)])
case("crossEntropy [N, C] none ignore", ce, fam, Fn(ce, x, y, reduction="none", ignoreIndex=1), [rn(7, 4), idx([1, 0, 3, 1, 2, 2, 1])])
case("crossEntropy K-dim [2,5,3,4]", ce, fam, Fn(ce, x, y), [rn(2, 5, 3, 4), ints(2, 3, 4, lo=0, hi=5)])
case("crossEntropy K-dim sum", ce, fam, Fn(ce, x, y, reduction="sum"), [rn(2, 5, 3, 4), ints(2, 3, 4, lo=0, hi=5)])
case("crossEntropy K-dim none", ce, fam, Fn(ce, x, y, reduction="none"), [rn(2, 5, 3, 4), ints(2, 3, 4, lo=0, hi=5)])
case("crossEntropy K-dim ignoreIndex mean", ce, fam, Fn(ce, x, y, ignoreIndex=-1), [rn(2, 5, 3, 4), ints(2, 3, 4, lo=-1, hi=5)])
case("crossEntropy K-dim ignoreIndex none", ce, fam, Fn(ce, x, y, reduction="none", ignoreIndex=2), [rn(2, 4, 3, 5), ints(2, 3, 5, lo=0, hi=4)])
case("crossEntropy K-dim default ignore -100", ce, fam, Fn(ce, x, y), [rn(3, 4, 5), idx([[0, -100, 3, 1, 2], [3, 3, -100, 0, 1], [-100, 2, 2, 1, 0]])])
case("crossEntropy 3-D [4,6,7]", ce, fam, Fn(ce, x, y), [rn(4, 6, 7), ints(4, 7, lo=0, hi=6)])
case("crossEntropy 5-D", ce, fam, Fn(ce, x, y, reduction="sum"), [rn(2, 3, 2, 3, 4), ints(2, 2, 3, 4, lo=0, hi=3)])
case("crossEntropy K-dim wide inner", ce, fam, Fn(ce, x, y), [rn(2, 3, 70), ints(2, 70, lo=0, hi=3)])
case("crossEntropy K-dim permuted input", ce, fam, Fn(ce, x.permute(0, 3, 1, 2), y), [rn(2, 3, 4, 5), ints(2, 3, 4, lo=0, hi=5)])
case("crossEntropy 1-D [C]", ce, fam, Fn(ce, x, y), [rn(6), lit(4, dtype=torch.int32, rg=False)])
case("crossEntropy 1-D [C] none", ce, fam, Fn(ce, x, y, reduction="none"), [rn(6), lit(2, dtype=torch.int32, rg=False)])
case("crossEntropy 1-D [C] ignored sum", ce, fam, Fn(ce, x, y, reduction="sum", ignoreIndex=3), [rn(5), lit(3, dtype=torch.int32, rg=False)])
case("crossEntropy K-dim all ignored", ce, fam, Fn(ce, x, y, ignoreIndex=0), [rn(2, 3, 2), lit([[0, 0], [0, 0]], dtype=torch.int32, rg=False)], grad=False)
# The composed path over K dims: weights, label smoothing, probability targets.
case("crossEntropy K-dim weight", ce, "composite", Fn(ce, x, y, weight=c), [rn(2, 4, 3), ints(2, 3, lo=0, hi=4), pos(4, rg=False)])
case("crossEntropy K-dim label smoothing", ce, "composite", Fn(ce, x, y, labelSmoothing=0.2, ignoreIndex=1), [rn(2, 4, 3, 2), ints(2, 3, 2, lo=0, hi=4)])
case("crossEntropy K-dim probabilities", ce, "composite", Fn(ce, x, y.softmax(1)), [rn(2, 4, 3), rn(2, 4, 3, rg=False)])
case("nllLoss K-dim", nll, fam, Fn(nll, x.logSoftmax(1), y, ignoreIndex=0), [rn(2, 5, 3, 4), ints(2, 3, 4, lo=0, hi=5)])
case("nllLoss K-dim none", nll, fam, Fn(nll, x.logSoftmax(1), y, reduction="none"), [rn(2, 5, 3), ints(2, 3, lo=0, hi=5)])
hvp("crossEntropy K-dim", ce, Fn(ce, x, y), [rn(2, 4, 3), ints(2, 3, lo=0, hi=4)])
hvp("crossEntropy K-dim none ignore", ce, Fn(ce, x, y, reduction="none", ignoreIndex=1), [rn(2, 4, 3), ints(2, 3, lo=0, hi=4)])

# ---- F.pad's reflect / replicate / circular ---------------------------------------------------
fam = "exact"
fp = "F.pad"
case("pad reflect 3-D", fp, fam, Fn(fp, x, [2, 1], "reflect"), [rn(2, 3, 5)])
case("pad reflect 2-D unbatched", fp, fam, Fn(fp, x, [1, 3], "reflect"), [rn(3, 5)])
case("pad reflect 4-D", fp, "arith", Fn(fp, x, [1, 2, 2, 1], "reflect"), [rn(1, 2, 4, 5)])
case("pad reflect 3-D two dims", fp, "arith", Fn(fp, x, [1, 1, 2, 1], "reflect"), [rn(2, 3, 4)])
case("pad reflect 5-D", fp, "arith", Fn(fp, x, [1, 1, 2, 0, 1, 2], "reflect"), [rn(1, 2, 3, 4, 5)])
case("pad reflect negative", fp, fam, Fn(fp, x, [-1, 2], "reflect"), [rn(2, 3, 5)])
case("pad replicate 3-D", fp, fam, Fn(fp, x, [2, 3], "replicate"), [rn(2, 3, 4)])
case("pad replicate beyond size", fp, fam, Fn(fp, x, [5, 1], "replicate"), [rn(1, 2, 3)])
case("pad replicate 4-D", fp, "arith", Fn(fp, x, [1, 0, 2, 3], "replicate"), [rn(2, 2, 3, 3)])
case("pad replicate 5-D", fp, "arith", Fn(fp, x, [1, 2, 0, 1, 2, 1], "replicate"), [rn(1, 1, 2, 3, 4)])
case("pad replicate crop", fp, "arith", Fn(fp, x, [-2, 1, 1, -1], "replicate"), [rn(1, 3, 4, 5)])
case("pad circular 3-D", fp, fam, Fn(fp, x, [3, 1], "circular"), [rn(2, 2, 3)])
case("pad circular 4-D", fp, "arith", Fn(fp, x, [1, 2, 2, 1], "circular"), [rn(1, 2, 3, 4)])
case("pad circular 5-D", fp, "arith", Fn(fp, x, [1, 1, 1, 0, 2, 2], "circular"), [rn(1, 1, 2, 3, 4)])
case("pad circular crop", fp, fam, Fn(fp, x, [-1, 2], "circular"), [rn(2, 3, 4)])
case("pad circular crop right", fp, fam, Fn(fp, x, [2, -1], "circular"), [rn(2, 3, 4)])
case("pad circular crop both", fp, "arith", Fn(fp, x, [1, -3, -1, 2], "circular"), [rn(1, 2, 4, 5)])
case("pad circular int32", fp, "int32", Fn(fp, x, [1, 2], "circular"), [ints(2, 2, 3)])
case("pad reflect zero batch", fp, fam, Fn(fp, x, [1, 1], "reflect"), [rn(0, 2, 3)])
case("pad reflect nothing", fp, fam, Fn(fp, x, [0, 0], "reflect"), [rn(1, 2, 3)])
err("pad reflect amount >= size", "pad", Fn(fp, x, [3, 0], "reflect"), [rn(1, 2, 3)])
err("pad reflect 4-D amount >= size", "pad", Fn(fp, x, [1, 1, 2, 2], "reflect"), [rn(1, 1, 2, 3)])
err("pad circular wraps twice", "pad", Fn(fp, x, [4, 1], "circular"), [rn(1, 2, 3)])
err("pad reflect 1-D", "pad", Fn(fp, x, [1, 1], "reflect"), [rn(3)])
err("pad replicate too many dims", "pad", Fn(fp, x, [1, 1], "replicate"), [rn(1, 1, 1, 1, 2, 3)])
err("pad reflect odd length", "pad", Fn(fp, x, [1, 1, 1], "reflect"), [rn(1, 2, 3)])
err("pad reflect value", "pad", Fn(fp, x, [1, 1], "reflect", 1.0), [rn(1, 2, 3)])
err("pad circular unbatched", "pad", Fn(fp, x, [1, 1], "circular"), [rn(2, 3)])
err("pad circular unbatched 2-D", "pad", Fn(fp, x, [1, 1, 1, 1], "circular"), [rn(2, 2, 3)])
err("pad unknown mode", "pad", Fn(fp, x, [1, 1], "foo"), [rn(1, 2, 3)])
err("pad reflect int32", "pad", Fn(fp, x, [1, 1], "reflect"), [ints(1, 2, 3)])
err("pad replicate empty dim", "pad", Fn(fp, x, [1, 1], "replicate"), [rn(1, 2, 0)])
err("pad replicate crop to nothing", "pad", Fn(fp, x, [-2, -2], "replicate"), [rn(1, 2, 3)])

# ---- scatter (replace; reduce add / multiply) -------------------------------------------------
fam = "exact"
case("scatter dim 0", "scatter", fam, x.scatter(0, c, y), [rn(3, 4), rn(2, 4), idx([[0, 1, 2, 0], [2, 0, 1, 1]])])
case("scatter dim 1", "scatter", fam, x.scatter(1, c, y), [rn(2, 5), rn(2, 3), idx([[4, 0, 2], [1, 3, 0]])])
case("scatter src larger", "scatter", fam, x.scatter(1, c, y), [rn(2, 5), rn(3, 4, rg=False), idx([[0, 2], [3, 1]])])
case("scatter 1-D", "scatter", fam, x.scatter(0, c, y), [rn(5), rn(3), idx([4, 0, 2])])
case("scatter 3-D dim -1", "scatter", fam, x.scatter(-1, c, y), [rn(2, 3, 4), rn(2, 3, 2), idx([[[3, 0], [1, 2], [0, 1]], [[2, 3], [3, 0], [1, 2]]])])
case("scatter index smaller", "scatter", fam, x.scatter(0, c, y), [rn(4, 3), rn(2, 2), idx([[3, 0], [1, 2]])])
case("scatter value", "scatter", fam, x.scatter(1, y, 1.5), [rn(3, 4), idx([[0, 3], [2, 2], [1, 0]])])
case("scatter of t()", "scatter", fam, x.t().scatter(0, c, y), [rn(4, 3), rn(2, 4), idx([[0, 1, 2, 0], [1, 2, 0, 2]])])
case("scatter int32", "scatter", "int32", x.scatter(0, c, y), [ints(3, 4), ints(2, 4), idx([[0, 1, 2, 0], [2, 0, 1, 1]])])
case("scatter int32 value", "scatter", "int32", x.scatter(1, y, 7), [ints(2, 3), idx([[2], [0]])])
case("scatter bool value", "scatter", fam, x.scatter(0, y, True), [boolm(3, 2), idx([[2, 0]])])
case("scatter empty index", "scatter", fam, x.scatter(1, c, y), [rn(3, 4), rn(3, 2, rg=False), lit([], shape=(3, 0), dtype=torch.int32, rg=False)])
case("tg.scatter", "scatter", fam, Fn("scatter", x, 0, c, y), [rn(3, 2), rn(1, 2), idx([[2, 0]])])
case("scatter reduce add", "scatter", "arith", x.scatter(1, c, y, reduce="add"), [rn(2, 4, rg=False), rn(2, 3, rg=False), idx([[0, 0, 3], [1, 2, 1]])])
case("scatter reduce multiply", "scatter", "arith", x.scatter(0, c, y, reduce="multiply"), [rn(3, 2, rg=False), rn(3, 2, rg=False), idx([[0, 1], [0, 2], [2, 1]])])
case("scatter reduce add value", "scatter", "arith", x.scatter(1, y, 2.5, reduce="add"), [rn(2, 3, rg=False), idx([[0, 0], [2, 1]])])
case("scatter reduce multiply int32", "scatter", "int32", x.scatter(1, c, y, reduce="multiply"), [ints(2, 3), ints(2, 2), idx([[0, 0], [2, 1]])])
case("scatter_ on a non-leaf", "scatter_", fam, x.mul(1).scatter_(0, c, y), [rn(3, 4), rn(2, 4), idx([[0, 1, 2, 0], [2, 0, 1, 1]])])
case("scatter_ value", "scatter_", fam, x.mul(2).scatter_(1, y, -3.0), [rn(2, 4), idx([[1, 3], [0, 2]])])
case("scatter_ reduce add", "scatter_", "arith", x.mul(1).scatter_(0, c, y, reduce="add"), [rn(3, 2, rg=False), rn(2, 2, rg=False), idx([[0, 2], [0, 2]])])
hvp("scatter squared", "scatter", x.scatter(0, c, y).pow(2).mul(x.scatter(0, c, y)), [rn(3, 2), rn(2, 2), idx([[2, 0], [0, 1]])])
err("scatter index out of range", "scatter", x.scatter(0, c, y), [rn(3, 2), rn(1, 2), idx([[3, 0]])])
err("scatter negative index", "scatter", x.scatter(0, c, y), [rn(3, 2), rn(1, 2), idx([[-1, 0]])])
err("scatter dtype mismatch", "scatter", x.scatter(0, c, y), [rn(3, 2), ints(1, 2), idx([[1, 0]])])
err("scatter ndim mismatch", "scatter", x.scatter(0, c, y), [rn(3, 2), rn(2), idx([1, 0])])
err("scatter index larger than src", "scatter", x.scatter(0, c, y), [rn(3, 2), rn(1, 1), idx([[1, 0]])])
err("scatter index larger outside dim", "scatter", x.scatter(0, c, y), [rn(3, 1), rn(2, 2), idx([[1, 0]])])
err("scatter bad reduce", "scatter", x.scatter(0, c, y, reduce="sum"), [rn(3, 2), rn(1, 2), idx([[1, 0]])])
err("scatter float index", "scatter", x.scatter(0, c, y), [rn(3, 2), rn(1, 2), rn(1, 2, rg=False)])

# ---- cumprod (its gradient is exact at zeros) -------------------------------------------------
fam = "reduce"
case("cumprod dim 0", "cumprod", fam, x.cumprod(0), [away(5, 3, lo=0.5, hi=1.5)])
case("cumprod dim 1", "cumprod", fam, x.cumprod(1), [away(3, 6, lo=0.5, hi=1.5)])
case("cumprod dim -1 3-D", "cumprod", fam, x.cumprod(-1), [rn(2, 3, 4)])
case("cumprod dim 1 3-D", "cumprod", fam, x.cumprod(1), [rn(2, 3, 4)])
case("cumprod of t()", "cumprod", fam, x.t().cumprod(1), [rn(4, 3)])
case("cumprod one zero", "cumprod", fam, x.cumprod(1), [lit([[1.5, 0.0, -2.0, 3.0, 0.5], [2.0, 0.5, -1.0, 4.0, 0.0], [0.0, 1.5, 2.0, -0.5, 1.0]])])
case("cumprod two zeros", "cumprod", fam, x.cumprod(1), [lit([[1.5, 0.0, -2.0, 0.0, 0.5], [0.0, 0.5, 0.0, 4.0, 2.0], [0.0, 0.0, 2.0, -0.5, 1.0]])])
case("cumprod zeros dim 0", "cumprod", fam, x.cumprod(0), [lit([[1.5, 0.0, 2.0], [0.0, 0.5, 3.0], [2.0, 2.0, 0.0], [-1.0, 3.0, 0.5]])])
case("cumprod 0-d", "cumprod", fam, x.cumprod(0), [rn()])
case("cumprod size-1 dim", "cumprod", fam, x.cumprod(1), [rn(3, 1)])
case("cumprod [0,3]", "cumprod", fam, x.cumprod(0), [rn(0, 3)])
case("cumprod int32", "cumprod", "int32", x.cumprod(1), [ints(3, 5, lo=-3, hi=4)])
case("cumprod bool", "cumprod", "int32", x.cumprod(0), [boolm(7)])
case("tg.cumprod", "cumprod", fam, Fn("cumprod", x, 0), [away(6, lo=0.5, hi=1.5)])
hvp("cumprod", "cumprod", x.cumprod(1), [away(2, 4, lo=0.5, hi=1.5)])
hvp("cumprod zeros", "cumprod", x.cumprod(1), [lit([[1.5, 0.0, -2.0, 3.0], [0.0, 0.5, 0.0, 4.0]])])
err("cumprod dim out of range", "cumprod", x.cumprod(2), [rn(3, 4)])

# ---- F.unfold / F.fold (im2col / col2im) ---------------------------------------------------
fam = "reduce"
uf, fo = "F.unfold", "F.fold"
case("unfold k2", uf, fam, Fn(uf, x, 2), [rn(2, 3, 4, 5)])
case("unfold k [2,3] padding stride dilation", uf, fam, Fn(uf, x, [2, 3], padding=1, stride=2, dilation=[1, 2]), [rn(2, 2, 6, 7)])
case("unfold padding pair", uf, fam, Fn(uf, x, 3, padding=[2, 0], stride=[1, 2]), [rn(1, 2, 4, 7)])
case("unfold 3-D unbatched", uf, fam, Fn(uf, x, 2, stride=2), [rn(3, 4, 4)])
case("unfold zero batch", uf, fam, Fn(uf, x, 2), [rn(0, 2, 3, 3)])
case("fold k2 overlapping", fo, fam, Fn(fo, x, [4, 5], 2), [rn(2, 12, 12)])
case("fold padding stride dilation", fo, fam, Fn(fo, x, [6, 7], [2, 3], padding=1, stride=2, dilation=[1, 2]), [rn(2, 12, 12)])
case("fold 2-D unbatched", fo, fam, Fn(fo, x, 5, 3, padding=1), [rn(18, 25)])
case("fold of unfold", fo, fam, Fn(fo, Fn(uf, x, 3, padding=1), [4, 4], 3, padding=1), [rn(1, 2, 4, 4)])
hvp("unfold squared", uf, Fn(uf, x, 2, padding=1).pow(3), [rn(1, 2, 3, 3)])
hvp("fold squared", fo, Fn(fo, x, [3, 3], 2).pow(3), [rn(1, 8, 4)])
err("unfold no blocks", "unfold", Fn(uf, x, 3), [rn(1, 3, 2, 2)])
err("unfold 2-D input", "unfold", Fn(uf, x, 2), [rn(5, 5)])
err("unfold empty channels", "unfold", Fn(uf, x, 2), [rn(2, 0, 5, 5)])
err("unfold kernel 0", "unfold", Fn(uf, x, 0), [rn(1, 3, 5, 5)])
err("unfold stride 0", "unfold", Fn(uf, x, 2, stride=0), [rn(1, 3, 5, 5)])
err("unfold negative padding", "unfold", Fn(uf, x, 2, padding=-1), [rn(1, 3, 5, 5)])
err("unfold int32", "unfold", Fn(uf, x, 2), [ints(1, 3, 5, 5)])
err("fold blocks mismatch", "fold", Fn(fo, x, [5, 5], 2), [rn(2, 12, 15)])
err("fold not divisible", "fold", Fn(fo, x, [5, 5], 2), [rn(2, 13, 16)])
err("fold 4-D input", "fold", Fn(fo, x, [5, 5], 2), [rn(2, 12, 16, 1)])

# ---- attention -------------------------------------------------------------------------------------
fam = "composite"
d = T(3)
case("sdpa basic", "F.scaledDotProductAttention", fam, Fn("F.scaledDotProductAttention", x, y, c), [rn(2, 5, 4), rn(2, 6, 4), rn(2, 6, 3)])
case("sdpa heads", "F.scaledDotProductAttention", fam, Fn("F.scaledDotProductAttention", x, y, c), [rn(2, 3, 4, 8), rn(2, 3, 4, 8), rn(2, 3, 4, 8)])
case("sdpa causal", "F.scaledDotProductAttention", fam, Fn("F.scaledDotProductAttention", x, y, c, isCausal=True), [rn(2, 6, 4), rn(2, 6, 4), rn(2, 6, 4)])
case("sdpa bool mask", "F.scaledDotProductAttention", fam, Fn("F.scaledDotProductAttention", x, y, c, attnMask=d), [rn(2, 3, 4), rn(2, 5, 4), rn(2, 5, 2), lit([[True, True, False, True, False], [True, False, False, False, False], [True, True, True, True, True]], dtype=torch.bool)])
case("sdpa float mask", "F.scaledDotProductAttention", fam, Fn("F.scaledDotProductAttention", x, y, c, attnMask=d), [rn(3, 4), rn(5, 4), rn(5, 2), rn(3, 5)])
case("sdpa scale", "F.scaledDotProductAttention", fam, Fn("F.scaledDotProductAttention", x, y, c, scale=0.3), [rn(4, 4), rn(4, 4), rn(4, 4)])

# ---- layer norm and embeddings ---------------------------------------------------------------------
fam = "composite"
case("layerNorm last dim", "F.layerNorm", fam, Fn("F.layerNorm", x, 8), [rn(4, 8)])
case("layerNorm affine", "F.layerNorm", fam, Fn("F.layerNorm", x, [8], y, c), [rn(2, 3, 8), rn(8), rn(8)])
case("layerNorm two dims affine", "F.layerNorm", fam, Fn("F.layerNorm", x, [3, 4], y, c), [rn(2, 3, 4), rn(3, 4), rn(3, 4)])
case("layerNorm eps 0.1", "F.layerNorm", fam, Fn("F.layerNorm", x, 5, None, None, 0.1), [rn(3, 5)])
case("layerNorm of t()", "F.layerNorm", fam, Fn("F.layerNorm", x.t(), 3, y, None), [rn(3, 6), rn(3)])
case("layerNorm large offset", "F.layerNorm", fam, Fn("F.layerNorm", x, 16, y, c), [un(4, 16, lo=90, hi=110), rn(16), rn(16)])
case("embedding 1-D", "F.embedding", fam, Fn("F.embedding", x, y), [idx([3, 0, 3, 1]), rn(5, 4)])
case("embedding 2-D index", "F.embedding", fam, Fn("F.embedding", x, y), [idx([[0, 2, 2], [4, 1, 0]]), rn(5, 3)])
case("embedding dim 0", "F.embedding", fam, Fn("F.embedding", x, y), [idx([[0, 2], [1, 1]]), rn(3, 0)])
case("embedding 0-d index", "F.embedding", fam, Fn("F.embedding", x, y), [idx(2), rn(4, 3)])
case("embedding padding", "F.embedding", fam, Fn("F.embedding", x, y, 1), [idx([[1, 2], [1, 0]]), rn(3, 2)])
case("embedding padding negative", "F.embedding", fam, Fn("F.embedding", x, y, -1), [idx([2, 2, 0]), rn(3, 2)])
hvp("layerNorm", "F.layerNorm", Fn("F.layerNorm", x, 6), [rn(2, 6)])
case("groupNorm 2 groups", "F.groupNorm", fam, Fn("F.groupNorm", x, 2), [rn(3, 4, 5)])
case("groupNorm affine 4-D", "F.groupNorm", fam, Fn("F.groupNorm", x, 3, y, c), [rn(2, 6, 3, 3), rn(6), rn(6)])
case("groupNorm one group per channel", "F.groupNorm", fam, Fn("F.groupNorm", x, 4, y, None, 1e-3), [rn(2, 4, 7), rn(4)])
case("groupNorm 2-D", "F.groupNorm", fam, Fn("F.groupNorm", x, 1), [rn(4, 6)])

# ---- scans and sorting: cumsum, sort, argsort, topk, multinomial -------------------------------
fam = "reduce"
case("cumsum dim 0", "cumsum", fam, x.cumsum(0), [rn(5, 3)])
case("cumsum dim 1", "cumsum", fam, x.cumsum(1), [rn(3, 6)])
case("cumsum dim -1 3-D", "cumsum", fam, x.cumsum(-1), [rn(2, 3, 4)])
case("cumsum dim 1 3-D", "cumsum", fam, x.cumsum(1), [rn(2, 3, 4)])
case("cumsum of t()", "cumsum", fam, x.t().cumsum(1), [rn(4, 3)])
case("cumsum 0-d", "cumsum", fam, x.cumsum(0), [rn()])
case("cumsum [0,3]", "cumsum", fam, x.cumsum(0), [rn(0, 3)])
case("cumsum int32", "cumsum", "int32", x.cumsum(1), [ints(3, 5)])
case("cumsum bool", "cumsum", "int32", x.cumsum(0), [boolm(7)])
case("tg.cumsum", "cumsum", fam, Fn("cumsum", x, 0), [rn(6)])
case("cumsum nan", "cumsum", "special", x.cumsum(0), [lit([1.0, float("nan"), 2.0, float("inf")])], grad=False)
fam = "exact"
case("sort default", "sort", fam, x.sort(), [rn(4, 6)])
case("sort dim 0", "sort", fam, x.sort(0), [rn(5, 3)])
case("sort descending", "sort", fam, x.sort(-1, True), [rn(3, 7)])
case("sort dim 1 3-D descending", "sort", fam, x.sort(1, True), [rn(2, 5, 3)])
case("sort of t()", "sort", fam, x.t().sort(1), [rn(5, 3)])
case("sort values", "sort", fam, x.sort(0).get("values"), [rn(6, 2)])
case("sort indices", "sort", fam, x.sort(1).get("indices"), [rn(3, 5)])
case("sort ties", "sort", fam, x.sort(1), [intf(4, 9, lo=0, hi=3)])
case("sort ties descending", "sort", fam, x.sort(1, True), [intf(4, 9, lo=0, hi=3)])
case("sort nan", "sort", fam, x.sort(), [lit([1.0, float("nan"), -2.0, float("inf"), float("nan"), float("-inf"), 0.0])], grad=False)
case("sort nan descending", "sort", fam, x.sort(0, True), [lit([1.0, float("nan"), -2.0, float("inf"), float("nan"), 0.0])], grad=False)
case("sort 0-d", "sort", fam, x.sort(), [rn()])
case("sort [0,3]", "sort", fam, x.sort(0), [rn(0, 3)])
case("sort [3,0]", "sort", fam, x.sort(), [rn(3, 0)])
case("sort int32", "sort", "int32", x.sort(1), [ints(3, 8)])
case("sort int32 descending", "sort", "int32", x.sort(0, True), [ints(6, 2)])
case("sort bool", "sort", fam, x.sort(), [boolm(9)])
case("tg.sort", "sort", fam, Fn("sort", x, 0, True), [rn(4, 3)])
case("argsort default", "argsort", fam, x.argsort(), [rn(3, 5)])
case("argsort dim 0 descending", "argsort", fam, x.argsort(0, True), [rn(5, 4)])
case("argsort ties", "argsort", fam, x.argsort(1), [intf(3, 10, lo=0, hi=2)])
case("argsort int32", "argsort", fam, x.argsort(0), [ints(7)])
case("argsort nan", "argsort", fam, x.argsort(), [lit([0.5, float("nan"), -1.0, float("nan")])])
case("tg.argsort", "argsort", fam, Fn("argsort", x, -1, True), [rn(2, 6)])
case("topk largest", "topk", fam, x.topk(3), [rn(4, 7)])
case("topk smallest", "topk", fam, x.topk(2, -1, False), [rn(4, 7)])
case("topk dim 0", "topk", fam, x.topk(2, 0), [rn(5, 3)])
case("topk dim 1 3-D smallest", "topk", fam, x.topk(3, 1, False), [rn(2, 6, 3)])
case("topk k = n", "topk", fam, x.topk(5), [rn(3, 5)])
case("topk k = 0", "topk", fam, x.topk(0), [rn(3, 5)])
case("topk of t()", "topk", fam, x.t().topk(2, 1), [rn(6, 3)])
case("topk values", "topk", fam, x.topk(2).get("values"), [rn(3, 6)])
# Unsorted: PyTorch 1.13's CPU order is its partial sort's; the sum over the picked set is the same.
case("topk unsorted sum", "topk", "reduce", x.topk(3, 1, True, False).get("values").sum(1), [rn(4, 8)])
case("topk unsorted smallest sum", "topk", "reduce", x.topk(2, 0, False, False).get("values").sum(0), [rn(6, 3)])
case("topk int32", "topk", "int32", x.topk(3, 1), [ints(3, 8, lo=-50, hi=50)])
case("topk int32 smallest", "topk", "int32", x.topk(2, 0, False), [ints(6, 2, lo=-50, hi=50)])
case("topk 0-d", "topk", fam, x.topk(1), [rn()])
case("topk [0,4]", "topk", fam, x.topk(2), [rn(0, 4)])
case("topk nan", "topk", fam, x.topk(2), [lit([1.0, float("nan"), 3.0, -1.0])], grad=False)
case("tg.topk", "topk", fam, Fn("topk", x, 2, 0, False), [rn(5, 2)])
# multinomial: PyTorch's stream is not ours, so only draws that are certain (one-hot rows).
case("multinomial one-hot rows", "multinomial", "int32", Fn("multinomial", x, 3, replacement=True), [lit([[0.0, 0.0, 2.0], [0.5, 0.0, 0.0]], rg=False)])
case("multinomial one-hot 1-D", "multinomial", "int32", Fn("multinomial", x, 1), [lit([0.0, 0.0, 0.0, 1.0], rg=False)])
case("multinomial method", "multinomial", "int32", x.multinomial(2, replacement=True), [lit([0.0, 3.0], rg=False)])
err("topk k too large", "topk", x.topk(4), [rn(3)])
err("sort dim out of range", "sort", x.sort(2), [rn(3, 4)])
err("cumsum dim out of range", "cumsum", x.cumsum(1), [rn(3)])
err("multinomial 3-D", "multinomial", Fn("multinomial", x, 1), [un(2, 2, 2, lo=0.1, hi=1, rg=False)])
err("multinomial too many without replacement", "multinomial", Fn("multinomial", x, 4), [un(3, lo=0.1, hi=1, rg=False)])
err("multinomial negative", "multinomial", Fn("multinomial", x, 1), [lit([0.5, -0.1], rg=False)])

# ---- composites of the new ops -------------------------------------------------------------

fam = "composite"
# Cross-entropy two ways: logSoftmax -> gather(target) -> mean, and through oneHot.
case("cross-entropy via gather", "logSoftmax", fam, x.logSoftmax(1).gather(1, y.unsqueeze(1)).mean().neg(),
     [rn(6, 5), idx([0, 4, 2, 2, 1, 3])])
case("cross-entropy via oneHot", "logSoftmax", fam, x.logSoftmax(-1).mul(Fn("oneHot", y, 5)).sum(-1).mean().neg(),
     [rn(6, 5), idx([0, 4, 2, 2, 1, 3])])
case("cross-entropy large logits", "logSoftmax", fam, x.logSoftmax(1).gather(1, y.unsqueeze(1)).mean().neg(),
     [rn(4, 5, scale=200.0), idx([0, 4, 2, 1])])
case("cross-entropy via logsumexp", "logsumexp", fam, x.logsumexp(1).sub(x.gather(1, y.unsqueeze(1)).squeeze(1)).mean(),
     [rn(6, 5), idx([0, 4, 2, 2, 1, 3])])
case("layer norm (var unbiased false)", "var", fam,
     x.sub(x.mean(-1, True)).div(x.var(-1, True, unbiased=False).add(1e-5).sqrt()).mul(y).add(c),
     [rn(4, 6), rn(6), rn(6)])
case("standardize with std", "std", fam, x.sub(x.mean(0)).div(x.std(0)), [rn(5, 3)])
case("attention softmax", "softmax", fam, x.matmul(y.t()).div(2.0).softmax(-1).matmul(c), [rn(3, 4), rn(5, 4), rn(5, 2)])
case("softmax weighted sum", "softmax", fam, x.softmax(1).mul(y).sum(1), [rn(3, 4), rn(3, 4)])
case("logsumexp minus max", "logsumexp", fam, x.logsumexp(1).sub(x.max(1).get("values")), [rn(3, 5)])
case("prod of softmax log", "prod", fam, x.softmax(1).prod(1).log(), [rn(3, 4)])
case("split, scale, cat", "split", fam, Fn("cat", [x.split(2, 1).at(0).mul(2.0), x.split(2, 1).at(1).exp()], 1), [un(3, 4, lo=-1, hi=1)])
case("stack of reductions", "stack", fam, Fn("stack", [x.sum(1), x.var(1), x.logsumexp(1)], 1), [rn(3, 4)])
case("gather of cat", "gather", fam, Fn("cat", [x, y], 1).gather(1, c), [rn(3, 2), rn(3, 3), idx([[4, 0], [1, 1], [3, 2]])])
case("chunk-wise prod", "chunk", fam, Fn("stack", [x.chunk(2, 1).at(0).prod(1), x.chunk(2, 1).at(1).prod(1)], 0),
     [away(3, 4, lo=0.5, hi=1.5)])


# ---- composites: several ops per graph, and sizes that take the threaded native paths ----

fam = "composite"
case("composite mlp layer", "matmul", fam, x.matmul(y).add(c).tanh(), [rn(5, 7), rn(7, 3, scale=0.5), rn(3)])
case("composite shared input", "mul", fam, x.mul(x.exp()).sub(x.square().sum(1, True)), [un(3, 4)])
case("composite softmax-like", "exp", fam, x.exp().div(x.exp().sum(-1, True)), [rn(3, 5)])
# 128 x 256 = 32768 elements: the elementwise kernels and the row reduction split over threads;
# the broadcast backward sums 128 x 256 back to the inputs.
case("composite threaded bcast-exp-sum", "exp", fam, x.add(y).mul(0.25).exp().sum(1), [rn(128, 1), rn(1, 256)])
case("composite threaded column sum", "sum", fam, x.add(y).sigmoid().sum(0), [rn(128, 1), rn(1, 256)])


# ---- second derivatives (Hessian-vector products) --------------------------------------

hvp("exp", "exp", x.exp(), [un(7, lo=-2, hi=2)])
hvp("tanh", "tanh", x.tanh(), [un(7, lo=-2, hi=2)])
hvp("sigmoid", "sigmoid", x.sigmoid(), [un(7, lo=-3, hi=3)])
hvp("mul", "mul", x.mul(y), [rn(3, 4), rn(4)])
hvp("mul self", "mul", x.mul(x), [rn(6)])
hvp("pow scalar 3", "pow", x.pow(3), [rn(7)])
hvp("pow scalar 2.5", "pow", x.pow(2.5), [pos(7)])
hvp("pow tensor", "pow", x.pow(y), [pos(5), rn(5)])
hvp("tg.pow(2, t)", "pow", Fn("pow", 2, x), [rn(5)])
hvp("div", "div", x.div(y), [rn(5), away(5)])
hvp("log", "log", x.log(), [pos(6)])
hvp("log2", "log2", x.log2(), [pos(6)])
hvp("sqrt", "sqrt", x.sqrt(), [pos(6)])
hvp("sin", "sin", x.sin(), [rn(6)])
hvp("gelu", "gelu", x.gelu(), [un(7, lo=-3, hi=3)])
hvp("softplus", "softplus", x.softplus(), [un(7, lo=-3, hi=3)])
hvp("matmul", "matmul", x.matmul(y), [rn(3, 4), rn(4, 2)])
hvp("matmul batched bcast", "matmul", x.matmul(y), [rn(2, 3, 4), rn(4, 2)])
hvp("matmul square", "matmul", x.matmul(x), [rn(3, 3)])
hvp("sum squared", "sum", x.sum(1).square(), [rn(3, 4)])
hvp("mean times sum", "mean", x.mean(0).mul(x.sum(0)), [rn(3, 4)])
hvp("mean all exp", "mean", x.exp().mean(), [un(3, 4)])
hvp("cos", "cos", x.cos(), [rn(6)])
hvp("rsqrt", "rsqrt", x.rsqrt(), [pos(6)])
hvp("reciprocal", "reciprocal", x.reciprocal(), [away(6)])
hvp("square", "square", x.square(), [rn(6)])
hvp("sub neg add", "sub", x.sub(y).neg().mul(x.add(y)), [rn(2, 3), rn(3)])
hvp("softmax-like div", "div", x.exp().div(x.exp().sum(1, True)), [rn(2, 4)])
# Piecewise ops: their own second derivative is 0, but their backward must carry the graph
# of what flows into it (relu(x) * x, clamp(x)^3, ...).
hvp("relu", "relu", x.relu(), [away(6)])
hvp("leakyRelu", "leakyRelu", x.leakyRelu(0.2), [away(6)])
hvp("relu times x", "relu", x.relu().mul(x), [away(6)])
hvp("leakyRelu squared", "leakyRelu", x.leakyRelu(0.2).square(), [away(6)])
hvp("abs cubed", "abs", x.abs().pow(3), [away(6)])
hvp("clamp cubed", "clamp", x.clamp(-0.5, 0.5).pow(3), [away(8, lo=0.1, hi=1)])
hvp("maximum squared", "maximum", x.maximum(y).square(), [rn(6), rn(6)])
hvp("where", "where", Fn("where", c, x.exp(), x.pow(3)), [rn(6), rn(1, rg=False), boolm(6)])
hvp("max dim squared", "max", x.max(1).get("values").pow(3), [rn(3, 4)])
hvp("indexSelect cubed", "indexSelect", x.indexSelect(0, y).pow(3), [rn(4, 3), idx([3, 0, 3])])
hvp("slice cubed", "slice", x.slice(1, 0, None, 2).pow(3), [rn(3, 6)])
hvp("select and t", "select", x.t().select(0, 1).mul(x.select(0, 0)), [rn(3, 3)])
hvp("permute reshape expand", "expand", x.permute(1, 0).reshape(-1).expand(2, 6).pow(3), [rn(2, 3)])
hvp("sum keepdim div", "sum", x.div(x.sum(0, True)), [pos(3, 2)])
hvp("matmul t() operands", "matmul", x.t().matmul(y).tanh(), [rn(4, 3), rn(4, 2)])
hvp("dot", "dot", x.dot(y).square(), [rn(5), rn(5)])
hvp("outer", "outer", x.outer(y).sin(), [rn(3), rn(4)])
hvp("bmm", "bmm", x.bmm(y).square(), [rn(2, 2, 3), rn(2, 3, 2)])

hvp("var dim 1", "var", x.var(1), [rn(3, 4)])
hvp("var all unbiased false", "var", x.var(None, False, unbiased=False), [rn(3, 4)])
hvp("var dims keepdim correction 0", "var", x.var([0, 1], True, correction=0).mul(x), [rn(2, 3)])
hvp("std dim 0", "std", x.std(0), [rn(4, 3)])
hvp("logsumexp dim 1", "logsumexp", x.logsumexp(1), [rn(3, 4)])
hvp("logsumexp dims [0,1]", "logsumexp", x.logsumexp([0, 1]), [rn(3, 4)])
hvp("logsumexp large", "logsumexp", x.logsumexp(1), [lit([[1000.0, 999.0, 998.5], [-1000.0, -1001.0, -999.0]])])
hvp("softmax dim 1", "softmax", x.softmax(1), [rn(2, 4)])
hvp("softmax dim 0", "softmax", x.softmax(0), [rn(3, 2)])
hvp("logSoftmax dim -1", "logSoftmax", x.logSoftmax(-1), [rn(3, 4)])
hvp("prod dim 1", "prod", x.prod(1), [away(3, 4, lo=0.5, hi=1.5)])
hvp("prod all", "prod", x.prod(), [away(5, lo=0.5, hi=1.5)])
# Zeros: the first derivative of a product with one zero is still a polynomial in the other
# elements (and in the zero), so its derivative is not 0; with two zeros the second derivative
# is the product of the remaining elements at the pair of zeros.
hvp("prod one zero", "prod", x.prod(1), [lit([[1.5, 0.0, -2.0, 3.0], [2.0, 0.5, -1.0, 4.0]])])
hvp("prod two zeros", "prod", x.prod(1), [lit([[1.5, 0.0, -2.0, 0.0], [0.0, 0.5, 0.0, 4.0]])])
hvp("prod dims [0,2]", "prod", x.prod([0, 2]), [away(2, 3, 2, lo=0.5, hi=1.5)])
hvp("cross-entropy", "logSoftmax", x.logSoftmax(1).gather(1, y.unsqueeze(1)).mean().neg(), [rn(4, 5), idx([1, 4, 0, 1])])
hvp("gather cubed", "gather", x.gather(1, y).pow(3), [rn(3, 4), idx([[0, 0], [3, 1], [2, 2]])])
hvp("cat squared", "cat", Fn("cat", [x.square(), y.exp()], 0).pow(2), [rn(2, 3), un(1, 3)])
hvp("split pieces multiplied", "split", x.split(2).at(0).mul(x.split(2).at(1)), [rn(4, 3)])
# Conv and pools: their backwards are kernels that record themselves under createGraph. conv is
# bilinear, so even conv alone has mixed second derivatives (d/dx of dL/dw); a nonlinearity
# after it adds the pure ones. Sizes are small: test/gradcheck.test.ts checks each of these by finite
# differences of the first derivative (cost ~ elements^2), which must stay well under a minute
# per test under QEMU's AArch64 emulation (scripts/test-emulated.js; see vitest.emulated.config.ts).
hvp("conv2d bilinear", "F.conv2d", Fn("F.conv2d", x, y, c, stride=2, padding=1), [rn(1, 2, 6, 5), rn(3, 2, 3, 3), rn(3, rg=False)])
hvp("conv2d tanh", "F.conv2d", Fn("F.conv2d", x, y, c).tanh(), [rn(1, 2, 6, 5), rn(3, 2, 3, 2, scale=0.5), rn(3)])
hvp("conv2d groups dilation squared", "F.conv2d", Fn("F.conv2d", x, y, None, groups=2, dilation=2, padding=[2, 1]).square(), [rn(1, 4, 5, 4), rn(4, 2, 2, 2)])
hvp("conv2d same even kernel tanh", "F.conv2d", Fn("F.conv2d", x, y, None, padding="same").tanh(), [rn(1, 2, 5, 6), rn(2, 2, 2, 4, scale=0.5)])
hvp("conv2d then conv2d", "F.conv2d", Fn("F.conv2d", Fn("F.conv2d", x, y, None, padding=1).tanh(), y, None), [rn(1, 2, 5, 5), rn(2, 2, 3, 3, scale=0.5)])
hvp("maxPool2d cubed", "F.maxPool2d", Fn("F.maxPool2d", x, 2, stride=1).pow(3), [rn(2, 2, 5, 4)])
hvp("maxPool2d padding dilation times conv", "F.maxPool2d", Fn("F.maxPool2d", Fn("F.conv2d", x, y, None), 3, stride=2, padding=1, dilation=1).square(), [rn(1, 2, 6, 6), rn(3, 2, 2, 2)])
hvp("avgPool2d squared", "F.avgPool2d", Fn("F.avgPool2d", x, 3, stride=2, padding=1, countIncludePad=False).square(), [rn(1, 2, 7, 6)])
hvp("avgPool2d ceil divisor cubed", "F.avgPool2d", Fn("F.avgPool2d", x, 2, ceilMode=True, divisorOverride=3).pow(3), [rn(1, 2, 5, 5)])
hvp("adaptiveAvgPool2d cubed", "F.adaptiveAvgPool2d", Fn("F.adaptiveAvgPool2d", x, [3, 2]).pow(3), [rn(1, 2, 7, 5)])


# ---- calls PyTorch rejects: tensorgrad must throw a TypeError/RangeError naming the op -------

err("cat shapes differ outside dim (no broadcasting)", "cat", Fn("cat", [x, y], 0), [rn(2, 3), rn(1, 4)])
err("cat size-1 does not broadcast", "cat", Fn("cat", [x, y], 1), [rn(2, 3), rn(1, 3)])
err("cat different ndim", "cat", Fn("cat", [x, y], 0), [rn(2, 3), rn(3)])
err("cat 0-d", "cat", Fn("cat", [x, y], 0), [rn(), rn()])
err("cat dim out of range", "cat", Fn("cat", [x, y], 2), [rn(2, 3), rn(2, 3)])
err("cat dim out of range negative", "cat", Fn("cat", [x, y], -3), [rn(2, 3), rn(2, 3)])
err("cat empty list", "cat", Fn("cat", [], 0), [])
err("stack unequal shapes", "stack", Fn("stack", [x, y], 0), [rn(2, 3), rn(3, 2)])
err("stack dim out of range", "stack", Fn("stack", [x, y], 3), [rn(2, 3), rn(2, 3)])
err("stack empty list", "stack", Fn("stack", [], 0), [])
err("split sizes do not sum", "split", x.split([2, 2]), [rn(5, 2)])
err("split size 0", "split", x.split(0), [rn(5, 2)])
err("split dim out of range", "split", x.split(2, 2), [rn(5, 2)])
err("split 0-d", "split", x.split(1), [rn()])
err("chunk 0", "chunk", x.chunk(0), [rn(5, 2)])
err("chunk dim out of range", "chunk", x.chunk(2, -3), [rn(5, 2)])
err("gather index out of range", "gather", x.gather(1, y), [rn(3, 4), idx([[0, 4], [1, 1], [2, 2]])])
err("gather negative index", "gather", x.gather(1, y), [rn(3, 4), idx([[0, -1], [1, 1], [2, 2]])])
err("gather ndim mismatch", "gather", x.gather(1, y), [rn(3, 4), idx([0, 1])])
err("gather index larger outside dim", "gather", x.gather(1, y), [rn(2, 4), idx([[0], [1], [2]])])
# index_select / index_add / embedding take no negative index (unlike gather's message, "index out of range in self").
err("indexSelect negative index", "indexSelect", x.indexSelect(0, y), [rn(3, 2), idx([0, -1])])
err("indexAdd negative index", "indexAdd", x.indexAdd(0, c, y), [rn(3, 2), rn(1, 2), idx([-1])])
err("embedding negative index", "embedding", Fn("F.embedding", x, y), [idx([1, -1]), rn(3, 2)])
err("embedding index out of range", "embedding", Fn("F.embedding", x, y), [idx([3]), rn(3, 2)])
# An empty plane with a non-empty batch and channels, even when the padding would give an output.
err("conv2d empty plane padded", "conv2d", Fn("F.conv2d", x, y, None, padding=1), [rn(1, 1, 0, 3), rn(1, 1, 1, 1)])
err("conv2d empty width padded unbatched", "conv2d", Fn("F.conv2d", x, y, None, padding=[0, 1]), [rn(1, 3, 0), rn(2, 1, 1, 1)])
err("conv1d empty length padded", "conv1d", Fn("F.conv1d", x, y, None, padding=2), [rn(2, 1, 0), rn(1, 1, 3)])
err("gather float index", "gather", x.gather(1, y), [rn(3, 4), rn(3, 2, rg=False)])
err("gather dim out of range", "gather", x.gather(2, y), [rn(3, 4), idx([[0], [1], [2]])])
err("oneHot class too large", "oneHot", Fn("oneHot", x, 3), [idx([0, 3, 1])])
err("oneHot negative class", "oneHot", Fn("oneHot", x, 3), [idx([0, -1, 1])])
err("oneHot float labels", "oneHot", Fn("oneHot", x, 3), [rn(3, rg=False)])
err("oneHot inferred from empty", "oneHot", Fn("oneHot", x, -1), [idx([])])
err("var int32", "var", x.var(), [ints(5)])
err("std int32", "std", x.std(0), [ints(5)])
err("var dim out of range", "var", x.var(2), [rn(3, 4)])
err("var repeated dim", "var", x.var([1, -1]), [rn(3, 4)])
err("prod dim out of range", "prod", x.prod(-3), [rn(3, 4)])
err("logsumexp dim out of range", "logsumexp", x.logsumexp(2), [rn(3, 4)])
err("softmax dim out of range", "softmax", x.softmax(2), [rn(3, 4)])
err("logSoftmax dim out of range", "logSoftmax", x.logSoftmax(-3), [rn(3, 4)])
err("select index out of range", "select", x.select(1, 4), [rn(3, 4)])
err("select index out of range negative", "select", x.select(0, -4), [rn(3, 4)])
err("slice step 0", "slice", x.slice(0, 0, None, 0), [rn(3, 4)])
err("expand non-singleton", "expand", x.expand(3, 4), [rn(2, 4)])
err("expandAs incompatible", "expandAs", x.expandAs(y), [rn(2, 4), rn(3, 4, rg=False)])
err("flatten start after end", "flatten", x.flatten(2, 1), [rn(2, 3, 4)])
err("flatten dim out of range", "flatten", x.flatten(0, 3), [rn(2, 3, 4)])
err("squeeze dims out of range", "squeeze", x.squeeze([0, 4]), [rn(1, 3, 1, 4)])


def main():
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    doc = {
        "generator": "scripts/gen_fixtures.py",
        "torch": torch.__version__,
        "cases": CASES,
        "hvp": HVP,
        "errors": ERRORS,
    }
    text = json.dumps(doc, separators=(",", ":"), allow_nan=False)
    with open(OUT, "w") as f:
        f.write(text)
        f.write("\n")
    ops = sorted({c["op"] for c in CASES})
    print(f"wrote {os.path.relpath(OUT, ROOT)}: {len(CASES)} cases, {len(HVP)} hvp cases, {len(ERRORS)} error cases, {len(ops)} ops, {len(text) / 1e6:.2f} MB",
          file=sys.stderr)


if __name__ == "__main__":
    main()
