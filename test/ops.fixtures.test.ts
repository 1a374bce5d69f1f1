// Every op against PyTorch 1.13: forward values (shape, dtype, data) and the gradients of
// (out * G).sum() for a fixed random G, from test/fixtures/ops.json (scripts/gen_fixtures.py).
// Inputs come from the fixtures; each case's call is a small expression both sides interpret.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tg from '../src/index.js';
import { _setSmallLimits } from '../src/small_kernels.js';
import { _setLedgerMinBytes } from '../src/storage.js';
import { gradientsFreed } from '../src/autograd/ledger.js';
import {
  type ErrStats,
  type OpCase,
  type Tol,
  allZero,
  compareTensor,
  evalExpr,
  fmtErr,
  loadFixtures,
  lossOf,
  makeInputs,
  makeTensor,
  mergeStats,
  newStats,
  outputsOf,
  REL_FLOOR,
} from './helpers/fixtures.js';

const fixtures = loadFixtures();

// Tolerances per op family, for float32 on both sides.
const TOL: Record<string, { fwd: Tol; grad: Tol }> = {
  // Selection, sign flips, comparisons, copies: no rounding at all, so no tolerance.
  exact: { fwd: { rtol: 0, atol: 0 }, grad: { rtol: 0, atol: 0 } },
  view: { fwd: { rtol: 0, atol: 0 }, grad: { rtol: 0, atol: 0 } },
  int32: { fwd: { rtol: 0, atol: 0 }, grad: { rtol: 0, atol: 0 } },
  // One or two correctly rounded float ops per element; PyTorch may divide by a scalar as a
  // multiplication by its reciprocal (1 ulp), and backward formulas may associate differently.
  arith: { fwd: { rtol: 1e-6, atol: 1e-6 }, grad: { rtol: 1e-6, atol: 1e-6 } },
  // Vectorized exp/log/tanh/... are a few ulp from glibc/Sleef; gradients chain two of them.
  // GELU's left tail: PyTorch's float32 0.5x(1 + erf(x/sqrt 2)) cancels (1.6e-4 relative off
  // float64 at x = -3.3, where ours is within 1.2e-7); the atol absorbs PyTorch's error there.
  transcendental: { fwd: { rtol: 1e-5, atol: 1e-6 }, grad: { rtol: 1e-5, atol: 1e-6 } },
  pow: { fwd: { rtol: 1e-5, atol: 1e-6 }, grad: { rtol: 1e-5, atol: 1e-6 } },
  special: { fwd: { rtol: 1e-5, atol: 1e-6 }, grad: { rtol: 1e-5, atol: 1e-6 } },
  // Summation order differs (pairwise/vectorized lanes), so errors grow with the number of terms
  // relative to the magnitude of the terms, not of the (possibly cancelling) result: atol.
  reduce: { fwd: { rtol: 1e-5, atol: 1e-5 }, grad: { rtol: 1e-5, atol: 1e-6 } },
  // Blocked FMA accumulation over K (up to 513 here) in a different order from MKL/OpenBLAS.
  matmul: { fwd: { rtol: 1e-4, atol: 1e-5 }, grad: { rtol: 1e-4, atol: 1e-5 } },
  composite: { fwd: { rtol: 1e-4, atol: 1e-5 }, grad: { rtol: 1e-4, atol: 1e-5 } },
  // softmax/logSoftmax: a max, exps, a row sum and a log per row (and logits up to 1e4, where
  // the float32 spacing is 1e-3, so the atol covers their logSoftmax outputs' rounding).
  softmax: { fwd: { rtol: 1e-5, atol: 1e-6 }, grad: { rtol: 1e-5, atol: 1e-6 } },
  // Magnitudes near 1000 (logits of ±1000, var of values around 1000): one float32 spacing
  // there is 6e-5, so an exponent or a centered value carries up to that much absolute error
  // on either side, and gradients exp(x - lse) or 2g(x - mean)/(n-1) inherit it.
  large: { fwd: { rtol: 1e-5, atol: 1e-5 }, grad: { rtol: 2e-4, atol: 1e-5 } },
};

// Largest errors seen, per family and per op, forward and backward.
const byFamily = new Map<string, { fwd: ErrStats; grad: ErrStats }>();
const byOp = new Map<string, { fwd: ErrStats; grad: ErrStats }>();
const statsFor = (m: Map<string, { fwd: ErrStats; grad: ErrStats }>, k: string) => {
  let s = m.get(k);
  if (!s) m.set(k, (s = { fwd: newStats(), grad: newStats() }));
  return s;
};

