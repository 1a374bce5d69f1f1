#!/usr/bin/python3
"""Generates PyTorch 1.13 reference observations for tensorgrad's autograd and view behaviour.

Run with the system interpreter, which has PyTorch 1.13:

    /usr/bin/python3 scripts/gen_behaviour_fixtures.py

Writes test/fixtures/behaviour.json, read by test/behaviour.test.ts. Each case is a small
PyTorch program (ported from PyTorch's own test_autograd.py / test_view_ops.py cases, or
written to pin down one difference tensorgrad had) that returns what it observed: tensors,
plain values, or the error a step raised. test/behaviour.test.ts runs the same program against
tensorgrad, step for step, and compares the observations.

Observations are JSON: a tensor is {"shape", "dtype", "data"} (data flat, row-major, with
"nan", "inf" and "-inf" as strings); None is null; a step that raised is
{"error": message}. The test matches an error by the message's first clause (up to the first
'.' or '('), since PyTorch's messages go on with Python spellings (retain_graph=True).
"""
import json
import math
import os

import torch
import torch.nn.functional as F

assert torch.__version__.startswith("1.13"), torch.__version__
torch.set_num_threads(1)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "test", "fixtures", "behaviour.json")

DTYPES = {torch.float32: "float32", torch.int32: "int32", torch.bool: "bool"}


def num(v):
    if isinstance(v, bool):
        return v
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
    return v


def T(t):
    """A tensor as an observation (None stays None)."""
    if t is None:
        return None
    t = t.detach()
    return {"shape": list(t.shape), "dtype": DTYPES[t.dtype], "data": [num(v) for v in t.reshape(-1).tolist()]}


def attempt(fn):
    """Runs one step: its observation, or {"error": message} if it raised."""
    try:
        r = fn()
        return None if r is None else r
    except Exception as e:  # noqa: BLE001 - every error is an observation here
        return {"error": str(e)}


def leaf(values, dtype=torch.float32):
    return torch.tensor(values, dtype=dtype, requires_grad=True)


CASES = {}


def case(fn):
    CASES[fn.__name__] = fn
    return fn


# ---- 1. autograd.grad runs only the part of the graph that reaches its inputs ----------------


@case
def grad_stops_at_inputs():
    x = leaf([1.0, 2.0, 3.0])
    h = x.exp()
    z = x * x
    y = (h * h).sum() + z.sum()
    (gh,) = torch.autograd.grad(y, [h])
    # Neither ExpBackward0 (below h) nor z's MulBackward0 (reaching no input) ran or was freed.
    after_h = attempt(lambda: h.sum().backward())
    grad_after_h = T(x.grad)
    after_z = attempt(lambda: z.sum().backward())
    return {"gh": T(gh), "afterH": after_h, "gradAfterH": grad_after_h, "afterZ": after_z, "gradAfterZ": T(x.grad)}


@case
def grad_of_intermediate_and_leaf():
    x = leaf([1.0, 2.0, 3.0])
    h = x.exp()
    y = (h * h).sum() + (x * x).sum()
    gh, gx = torch.autograd.grad(y, [h, x])
    return {"gh": T(gh), "gx": T(gx), "xGrad": T(x.grad)}


@case
def grad_then_backward_of_unrelated_branch():
    x = leaf([1.0, 2.0])
    w = leaf([3.0, 4.0])
    e = w.exp()
    y = (x * w).sum() + e.sum()
    (gx,) = torch.autograd.grad(y, [x], retain_graph=False)
    # e's ExpBackward0 reaches no requested input: it did not run, so this backward works.
    second = attempt(lambda: e.sum().backward())
    return {"gx": T(gx), "second": second, "wGrad": T(w.grad)}


# ---- 2. autograd.backward with several roots is one pass ------------------------------------


@case
def backward_roots_share_saved_tensors():
    x = leaf([1.0, 2.0, 3.0])
    h = x.exp()
    r = attempt(lambda: torch.autograd.backward([h.sum(), (h * h).sum()]))
    return {"result": r, "xGrad": T(x.grad)}


@case
def backward_same_leaf_twice():
    x = leaf([1.0, 2.0, 3.0])
    r = attempt(lambda: torch.autograd.backward([x, x], [torch.ones(3), torch.tensor([1.0, 2.0, 3.0])]))
    return {"result": r, "xGrad": T(x.grad)}


