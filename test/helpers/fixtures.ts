// Shared by test/ops.fixtures.test.ts and test/gradcheck.test.ts: loads the PyTorch fixtures
// written by scripts/gen_fixtures.py, builds the input tensors, interprets the call
// descriptions (the same expression language the generator evaluated with torch), and
// compares tensors against expected values with per-element tolerances.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tg from '../../src/index.js';

export type Num = number | 'nan' | 'inf' | '-inf';

export interface TensorData {
  shape: number[];
  dtype: 'float32' | 'int32' | 'bool';
  data: Num[];
}

export interface InputData extends TensorData {
  requiresGrad: boolean;
}

export type Expr =
  | { t: number }
  | { m: string; self: Expr; args: Arg[] }
  | { f: string; args: Arg[] }
  | { get: string; of: Expr }
  | { at: number; of: Expr };

export type Arg =
  | number
  | boolean
  | null
  | Arg[]
  | Expr
  | { num: 'nan' | 'inf' | '-inf' }
  | { opts: Record<string, number | boolean | Expr> };

export interface OpCase {
  name: string;
  op: string;
  family: string;
  expr: Expr;
  inputs: InputData[];
  outputs: TensorData[];
  outRequiresGrad: boolean;
  G?: TensorData;
  /** For a list result (split, chunk): one G per output (null where it does not require grad). */
  Gs?: (TensorData | null)[];
  /** Gradients of the inputs that require grad, in input order (null: torch gave None). */
  grads?: (TensorData | null)[];
}

export interface HvpCase {
  name: string;
  op: string;
  expr: Expr;
  inputs: InputData[];
  G: TensorData;
  V: TensorData[];
  grads: TensorData[];
  hvp: (TensorData | null)[];
}

/** A call PyTorch rejects; tensorgrad must throw a TypeError/RangeError starting with `${op}:`. */
export interface ErrorCase {
  name: string;
  op: string;
  expr: Expr;
  inputs: InputData[];
  torchError: string;
}

export interface Fixtures {
  generator: string;
  torch: string;
  cases: OpCase[];
  hvp: HvpCase[];
  errors: ErrorCase[];
}

export function loadFixtures(): Fixtures {
  return JSON.parse(readFileSync(fileURLToPath(new URL('../fixtures/ops.json', import.meta.url)), 'utf8')) as Fixtures;
}

export function decodeNum(v: Num): number {
  if (v === 'nan') return NaN;
  if (v === 'inf') return Infinity;
  if (v === '-inf') return -Infinity;
  return v;
}

/** A fresh tensor from fixture data (float32 data is rounded to float32 exactly as written). */
export function makeTensor(d: TensorData, requiresGrad = false): tg.Tensor {
  const flat = d.data.map(decodeNum);
  const data =
    d.dtype === 'float32' ? Float32Array.from(flat)
    : d.dtype === 'int32' ? Int32Array.from(flat)
    : Uint8Array.from(flat);
  return tg.tensor(data, { shape: d.shape, requiresGrad });
}

export function makeInputs(inputs: InputData[]): tg.Tensor[] {
  return inputs.map((i) => makeTensor(i, i.requiresGrad));
}

function isExpr(a: object): a is Expr {
  return 't' in a || 'm' in a || 'f' in a || 'get' in a || 'at' in a;
}

function evalArg(a: Arg, ins: tg.Tensor[]): unknown {
  if (Array.isArray(a)) return a.map((v) => evalArg(v, ins));
  if (a === null || typeof a !== 'object') return a;
  if ('num' in a) return decodeNum(a.num);
  if ('opts' in a) {
    // An option may be a tensor expression (attnMask), evaluated like an argument.
    const opts: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(a.opts)) opts[k] = v !== null && typeof v === 'object' ? evalArg(v, ins) : v;
    return opts;
  }
  if (isExpr(a)) return evalExpr(a, ins);
  throw new Error(`fixture: unknown argument ${JSON.stringify(a)}`);
}

/** Evaluates a call description on the given inputs. */
export function evalExpr(e: Expr, ins: tg.Tensor[]): unknown {
  if ('t' in e) return ins[e.t];
  if ('get' in e) return (evalExpr(e.of, ins) as Record<string, unknown>)[e.get];
  if ('at' in e) {
    const list = evalExpr(e.of, ins);
    if (!Array.isArray(list)) throw new Error(`fixture: {at} of a non-list ${String(list)}`);
    return list[e.at];
  }
  const args = e.args.map((a) => evalArg(a, ins));
  if ('m' in e) {
    const self = evalExpr(e.self, ins) as Record<string, unknown>;
    const fn = self[e.m];
    if (typeof fn !== 'function') throw new Error(`fixture: Tensor has no method ${e.m}`);
    return (fn as (...a: unknown[]) => unknown).apply(self, args);
  }
  // A dotted name reaches into a namespace: 'F.layerNorm' is tg.F.layerNorm.
  const fn = e.f.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], tg);
  if (typeof fn !== 'function') throw new Error(`fixture: tg has no function ${e.f}`);
  return (fn as (...a: unknown[]) => unknown)(...args);
}

