// The fused layerNorm kernels (cpp/kernels/layernorm.cpp, layernorm_kernels.h) through the raw
// binding: every SIMD table gives the scalar table's bits, 1 and 2 threads give the same bits,
// odd and block-crossing row lengths, rows with a large mean against a float64 reference,
// empty rows and batches, and the binding's checks. Then the op: strided inputs and weights,
// every subset of wanted gradients, and the empty shapes PyTorch accepts. Values and gradients
// against PyTorch are the fixtures' (test/ops.fixtures.test.ts), double backward the hvp cases.
import { afterAll, describe, expect, it } from 'vitest';
import { encodeLayerNorm, meta } from '../src/call.js';
import * as tg from '../src/index.js';
import { native } from '../src/native.js';
import { simdPaths } from './helpers/simd.js';
import { rng } from './helpers/rng.js';

const ORIGINAL = { simd: native.simd(), threads: native.getNumThreads() };
afterAll(() => {
  native.selectSimd(ORIGINAL.simd);
  native.setNumThreads(ORIGINAL.threads);
});
const PATHS = simdPaths();

const fill = (n: number, f: (i: number) => number) => Float32Array.from({ length: n }, (_, i) => f(i));

interface Case {
  rows: number;
  d: number;
  x: Float32Array;
  g: Float32Array;
  w?: Float32Array;
  b?: Float32Array;
  eps?: number;
}

function makeCase(rows: number, d: number, seed: number, opts: { affine?: boolean; mean?: number; spread?: number } = {}): Case {
  const r = rng(seed), mean = opts.mean ?? 0, spread = opts.spread ?? 3;
  const c: Case = {
    rows, d,
    x: fill(rows * d, () => mean + (r() - 0.5) * 2 * spread),
    g: fill(rows * d, () => r() * 2 - 1),
  };
  if (opts.affine !== false) {
    c.w = fill(d, () => 0.5 + r());
    c.b = fill(d, () => r() - 0.5);
  }
  return c;
}

interface Result {
  y: Float32Array; mean: Float32Array; rstd: Float32Array;
  dx: Float32Array; dw: Float32Array; db: Float32Array;
}

/** Forward and backward through the raw binding, on the loaded table and thread count. */
function run(c: Case): Result {
  const { rows, d } = c, n = rows * d;
  const y = new Float32Array(n), mean = new Float32Array(rows), rstd = new Float32Array(rows);
  encodeLayerNorm(rows, d, c.eps ?? 1e-5, [0, 0, 0]);
  native.layerNorm(meta, c.x, c.w, c.b, y, mean, rstd);
  const dx = new Float32Array(n).fill(NaN), dw = new Float32Array(d).fill(NaN), db = new Float32Array(d).fill(NaN);
  encodeLayerNorm(rows, d, 0, [0, 0, 0, 0, 0]);
  native.layerNormBackward(meta, c.g, c.x, mean, rstd, c.w, dx, dw, db);
  return { y, mean, rstd, dx, dw, db };
}

function on<T>(path: string, threads: number, fn: () => T): T {
  if (!native.selectSimd(path)) throw new Error(`SIMD path ${path} unavailable`);
  native.setNumThreads(threads);
  try {
    return fn();
  } finally {
    native.selectSimd(ORIGINAL.simd);
    native.setNumThreads(ORIGINAL.threads);
  }
}

/** The float64 reference of forward and backward, from the float32 inputs. */
function reference(c: Case, eps = c.eps ?? 1e-5) {
  const { rows, d } = c;
  const y = new Float64Array(rows * d), dx = new Float64Array(rows * d), dw = new Float64Array(d), db = new Float64Array(d);
  for (let r = 0; r < rows; r++) {
    const o = r * d;
    let m = 0;
    for (let j = 0; j < d; j++) m += c.x[o + j]!;
    m /= d;
    let v = 0;
    for (let j = 0; j < d; j++) v += (c.x[o + j]! - m) ** 2;
    v /= d;
    const rs = 1 / Math.sqrt(v + eps);
    let mg = 0, mgx = 0;
    for (let j = 0; j < d; j++) {
      const xh = (c.x[o + j]! - m) * rs, gh = c.g[o + j]! * (c.w ? c.w[j]! : 1);
      y[o + j] = xh * (c.w ? c.w[j]! : 1) + (c.b ? c.b[j]! : 0);
      mg += gh / d;
      mgx += (gh * xh) / d;
      dw[j] += c.g[o + j]! * xh;
      db[j] += c.g[o + j]!;
    }
    for (let j = 0; j < d; j++) {
      const xh = (c.x[o + j]! - m) * rs, gh = c.g[o + j]! * (c.w ? c.w[j]! : 1);
      dx[o + j] = rs * (gh - mg - xh * mgx);
    }
  }
  return { y, dx, dw, db };
}

