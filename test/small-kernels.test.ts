// The JS kernels for tiny operands (src/small_kernels.ts) against the native core: every op they
// take, on random shapes up to their element limit, through contiguous, transposed, strided,
// offset and broadcast views, with special values. Arithmetic must agree to the bit; exp, log,
// tanh, ... within a few ulp (the core's SIMD forms are 1-3 ulp from exact, JS's within 1);
// sums to the bit where the core adds in order, else within float32 rounding of the terms.
import { afterEach, describe, expect, it } from 'vitest';
import * as tg from '../src/index.js';
import { _setSmallLimits } from '../src/small_kernels.js';
import type { Tensor } from '../src/index.js';
import { ulpDistance } from './helpers/ulp.js';
import { rng } from './helpers/rng.js';

const DEFAULT = _setSmallLimits(0, 0);
_setSmallLimits(...DEFAULT);
afterEach(() => void _setSmallLimits(...DEFAULT));

/** Runs f once with the JS kernels and once with the core only; returns both results. */
function both<T>(f: () => T): [T, T] {
  _setSmallLimits(...DEFAULT);
  const js = f();
  _setSmallLimits(0, 0);
  const core = f();
  _setSmallLimits(...DEFAULT);
  return [js, core];
}

// A fixed stream, so a failure reproduces.
let rnd = rng(12345);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;

const SPECIAL = [NaN, Infinity, -Infinity, 0, -0, 1, -1, 1e-40, 3e38];

function values(n: number, special: boolean): number[] {
  return Array.from({ length: n }, () => (special && rnd() < 0.2 ? pick(SPECIAL) : (rnd() * 2 - 1) * 4));
}

function randomShape(maxNumel: number): number[] {
  for (;;) {
    const nd = Math.floor(rnd() * 4);
    const shape = Array.from({ length: nd }, () => 1 + Math.floor(rnd() * 5));
    if (shape.reduce((p, q) => p * q, 1) <= maxNumel) return shape;
  }
}

/** A tensor of `shape` seen through a random layout: contiguous, offset, transposed or strided. */
function viewOf(shape: number[], special: boolean): Tensor {
  const layout = pick(['contiguous', 'offset', 'transposed', 'strided'] as const);
  const n = shape.reduce((p, q) => p * q, 1);
  if (layout === 'offset') return tg.tensor(values(n + 3, special)).narrow(0, 3, n).reshape(shape);
  if (layout === 'transposed' && shape.length >= 2) {
    const rev = shape.slice().reverse();
    const perm = rev.map((_, i) => rev.length - 1 - i);
    return tg.tensor(values(n, special)).reshape(rev).permute(perm);
  }
  if (layout === 'strided' && shape.length >= 1) {
    const wide = [...shape.slice(0, -1), shape[shape.length - 1]! * 2];
    return tg.tensor(values(n * 2, special)).reshape(wide).slice(-1, 0, null, 2);
  }
  return tg.tensor(values(n, special)).reshape(shape);
}

/**
 * Compares element by element: NaN matches NaN; otherwise within `ulps` (0 = the same float)
 * or `atol`, for results that cancel (a sum of terms far larger than itself, 1 - y for y near 1).
 */
function expectClose(js: Tensor, core: Tensor, ulps: number, what: string, atol = 0): void {
  expect(js.shape, what).toEqual(core.shape);
  const a = js.contiguous().toArray() as number[] | number;
  const b = core.contiguous().toArray() as number[] | number;
  const fa = [a].flat(8) as number[], fb = [b].flat(8) as number[];
  for (let i = 0; i < fa.length; i++) {
    const x = fa[i]!, y = fb[i]!;
    if (Number.isNaN(x) || Number.isNaN(y)) {
      expect(Number.isNaN(x) && Number.isNaN(y), `${what} [${i}]: ${x} vs ${y}`).toBe(true);
      continue;
    }
    if (atol > 0 && Math.abs(x - y) <= atol) continue;
    if (ulps === 0) expect(Object.is(x, y) || x === y, `${what} [${i}]: JS ${x} vs core ${y}`).toBe(true);
    else expect(ulpDistance(x, y), `${what} [${i}]: JS ${x} vs core ${y}`).toBeLessThanOrEqual(ulps);
  }
}

