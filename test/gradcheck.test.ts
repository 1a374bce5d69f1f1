// Finite-difference gradient checks (tg.autograd.gradcheck) for every differentiable op, and
// second derivatives: Hessian-vector products against PyTorch and finite differences of the
// first derivative (built with createGraph) against its own backward.
//
// Inputs come from the PyTorch fixtures (test/fixtures/ops.json, scripts/gen_fixtures.py), so
// the same expressions (broadcasting, transposed and sliced operands, every matmul form) are
// checked here against numerical derivatives, independently of PyTorch's gradients.
import { describe, expect, it } from 'vitest';
import * as tg from '../src/index.js';
import {
  type HvpCase,
  type OpCase,
  type Tol,
  allZero,
  compareTensor,
  evalExpr,
  loadFixtures,
  makeInputs,
  makeTensor,
  outputsOf,
  singleOutput,
} from './helpers/fixtures.js';

const fixtures = loadFixtures();

// float32 central differences: the step must be large enough that rounding of f (about
// 1e-7 * |f| / eps) stays well below the tolerance, small enough that the truncation error
// (eps^2 * f''' / 6) does too. eps = 1e-3 with atol = rtol = 1e-2 leaves margin for both.
const GC = { eps: 1e-3, atol: 1e-2, rtol: 1e-2 };

// Cases left out of the finite-difference check, with the reason (their analytical gradients
// are still compared with PyTorch's in ops.fixtures.test.ts).
const EXCLUDE: [RegExp, string][] = [
  // At a kink or a tie (x exactly at 0, on a clamp bound, equal arguments of max/maximum) the
  // function is not differentiable: a central difference averages the two one-sided slopes,
  // while autograd picks PyTorch's convention.
  [/ties|at 0|at bound|zero base/, 'non-differentiable point'],
  // Non-finite, huge, or domain-edge inputs (log of 1e-6 with a 1e-3 step): the differences
  // are NaN/inf, overflow, or cross the edge of the domain.
  [/special|nan|wide range|threshold|-inf/, 'non-finite or extreme inputs'],
  // Embedding's paddingIdx row gets no gradient by definition (PyTorch's), not by calculus.
  [/embedding padding/, 'gradient withheld by definition'],
];

// Families left out, with the reason.
const EXCLUDE_FAMILY: Record<string, string> = {
  // Values near ±1000: a 1e-3 step is 16 float32 spacings there, so f(x ± eps) is rounded to a
  // few bits of the difference (numerical 0.977 for an analytical 1).
  large: 'float32 spacing near 1000 swamps the difference quotient',
};

// gradcheck costs one backward per output element and two forwards per (output, input
// element) pair; this budget keeps the whole file within a few seconds.
const MAX_PAIRS = 6000;

function excluded(c: OpCase): string | null {
  for (const [re, why] of EXCLUDE) if (re.test(c.name)) return why;
  if (EXCLUDE_FAMILY[c.family]) return EXCLUDE_FAMILY[c.family]!;
  return null;
}

const numelOf = (shape: number[]) => shape.reduce((p, v) => p * v, 1);

function pairs(c: OpCase): number {
  const nIn = c.inputs.filter((i) => i.requiresGrad).reduce((p, i) => p + numelOf(i.shape), 0);
  // A list result (split, chunk) is checked as its differentiable pieces, flattened and joined.
  const nOut = c.Gs
    ? c.outputs.filter((_, k) => c.Gs![k]).reduce((p, o) => p + numelOf(o.shape), 0)
    : numelOf(c.outputs[0]!.shape);
  return nOut * nIn;
}

const differentiable = fixtures.cases.filter((c) => (c.G || c.Gs) && pairs(c) > 0);
const selected = differentiable.filter((c) => !excluded(c) && pairs(c) <= MAX_PAIRS);

function gradcheckCase(c: OpCase): void {
  const ins = makeInputs(c.inputs);
  const fn = (...xs: tg.Tensor[]) => singleOutput(c, evalExpr(c.expr, xs));
  expect(tg.autograd.gradcheck(fn, ins, GC)).toBe(true);
}