/** max |got - want| / (max |want| + 1e-30): the error relative to the array's scale. */
function relErr(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let e = 0, s = 0;
  for (let i = 0; i < want.length; i++) {
    e = Math.max(e, Math.abs(got[i]! - want[i]!));
    s = Math.max(s, Math.abs(want[i]!));
  }
  return e / (s + 1e-30);
}

/** The first index where a and b differ in their bits (NaN payloads included), or -1. */
function firstDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return 0;
  const p = new Uint32Array(a.buffer, a.byteOffset, a.length), q = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < p.length; i++) if (p[i] !== q[i]) return i;
  return -1;
}
const same = (a: Result, b: Result, what: string) => {
  for (const k of ['y', 'mean', 'rstd', 'dx', 'dw', 'db'] as const) {
    const i = firstDiff(a[k], b[k]);
    expect(i, `${what}: ${k}[${i}] ${a[k][i]} vs ${b[k][i]}`).toBe(-1);
  }
};

// Row lengths: 1, odd, one below / at / above each table's width and the 32 / 64 lanes of the
// sums, long rows, and one crossing the 4096-float block of the sums.
const DS = [1, 3, 7, 15, 16, 17, 31, 33, 63, 64, 65, 100, 255, 256, 1000, 4097];

describe('layerNorm kernels: every table, every thread count', () => {
  it('every SIMD table gives the scalar table\'s bits (with and without weight and bias)', () => {
    for (const d of DS)
      for (const affine of [true, false]) {
        const c = makeCase(d > 1000 ? 3 : 11, d, d * 7 + (affine ? 1 : 0), { affine });
        const want = on('scalar', 1, () => run(c));
        for (const path of PATHS) same(on(path, 1, () => run(c)), want, `${path} d=${d} affine=${affine}`);
      }
  });

  it('weight without bias and bias without weight', () => {
    const base = makeCase(9, 37, 5);
    for (const c of [{ ...base, b: undefined }, { ...base, w: undefined }]) {
      const want = on('scalar', 1, () => run(c));
      for (const path of PATHS) same(on(path, 1, () => run(c)), want, `${path} w=${!!c.w} b=${!!c.b}`);
      const ref = reference(c);
      expect(relErr(want.y, ref.y)).toBeLessThan(1e-6);
      expect(relErr(want.dx, ref.dx)).toBeLessThan(1e-5);
    }
  });

  it('1 and 2 threads give the same bits (rows split, dw / db chunked by the shape alone)', () => {
    for (const [rows, d] of [[4096, 64], [600, 256], [37, 4097], [20000, 3]] as const) {
      const c = makeCase(rows, d, rows + d);
      for (const path of PATHS) {
        const one = on(path, 1, () => run(c));
        same(on(path, 2, () => run(c)), one, `${path} [${rows}, ${d}] threads`);
        same(on(path, 3, () => run(c)), one, `${path} [${rows}, ${d}] 3 threads`);
      }
    }
  });

  it('NaN and inf in a row make that row NaN, the others stay finite', () => {
    const c = makeCase(4, 33, 9);
    c.x[33 + 5] = NaN;
    c.x[2 * 33 + 32] = Infinity;
    for (const path of PATHS) {
      const r = on(path, 1, () => run(c));
      for (const row of [1, 2]) expect(Array.from(r.y.subarray(row * 33, row * 33 + 33)).every(Number.isNaN), `${path} row ${row}`).toBe(true);
      for (const row of [0, 3]) expect(Array.from(r.y.subarray(row * 33, row * 33 + 33)).every(Number.isFinite), `${path} row ${row}`).toBe(true);
    }
  });
});

