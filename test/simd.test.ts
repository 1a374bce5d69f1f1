// Accuracy of the transcendental kernels on every path this CPU has, against float64 references
// computed here (Math.exp etc. in double, rounded once to float32): the max error in ulps over
// dense sweeps of each function's range. The SIMD paths use the polynomial forms of
// cpp/kernels/vec_math.h, the scalar path libm; both must meet the same bounds:
//   exp, log, tanh, sigmoid <= 2 ulp;  softplus, gelu <= 4 ulp
// wherever the result is a normal float. Below FLT_MIN precision is absolute, and the error
// there is bounded in units of the smallest denormal instead.
// The measured maxima are printed (one line per path) so they can be quoted.
import { afterAll, describe, expect, it } from 'vitest';
import { native as loadedAddon } from '../src/native.js';
import { simdPaths } from './helpers/simd.js';
import { ordinal } from './helpers/ulp.js';

interface Native {
  unary(meta: Float64Array, out: Float32Array, x: Float32Array): void;
  simd(): string;
  selectSimd(name: string): boolean;
}

// The addon src/native.ts loaded (so TG_ADDON_PATH, e.g. the sanitizer build, applies here
// too), seen through this file's narrower typing.
const native = loadedAddon as unknown as Native;

const ORIGINAL = native.simd();
const PATHS = simdPaths();
afterAll(() => { native.selectSimd(ORIGINAL); });

// cpp/kernels/ops.h
const Op = { Exp: 1, Log: 2, Sigmoid: 8, Tanh: 9, Softplus: 13, Gelu: 14 } as const;

function unary(path: string, op: number, x: Float32Array): Float32Array {
  const y = new Float32Array(x.length);
  if (!native.selectSimd(path)) throw new Error(`SIMD path ${path} unavailable`);
  try {
    native.unary(new Float64Array([op, 1, 0, 0, 0, x.length, 0, 1, 0, 1]), y, x);
  } finally {
    native.selectSimd(ORIGINAL);
  }
  return y;
}


const FLT_MIN = 2 ** -126;
const DENORM_MIN = 2 ** -149;

// ---- float64 references -------------------------------------------------------------------

/** erf(x) for |x| < 2.5 by its Maclaurin series (terms alternate; ~1e-15 absolute here). */
function erfSeries(x: number): number {
  let term = x, sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (-x * x) / n;
    const c = term / (2 * n + 1);
    sum += c;
    if (Math.abs(c) < 1e-17 * Math.abs(sum)) break;
  }
  return (sum * 2) / Math.sqrt(Math.PI);
}

/** erfc(x) to ~1e-14 relative for |x| < 20: the series near 0, the Laplace continued fraction
 * erfc(x) = exp(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))) beyond 2.5, so the
 * tail keeps its relative accuracy (checked against mpmath when written). */
function erfc(x: number): number {
  if (x < 0) return 2 - erfc(-x);
  if (x < 2.5) return 1 - erfSeries(x);
  let f = 0;
  for (let k = 120; k >= 1; k--) f = k / 2 / (x + f);
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / (x + f);
}

/** The functions as the kernels define them (softplus returns x above 20, as PyTorch does). */
const REFERENCE: Record<keyof typeof Op, (x: number) => number> = {
  Exp: Math.exp,
  Log: Math.log,
  Tanh: Math.tanh,
  Sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  Softplus: (x) => (x > 20 ? x : Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)))),
  Gelu: (x) => 0.5 * x * erfc(-x / Math.SQRT2),
};

const BOUND_ULPS: Record<keyof typeof Op, number> = { Exp: 2, Log: 2, Tanh: 2, Sigmoid: 2, Softplus: 4, Gelu: 4 };
/** Below FLT_MIN: allowed |error| in units of the smallest denormal. */
const BOUND_TINY = 2;

// ---- sweeps ---------------------------------------------------------------------------------

const POINTS = 100_000;
const linear = (lo: number, hi: number) => Array.from({ length: POINTS }, (_, i) => lo + ((hi - lo) * i) / (POINTS - 1));
/** Log-spaced magnitudes in [lo, hi], both signs when `signed`. */
const logspace = (lo: number, hi: number, signed = false) =>
  Array.from({ length: POINTS }, (_, i) => {
    const v = Math.exp(Math.log(lo) + ((Math.log(hi) - Math.log(lo)) * i) / (POINTS - 1));
    return signed && i % 2 ? -v : v;
  });