@case
def backward_same_root_twice():
    x = leaf([1.0, 2.0, 3.0])
    y = (x * x).sum()
    r = attempt(lambda: torch.autograd.backward([y, y]))
    return {"result": r, "xGrad": T(x.grad)}


@case
def backward_later_root_without_grad():
    x = leaf([1.0, 2.0, 3.0])
    r = attempt(lambda: torch.autograd.backward([(x * 2).sum(), torch.ones(1)]))
    return {"result": r, "xGrad": T(x.grad)}


@case
def backward_later_root_not_scalar():
    x = leaf([1.0, 2.0, 3.0])
    r = attempt(lambda: torch.autograd.backward([(x * 2).sum(), x * 3]))
    return {"result": r, "xGrad": T(x.grad)}


@case
def backward_later_root_gradient_shape():
    x = leaf([1.0, 2.0, 3.0])
    r = attempt(lambda: torch.autograd.backward([x * 2, x * 3], [torch.ones(3), torch.ones(4)]))
    return {"result": r, "xGrad": T(x.grad)}


# ---- 3. ops save only what the derivative of a tracked input needs -------------------------


@case
def mul_by_constant_tensor_then_inplace():
    x = leaf([1.0, 2.0])
    h = x * 2
    y = h.mul(torch.tensor([3.0, 4.0]))
    h.mul_(10)
    r = attempt(lambda: y.sum().backward())
    return {"result": r, "xGrad": T(x.grad)}


@case
def mul_inplace_with_second_path():
    x = leaf([1.0, 2.0])
    h = x * 2
    y = h.mul(torch.tensor([3.0, 4.0])).sum() + x.sum()
    h.add_(1)
    r = attempt(lambda: y.backward())
    return {"result": r, "xGrad": T(x.grad)}


@case
def inplace_error_accumulates_nothing():
    x = leaf([1.0, 2.0])
    e = x.exp()
    y = e.sum() + x.sum()
    e.add_(1)
    r = attempt(lambda: y.backward())
    return {"result": r, "xGrad": T(x.grad)}


@case
def div_by_constant_then_inplace():
    x = leaf([1.0, -2.0])
    h = x * 1
    y = h.div(torch.tensor([2.0, 3.0]))
    h.add_(1)
    r = attempt(lambda: y.sum().backward())
    return {"result": r, "xGrad": T(x.grad)}


@case
def constant_div_by_tracked_then_inplace():
    x = leaf([1.0, -2.0])
    h = x * 1
    y = torch.tensor([2.0, 3.0]).div(h)
    h.add_(1)
    r = attempt(lambda: y.sum().backward())
    return {"result": r, "xGrad": T(x.grad)}


@case
def matmul_by_constant_then_inplace():
    x = leaf([[1.0, -2.0]])
    h = x * 1
    y = h.mm(torch.tensor([[1.0, 2.0], [3.0, 4.0]]))
    h.add_(1)
    r = attempt(lambda: y.sum().backward())
    return {"result": r, "xGrad": T(x.grad)}


@case
def linear_constant_weight_then_inplace():
    x = leaf([[1.0, 2.0], [3.0, 4.0]])
    h = x * 1
    y = F.linear(h, torch.tensor([[1.0, 0.0], [0.0, 2.0]]), torch.tensor([0.5, -0.5]))
    h.add_(1)
    r = attempt(lambda: y.sum().backward())
    return {"result": r, "xGrad": T(x.grad)}


@case
def cross_entropy_logits_inplace():
    w = leaf([[1.0, 2.0, 3.0], [0.0, 1.0, 0.0]])
    h = w * 1
    loss = F.cross_entropy(h, torch.tensor([0, 2]))
    h.add_(1)
    r = attempt(lambda: loss.backward())
    return {"result": r, "wGrad": T(w.grad)}


# ---- 4. views of a leaf that requires grad -----------------------------------------------------


def view_taken_before_requires_grad(make_view, write):
    a = torch.tensor([1.0, 2.0, 3.0])
    v = make_view(a)
    a.requires_grad_()
    return {"result": attempt(lambda: write(v)), "a": T(a)}


@case
def slice_view_before_requires_grad_add_():
    return view_taken_before_requires_grad(lambda a: a[0:2], lambda v: v.add_(1))


@case
def narrow_view_before_requires_grad_fill_():
    return view_taken_before_requires_grad(lambda a: a.narrow(0, 1, 2), lambda v: v.fill_(0))


@case
def reshape_view_before_requires_grad_copy_():
    return view_taken_before_requires_grad(lambda a: a.view(3, 1), lambda v: v.copy_(torch.zeros(3, 1)))