const EXACT_UNARY: [string, (x: Tensor) => Tensor][] = [
  ['neg', (x) => x.neg()], ['abs', (x) => x.abs()], ['square', (x) => x.square()], ['relu', (x) => x.relu()],
  ['sign', (x) => x.sign()], ['reciprocal', (x) => x.reciprocal()], ['sqrt', (x) => x.sqrt()],
  ['leakyRelu', (x) => tg.F.leakyRelu(x, 0.3)], ['clamp', (x) => x.clamp(-1.5, 2)], ['clamp min', (x) => x.clamp(0.25)],
];
const MATH_UNARY: [string, (x: Tensor) => Tensor][] = [
  ['exp', (x) => x.exp()], ['log', (x) => x.log()], ['tanh', (x) => x.tanh()], ['sigmoid', (x) => x.sigmoid()],
  ['rsqrt', (x) => x.rsqrt()], ['sin', (x) => x.sin()], ['cos', (x) => x.cos()],
];
const EXACT_BINARY: [string, (a: Tensor, b: Tensor) => Tensor][] = [
  ['add', (a, b) => a.add(b)], ['sub', (a, b) => a.sub(b)], ['mul', (a, b) => a.mul(b)], ['div', (a, b) => a.div(b)],
  ['maximum', (a, b) => tg.maximum(a, b)], ['minimum', (a, b) => tg.minimum(a, b)],
];
const SCALARS = [0, -0, 1, -2.5, 0.1, 3, NaN, Infinity];