function runCase(c: OpCase): void {
  const tol = TOL[c.family];
  if (!tol) throw new Error(`no tolerance for family ${c.family}`);
  // Errors of this case; folded into the per-family/per-op tables only if the case passes.
  const fwd = newStats(), grad = newStats();
  const ins = makeInputs(c.inputs);
  const outs = outputsOf(evalExpr(c.expr, ins));
  const problems: string[] = [];
  expect(outs.length, 'number of outputs').toBe(c.outputs.length);
  outs.forEach((o, i) => problems.push(...compareTensor(`output ${i}`, o, c.outputs[i]!, tol.fwd, fwd)));
  expect(problems, 'forward').toEqual([]);
  expect(outs[0]!.requiresGrad, 'output requiresGrad').toBe(c.outRequiresGrad);

  const loss = lossOf(c, outs);
  expect(loss !== null, 'a case with grads has G or Gs').toBe(c.grads !== undefined);
  if (loss) {
    loss.backward();
    const leaves = ins.filter((_, i) => c.inputs[i]!.requiresGrad);
    expect(leaves.length).toBe(c.grads!.length);
    leaves.forEach((leaf, k) => {
      const want = c.grads![k]!;
      if (want === null) {
        // torch left .grad as None (not reached); a materialized zero gradient is equivalent.
        if (leaf.grad !== null && !allZero(leaf.grad)) problems.push(`grad ${k}: expected none or zeros`);
      } else if (leaf.grad === null) problems.push(`grad ${k}: null, expected shape ${JSON.stringify(want.shape)}`);
      else problems.push(...compareTensor(`grad ${k}`, leaf.grad, want, tol.grad, grad));
    });
    expect(problems, 'backward').toEqual([]);
  }
  for (const m of [byFamily, byOp]) {
    const s = statsFor(m, m === byFamily ? c.family : c.op);
    mergeStats(s.fwd, fwd);
    mergeStats(s.grad, grad);
  }
}

// Twice: as users run them (tiny operands computed in JS, src/small_kernels.ts), and with every
// call sent to the native core, so its kernels are held to PyTorch on these shapes too.
for (const coreOnly of [false, true]) {
  describe(`ops vs PyTorch ${fixtures.torch} fixtures${coreOnly ? ', core kernels only' : ''}`, () => {
    let freedBefore = 0;
    // The second pass also frees every gradient backward allocates once consumed (the ledger,
    // src/autograd/ledger.ts, otherwise only tracks those of 16 KiB and more): a gradient freed
    // too early would fail its case.
    if (coreOnly) {
      let saved: [number, number];
      let savedLedger: number;
      beforeAll(() => {
        saved = _setSmallLimits(0, 0);
        savedLedger = _setLedgerMinBytes(0);
        freedBefore = gradientsFreed;
      });
      afterAll(() => {
        _setSmallLimits(...saved);
        _setLedgerMinBytes(savedLedger);
      });
    }
    it('fixtures are present and cover the API', () => {
      // Guards against an empty or truncated fixture file making every table below vacuous.
      expect(fixtures.cases.length).toBeGreaterThan(500);
      expect(new Set(fixtures.cases.map((c) => c.op)).size).toBeGreaterThanOrEqual(73);
      const ops = new Set(fixtures.cases.map((c) => c.op));
      for (const op of ['var', 'std', 'prod', 'logsumexp', 'softmax', 'logSoftmax', 'cat', 'stack', 'split', 'chunk', 'gather', 'oneHot'])
        expect(ops.has(op), op).toBe(true);
    });

    const ops = [...new Set(fixtures.cases.map((c) => c.op))];
    for (const op of ops) {
      describe(op, () => {
        for (const c of fixtures.cases.filter((k) => k.op === op)) it(c.name, () => runCase(c));
      });
    }
    if (coreOnly) it('the ledger freed gradients in these cases', () => expect(gradientsFreed - freedBefore).toBeGreaterThan(200));
  });
}

describe(`invalid calls PyTorch ${fixtures.torch} rejects`, () => {
  it('fixtures are present', () => expect(fixtures.errors.length).toBeGreaterThanOrEqual(40));

  for (const c of fixtures.errors) {
    it(`${c.op}: ${c.name}`, () => {
      const ins = makeInputs(c.inputs);
      let thrown: unknown = null;
      try {
        evalExpr(c.expr, ins);
      } catch (e) {
        thrown = e;
      }
      expect(thrown, `expected an error like PyTorch's "${c.torchError}"`).not.toBeNull();
      // A TypeError (wrong kind of argument) or RangeError (bad value), naming the op.
      expect(thrown instanceof TypeError || thrown instanceof RangeError, String(thrown)).toBe(true);
      expect((thrown as Error).message.startsWith(`${c.op}: `), (thrown as Error).message).toBe(true);
    });
  }
});

afterAll(() => {
  const rows = (m: Map<string, { fwd: ErrStats; grad: ErrStats }>) =>
    [...m.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(
        ([k, s]) =>
          `  ${k.padEnd(16)} fwd abs ${fmtErr(s.fwd.maxAbs).padEnd(9)} rel ${fmtErr(s.fwd.maxRel).padEnd(9)}` +
          ` | grad abs ${fmtErr(s.grad.maxAbs).padEnd(9)} rel ${fmtErr(s.grad.maxRel).padEnd(9)}` +
          ` (${s.fwd.n} + ${s.grad.n} values)`,
      )
      .join('\n');
  console.log(
    `ops.fixtures: ${fixtures.cases.length} cases, ${new Set(fixtures.cases.map((c) => c.op)).size} ops, ` +
      `simd ${tg.backendInfo().simd}; largest finite errors vs PyTorch ${fixtures.torch} ` +
      `(rel over |expected| >= ${REL_FLOOR}; passing cases only)\n` +
      `per family:\n${rows(byFamily)}\nper op:\n${rows(byOp)}`,
  );
});