// The meaningful range of each function: from where it underflows to where it overflows or
// saturates, plus a denser sweep where the polynomial pieces meet.
const SWEEPS: Record<keyof typeof Op, number[][]> = {
  Exp: [linear(-104, 89), linear(-1, 1)],
  Log: [logspace(1.4e-45, 3.4e38), linear(0.5, 2)],
  Tanh: [linear(-10, 10), logspace(1e-30, 1, true)],
  Sigmoid: [linear(-104, 30), linear(-6, 6)],
  Softplus: [linear(-104, 30), linear(-6, 6)],
  Gelu: [linear(-14, 10), linear(-3.5, 3.5)],
};

type Measure = { ulps: number; ulpsAt: number; tiny: number; tinyAt: number };

function measure(path: string, name: keyof typeof Op, x: Float32Array, ref: Float64Array): Measure {
  const y = unary(path, Op[name], x);
  const m: Measure = { ulps: 0, ulpsAt: NaN, tiny: 0, tinyAt: NaN };
  for (let i = 0; i < x.length; i++) {
    const want = Math.fround(ref[i]), got = y[i];
    if (Number.isNaN(got)) {  // a NaN for a real input is never right
      m.ulps = Infinity;
      m.ulpsAt = x[i];
      continue;
    }
    if (Math.abs(want) < FLT_MIN) {
      const e = Math.abs(got - ref[i]) / DENORM_MIN;
      if (e > m.tiny) { m.tiny = e; m.tinyAt = x[i]; }
    } else {
      const e = Math.abs(ordinal(got) - ordinal(want));
      if (e > m.ulps) { m.ulps = e; m.ulpsAt = x[i]; }
    }
  }
  return m;
}

describe('accuracy against float64 references', () => {
  const names = Object.keys(Op) as (keyof typeof Op)[];
  // Inputs and references once per function, shared by every path.
  const data = new Map(names.map((name) => {
    const x = Float32Array.from(SWEEPS[name].flat());
    return [name, { x, ref: Float64Array.from(x, REFERENCE[name]) }] as const;
  }));
  const results = new Map<string, Measure>();

  it.each(PATHS)('%s', (path) => {
    const bad: string[] = [];
    for (const name of names) {
      const { x, ref } = data.get(name)!;
      const m = measure(path, name, x, ref);
      results.set(`${path} ${name}`, m);
      if (!(m.ulps <= BOUND_ULPS[name])) bad.push(`${name}: ${m.ulps} ulp at x = ${m.ulpsAt}`);
      if (!(m.tiny <= BOUND_TINY)) bad.push(`${name}: ${m.tiny} x 2^-149 at x = ${m.tinyAt} (denormal result)`);
    }
    const row = names.map((n) => {
      const m = results.get(`${path} ${n}`)!;
      return `${n.toLowerCase()} ${m.ulps}${m.tiny ? ` (tiny ${+m.tiny.toFixed(2)})` : ''}`;
    });
    console.log(`max ulp [${path}]: ${row.join(', ')}`);
    expect(bad).toEqual([]);
  });

  // exp runs blocks of 4 vectors whose |x| are all in range without its range handling
  // (vec_kernels.h: exp_blocks): the same bits as the full form, which a block with one
  // out-of-range element (every 32nd here: one in each block of any width up to 16) takes.
  it.each(PATHS)('%s: exp of in-range blocks has the bits of the full form', (path) => {
    const x = Float32Array.from(linear(-87, 87));
    const mixed = Float32Array.from(x, (v, i) => (i % 32 === 0 ? 200 : v));
    const fast = unary(path, Op.Exp, x), full = unary(path, Op.Exp, mixed);
    const differ: number[] = [];
    for (let i = 0; i < x.length && differ.length < 5; i++) if (i % 32 !== 0 && !Object.is(fast[i], full[i])) differ.push(x[i]!);
    expect(differ).toEqual([]);
    expect(full[0]).toBe(Infinity);
  });

  it('the references themselves: known values', () => {
    expect(erfc(0)).toBe(1);
    expect(Math.abs(erfc(0.5) - 0.4795001221869535) / 0.4795001221869535).toBeLessThan(1e-14);
    expect(Math.abs(erfc(3) - 2.209049699858544e-5) / 2.209049699858544e-5).toBeLessThan(1e-13);
    expect(Math.abs(erfc(9) - 4.137031746513810e-37) / 4.137031746513810e-37).toBeLessThan(1e-13);
    expect(Math.abs(erfc(-1) - 1.8427007929497148)).toBeLessThan(1e-15);
    expect(REFERENCE.Gelu(1)).toBeCloseTo(0.8413447460685429, 15);
  });
});