describe('layerNorm kernels: accuracy against float64', () => {
  it('ordinary rows: within a few float32 roundings', () => {
    for (const d of [1, 3, 17, 1000]) {
      const c = makeCase(13, d, d);
      const got = on('scalar', 1, () => run(c)), ref = reference(c);
      expect(relErr(got.y, ref.y), `y d=${d}`).toBeLessThan(1e-6);
      if (d > 1) expect(relErr(got.dx, ref.dx), `dx d=${d}`).toBeLessThan(1e-5);
      expect(relErr(got.dw, ref.dw), `dw d=${d}`).toBeLessThan(1e-5);
      expect(relErr(got.db, ref.db), `db d=${d}`).toBeLessThan(1e-6);
    }
  });

  it('rows with a large mean and a small spread (x = 1e4 + noise) keep float32 accuracy', () => {
    // PyTorch 1.13 computes y = x * rstd - mean * rstd: at a mean of 1e4 and a spread of 0.01 that
    // cancels to an error of ~0.05 in y; the shifted sums keep every digit here.
    for (const spread of [1, 0.01])
      for (const d of [3, 17, 1000, 4097]) {
        const c = makeCase(7, d, d + 1, { mean: 1e4, spread });
        const ref = reference(c);
        for (const path of PATHS) {
          const got = on(path, 1, () => run(c));
          expect(relErr(got.y, ref.y), `${path} y d=${d} spread=${spread}`).toBeLessThan(2e-6);
          expect(relErr(got.dx, ref.dx), `${path} dx d=${d} spread=${spread}`).toBeLessThan(2e-5);
          expect(relErr(got.dw, ref.dw), `${path} dw d=${d} spread=${spread}`).toBeLessThan(2e-5);
        }
      }
  });

  it('d = 1: the row is its mean, y = bias, dx = 0, rstd = 1 / sqrt(eps)', () => {
    const c = makeCase(5, 1, 3);
    const got = run(c);
    expect(Array.from(got.y)).toEqual(Array.from(c.x, () => c.b![0]!));
    expect(Array.from(got.mean)).toEqual(Array.from(c.x));
    expect(got.rstd[0]).toBeCloseTo(1 / Math.sqrt(1e-5), 2);
    expect(Array.from(got.dx).every((v) => v === 0)).toBe(true);
  });
});