/**
 * The result as a list: [t] for a tensor, [values, indices] for max(dim)/min(dim), the pieces
 * for split/chunk.
 */
export function outputsOf(r: unknown): tg.Tensor[] {
  if (r instanceof tg.Tensor) return [r];
  if (Array.isArray(r) && r.every((t) => t instanceof tg.Tensor)) return r as tg.Tensor[];
  if (r && typeof r === 'object' && 'values' in r && 'indices' in r) {
    const o = r as { values: tg.Tensor; indices: tg.Tensor };
    return [o.values, o.indices];
  }
  throw new Error(`fixture: expected a Tensor or {values, indices}, got ${String(r)}`);
}

// ---- comparison ----------------------------------------------------------------------------

export interface Tol {
  rtol: number;
  atol: number;
}

export interface ErrStats {
  maxAbs: number;
  maxRel: number;
  n: number;
}

/** Expected values smaller than this are left out of the relative-error statistics. */
export const REL_FLOOR = 1e-3;

export function mergeStats(into: ErrStats, s: ErrStats): void {
  into.maxAbs = Math.max(into.maxAbs, s.maxAbs);
  into.maxRel = Math.max(into.maxRel, s.maxRel);
  into.n += s.n;
}

export const newStats = (): ErrStats => ({ maxAbs: 0, maxRel: 0, n: 0 });

/**
 * Compares a tensor with expected data: shape and dtype exactly; values elementwise with
 * |got - want| <= atol + rtol * |want|; NaN must be NaN and infinities must match exactly.
 * Records the largest finite abs/rel errors into `stats`. Returns a list of problems (empty if OK).
 */
export function compareTensor(what: string, got: tg.Tensor, want: TensorData, tol: Tol, stats?: ErrStats): string[] {
  const problems: string[] = [];
  if (JSON.stringify(got.shape) !== JSON.stringify(want.shape))
    return [`${what}: shape ${JSON.stringify(got.shape)}, expected ${JSON.stringify(want.shape)}`];
  if (got.dtype !== want.dtype) return [`${what}: dtype ${got.dtype}, expected ${want.dtype}`];
  const g = got.toTypedArray();
  // Written as the shortest decimal that round-trips through float32: fround recovers it.
  const w = want.data.map((v) => Math.fround(decodeNum(v)));
  if (g.length !== w.length) return [`${what}: ${g.length} elements, expected ${w.length}`];
  let bad = 0;
  for (let i = 0; i < w.length; i++) {
    const a = g[i]!, e = w[i]!;
    let ok: boolean;
    if (Number.isNaN(e)) ok = Number.isNaN(a);
    else if (!Number.isFinite(e)) ok = a === e;
    else if (!Number.isFinite(a)) ok = false;
    else {
      const err = Math.abs(a - e);
      ok = err <= tol.atol + tol.rtol * Math.abs(e);
      if (stats) {
        stats.maxAbs = Math.max(stats.maxAbs, err);
        // Relative error only where it means something: not on values that are rounding noise.
        if (Math.abs(e) >= REL_FLOOR) stats.maxRel = Math.max(stats.maxRel, err / Math.abs(e));
        stats.n++;
      }
    }
    if (!ok && bad++ < 5) problems.push(`${what}[${i}] (flat, of shape ${JSON.stringify(want.shape)}): got ${a}, expected ${e}`);
  }
  if (bad > 5) problems.push(`${what}: ... ${bad} mismatching elements in all`);
  return problems;
}

/** True when every element of t is 0 (a materialized zero gradient where torch gives None). */
export function allZero(t: tg.Tensor): boolean {
  return (t.toTypedArray() as Float32Array).every((v) => v === 0);
}

export function fmtErr(x: number): string {
  return x === 0 ? '0' : x.toExponential(2);
}

/**
 * The differentiable scalar of a case: (out * G).sum(), or for a list result the sum over its
 * pieces of (out_k * G_k).sum(). Null when the case has no gradient fixture.
 */
export function lossOf(c: OpCase, outs: tg.Tensor[]): tg.Tensor | null {
  if (c.Gs) {
    let L: tg.Tensor | null = null;
    c.Gs.forEach((G, k) => {
      if (!G) return;
      const term = outs[k]!.mul(makeTensor(G)).sum();
      L = L ? L.add(term) : term;
    });
    return L;
  }
  if (c.G) return outs[0]!.mul(makeTensor(c.G)).sum();
  return null;
}

/** A case's expression as one tensor, for gradcheck: a list result is flattened and joined. */
export function singleOutput(c: OpCase, r: unknown): tg.Tensor {
  const outs = outputsOf(r);
  if (!c.Gs) return outs[0]!;
  const parts = outs.filter((_, k) => c.Gs![k]).map((t) => t.reshape(-1));
  return parts.length === 1 ? parts[0]! : tg.cat(parts);
}
