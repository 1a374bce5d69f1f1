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
    {"get": "values" | "indices", "of": e} a field of max(dim)/min(dim)'s result
    {"num": "nan" | "inf" | "-inf"}        a non-finite scalar argument
    {"opts": {...}}                        an options argument ({alpha} for add/sub)

Other arguments (numbers, null, booleans, arrays of numbers) are passed as they are.
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
import zlib

import numpy as np
import torch
import torch.nn.functional as F

assert torch.__version__.startswith("1.13"), torch.__version__
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


def enc(v):
    if isinstance(v, X):
        return v.d
    if isinstance(v, float) and not math.isfinite(v):
        return {"num": "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")}
    return v


def T(i):
    return X({"t": i})


def Fn(name, *args):
    return X({"f": name, "args": [enc(v) for v in args]})


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
    "squeeze": lambda x, d=None: x.squeeze() if d is None else x.squeeze(d),
    "unsqueeze": torch.unsqueeze,
    "expand": lambda x, *s: x.expand(*s),
    "narrow": torch.narrow,
    "slice": _slice,
    "select": torch.select,
    "indexSelect": lambda x, d, i: torch.index_select(x, d, i.long()),
    "expandAs": lambda x, o: x.expand_as(o),
    "to": lambda x, d: x.to(DTYPES[d]),
    "float": lambda x: x.float(),
    "int": lambda x: x.int(),
    "bool": lambda x: x.bool(),
    "contiguous": lambda x: x.contiguous(),
    "clone": torch.clone,
}

# Free functions whose first argument may be a JS number (tg.pow(2, t), tg.sub(2, t), ...).
FREE = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": torch.pow,
    "where": torch.where,
}


def evaluate(e, ins):
    if "t" in e:
        return ins[e["t"]]
    if "get" in e:
        r = evaluate(e["of"], ins)
        return getattr(r, e["get"])
    args = []
    for a in e["args"]:
        if isinstance(a, dict) and "num" in a:
            args.append(float(a["num"]))
        elif isinstance(a, dict) and "opts" in a:
            args.append(a["opts"])
        elif isinstance(a, dict):
            args.append(evaluate(a, ins))
        else:
            args.append(a)
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
    leaves = leaves_of(specs)
    out = evaluate(expr.d, leaves)
    outs = [out.values, out.indices] if isinstance(out, tuple) else [out]
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
    if grad and outs[0].requires_grad:
        G = torch.randn(outs[0].shape)
        (outs[0] * G).sum().backward()
        c["G"] = enc_tensor(G)
        c["grads"] = [enc_tensor(t.grad) if t.grad is not None else None for t in leaves if t.requires_grad]
    CASES.append(c)


def hvp(name, op, expr, specs):
    """Second derivative fixture: with L = (out * G).sum(), g_i = dL/dx_i (create_graph), and
    S = sum_i (g_i * V_i).sum(), records dS/dx_j for every input (a Hessian-vector product)."""
    seed_for("hvp " + name)
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
case("sin wide range", "sin", "transcendental", x.sin(), [un(67, lo=-100, hi=100)])
case("cos wide range", "cos", "transcendental", x.cos(), [un(67, lo=-100, hi=100)])
# Kinks at exactly 0: PyTorch's conventions are sign(0) = 0 (abs grad 0), relu grad 0 at 0,
# leaky_relu grad = slope at 0.
for op in ["abs", "relu", "leakyRelu", "sign"]:
    case(f"{op} at 0", op, "exact" if op != "leakyRelu" else "arith", getattr(x, op)(), [lit([0.0, -0.0, 2.0, -2.0])])
# Free-function forms.
case("tg.exp(x)", "exp", "transcendental", Fn("exp", x), [un(9, lo=-2, hi=2)])
case("tg.relu(x)", "relu", "exact", Fn("relu", x), [away(9)])
# int32 inputs: neg/abs/sign/relu/square keep int32 (PyTorch); float functions promote to float32.
for op in ["neg", "abs", "sign", "relu", "square"]:
    case(f"{op} int32", op, "int32", getattr(x, op)(), [ints(11)])
for op in ["exp", "sqrt", "sigmoid"]:
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

for op in ["sum", "mean"]:
    fam = "reduce"
    case(f"{op} all", op, fam, getattr(x, op)(), [rn(3, 4, 5)])
    case(f"{op} all [17]", op, fam, getattr(x, op)(), [rn(17)])
    case(f"{op} dim 0", op, fam, getattr(x, op)(0), [rn(3, 4, 5)])
    case(f"{op} dim 1", op, fam, getattr(x, op)(1), [rn(3, 4, 5)])
    case(f"{op} dim -1", op, fam, getattr(x, op)(-1), [rn(3, 4, 5)])
    case(f"{op} dims [0,2]", op, fam, getattr(x, op)([0, 2]), [rn(3, 4, 5)])
    case(f"{op} dims [-1,0]", op, fam, getattr(x, op)([-1, 0]), [rn(3, 4, 5)])
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


def main():
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    doc = {
        "generator": "scripts/gen_fixtures.py",
        "torch": torch.__version__,
        "cases": CASES,
        "hvp": HVP,
    }
    text = json.dumps(doc, separators=(",", ":"), allow_nan=False)
    with open(OUT, "w") as f:
        f.write(text)
        f.write("\n")
    ops = sorted({c["op"] for c in CASES})
    print(f"wrote {os.path.relpath(OUT, ROOT)}: {len(CASES)} cases, {len(HVP)} hvp cases, {len(ops)} ops, {len(text) / 1e6:.2f} MB",
          file=sys.stderr)


if __name__ == "__main__":
    main()
