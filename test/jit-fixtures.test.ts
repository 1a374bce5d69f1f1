// Compiled steps over every case of the PyTorch fixtures (test/fixtures/ops.json): each case's
// forward and its gradients, traced as one function and replayed, must give the eager function's
// bits (the eager side through the core too, as a trace runs: the small-kernel JS path off), on
// the first replay and on a later one (its intermediates' buffers reused), and PyTorch's values
// within the case's float32 tolerance. A case the trace cannot compile (it reads a value into
// JS) must fail the trace with a clear error, and only the cases listed here may.
import { describe, expect, it } from 'vitest';
import * as tg from '../src/index.js';
import type { Tensor } from '../src/index.js';
import { _setSmallLimits } from '../src/small_kernels.js';
import { type HvpCase, type OpCase, type Tol, compareTensor, evalExpr, loadFixtures, makeInputs, makeTensor, outputsOf } from './helpers/fixtures.js';

const fixtures = loadFixtures();

// The cases a trace must refuse, by the functions their expression calls, and why: oneHot,
// which reads its labels' range into JS to check it (when there are labels). Every kernel the
// fixtures call replays.
const REFUSED: { calls: RegExp; why: RegExp; when?: (c: OpCase | HvpCase) => boolean }[] = [
  { calls: /^oneHot$/, why: /read a tensor's value into JS/, when: (c) => c.inputs.some((i) => i.dtype === 'int32' && i.data.length > 0) },
];

/** The function and method names an expression calls. */
function callNames(e: unknown, into: Set<string> = new Set()): Set<string> {
  if (Array.isArray(e)) e.forEach((x) => callNames(x, into));
  else if (e !== null && typeof e === 'object') {
    const o = e as Record<string, unknown>;
    if (typeof o.f === 'string') into.add(o.f);
    if (typeof o.m === 'string') into.add(o.m);
    Object.values(o).forEach((x) => callNames(x, into));
  }
  return into;
}

// PyTorch agreement as test/ops.fixtures.test.ts holds it (the loosest family bound there: this
// file's subject is the replay, held to the eager bits; the fixtures only anchor it).
const TOL: Tol = { rtol: 2e-4, atol: 1e-5 };

/**
 * The case as one function of its inputs: its outputs, then the gradients of (out * G).sum()
 * that are not none; `layout` says, once traced, how many outputs and whose gradients those are.
 */
function caseFn(c: OpCase, layout: { outputs: number; gradOf: number[] }): (...xs: Tensor[]) => Tensor[] {
  // The G tensors exist before the trace: the plan captures them as constants.
  const G = c.G ? makeTensor(c.G) : null;
  const Gs = c.Gs?.map((g) => (g ? makeTensor(g) : null)) ?? null;
  const rg = c.inputs.map((i) => i.requiresGrad);
  return (...xs) => {
    const ins = xs.map((x, i) => (rg[i] ? x.detach().requiresGrad_(true) : x));
    const outs = outputsOf(evalExpr(c.expr, ins));
    let loss: Tensor | null = null;
    if (Gs) Gs.forEach((g, k) => { if (g) loss = loss ? loss.add(outs[k]!.mul(g).sum()) : outs[k]!.mul(g).sum(); });
    else if (G) loss = outs[0]!.mul(G).sum();
    const leaves = ins.filter((_, i) => rg[i]);
    const grads = loss && leaves.length ? tg.autograd.grad(loss, leaves, { allowUnused: true }) : [];
    layout.outputs = outs.length;
    layout.gradOf = grads.flatMap((g, k) => (g === null ? [] : [k]));
    return [...outs.map((o) => o.detach()), ...grads.filter((g): g is Tensor => g !== null)];
  };
}

/** The case traced, or null when it is refused as REFUSED says it must be (any other outcome fails). */
function traceUnlessRefused(c: OpCase | HvpCase, fn: (...xs: Tensor[]) => Tensor[], inputs: Tensor[]): ReturnType<typeof tg.jit.trace> | null {
  const names = [...callNames(c.expr)];
  const refusal = REFUSED.find((r) => names.some((n) => r.calls.test(n)) && (!r.when || r.when(c)));
  let compiled: ReturnType<typeof tg.jit.trace>;
  try {
    compiled = tg.jit.trace(fn, inputs);
  } catch (e) {
    if (refusal && refusal.why.test(String(e))) return null;
    throw e;
  }
  expect(refusal, `${names.join(', ')} traced, but the case is listed as refused`).toBeUndefined();
  return compiled;
}

const bitsOf = (t: Tensor): string => {
  const a = t.contiguous().toTypedArray();
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');
};

function check(c: OpCase): void {
  const layout = { outputs: 0, gradOf: [] as number[] };
  const fn = caseFn(c, layout);
  const inputs = makeInputs(c.inputs.map((i) => ({ ...i, requiresGrad: false })));
  const compiled = traceUnlessRefused(c, fn, inputs);
  if (!compiled) return;
  const old = _setSmallLimits(0, 0);
  let eager: Tensor[];
  try {
    eager = fn(...inputs);
  } finally {
    _setSmallLimits(...old);
  }
  for (let run = 0; run < 2; run++) {
    const got = compiled.run(...inputs) as Tensor[];
    expect(got.length).toBe(eager.length);
    got.forEach((g, k) => {
      expect(g.shape, `run ${run} output ${k} shape`).toEqual(eager[k]!.shape);
      expect(g.dtype, `run ${run} output ${k} dtype`).toBe(eager[k]!.dtype);
      expect(bitsOf(g), `run ${run} output ${k}: compiled vs eager bits`).toBe(bitsOf(eager[k]!));
    });
    const problems = got.slice(0, layout.outputs).flatMap((g, k) => compareTensor(`output ${k}`, g, c.outputs[k]!, TOL));
    layout.gradOf.forEach((leaf, k) => {
      const want = c.grads?.[leaf];
      const g = got[layout.outputs + k]!;
      // torch's none: a materialized zero gradient is equivalent.
      if (want === null || want === undefined) {
        if (!(g.toTypedArray() as Float32Array).every((v) => v === 0)) problems.push(`grad ${leaf}: expected none or zeros`);
      } else problems.push(...compareTensor(`grad ${leaf}`, g, want, TOL));
    });
    expect(problems, `run ${run} vs PyTorch`).toEqual([]);
  }
}

/** A Hessian-vector product case as one function: the first gradients (createGraph), then H·V per input (none dropped). */
function hvpFn(c: HvpCase, layout: { hvpOf: number[] }): (...xs: Tensor[]) => Tensor[] {
  const G = makeTensor(c.G), V = c.V.map((v) => makeTensor(v));
  return (...xs) => {
    const ins = xs.map((x, i) => (c.inputs[i]!.requiresGrad ? x.detach().requiresGrad_(true) : x));
    const leaves = ins.filter((_, i) => c.inputs[i]!.requiresGrad);
    const out = outputsOf(evalExpr(c.expr, ins))[0]!;
    const gs = tg.autograd.grad([out.mul(G).sum()], leaves, { createGraph: true }).map((g) => g!);
    let S: Tensor | null = null;
    gs.forEach((g, k) => (S = S ? S.add(g.mul(V[k]!).sum()) : g.mul(V[k]!).sum()));
    const hs = tg.autograd.grad([S!], leaves, { allowUnused: true });
    layout.hvpOf = hs.flatMap((h, j) => (h === null ? [] : [j]));
    return [...gs.map((g) => g.detach()), ...hs.filter((h): h is Tensor => h !== null)];
  };
}

function checkHvp(c: HvpCase): void {
  const layout = { hvpOf: [] as number[] };
  const fn = hvpFn(c, layout);
  const inputs = makeInputs(c.inputs.map((i) => ({ ...i, requiresGrad: false })));
  const compiled = traceUnlessRefused(c, fn, inputs);
  if (!compiled) return;
  const old = _setSmallLimits(0, 0);
  let eager: Tensor[];
  try {
    eager = fn(...inputs);
  } finally {
    _setSmallLimits(...old);
  }
  for (let run = 0; run < 2; run++) {
    const got = compiled.run(...inputs) as Tensor[];
    expect(got.map(bitsOf), `run ${run}: compiled vs eager bits`).toEqual(eager.map(bitsOf));
    const problems = c.grads.flatMap((want, k) => compareTensor(`grad ${k}`, got[k]!, want, TOL));
    layout.hvpOf.forEach((j, k) => {
      const want = c.hvp[j], h = got[c.grads.length + k]!;
      if (want === null || want === undefined) {
        if (!(h.toTypedArray() as Float32Array).every((v) => v === 0)) problems.push(`hvp ${j}: expected none or zeros`);
      } else problems.push(...compareTensor(`hvp ${j}`, h, want, TOL));
    });
    expect(problems, `run ${run} vs PyTorch`).toEqual([]);
  }
}

describe(`compiled double backward over the PyTorch ${fixtures.torch} Hessian-vector product fixtures`, () => {
  it('fixtures are present', () => expect(fixtures.hvp.length).toBeGreaterThanOrEqual(20));
  for (const c of fixtures.hvp) it(c.name, () => checkHvp(c));
});

describe(`compiled steps over the PyTorch ${fixtures.torch} op fixtures`, () => {
  it('fixtures are present', () => expect(fixtures.cases.length).toBeGreaterThan(500));
  for (const family of [...new Set(fixtures.cases.map((c) => c.family))])
    describe(family, () => {
      for (const c of fixtures.cases.filter((k) => k.family === family)) it(c.name, () => check(c));
    });
});