describe('gradcheck: first derivatives of the fixture expressions', () => {
  it('covers every differentiable op', () => {
    // Guards against the filters above silently emptying an op's table.
    const ops = new Set(differentiable.map((c) => c.op));
    const checked = new Set(selected.map((c) => c.op));
    expect([...ops].filter((o) => !checked.has(o))).toEqual([]);
    expect(selected.length).toBeGreaterThan(300);
  });

  for (const op of [...new Set(selected.map((c) => c.op))]) {
    describe(op, () => {
      for (const c of selected.filter((k) => k.op === op)) it(c.name, () => gradcheckCase(c));
    });
  }
});

describe('gradcheck: non-contiguous leaves', () => {
  // A leaf whose own strides are transposed or stepped (detach() keeps the view's layout):
  // gradcheck perturbs storage through the strides, and backward must write .grad in the
  // leaf's logical order.
  const base = fixtures.cases.find((c) => c.name === 'matmul 2-D [33,19]@[19,35]')!;
  const A = () => makeTensor(base.inputs[0]!); // [33, 19]
  const B = () => makeTensor(base.inputs[1]!); // [19, 35]

  it('transposed leaf through matmul, exp and sum', () => {
    const a = A().narrow(0, 0, 4).narrow(1, 0, 3).t().detach().requiresGrad_(); // [3, 4], strides [1, 19]
    const b = B().narrow(0, 0, 4).narrow(1, 0, 2).detach().requiresGrad_(); // [4, 2], row stride 35
    expect(a.isContiguous()).toBe(false);
    expect(b.isContiguous()).toBe(false);
    expect(tg.autograd.gradcheck((x, y) => x.matmul(y).tanh(), [a, b], GC)).toBe(true);
    expect(tg.autograd.gradcheck((x) => x.mul(0.5).exp().sum(0), [a], GC)).toBe(true);
  });

  it('stepped leaf through broadcasting binary ops and reductions', () => {
    const a = A().slice(0, 0, 12, 3).slice(1, 1, 9, 2).detach().requiresGrad_(); // [4, 4]
    const b = B().select(0, 2).slice(0, 0, 8, 2).detach().requiresGrad_(); // [4], stride 2
    expect(a.isContiguous()).toBe(false);
    expect(tg.autograd.gradcheck((x, y) => x.mul(y).sub(y.square()).mean(1), [a, b], GC)).toBe(true);
    expect(tg.autograd.gradcheck((x, y) => x.sigmoid().div(y.abs().add(1)).max(1).values, [a, b], GC)).toBe(true);
  });

  it('reductions, softmax, gather, cat/stack/split/chunk on strided leaves', () => {
    const a = A().narrow(0, 0, 4).narrow(1, 0, 3).t().detach().requiresGrad_(); // [3, 4], strides [1, 19]
    const b = B().slice(0, 0, 12, 3).slice(1, 1, 9, 2).detach().requiresGrad_(); // [4, 4], stepped
    const idx = tg.tensor([[0, 3], [2, 2], [1, 0]], { dtype: 'int32' }).t().contiguous().t(); // [3, 2], strided
    expect(a.isContiguous() || b.isContiguous() || idx.isContiguous()).toBe(false);
    const fns: [string, (x: tg.Tensor, y: tg.Tensor) => tg.Tensor][] = [
      ['var', (x) => x.var(1)],
      ['std', (x) => x.std(0, true, { unbiased: false })],
      ['var correction', (x, y) => x.var([0, 1], false, { correction: 2 }).add(y.var(0).sum())],
      ['prod', (x, y) => x.prod(1).add(y.prod([0, 1]))],
      ['logsumexp', (x, y) => x.logsumexp(1).add(y.logsumexp([0, 1]))],
      ['softmax', (x) => x.softmax(0)],
      ['logSoftmax', (x) => x.logSoftmax(1)],
      ['gather', (x) => x.gather(1, idx)],
      ['cat', (x, y) => tg.cat([x, y.narrow(0, 0, 3), x.exp()], 1)],
      ['stack', (x, y) => tg.stack([x, y.t().narrow(0, 1, 3)], 1)],
      ['split', (x) => x.split([1, 3], 1)[1]!.mul(x.split(2, 1)[0]!.sum(1, true))],
      ['chunk', (x, y) => tg.cat(y.chunk(3, 0).map((p, i) => p.mul(i + 1)), 0)],
    ];
    for (const [name, f] of fns) expect(tg.autograd.gradcheck(f, [a, b], GC), name).toBe(true);
  });

  it('the gradient lands in the leaf in logical order', () => {
    // Exact check, no finite differences: d/dx sum(x * W) = W for any layout of x.
    const a = A().narrow(0, 0, 5).narrow(1, 0, 3).t().detach().requiresGrad_(); // [3, 5]
    const w = B().narrow(0, 0, 3).narrow(1, 0, 5).contiguous(); // [3, 5]
    a.mul(w).sum().backward();
    expect(Array.from(a.grad!.toTypedArray())).toEqual(Array.from(w.toTypedArray()));
  });
});