# ---- 5. gradients that are views with an offset or strides ---------------------------------


@case
def index_select_offset_grad():
    b = leaf([1.0, 2.0, 3.0, 4.0])
    y = b.index_select(0, torch.tensor([0, 2]))
    y.backward(torch.ones(3).narrow(0, 1, 2))
    return {"bGrad": T(b.grad)}


@case
def index_select_strided_grad():
    x = leaf([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    y = x.index_select(1, torch.tensor([2, 0, 2]))
    g = torch.arange(12.0).view(3, 4).t()[1:3, :]
    y.backward(g)
    return {"xGrad": T(x.grad)}


@case
def gather_offset_grad():
    x = leaf([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    y = x.gather(1, torch.tensor([[0, 0], [2, 1]]))
    y.backward(torch.arange(6.0).view(2, 3)[:, 1:])
    return {"xGrad": T(x.grad)}


@case
def cross_entropy_none_strided_grad():
    x = leaf([[1.0, 2.0, 3.0, 4.0], [0.5, -1.0, 2.0, 0.0], [3.0, 3.0, 1.0, -2.0]])
    loss = F.cross_entropy(x, torch.tensor([0, 3, 1]), reduction="none")
    loss.backward(torch.arange(6.0)[1::2])
    return {"xGrad": T(x.grad)}


@case
def max_dim_offset_grad():
    x = leaf([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]])
    x.max(1).values.backward(torch.tensor([9.0, 8.0, 7.0])[1:])
    return {"xGrad": T(x.grad)}


# ---- 6. pow's gradient at base 0 and at negative, zero and positive exponents ---------------

POW_EXPONENTS = [-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 3.0, 1.5]


@case
def pow_tensor_base_scalar_exponent():
    out = {}
    for p in POW_EXPONENTS:
        a = leaf([0.0, -0.0, 1.0, -1.0, 2.0])
        y = a.pow(p)
        y.sum().backward()
        out[str(p)] = {"y": T(y), "grad": T(a.grad)}
    return out


@case
def pow_scalar_base_tensor_exponent():
    out = {}
    for base in [0.0, 2.0, -2.0, 1.0, 0.5]:
        b = leaf([-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0])
        y = torch.pow(base, b)
        y.sum().backward()
        out[str(base)] = {"y": T(y), "grad": T(b.grad)}
    return out


@case
def pow_tensor_base_tensor_exponent():
    a = leaf([0.0, 0.0, 0.0, 0.0, 0.0, 2.0, -2.0, 1.0])
    e = leaf([-1.0, 0.0, 1.0, 2.0, 0.5, 0.0, 0.5, -1.0])
    y = a.pow(e)
    y.sum().backward()
    return {"y": T(y), "aGrad": T(a.grad), "eGrad": T(e.grad)}


@case
def pow_zero_exponent_with_nonfinite_grad():
    a = leaf([0.0, 2.0])
    a.pow(0.0).backward(torch.tensor([float("inf"), float("nan")]))
    b = leaf([0.0, 1.0])
    torch.pow(0.0, b).backward(torch.tensor([float("inf"), float("nan")]))
    return {"aGrad": T(a.grad), "bGrad": T(b.grad)}


# ---- 7. comparisons with a Python number round it to the tensor's dtype first ----------------


@case
def compare_with_number():
    f = torch.tensor([0.1])
    third = torch.tensor([1 / 3])
    x = leaf([1.0, 2.0, 3.0])
    (x / 3).sum().backward()
    big = torch.tensor([16777217.0])  # float32: 16777216
    i = torch.tensor([1, 2, 16777217], dtype=torch.int32)
    b = torch.tensor([True, False])
    return {
        "le": T(f.le(0.1)), "lt": T(f.lt(0.1)), "eq": T(f.eq(0.1)), "ne": T(f.ne(0.1)),
        "ge": T(f.ge(0.1)), "gt": T(f.gt(0.1)),
        "third": T(third.eq(1 / 3)), "gradEqThird": T(x.grad.eq(1 / 3)),
        "bigEqInt": T(big.eq(16777217)),
        "overflow": T(torch.tensor([3e38, float("inf")]).eq(1e40)),
        "intLtFraction": T(i.lt(1.5)), "intEqInt": T(i.eq(2)), "intGtFraction": T(i.gt(16777216.5)),
        "boolEq": T(b.eq(1)), "boolGt": T(b.gt(0.5)),
    }


@case
def clamp_gradient_at_float32_bounds():
    # float32(0.7) < 0.7 and float32(0.1) > 0.1: the bounds as doubles would cut them off.
    x = leaf([0.7, 0.8])
    x.clamp(min=0.7).sum().backward()
    y = leaf([0.05, 0.1])
    y.clamp(max=0.1).sum().backward()
    return {"xGrad": T(x.grad), "yGrad": T(y.grad)}


# ---- 8. assigning .grad ------------------------------------------------------------------------


@case
def assign_grad():
    x = torch.zeros(2, 3, requires_grad=True)

    def assign(v):
        x.grad = v

    return {
        "wrongShape": attempt(lambda: assign(torch.zeros(3, 2))),
        "wrongNumel": attempt(lambda: assign(torch.zeros(6))),
        "int32": attempt(lambda: assign(torch.zeros(2, 3, dtype=torch.int32))),
        "bool": attempt(lambda: assign(torch.zeros(2, 3, dtype=torch.bool))),
        "gradStillNone": T(x.grad),
        "ok": attempt(lambda: assign(torch.ones(2, 3))),
        "grad": T(x.grad),
        "none": attempt(lambda: assign(None)),
        "gradAfterNone": T(x.grad),
    }


# ---- 9, 10, 11: shape, JSON form, item() ------------------------------------------------------


@case
def shape_cannot_be_modified():
    x = torch.zeros(2, 3)
    s = x.shape

    def write():
        s[1] = 10

    return {"write": attempt(write), "shape": list(x.shape)}


@case
def json_form():
    # PyTorch has no JSON form (json.dumps raises); tensorgrad's toJSON is
    # { dtype, shape, data: tolist() } and these are the values it must hold.
    f = torch.tensor([[1.5, -2.0, 0.25], [3.0, 4.0, 5.0]])
    i = torch.tensor([[1, 2], [3, 4]], dtype=torch.int32)
    b = torch.tensor([True, False])
    s = torch.tensor(2.5)
    forms = {k: {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data": t.tolist()} for k, t in
             {"float32": f, "int32": i, "bool": b, "scalar": s}.items()}
    forms["jsonDumps"] = attempt(lambda: json.dumps(f))
    return forms


@case
def item_types():
    def kind(v):
        return {"value": v, "type": "boolean" if isinstance(v, bool) else "number"}

    return {
        "float32": kind(torch.tensor([2.5]).item()),
        "int32": kind(torch.tensor([3], dtype=torch.int32).item()),
        "bool": kind(torch.tensor(True).item()),
    }


# ---- 12. the version-counter error names the node that saved the tensor ---------------------


@case
def version_error_saved_output():
    x = leaf([1.0, 2.0])
    y = x.exp()
    y.add_(1)
    return {"result": attempt(lambda: y.sum().backward())}


@case
def version_error_saved_output_sigmoid():
    x = leaf([1.0, 2.0])
    y = x.sigmoid()
    y.mul_(2)
    return {"result": attempt(lambda: y.sum().backward())}


@case
def version_error_saved_input():
    x = leaf([1.0, -2.0])
    h = x * 1
    y = torch.maximum(h, torch.tensor([0.0, 0.0]))
    h.add_(1)
    return {"result": attempt(lambda: y.sum().backward())}


@case
def version_error_saved_plain_tensor():
    x = leaf([[1.0, -2.0]])
    m = torch.ones(2, 2)
    y = (x * 1).mm(m)
    m.add_(1)
    return {"result": attempt(lambda: y.sum().backward())}


@case
def version_error_matrix():
    x = leaf([[1.0, 2.0], [3.0, 4.0]])
    y = x.exp()
    y[0].mul_(2)
    return {"result": attempt(lambda: y.sum().backward())}


# ---- ported: retain_grad -----------------------------------------------------------------------


@case
def retain_grad_then_inplace():
    x = leaf([1.0, 2.0])
    y = x * 2
    y.retain_grad()
    y.mul_(3)
    (y * y).sum().backward()
    return {"yGrad": T(y.grad), "xGrad": T(x.grad)}


@case
def retain_grad_twice():
    x = leaf([1.0, 2.0])
    y = x * 2
    y.retain_grad()
    y.retain_grad()
    (y * y).sum().backward()
    return {"yGrad": T(y.grad)}


@case
def retain_grad_accumulates():
    x = leaf([1.0, 2.0])
    y = x * 2
    y.retain_grad()
    z = (y * y).sum()
    z.backward(retain_graph=True)
    z.backward()
    return {"yGrad": T(y.grad), "xGrad": T(x.grad)}


@case
def retain_grad_in_autograd_grad():
    x = leaf([1.0, 2.0])
    y = x * 2
    y.retain_grad()
    torch.autograd.grad((y * y).sum(), [x])
    return {"yGrad": T(y.grad), "xGrad": T(x.grad)}


@case
def retains_grad_flags():
    x = leaf([1.0, 2.0])
    x.retain_grad()
    y = x * 2
    before = y.retains_grad
    y.retain_grad()
    return {"leaf": x.retains_grad, "before": before, "after": y.retains_grad,
            "noGrad": attempt(lambda: torch.ones(2).retain_grad())}


# ---- ported: version counters shared by views and detach, not by .data -------------------------


@case
def detach_shares_version():
    x = leaf([1.0, 2.0])
    y = x.exp()
    y.detach().add_(1)
    return {"result": attempt(lambda: y.sum().backward())}


@case
def data_does_not_share_version():
    x = leaf([1.0, 2.0])
    y = x.exp()
    y.data.add_(1)
    r = attempt(lambda: y.sum().backward())
    return {"result": r, "xGrad": T(x.grad)}


@case
def view_shares_version():
    x = leaf([1.0, 2.0, 3.0])
    y = x * 1
    v = y[0:2]
    w = (v * v).sum()
    y.add_(1)
    return {"result": attempt(lambda: w.backward())}


# ---- ported: in-place through views ----------------------------------------------------------


@case
def inplace_on_view_of_view():
    x = leaf([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    y = x * 1
    vv = y[1][1:]
    vv.mul_(10)
    y.sum().backward()
    return {"y": T(y), "xGrad": T(x.grad), "yGradFn": type(y.grad_fn).__name__}


@case
def inplace_on_view_then_view_used():
    x = leaf([1.0, 2.0, 3.0])
    y = x * 1
    v = y[0:2]
    v.mul_(3)
    (v.sum() * 2 + y.sum()).backward()
    return {"xGrad": T(x.grad)}


@case
def old_view_after_base_inplace():
    x = leaf([1.0, 2.0, 3.0])
    y = x * 1
    v = y[0:2]
    y.mul_(2)
    r = attempt(lambda: v.sum().backward())
    return {"result": r, "xGrad": T(x.grad), "vGradFn": type(v.grad_fn).__name__}


@case
def write_through_one_view_read_through_another():
    x = leaf([1.0, 2.0, 3.0])
    y = x * 1
    a = y[0:2]
    b = y[1:3]
    a.mul_(2)
    b.sum().backward()
    return {"b": T(b), "xGrad": T(x.grad), "bGradFn": type(b.grad_fn).__name__}


@case
def plain_base_written_with_grad_then_older_view_used():
    w = leaf([2.0, 3.0])
    z = torch.zeros(4)
    v = z[0:2]
    u = z[1:3]
    v.copy_(w * w)
    r = {"uRequiresGrad": u.requires_grad}
    (u * torch.tensor([10.0, 100.0])).sum().backward()
    r["wGrad"] = T(w.grad)
    return r


@case
def leaf_view_of_plain_tensor():
    z = torch.zeros(4)
    v = z[1:3]
    v.requires_grad_()
    (v * torch.tensor([2.0, 3.0])).sum().backward()
    return {"vGrad": T(v.grad), "isLeaf": v.is_leaf, "inplace": attempt(lambda: v.add_(1))}


@case
def view_created_in_no_grad_then_inplace():
    x = leaf([1.0, 2.0])
    y = x * 1
    with torch.no_grad():
        v = y[0:1]
    return {"result": attempt(lambda: v.mul_(2))}


@case
def requires_grad_false_on_non_leaf():
    x = leaf([1.0, 2.0])
    return {"result": attempt(lambda: (x * 2).requires_grad_(False))}


def main():
    cases = {name: fn() for name, fn in CASES.items()}
    doc = {"generator": "scripts/gen_behaviour_fixtures.py", "torch": torch.__version__, "cases": cases}
    with open(OUT, "w") as f:
        json.dump(doc, f, indent=1, sort_keys=False)
        f.write("\n")
    print(f"wrote {len(cases)} cases to {os.path.relpath(OUT, ROOT)}")


if __name__ == "__main__":
    main()