describe('small kernels (JS) agree with the core', () => {
  it('covers what the limit says', () => {
    // Guards against a limit of 0 making every comparison below core against core.
    expect(DEFAULT[0]).toBeGreaterThanOrEqual(16);
    expect(DEFAULT[1]).toBeGreaterThanOrEqual(64);
  });

  it('unary ops, exact ones to the bit, math ones within 2 ulp', () => {
    for (let t = 0; t < 150; t++) {
      const x = viewOf(randomShape(DEFAULT[0]), true);
      for (const [name, f] of EXACT_UNARY) {
        const [js, core] = both(() => f(x));
        expectClose(js, core, 0, `${name} ${JSON.stringify(x.shape)}`);
      }
      for (const [name, f] of MATH_UNARY) {
        // sin/cos of huge arguments: both are libm-grade, but not the same libm.
        const xs = name === 'sin' || name === 'cos' ? x.clamp(-100, 100) : x;
        const [js, core] = both(() => f(xs));
        expectClose(js, core, 2, `${name} ${JSON.stringify(x.shape)}`);
      }
    }
  });

  it('binary ops with broadcasting, and with a scalar on either side, to the bit', () => {
    for (let t = 0; t < 150; t++) {
      const shape = randomShape(DEFAULT[0]);
      // b broadcasts: some of its dims set to 1, and maybe fewer dims.
      const bShape = shape.map((s) => (rnd() < 0.3 ? 1 : s)).slice(Math.floor(rnd() * 2));
      const a = viewOf(shape, true), b = viewOf(bShape, true);
      for (const [name, f] of EXACT_BINARY) {
        const [js, core] = both(() => f(a, b));
        expectClose(js, core, 0, `${name} ${JSON.stringify(shape)} ${JSON.stringify(bShape)}`);
        const [jr, cr] = both(() => f(b, a));
        expectClose(jr, cr, 0, `${name} reversed`);
      }
      const s = pick(SCALARS);
      for (const [name, f] of [
        ['add', (x: Tensor) => x.add(s)], ['mul', (x: Tensor) => x.mul(s)], ['div', (x: Tensor) => x.div(s)],
        ['rsub', (x: Tensor) => tg.sub(s, x)], ['rdiv', (x: Tensor) => tg.div(s, x)],
      ] as const) {
        const [js, core] = both(() => f(a));
        expectClose(js, core, 0, `${name} ${s}`);
      }
      // The core's pow is a few ulp from exact even for x^2; JS's is exact.
      const [sj, sc] = both(() => a.pow(2));
      expectClose(sj, sc, 2, 'pow 2');
      const [pj, pc] = both(() => a.abs().pow(b.abs().add(0.5)));
      expectClose(pj, pc, 2, 'pow');
    }
  });

  it('backward kernels (relu, sigmoid, tanh, leakyRelu) and gradient reductions', () => {
    for (let t = 0; t < 60; t++) {
      const shape = randomShape(DEFAULT[0]);
      const data = values(shape.reduce((p, q) => p * q, 1), false);
      const g = viewOf(shape, false);
      for (const f of [(x: Tensor) => x.relu(), (x: Tensor) => x.sigmoid(), (x: Tensor) => x.tanh(), (x: Tensor) => tg.F.leakyRelu(x, 0.1)]) {
        const [js, core] = both(() => {
          const x = tg.tensor(data).reshape(shape).requiresGrad_();
          f(x).backward(g);
          return x.grad!;
        });
        // The forward's y differs by an ulp between the two, and 1 - y cancels near y = 1.
        expectClose(js, core, 2, `grad ${JSON.stringify(shape)}`, 1e-6);
      }
    }
  });

  it('sum, mean, max, min over any dims, keepdim or not', () => {
    for (let t = 0; t < 200; t++) {
      const shape = randomShape(DEFAULT[0]);
      const x = viewOf(shape, rnd() < 0.3);
      const nd = shape.length;
      const dims = nd === 0 ? undefined : rnd() < 0.3 ? undefined : [...new Set(Array.from({ length: 1 + Math.floor(rnd() * nd) }, () => Math.floor(rnd() * nd)))];
      const keep = rnd() < 0.5;
      for (const [name, f] of [
        ['sum', (v: Tensor) => (dims ? v.sum(dims, keep) : v.sum())],
        ['mean', (v: Tensor) => (dims ? v.mean(dims, keep) : v.mean())],
        ['max', (v: Tensor) => v.max()],
        ['min', (v: Tensor) => v.min()],
        // The max over dims inside (reduce without indices), then exp, sum, log.
        ['logsumexp', (v: Tensor) => tg.logsumexp(v, dims ?? [], keep)],
      ] as const) {
        if (x.numel() === 0) continue;
        const [js, core] = both(() => f(x));
        // Lines of 16 and more the core adds in SIMD lanes, not in order: the error bound of a
        // float32 sum of n terms of magnitude <= 4 (or 3e38, with special values: then only NaN and inf
        // must agree).
        const atol = x.numel() * 4 * 2 ** -23 * 4;
        expectClose(js, core, name === 'max' || name === 'min' ? 0 : 4, `${name} ${JSON.stringify(shape)} dims ${JSON.stringify(dims)}`, name === 'max' || name === 'min' ? 0 : atol);
      }
    }
  });

  it('matmul, batched and broadcast, transposed operands, linear with bias and relu', () => {
    for (let t = 0; t < 150; t++) {
      const M = 1 + Math.floor(rnd() * 6), K = Math.floor(rnd() * 6), N = 1 + Math.floor(rnd() * 6);
      const batch = rnd() < 0.4 ? [1 + Math.floor(rnd() * 3)] : [];
      const a = viewOf([...batch, M, K], false), b = viewOf([K, N], false);
      // K products of terms <= 16 in magnitude, summed in float32 in a different order.
      const atol = (K + 1) * 16 * 2 ** -22;
      const [js, core] = both(() => a.matmul(b));
      expectClose(js, core, 8, `matmul ${M}x${K}x${N} batch ${JSON.stringify(batch)}`, atol);
      const w = viewOf([N, K], false), bias = tg.tensor(values(N, false));
      const [lj, lc] = both(() => tg.F.linear(a, w, bias));
      expectClose(lj, lc, 8, 'linear', atol);
      const [rj, rc] = both(() => tg.F.relu(tg.F.linear(a, w, bias)));
      expectClose(rj, rc, 8, 'linear + relu', atol);
    }
  });

  it('fill, copies and exact casts', () => {
    for (let t = 0; t < 80; t++) {
      const x = viewOf(randomShape(DEFAULT[0]), true);
      const [fj, fc] = both(() => x.clone().fill_(0.1));
      expectClose(fj, fc, 0, 'fill_');
      const [cj, cc] = both(() => x.contiguous().clone());
      expectClose(cj, cc, 0, 'clone');
      const [ij, ic] = both(() => tg.where(x.ne(x), 0, x).clamp(-1000, 1000).int().float());
      expectClose(ij, ic, 0, 'int -> float');
      const [bj, bc] = both(() => x.gt(0).float().add(x.lt(0).int()));
      expectClose(bj, bc, 0, 'bool -> float, bool -> int');
    }
  });
});

describe('small SGD step (JS) agrees with the core', () => {
  it('every option combination, to the bit, over several steps', () => {
    for (const momentum of [0, 0.9]) for (const weightDecay of [0, 0.01]) for (const nesterov of [false, true]) for (const maximize of [false, true]) {
      if (nesterov && momentum === 0) continue;
      const [js, core] = both(() => {
        rnd = rng(99);
        const p = tg.tensor(values(7, false)).requiresGrad_();
        const opt = new tg.optim.SGD([p], { lr: 0.1, momentum, weightDecay, nesterov, maximize, dampening: nesterov ? 0 : 0.3 });
        for (let s = 0; s < 4; s++) {
          p.grad = tg.tensor(values(7, false));
          opt.step();
        }
        return p.detach().clone();
      });
      expectClose(js, core, 0, `SGD momentum ${momentum} wd ${weightDecay} nesterov ${nesterov} maximize ${maximize}`);
    }
  });
});