describe('layerNorm kernels: empty shapes and the binding checks', () => {
  it('d = 0 gives mean 0 and rstd NaN per row; rows = 0 gives dw = db = 0', () => {
    const mean = new Float32Array(3).fill(7), rstd = new Float32Array(3);
    encodeLayerNorm(3, 0, 1e-5, [0, 0, 0]);
    native.layerNorm(meta, new Float32Array(0), undefined, undefined, new Float32Array(0), mean, rstd);
    expect(Array.from(mean)).toEqual([0, 0, 0]);
    expect(Array.from(rstd).every(Number.isNaN)).toBe(true);
    const dw = new Float32Array(4).fill(NaN), db = new Float32Array(4).fill(NaN);
    encodeLayerNorm(0, 4, 0, [0, 0, 0, 0, 0]);
    native.layerNormBackward(meta, new Float32Array(0), new Float32Array(0), new Float32Array(0), new Float32Array(0), new Float32Array(4), new Float32Array(0), dw, db);
    expect(Array.from(dw)).toEqual([0, 0, 0, 0]);
    expect(Array.from(db)).toEqual([0, 0, 0, 0]);
  });

  it('reads and writes nothing outside the buffers: short storage, bad offsets and sizes are errors', () => {
    const x = new Float32Array(12), y = new Float32Array(12), m = new Float32Array(3), r = new Float32Array(3), w = new Float32Array(4);
    const fwd = (head: number[], offsets: number[], args: unknown[]) => () => {
      encodeLayerNorm(head[0]!, head[1]!, head[2]!, offsets);
      (native.layerNorm as (...a: unknown[]) => void)(meta, ...args);
    };
    expect(fwd([3, 4, 1e-5], [0, 0, 0], [x, w, w, y, m, r])).not.toThrow();
    expect(fwd([3, 4, 1e-5], [1, 0, 0], [x, w, w, y, m, r])).toThrow(/layerNorm: .*input/);
    expect(fwd([3, 4, 1e-5], [0, 1, 0], [x, w, w, y, m, r])).toThrow(/layerNorm: .*weight/);
    expect(fwd([3, 4, 1e-5], [0, 0, -1], [x, w, w, y, m, r])).toThrow(RangeError);
    expect(fwd([4, 3, 1e-5], [0, 0, 0], [x, w, w, y, m, r])).toThrow(/mean/);  // 4 rows: mean and rstd too short
    expect(fwd([3, 4, 1e-5], [0, 0, 0], [x, w, w, y.subarray(1), m, r])).toThrow(/output/);
    expect(fwd([3, 4, 1e-5], [0, 0, 0], [x, w, w, y, m.subarray(1), r])).toThrow(/mean/);
    expect(fwd([3, 4, 1e-5], [0, 0, 0], [x, w, w, y, m, new Int32Array(3)])).toThrow(TypeError);
    expect(fwd([3, 4, NaN], [0, 0, 0], [x, w, w, y, m, r])).toThrow(/eps/);
    expect(fwd([-3, 4, 1e-5], [0, 0, 0], [x, w, w, y, m, r])).toThrow(/negative size/);
    expect(fwd([3.5, 4, 1e-5], [0, 0, 0], [x, w, w, y, m, r])).toThrow(/integer/);
    expect(fwd([2 ** 40, 2 ** 40, 1e-5], [0, 0, 0], [x, w, w, y, m, r])).toThrow(RangeError);
    expect(fwd([3, 4, 1e-5], [0, 0, 0], [x, w, w, y, m])).toThrow(TypeError);
    const bwd = (head: number[], offsets: number[], args: unknown[]) => () => {
      encodeLayerNorm(head[0]!, head[1]!, 0, offsets);
      (native.layerNormBackward as (...a: unknown[]) => void)(meta, ...args);
    };
    const dx = new Float32Array(12), dw = new Float32Array(4), db = new Float32Array(4);
    expect(bwd([3, 4], [0, 0, 0, 0, 0], [x, x, m, r, w, dx, dw, db])).not.toThrow();
    expect(bwd([3, 4], [0, 0, 0, 0, 0], [x, x, m, r, undefined, undefined, undefined, undefined])).not.toThrow();
    expect(bwd([3, 4], [1, 0, 0, 0, 0], [x, x, m, r, w, dx, dw, db])).toThrow(/grad/);
    expect(bwd([3, 4], [0, 0, 1, 0, 0], [x, x, m, r, w, dx, dw, db])).toThrow(/mean/);
    expect(bwd([3, 4], [0, 0, 0, 0, 0], [x, x, m, r, w, dx.subarray(2), dw, db])).toThrow(/grad_input/);
    expect(bwd([3, 4], [0, 0, 0, 0, 0], [x, x, m, r, w, dx, dw.subarray(1), db])).toThrow(/grad_weight/);
    expect(bwd([3, 4], [0, 0, 0, 0, 0], [x, x, m, r, w, dx, dw, db.subarray(1)])).toThrow(/grad_bias/);
    expect(bwd([3, 4], [0, 0, 0, 0, 0], [x, x, m, r, w.subarray(1), dx, dw, db])).toThrow(/weight/);
    expect(bwd([3, 4], [0, 0, 0, 0], [x, x, m, r, w, dx, dw, db])).not.toThrow();  // meta keeps its slot 7
    expect(bwd([3, 4], [0, 0, 0, 0, 0], [x, x, m, r, 'w', dx, dw, db])).toThrow(TypeError);
  });
});