// ---- second derivatives -------------------------------------------------------------------

/** First derivatives of L = (out * G).sum() with createGraph, so they can be differentiated. */
function firstGrads(c: HvpCase, ins: tg.Tensor[]): tg.Tensor[] {
  const xs = ins.filter((_, i) => c.inputs[i]!.requiresGrad);
  const out = outputsOf(evalExpr(c.expr, ins))[0]!;
  const gs = tg.autograd.grad([out.mul(makeTensor(c.G)).sum()], xs, { createGraph: true });
  return gs.map((g) => g!);
}

// A Hessian-vector product chains two backward passes of float32 ops.
const HVP_TOL: Tol = { rtol: 1e-4, atol: 1e-5 };

describe('second derivatives: Hessian-vector products vs PyTorch', () => {
  it('fixtures are present', () => expect(fixtures.hvp.length).toBeGreaterThanOrEqual(20));

  for (const c of fixtures.hvp) {
    it(c.name, () => {
      const ins = makeInputs(c.inputs);
      const xs = ins.filter((_, i) => c.inputs[i]!.requiresGrad);
      const gs = firstGrads(c, ins);
      const problems: string[] = [];
      gs.forEach((g, k) => problems.push(...compareTensor(`grad ${k}`, g, c.grads[k]!, HVP_TOL)));
      // S = sum_k (g_k * V_k).sum(); dS/dx_j is the Hessian (of L) times V.
      let S: tg.Tensor | null = null;
      gs.forEach((g, k) => {
        expect(g.requiresGrad, `grad ${k} carries a graph (createGraph)`).toBe(true);
        const term = g.mul(makeTensor(c.V[k]!)).sum();
        S = S ? S.add(term) : term;
      });
      const hs = tg.autograd.grad([S!], xs, { allowUnused: true });
      hs.forEach((h, j) => {
        const want = c.hvp[j];
        if (want === null || want === undefined) {
          if (h !== null && !allZero(h)) problems.push(`hvp ${j}: expected none or zeros`);
        } else if (h === null) problems.push(`hvp ${j}: null, expected shape ${JSON.stringify(want.shape)}`);
        else problems.push(...compareTensor(`hvp ${j}`, h, want, HVP_TOL));
      });
      expect(problems).toEqual([]);
    });
  }
});

describe('second derivatives: finite differences of the first derivative', () => {
  // gradcheck of x -> dL/dx_k (built with createGraph): its backward is the double backward
  // of every op in the expression. enableGrad because gradcheck evaluates fn under noGrad for
  // the numerical part, and the first derivative needs a graph to exist at all.
  for (const c of fixtures.hvp) {
    it(c.name, () => {
      const ins = makeInputs(c.inputs);
      const nGrad = c.inputs.filter((i) => i.requiresGrad).length;
      for (let k = 0; k < nGrad; k++) {
        const fn = (...xs: tg.Tensor[]) => tg.enableGrad(() => firstGrads(c, xs)[k]!);
        expect(tg.autograd.gradcheck(fn, ins, GC), `d/dx of grad ${k}`).toBe(true);
      }
    });
  }
});