describe('layerNorm op', () => {
  const composed = (x: tg.Tensor, dims: number[], w: tg.Tensor | null, b: tg.Tensor | null) => {
    const c = x.sub(x.mean(dims, true));
    let y = c.mul(c.square().mean(dims, true).add(1e-5).rsqrt());
    if (w) y = y.mul(w);
    if (b) y = y.add(b);
    return y;
  };
  const close = (a: tg.Tensor, b: tg.Tensor, tol = 1e-5) => {
    const p = a.flatten().toArray() as number[], q = b.flatten().toArray() as number[];
    expect(p.length).toBe(q.length);
    for (let i = 0; i < p.length; i++) expect(Math.abs(p[i]! - q[i]!), `element ${i}`).toBeLessThanOrEqual(tol * (1 + Math.abs(q[i]!)));
  };

  it('strided input, weight and grad; every subset of wanted gradients; as the composed ops', () => {
    tg.manualSeed(3);
    const x0 = tg.randn([5, 6, 4]).mul(2).add(1), w0 = tg.randn([6, 4]), b0 = tg.randn([6]);
    for (const wants of [[true, true, true], [true, false, false], [false, true, false], [false, false, true], [false, true, true]]) {
      const x = x0.clone().requiresGrad_(wants[0]!), w = w0.clone().requiresGrad_(wants[1]!), b = b0.clone().requiresGrad_(wants[2]!);
      // x.transpose(1, 2): [5, 4, 6], normalized over the last dim; w.t(): a strided weight.
      const xt = x.transpose(1, 2), wt = w.t();
      const y = tg.nn.functional.layerNorm(xt, 6, wt.select(0, 1), b);
      const g = tg.randn([6, 4, 5]).permute([2, 1, 0]);
      y.backward(g);
      const xr = x0.clone().requiresGrad_(), wr = w0.clone().requiresGrad_(), br = b0.clone().requiresGrad_();
      composed(xr.transpose(1, 2), [2], wr.t().select(0, 1), br).backward(g);
      close(y, composed(x0.transpose(1, 2), [2], w0.t().select(0, 1), b0));
      for (const [t, r, want] of [[x, xr, wants[0]], [w, wr, wants[1]], [b, br, wants[2]]] as const) {
        if (want) close(t.grad!, r.grad!, 1e-4);
        else expect(t.grad).toBeNull();
      }
    }
  });

  it('two normalized dims, and a gradient reaching a leaf twice accumulates', () => {
    tg.manualSeed(4);
    const x = tg.randn([3, 2, 5]).requiresGrad_(), w = tg.randn([2, 5]).requiresGrad_();
    const y = tg.nn.functional.layerNorm(x, [2, 5], w, null);
    y.mul(y).sum().add(tg.nn.functional.layerNorm(x, [2, 5], w, null).sum()).backward();
    const xr = x.detach().clone().requiresGrad_(), wr = w.detach().clone().requiresGrad_();
    const yr = composed(xr, [1, 2], wr, null);
    yr.mul(yr).sum().add(composed(xr, [1, 2], wr, null).sum()).backward();
    close(x.grad!, xr.grad!, 1e-4);
    close(w.grad!, wr.grad!, 1e-4);
  });

  it('empty shapes as PyTorch: [3, 0] over [0] and [0, 4] over [4] with affine gradients of zeros', () => {
    const x = tg.zeros([3, 0]).requiresGrad_(), w = tg.ones([0]).requiresGrad_(), b = tg.zeros([0]).requiresGrad_();
    const y = tg.nn.functional.layerNorm(x, [0], w, b);
    expect(y.shape).toEqual([3, 0]);
    y.sum().backward();
    expect(x.grad!.shape).toEqual([3, 0]);
    expect(w.grad!.shape).toEqual([0]);
    const x2 = tg.zeros([0, 4]).requiresGrad_(), w2 = tg.ones([4]).requiresGrad_(), b2 = tg.zeros([4]).requiresGrad_();
    const y2 = tg.nn.functional.layerNorm(x2, [4], w2, b2);
    expect(y2.shape).toEqual([0, 4]);
    y2.sum().backward();
    expect(w2.grad!.toArray()).toEqual([0, 0, 0, 0]);
    expect(b2.grad!.toArray()).toEqual([0, 0, 0, 0]);
  });

  it('double backward under createGraph goes through the ops (exact second derivatives)', () => {
    tg.manualSeed(5);
    const x = tg.randn([2, 6]).requiresGrad_(), w = tg.randn([6]).requiresGrad_();
    const [gx] = tg.autograd.grad(tg.nn.functional.layerNorm(x, 6, w, null).pow(3).sum(), [x], { createGraph: true });
    gx!.sum().backward();
    const xr = x.detach().clone().requiresGrad_(), wr = w.detach().clone().requiresGrad_();
    const [gr] = tg.autograd.grad(composed(xr, [1], wr, null).pow(3).sum(), [xr], { createGraph: true });
    gr!.sum().backward();
    close(gx!, gr!, 1e-4);
    close(x.grad!, xr.grad!, 1e-3);
    close(w.grad!, wr.grad!, 1e-3);
  });

  it('rejects a weight that is not float32 with the op named', () => {
    expect(() => tg.nn.functional.layerNorm(tg.randn([2, 3]), 3, tg.ones([3], { dtype: 'int32' }))).toThrow(/layerNorm: expected a float32 weight/);
  });
});
