// The per-ISA kernel tables against the scalar table, through the raw binding (no Tensor layer):
// every SIMD path this CPU has (native.selectSimd) runs every unary/binary op, scalar-left and
// scalar-right binaries, reductions and matmul on odd sizes, special values and strided /
// transposed / reversed / broadcast operands. Arithmetic must match scalar bit for bit; the
// polynomial math (exp, log, tanh, ...) within a few ulp of libm. Absolute accuracy against a
// float64 reference is test/simd.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeMatmul, encodeReduce, meta as callMeta, putHeader, putView } from '../src/call.js';
import { native as loadedAddon } from '../src/native.js';
import { simdPaths } from './helpers/simd.js';
import { ulpDistance } from './helpers/ulp.js';
import { rng } from './helpers/rng.js';

interface Native {
  unary(meta: Float64Array, out: Float32Array, x: Float32Array): void;
  binary(meta: Float64Array, out: Float32Array, a: Float32Array, b: Float32Array): void;
  binaryScalar(meta: Float64Array, out: Float32Array, a: Float32Array): void;
  compare(meta: Float64Array, out: Uint8Array, a: Float32Array, b: Float32Array): void;
  compareScalar(meta: Float64Array, out: Uint8Array, a: Float32Array): void;
  reduce(meta: Float64Array, x: Float32Array, out: Float32Array | Int32Array, indices?: Int32Array): void;
  matmul(meta: Float64Array, a: Float32Array, b: Float32Array, c: Float32Array, bias?: Float32Array | null): void;
  sgdStep(meta: Float64Array, p: Float32Array, g: Float32Array, buf?: Float32Array): void;
  getNumThreads(): number;
  setNumThreads(n: number): void;
  simd(): string;
  selectSimd(name: string): boolean;
}

// The addon src/native.ts loaded (so TG_ADDON_PATH, e.g. the sanitizer build, applies here
// too), seen through this file's narrower typing.
const native = loadedAddon as unknown as Native;

// The kernel codes, as the addon lists them (generated from cpp/kernels/ops.h): every unary
// and binary kernel it has is run below, so one added there is tested here without an edit.
const codes = loadedAddon.opCodes as Record<'unary' | 'binary' | 'compare' | 'reduce', Record<string, number>>;
const U = codes.unary, B = codes.binary, C = codes.compare, R = codes.reduce;
const UNARY_COUNT = Object.keys(U).length;
const BINARY_COUNT = Object.keys(B).length;

const ORIGINAL = native.simd();
const ALL_PATHS = simdPaths();
const SIMD_PATHS = ALL_PATHS.filter((name) => name !== 'scalar');

function on<T>(path: string, fn: () => T): T {
  if (!native.selectSimd(path)) throw new Error(`SIMD path ${path} unavailable`);
  try {
    return fn();
  } finally {
    native.selectSimd(ORIGINAL);
  }
}

// ---- float32 helpers ----------------------------------------------------------------------


const FLT_MAX = 3.4028234663852886e38;
const FLT_MIN = 1.1754943508222875e-38;

/** Values that hit the edge paths: NaN, infinities, signed zeros, denormals, the overflow and
 * underflow thresholds of exp (±88.72, -103.97) and beyond, and the piece boundaries of the
 * polynomial forms (tanh 0.625, softplus 20, the normal-CDF pieces at 0.5, 1.5, 2.875). */
const SPECIALS = [
  NaN, Infinity, -Infinity, 0, -0, 1.4e-45, -1.4e-45, 1e-40, -3e-39, 1.1754942e-38, FLT_MIN, -FLT_MIN,
  FLT_MAX, -FLT_MAX, 1, -1, 0.5, -0.5, 2, 88, -88, 88.72, 88.73, 89, -89, 100, -100, -103.9, -104,
  1e30, -1e30, 20, 20.5, -20, 0.625, -0.625, 1.5, -1.5, 2.875, -2.875, 13.2, -13.2, 1e-8, -1e-8, 3,
  -5.5, 0.25, 7,
].map(Math.fround);

/** n inputs: every third a special value (so specials land in every lane and in the tails),
 * the rest mostly moderate with some large and some very small magnitudes. */
function makeInput(n: number, seed: number): Float32Array {
  const r = rng(seed);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    if (i % 3 === 0) x[i] = SPECIALS[(i / 3 + seed) % SPECIALS.length];
    else {
      const u = r();
      if (u < 0.5) x[i] = (r() - 0.5) * 12;
      else if (u < 0.8) x[i] = (r() - 0.5) * 240;
      else x[i] = (r() < 0.5 ? -1 : 1) * 10 ** (r() * 78 - 40);
    }
  }
  return x;
}

const SIZES = [0, 1, 7, 17, 31, 33, 1023, 4099];

// ---- calls ----------------------------------------------------------------------------------

type Layout = { offset: number; strides: number[] };
type View = Layout & { data: Float32Array };
const contiguous = (data: Float32Array): View => ({ data, offset: 0, strides: [1] });
const flat: Layout = { offset: 0, strides: [1] };

// The calls are encoded by src/call.ts, as the ops encode theirs.
function elementwiseMeta(op: number, shape: number[], views: Layout[], p: number[] = []): Float64Array {
  let pos = putHeader(op, shape, p[0] ?? 0, p[1] ?? 0, p[2] ?? 0);
  for (const v of views) pos = putView(pos, v.offset, v.strides);
  return callMeta;
}

function unary(op: number, shape: number[], out: View, x: View, p0 = 0, p1 = 0): void {
  native.unary(elementwiseMeta(op, shape, [out, x], [p0, p1]), out.data, x.data);
}

function binary(op: number, shape: number[], out: View, a: View, b: View, p0 = 0): void {
  native.binary(elementwiseMeta(op, shape, [out, a, b], [p0]), out.data, a.data, b.data);
}

function binaryScalar(op: number, out: Float32Array, a: Float32Array, s: number, scalarFirst: boolean, p0 = 0): void {
  const meta = elementwiseMeta(op, [a.length], [contiguous(out), contiguous(a)], [p0, s, scalarFirst ? 1 : 0]);
  native.binaryScalar(meta, out, a);
}

function unaryContig(op: number, x: Float32Array, p0 = 0, p1 = 0): Float32Array {
  const out = new Float32Array(x.length);
  unary(op, [x.length], contiguous(out), contiguous(x), p0, p1);
  return out;
}

function binaryContig(op: number, a: Float32Array, b: Float32Array, p0 = 0): Float32Array {
  const out = new Float32Array(a.length);
  binary(op, [a.length], contiguous(out), contiguous(a), contiguous(b), p0);
  return out;
}

// ---- comparison -----------------------------------------------------------------------------

/** How far a SIMD result may be from the scalar one. `ulps: 0` means identical, including the
 * sign of zero. `absScale` adds an absolute allowance |got - want| <= absScale(i), for results
 * formed by cancellation (the fused backward ops), where ulps of the result mean nothing. */
type Tolerance = { ulps: number; absScale?: (i: number) => number };
const EXACT: Tolerance = { ulps: 0 };

function mismatches(got: Float32Array, want: Float32Array, tol: Tolerance, describe: (i: number) => string): string[] {
  const bad: string[] = [];
  for (let i = 0; i < want.length && bad.length < 8; i++) {
    const g = got[i], w = want[i];
    if (tol.ulps === 0 ? Object.is(g, w) : ulpDistance(g, w) <= tol.ulps) continue;
    if (tol.absScale && Math.abs(g - w) <= tol.absScale(i)) continue;
    bad.push(`${describe(i)}: got ${g}, want ${w} (${ulpDistance(g, w)} ulp)`);
  }
  return bad;
}

// Polynomial forms vs libm: each is within 2 (exp, log, tanh, sigmoid) or 4 (softplus, gelu) ulp
// of the truth, libm within 1-2 (test/simd.test.ts measures both). Everything else is the same
// IEEE operations in the same order on every path, so it must be identical.
function unaryTolerance(op: number): Tolerance {
  switch (op) {
    case U.Exp: case U.Log: return { ulps: 2 };
    case U.Log2: return { ulps: 3 };
    case U.Tanh: case U.Sigmoid: return { ulps: 3 };
    case U.Softplus: case U.Gelu: return { ulps: 4 };
    default: return EXACT;
  }
}

function binaryTolerance(op: number, a: Float32Array, b: Float32Array): Tolerance {
  switch (op) {
    // g * (1 - y*y): the compiler may fuse y*y into the subtraction (fp-contract) in one ISA
    // unit and not another, which moves 1 - y*y by up to an ulp of max(1, y*y).
    case B.TanhBackward:
      return { ulps: 1, absScale: (i) => Math.abs(a[i]) * Math.max(1, b[i] * b[i]) * 2 ** -22 + 2 ** -149 };
    // g * sigmoid(x): sigmoid's 3 ulp plus the product, or, where sigmoid(x) is denormal and so
    // only absolutely accurate, that absolute error scaled by g.
    case B.SoftplusBackward: return { ulps: 4, absScale: (i) => Math.abs(a[i]) * 2 ** -148 };
    // g * (Phi(x) + x phi(x)): the sum cancels for x < 0, so bound the error absolutely against
    // the terms (|Phi| <= 1, |x phi| <= 0.25).
    case B.GeluBackward: return { ulps: 4, absScale: (i) => Math.abs(a[i]) * 16 * 2 ** -24 };
    default: return EXACT;
  }
}

const UNARY_CASES: { op: number; name: string; p0?: number; p1?: number }[] = [
  ...Object.entries(U).map(([name, op]) => ({ op, name })),
  { op: U.LeakyRelu, name: 'LeakyRelu(0.2)', p0: 0.2 },
  { op: U.Clamp, name: 'Clamp(-1, 2)', p0: -1, p1: 2 },
  { op: U.Clamp, name: 'Clamp(-, 0.5)', p0: NaN, p1: 0.5 },
  { op: U.Clamp, name: 'Clamp(-0.5, -)', p0: -0.5, p1: NaN },
  { op: U.Clamp, name: 'Clamp(-, -)', p0: NaN, p1: NaN },
  { op: U.Clamp, name: 'Clamp(3, -3)', p0: 3, p1: -3 },
];
const BINARY_CASES: { op: number; name: string; p0?: number }[] = [
  ...Object.entries(B).map(([name, op]) => ({ op, name })),
  { op: B.LeakyReluBackward, name: 'LeakyReluBackward(0.2)', p0: 0.2 },
];

// ---- tests ----------------------------------------------------------------------------------

describe('kernel tables', () => {
  // Which tables the CPU offers and which one loads: test/platform.test.ts (emulated CPUs too).
  it('switches to each path the CPU has and back, and refuses unknown names', () => {
    expect(native.selectSimd('no-such-isa')).toBe(false);
    expect(native.simd()).toBe(ORIGINAL);
    for (const path of ALL_PATHS) expect(on(path, () => native.simd())).toBe(path);
    expect(native.simd()).toBe(ORIGINAL);
  });

  it('refuses a code past the last one the addon lists', () => {
    const x = new Float32Array(3);
    expect(() => unaryContig(UNARY_COUNT - 1, x)).not.toThrow();
    expect(() => unaryContig(UNARY_COUNT, x)).toThrow(RangeError);
    expect(() => binaryContig(BINARY_COUNT - 1, x, x)).not.toThrow();
    expect(() => binaryContig(BINARY_COUNT, x, x)).toThrow(RangeError);
  });
});

describe.each(SIMD_PATHS)('%s against scalar', (path) => {
  it('every unary op, odd sizes and special values', () => {
    const inputs = [...SIZES.map((n) => makeInput(n, n + 1)), Float32Array.from(SPECIALS)];
    const bad: string[] = [];
    for (const { op, name, p0 = 0, p1 = 0 } of UNARY_CASES) {
      for (const x of inputs) {
        const want = on('scalar', () => unaryContig(op, x, p0, p1));
        const got = on(path, () => unaryContig(op, x, p0, p1));
        bad.push(...mismatches(got, want, unaryTolerance(op), (i) => `${name}(${x[i]}) [n=${x.length}]`));
      }
    }
    expect(bad).toEqual([]);
  });

  it('unary ops in place (output aliasing the input)', () => {
    const x = makeInput(1023, 5);
    const bad: string[] = [];
    for (const { op, name, p0 = 0, p1 = 0 } of UNARY_CASES) {
      const want = on('scalar', () => unaryContig(op, x, p0, p1));
      const y = x.slice();
      on(path, () => unary(op, [y.length], contiguous(y), contiguous(y), p0, p1));
      bad.push(...mismatches(y, want, unaryTolerance(op), (i) => `${name}(${x[i]}) in place`));
    }
    expect(bad).toEqual([]);
  });

  it('every binary op, odd sizes and every pair of special values', () => {
    const pairs: [Float32Array, Float32Array][] = SIZES.map((n) => [makeInput(n, 2 * n + 3), makeInput(n, 3 * n + 7)]);
    const k = SPECIALS.length;
    pairs.push([
      Float32Array.from({ length: k * k }, (_, i) => SPECIALS[Math.floor(i / k)]),
      Float32Array.from({ length: k * k }, (_, i) => SPECIALS[i % k]),
    ]);
    const bad: string[] = [];
    for (const { op, name, p0 = 0 } of BINARY_CASES) {
      for (const [a, b] of pairs) {
        const want = on('scalar', () => binaryContig(op, a, b, p0));
        const got = on(path, () => binaryContig(op, a, b, p0));
        bad.push(...mismatches(got, want, binaryTolerance(op, a, b), (i) => `${name}(${a[i]}, ${b[i]}) [n=${a.length}]`));
      }
    }
    expect(bad).toEqual([]);
  });

  it('binary ops on long runs (AVX-512 streams +, -, *, / past 2^18 elements), out of place and in place', () => {
    // Odd length, and halves (on 2 threads) still past 2^18, with a tail under one vector.
    const n = (1 << 19) + 13;
    const a = makeInput(n, 11), b = makeInput(n, 12);
    const bad: string[] = [];
    for (const { op, name, p0 = 0 } of BINARY_CASES) {
      const want = on('scalar', () => binaryContig(op, a, b, p0));
      const got = on(path, () => binaryContig(op, a, b, p0));
      const inPlace = a.slice();
      on(path, () => binary(op, [n], contiguous(inPlace), contiguous(inPlace), contiguous(b), p0));
      const tol = binaryTolerance(op, a, b);
      bad.push(...mismatches(got, want, tol, (i) => `${name}(${a[i]}, ${b[i]}) [n=${n}]`).slice(0, 5));
      bad.push(...mismatches(inPlace, want, tol, (i) => `${name}(${a[i]}, ${b[i]}) [n=${n}, in place]`).slice(0, 5));
    }
    expect(bad).toEqual([]);
  });

  it('binary ops with a scalar on either side', () => {
    const bad: string[] = [];
    for (const { op, name, p0 = 0 } of BINARY_CASES) {
      for (const n of [7, 33, 67]) {
        const x = makeInput(n, n);
        for (const s of SPECIALS) {
          const sv = new Float32Array(n).fill(s);
          for (const scalarFirst of [false, true]) {
            const want = new Float32Array(n);
            const got = new Float32Array(n);
            on('scalar', () => binaryScalar(op, want, x, s, scalarFirst, p0));
            on(path, () => binaryScalar(op, got, x, s, scalarFirst, p0));
            const [a, b] = scalarFirst ? [sv, x] : [x, sv];
            bad.push(...mismatches(got, want, binaryTolerance(op, a, b), (i) => `${name}(${a[i]}, ${b[i]}) [scalar ${scalarFirst ? 'left' : 'right'}]`));
          }
        }
      }
    }
    expect(bad).toEqual([]);
  });

  it('comparisons', () => {
    const k = SPECIALS.length;
    const a = Float32Array.from({ length: k * k }, (_, i) => SPECIALS[Math.floor(i / k)]);
    const b = Float32Array.from({ length: k * k }, (_, i) => SPECIALS[i % k]);
    const js = [(x: number, y: number) => x === y, (x: number, y: number) => x !== y, (x: number, y: number) => x < y,
      (x: number, y: number) => x <= y, (x: number, y: number) => x > y, (x: number, y: number) => x >= y];
    for (const op of Object.values(C)) {
      const out = new Uint8Array(a.length);
      on(path, () => native.compare(elementwiseMeta(op, [a.length], [flat, flat, flat]), out, a, b));
      expect(Array.from(out)).toEqual(Array.from(a, (x, i) => (js[op](x, b[i]) ? 1 : 0)));
      for (const s of [NaN, 0.5, -Infinity]) {
        on(path, () => native.compareScalar(elementwiseMeta(op, [a.length], [flat, flat], [s]), out, a));
        expect(Array.from(out), `op ${op} against ${s}`).toEqual(Array.from(a, (x) => (js[op](x, s) ? 1 : 0)));
      }
    }
  });
});

// Strided, transposed, reversed and broadcast (stride 0) views of a 13 x 37 operand (37 = a
// full vector plus a tail on every width). The drivers gather such runs into a buffer, or call
// the scalar-broadcast kernels, so on every path each element must come out exactly as in a
// contiguous call on the materialized operands.
const ROWS = 13, COLS = 37;
type ViewKind = 'contiguous' | 'transposed' | 'step2' | 'reversed' | 'rowBroadcast' | 'colBroadcast' | 'scalar';
const VIEW_KINDS: ViewKind[] = ['contiguous', 'transposed', 'step2', 'reversed', 'rowBroadcast', 'colBroadcast', 'scalar'];

/** A view of `kind` whose logical [r, c] element is src(r, c) (a broadcast view repeats src(0, c),
 * src(r, 0) or src(0, 0)). */
function makeView(kind: ViewKind, src: (r: number, c: number) => number): View {
  const n = ROWS * COLS;
  const build = (len: number, offset: number, strides: number[]): View => {
    const data = new Float32Array(len).fill(-7777);  // sentinel for elements outside the view
    for (let r = 0; r < ROWS; r++)
      for (let c = 0; c < COLS; c++) data[offset + r * strides[0] + c * strides[1]] = src(r, c);
    return { data, offset, strides };
  };
  switch (kind) {
    case 'contiguous': return build(n, 0, [COLS, 1]);
    case 'transposed': return build(n, 0, [1, ROWS]);
    case 'step2': return build(2 * n + 1, 1, [2 * COLS, 2]);
    case 'reversed': return build(n, n - 1, [-COLS, -1]);
    case 'rowBroadcast': return build(COLS, 0, [0, 1]);
    case 'colBroadcast': return build(ROWS, 0, [1, 0]);
    case 'scalar': return build(1, 0, [0, 0]);
  }
}

function materialize(v: View): Float32Array {
  const out = new Float32Array(ROWS * COLS);
  for (let r = 0; r < ROWS; r++)
    for (let c = 0; c < COLS; c++) out[r * COLS + c] = v.data[v.offset + r * v.strides[0] + c * v.strides[1]];
  return out;
}

/** The output views: the logical result read back, and every slot outside the view untouched. */
function readOutput(v: View): { values: Float32Array; clobbered: number } {
  const values = materialize(v);
  const inside = new Set<number>();
  for (let r = 0; r < ROWS; r++) for (let c = 0; c < COLS; c++) inside.add(v.offset + r * v.strides[0] + c * v.strides[1]);
  let clobbered = 0;
  v.data.forEach((x, i) => { if (!inside.has(i) && x !== -7777) clobbered++; });
  return { values, clobbered };
}

const OUT_KINDS: ViewKind[] = ['contiguous', 'transposed', 'step2', 'reversed'];

describe.each(ALL_PATHS)('%s: strided and broadcast operands', (path) => {
  const srcA = (r: number, c: number) => SPECIALS[(r * COLS + c) % SPECIALS.length] * (c % 2 ? 1 : 0.37);
  const srcB = (r: number, c: number) => ((r * 7 + c * 3) % 23) * 0.71 - 8;

  it('unary', () => {
    const bad: string[] = [];
    for (const { op, name, p0 = 0, p1 = 0 } of UNARY_CASES) {
      for (const xk of VIEW_KINDS) {
        const x = makeView(xk, srcA);
        const want = on(path, () => unaryContig(op, materialize(x), p0, p1));
        for (const ok of OUT_KINDS) {
          const out = makeView(ok, () => 0);
          on(path, () => unary(op, [ROWS, COLS], out, x, p0, p1));
          const { values, clobbered } = readOutput(out);
          if (clobbered) bad.push(`${name} x=${xk} out=${ok}: wrote ${clobbered} slots outside the view`);
          bad.push(...mismatches(values, want, EXACT, (i) => `${name} x=${xk} out=${ok} at ${i}`));
        }
      }
    }
    expect(bad).toEqual([]);
  });

  it('binary', () => {
    const bad: string[] = [];
    for (const { op, name, p0 = 0 } of BINARY_CASES) {
      for (const ak of VIEW_KINDS) {
        for (const bk of VIEW_KINDS) {
          const a = makeView(ak, srcA), b = makeView(bk, srcB);
          const want = on(path, () => binaryContig(op, materialize(a), materialize(b), p0));
          for (const ok of ak === bk ? OUT_KINDS : ['contiguous' as const]) {
            const out = makeView(ok, () => 0);
            on(path, () => binary(op, [ROWS, COLS], out, a, b, p0));
            const { values, clobbered } = readOutput(out);
            if (clobbered) bad.push(`${name} a=${ak} b=${bk} out=${ok}: wrote ${clobbered} slots outside the view`);
            bad.push(...mismatches(values, want, EXACT, (i) => `${name} a=${ak} b=${bk} out=${ok} at ${i}`));
          }
        }
      }
    }
    expect(bad).toEqual([]);
  });
});

// ---- reductions -----------------------------------------------------------------------------

function reduce(op: number, shape: number[], x: View, mask: number, outLen: number): Float32Array | Int32Array {
  const out = op === R.ArgMax || op === R.ArgMin ? new Int32Array(outLen) : new Float32Array(outLen);
  encodeReduce(op, { _offset: x.offset, _strides: x.strides, _shape: shape }, mask);
  native.reduce(callMeta, x.data, out);
  return out;
}

const reduce1d = (op: number, x: Float32Array) => reduce(op, [x.length], contiguous(x), 1, 1)[0];

/** Reference max/argmax as PyTorch defines them: NaN wins, the first extreme index is reported. */
function refExtreme(x: ArrayLike<number>, isMax: boolean): { value: number; index: number } {
  let value = x[0], index = 0;
  for (let i = 1; i < x.length && !Number.isNaN(value); i++) {
    if (Number.isNaN(x[i]) || (isMax ? x[i] > value : x[i] < value)) { value = x[i]; index = i; }
  }
  return { value, index };
}

/** Integer-valued data: every partial sum is exact in float32, so any summation order gives the
 * same bits, and a skipped or doubled element always shows. */
function integers(n: number, seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => Math.floor(r() * 201) - 100);
}

describe.each(ALL_PATHS)('%s: reductions', (path) => {
  it('sum, max, min, argmax over odd sizes (exact on integer data)', () => {
    for (const n of SIZES) {
      const x = integers(n, n + 11);
      let exact = 0;
      x.forEach((v) => { exact += v; });
      expect(on(path, () => reduce1d(R.Sum, x)), `sum n=${n}`).toBe(exact);
      if (n === 0) continue;
      const mx = refExtreme(x, true), mn = refExtreme(x, false);
      expect(on(path, () => reduce1d(R.Max, x)), `max n=${n}`).toBe(mx.value);
      expect(on(path, () => reduce1d(R.Min, x)), `min n=${n}`).toBe(mn.value);
      expect(on(path, () => reduce1d(R.ArgMax, x)), `argmax n=${n}`).toBe(mx.index);
      expect(on(path, () => reduce1d(R.ArgMin, x)), `argmin n=${n}`).toBe(mn.index);
    }
  });

  it('sum of general floats stays within the float32 error bound', () => {
    for (const n of SIZES) {
      const r = rng(n);
      const x = Float32Array.from({ length: n }, () => (r() - 0.3) * 10 ** (r() * 6 - 3));
      let exact = 0, abs = 0;
      x.forEach((v) => { exact += v; abs += Math.abs(v); });
      const got = on(path, () => reduce1d(R.Sum, x));
      // Lane-wise float32 accumulation over chunks of 4096: at most n roundings of partial sums.
      expect(Math.abs(got - exact), `sum n=${n}`).toBeLessThanOrEqual(n * 2 ** -24 * abs + FLT_MIN);
    }
  });

  it('a sum of fewer than 16 terms adds them in index order, so every path gives the same bits', () => {
    // Magnitudes over 8 decades: almost any other order rounds differently somewhere.
    const inOrder = (v: ArrayLike<number>) => {
      let s = 0;
      for (let i = 0; i < v.length; i++) s = Math.fround(s + v[i]);
      return s;
    };
    for (let n = 2; n < 16; n++) {
      for (let seed = 0; seed < 20; seed++) {
        const r = rng(100 * n + seed);
        const x = Float32Array.from({ length: n }, () => (r() - 0.5) * 10 ** (r() * 8 - 4));
        expect(on(path, () => reduce1d(R.Sum, x)), `contiguous n=${n} seed=${seed}`).toBe(inOrder(x));
        // Down the columns of an [n, cols] matrix: a strided run per output (3 columns), and the
        // row-accumulating path (17).
        for (const cols of [3, 17]) {
          const m = Float32Array.from({ length: n * cols }, (_, i) => x[Math.floor(i / cols)] * (1 + (i % cols) / 7));
          const got = on(path, () => reduce(R.Sum, [n, cols], { data: m, offset: 0, strides: [cols, 1] }, 1, cols));
          const want = Array.from({ length: cols }, (_, j) => inOrder(Array.from({ length: n }, (_, i) => m[i * cols + j])));
          expect(Array.from(got), `[${n}, ${cols}] dim 0 seed=${seed}`).toEqual(want);
        }
      }
    }
  });

  it('a NaN anywhere makes max/min NaN and wins argmax, infinities are ordinary', () => {
    for (const n of [1, 7, 17, 33, 1023]) {
      for (const pos of new Set([0, Math.floor(n / 2), n - 1])) {
        const x = integers(n, pos + n);
        x[pos] = NaN;
        if (n > 2) x[(pos + 1) % n] = Infinity;
        expect(on(path, () => reduce1d(R.Max, x)), `max n=${n} NaN@${pos}`).toBeNaN();
        expect(on(path, () => reduce1d(R.Min, x)), `min n=${n} NaN@${pos}`).toBeNaN();
        expect(on(path, () => reduce1d(R.Sum, x)), `sum n=${n} NaN@${pos}`).toBeNaN();
        expect(on(path, () => reduce1d(R.ArgMax, x)), `argmax n=${n} NaN@${pos}`).toBe(pos);
      }
      const y = integers(n, n);
      y[n - 1] = -Infinity;
      expect(on(path, () => reduce1d(R.Min, y))).toBe(-Infinity);
      y.fill(-Infinity);
      expect(on(path, () => reduce1d(R.Max, y))).toBe(-Infinity);
    }
  });

  it('reduces either dim of strided, transposed and broadcast 2-D views', () => {
    for (const kind of VIEW_KINDS) {
      const r = rng(3);
      const table = Array.from({ length: ROWS * COLS }, () => Math.floor(r() * 41) - 20);
      const x = makeView(kind, (i, j) => table[i * COLS + j]);
      const dense = materialize(x);
      const rows = Array.from({ length: ROWS }, (_, i) => Array.from(dense.subarray(i * COLS, (i + 1) * COLS)));
      const cols = Array.from({ length: COLS }, (_, j) => Array.from({ length: ROWS }, (_, i) => dense[i * COLS + j]));
      const sum = (v: ArrayLike<number>) => {
        let s = 0;
        for (let i = 0; i < v.length; i++) s += v[i];
        return s;
      };
      // dim 1 (mask 2): one output per row; dim 0 (mask 1): one per column (the row-accumulate path).
      const byDim: [number, number[][]][] = [[2, rows], [1, cols]];
      for (const [mask, groups] of byDim) {
        const outLen = groups.length;
        const sums = on(path, () => reduce(R.Sum, [ROWS, COLS], x, mask, outLen));
        const maxs = on(path, () => reduce(R.Max, [ROWS, COLS], x, mask, outLen));
        const args = on(path, () => reduce(R.ArgMax, [ROWS, COLS], x, mask, outLen));
        expect(Array.from(sums), `${kind} sum mask=${mask}`).toEqual(groups.map(sum));
        expect(Array.from(maxs), `${kind} max mask=${mask}`).toEqual(groups.map((g) => refExtreme(g, true).value));
        expect(Array.from(args), `${kind} argmax mask=${mask}`).toEqual(groups.map((g) => refExtreme(g, true).index));
      }
      expect(on(path, () => reduce(R.Sum, [ROWS, COLS], x, 3, 1))[0], `${kind} total`).toBe(sum(dense));
    }
  });

  it('empty reductions: sum is 0, max is an error', () => {
    const x = new Float32Array(0);
    expect(on(path, () => reduce1d(R.Sum, x))).toBe(0);
    expect(() => on(path, () => reduce1d(R.Max, x))).toThrow(RangeError);
  });
});

// ---- matmul ---------------------------------------------------------------------------------

type MatmulCase = {
  M: number; N: number; K: number; batch?: number[];
  aT?: boolean; bT?: boolean;  // operand stored transposed (column stride != 1)
  bBroadcast?: boolean;        // one B for every batch (batch stride 0)
  accumulate?: boolean;
  bias?: boolean;              // the fused epilogue: + bias[j] (stored at offset 3), then relu
  relu?: boolean;
};

/** Runs C = A @ B (or C += A @ B) and a float64 reference on the same data. */
function matmulCase(c: MatmulCase, gen: () => number): { got: Float32Array; want: Float64Array; absSum: Float64Array } {
  const { M, N, K, batch = [], aT = false, bT = false, bBroadcast = false, accumulate = false, bias = false, relu = false } = c;
  const nb = batch.reduce((p, q) => p * q, 1);
  const A = Float32Array.from({ length: nb * M * K }, gen);
  const Bm = Float32Array.from({ length: (bBroadcast ? 1 : nb) * K * N }, gen);
  const C0 = Float32Array.from({ length: nb * M * N }, accumulate ? gen : () => 0);
  const biasOffset = 3;
  const bv = Float32Array.from({ length: biasOffset + N }, gen);
  // Logical A[b][i][k] lives at b*M*K + (aT ? k*M + i : i*K + k); likewise B.
  const aAt = (b: number, i: number, k: number) => b * M * K + (aT ? k * M + i : i * K + k);
  const bAt = (b: number, k: number, j: number) => (bBroadcast ? 0 : b * K * N) + (bT ? j * K + k : k * N + j);
  const batchStrides = (per: number) => {
    const s: number[] = [];
    let st = per;
    for (let d = batch.length - 1; d >= 0; d--) { s.unshift(st); st *= batch[d]; }
    return s;
  };
  encodeMatmul(
    M, N, K, batch,
    { offset: 0, batchStrides: batchStrides(M * K), rowStride: aT ? 1 : K, colStride: aT ? M : 1 },
    { offset: 0, batchStrides: bBroadcast ? batch.map(() => 0) : batchStrides(K * N), rowStride: bT ? 1 : N, colStride: bT ? K : 1 },
    bias ? biasOffset : null, relu,
  );
  callMeta[4] = accumulate ? 1 : 0;
  const meta = callMeta;
  const got = C0.slice();
  native.matmul(meta, A, Bm, got, bv);
  const want = new Float64Array(nb * M * N), absSum = new Float64Array(nb * M * N);
  for (let b = 0; b < nb; b++)
    for (let i = 0; i < M; i++)
      for (let j = 0; j < N; j++) {
        let s = C0[(b * M + i) * N + j], t = Math.abs(s);
        for (let k = 0; k < K; k++) {
          const p = A[aAt(b, i, k)] * Bm[bAt(b, k, j)];
          s += p;
          t += Math.abs(p);
        }
        if (bias) {
          s += bv[biasOffset + j];
          t += Math.abs(bv[biasOffset + j]);
        }
        want[(b * M + i) * N + j] = relu && s < 0 ? 0 : s;
        absSum[(b * M + i) * N + j] = t;
      }
  return { got, want, absSum };
}

const MATMUL_SHAPES: [number, number, number][] = [
  [1, 1, 1], [7, 17, 31], [33, 31, 17], [4, 32, 8], [17, 33, 1], [1, 65, 3], [65, 67, 29], [5, 0, 3], [0, 5, 3], [3, 4, 0],
];

describe.each(ALL_PATHS)('%s: matmul', (path) => {
  const label = (c: MatmulCase) => JSON.stringify(c);

  it('exact on small-integer data, for every layout', () => {
    for (const [M, N, K] of MATMUL_SHAPES) {
      const cases: MatmulCase[] = [
        { M, N, K }, { M, N, K, aT: true }, { M, N, K, bT: true }, { M, N, K, aT: true, bT: true, accumulate: true },
        { M, N, K, batch: [3], bBroadcast: true }, { M, N, K, batch: [2, 2], accumulate: true },
        { M, N, K, bias: true }, { M, N, K, bT: true, relu: true }, { M, N, K, aT: true, bias: true, relu: true },
        { M, N, K, batch: [2], bT: true, bias: true, relu: true, accumulate: true },
      ];
      for (const c of cases) {
        const r = rng(M * 10007 + N * 101 + K);
        // |products| <= 16 and K <= 31: every partial sum is an exact float32 integer.
        const { got, want } = on(path, () => matmulCase(c, () => Math.floor(r() * 9) - 4));
        expect(Array.from(got), label(c)).toEqual(Array.from(want));
      }
    }
  });

  it('general floats within the float32 dot-product error bound', () => {
    for (const [M, N, K] of MATMUL_SHAPES) {
      for (const c of [{ M, N, K }, { M, N, K, aT: true, bT: true, accumulate: true }] as MatmulCase[]) {
        const r = rng(M + N + K);
        const { got, want, absSum } = on(path, () => matmulCase(c, () => (r() - 0.5) * 10 ** (r() * 4 - 2)));
        const bad: string[] = [];
        for (let i = 0; i < got.length && bad.length < 5; i++) {
          const bound = (K + 2) * 2 ** -24 * absSum[i];
          if (!(Math.abs(got[i] - want[i]) <= bound)) bad.push(`${label(c)} at ${i}: got ${got[i]}, want ${want[i]}`);
        }
        expect(bad).toEqual([]);
      }
    }
  });

  // cpp/kernels/gemm.cpp: register tiles (MR x NR) of 4x4 (scalar), 6x8 (sse2), 6x16 (avx2),
  // 8x12 (neon), 14x32 (avx512); K blocks of 256, N panels of 512; operands read in place or packed, in
  // either orientation (C or C^T), on one thread or split over two. Every size 1..40 hits
  // every tile remainder; the larger ones straddle the tile and block boundaries.
  // In four parts: one test of over 60 s under QEMU trips vitest's RPC timeout (vitest.emulated.config.ts).
  const edgeCases = (() => {
    const cases: MatmulCase[] = [];
    const layouts = [{}, { aT: true }, { bT: true }, { aT: true, bT: true }];
    for (let s = 1; s <= 40; s++) {
      const o = (s * 7) % 40 + 1, q = (s * 13) % 40 + 1;
      cases.push({ M: s, N: o, K: q, ...layouts[s % 4] }, { M: o, N: s, K: q, ...layouts[(s + 1) % 4] },
        { M: q, N: o, K: s, ...layouts[(s + 2) % 4], accumulate: s % 3 === 0 });
    }
    for (const M of [13, 14, 15, 29, 70, 71])
      for (const N of [15, 16, 17, 33, 65])
        cases.push({ M, N, K: 257, ...layouts[(M + N) % 4], accumulate: N === 17 });
    cases.push(
      { M: 3, N: 513, K: 40 }, { M: 5, N: 1030, K: 3, bT: true }, { M: 20, N: 520, K: 513, accumulate: true },
      { M: 9, N: 11, K: 1024 }, { M: 9, N: 11, K: 1024, aT: true }, { M: 1030, N: 5, K: 3, aT: true },
      { M: 9, N: 1024, K: 5, bT: true },
      // Over the threading threshold: split along N, along M, and in the C^T orientation.
      { M: 40, N: 300, K: 100 }, { M: 300, N: 20, K: 200, accumulate: true }, { M: 40, N: 300, K: 100, bT: true },
      { M: 300, N: 20, K: 200, aT: true },
      { M: 12, N: 10, K: 30, batch: [2, 3], bBroadcast: true, aT: true },
      { M: 30, N: 17, K: 33, batch: [5], accumulate: true, bT: true },
    );
    // Both operands contiguous along K (bT) with a thin C: the dot-product path (blocks of up to
    // 4 x 4 elements, K in whole vectors plus a masked tail), in either orientation, threaded
    // over M or N above the threshold.
    for (const M of [1, 2, 3, 4, 5, 7, 9])
      for (const N of [1, 3, 4, 6, 8, 10])
        for (const K of [15, 16, 17, 33, 100, 261])
          cases.push({ M, N, K, bT: true, accumulate: (M + N + K) % 3 === 0 });
    cases.push(
      { M: 64, N: 10, K: 128, bT: true }, { M: 10, N: 64, K: 128, bT: true, accumulate: true },
      { M: 1000, N: 9, K: 130, bT: true }, { M: 9, N: 1000, K: 130, bT: true },
      { M: 13, N: 6, K: 77, batch: [3], bT: true, bBroadcast: true },
    );
    // The epilogue (bias, relu) in the write-back of every kind of tile: each case again with it.
    const withEpilogue = cases.map((c, i): MatmulCase => ({ ...c, bias: i % 3 !== 1, relu: i % 3 !== 0 }));
    const all = [...cases, ...withEpilogue];
    const quarter = Math.ceil(all.length / 4);
    return [0, 1, 2, 3].map((q) => all.slice(q * quarter, (q + 1) * quarter));
  })();
  it.each([1, 2, 3, 4])('edge tiles and block boundaries, every layout, against float64 (part %i of 4)', (part) => {
    for (const c of edgeCases[part - 1]) {
      const r = rng(c.M * 7919 + c.N * 104729 + c.K);
      const { got, want, absSum } = on(path, () => matmulCase(c, () => r() * 2 - 1));
      let bad = '';
      for (let i = 0; i < got.length && !bad; i++) {
        const bound = (c.K + 2) * 2 ** -24 * absSum[i];
        if (!(Math.abs(got[i] - want[i]) <= bound)) bad = `${label(c)} at ${i}: got ${got[i]}, want ${want[i]}`;
      }
      expect(bad).toBe('');
    }
  });

  it('propagates NaN and Inf like the dot product does', () => {
    const A = Float32Array.from([1, NaN, 2, 3, 1, 0, Infinity, 1]);  // 2 x 4
    const Bm = Float32Array.from({ length: 4 * 9 }, (_, i) => (i % 5) - 2);  // 4 x 9
    const out = new Float32Array(2 * 9);
    on(path, () => native.matmul(new Float64Array([2, 9, 4, 0, 0, 0, 4, 1, 0, 9, 1, 0, 0, 0]), A, Bm, out));
    for (let j = 0; j < 9; j++) {
      expect(out[j]).toBeNaN();
      const inf = Bm[j] + 0 * Bm[9 + j] + Infinity * Bm[2 * 9 + j] + Bm[3 * 9 + j];
      if (Number.isNaN(inf)) expect(out[9 + j]).toBeNaN();
      else expect(out[9 + j]).toBe(inf);
    }
  });

  it('relu in the epilogue passes NaN through, like relu()', () => {
    const A = Float32Array.from([NaN, 1, -1, 2]);  // 4 x 1
    for (const bT of [false, true]) {
      const out = new Float32Array(4 * 20);
      const meta = new Float64Array([4, 20, 1, 0, 0, 0, 1, 1, 0, bT ? 1 : 20, bT ? 1 : 1, 0, 0, 1]);
      on(path, () => native.matmul(meta, A, new Float32Array(20).fill(1), out, new Float32Array(0)));
      expect(Array.from(out.slice(0, 20)).every(Number.isNaN)).toBe(true);
      expect(Array.from(out.slice(20))).toEqual([...Array(20).fill(1), ...Array(20).fill(0), ...Array(20).fill(2)]);
    }
  });

  it('checks the bias: present, float32, inside its buffer', () => {
    const A = new Float32Array(6), out = new Float32Array(6);
    const meta = (hasBias: number, offset: number) => new Float64Array([2, 3, 1, 0, 0, 0, 1, 1, 0, 3, 1, hasBias, offset, 0]);
    on(path, () => {
      expect(() => native.matmul(meta(1, 0), A, A, out, null)).toThrow(/matmul: expected tensor storage/);
      // The epilogue fields are always read: hasBias 1 with no bias argument is an error.
      expect(() => native.matmul(meta(1, 0), A, A, out)).toThrow(/matmul: expected tensor storage .*hasBias is 1/);
      expect(() => native.matmul(meta(2, 0), A, A, out, A)).toThrow(/matmul: hasBias must be 0 or 1/);
      native.matmul(meta(0, 0), Float32Array.of(1, 2), Float32Array.of(1, 2, 3), out);
      expect(Array.from(out)).toEqual([1, 2, 3, 2, 4, 6]);
      expect(() => native.matmul(meta(1, 0), A, A, out, new Float32Array(2))).toThrow(/matmul: bias .*outside its storage/);
      expect(() => native.matmul(meta(1, 2), A, A, out, new Float32Array(4))).toThrow(/matmul: bias .*outside its storage/);
      expect(() => native.matmul(meta(1, -1), A, A, out, new Float32Array(4))).toThrow(RangeError);
      expect(() => native.matmul(meta(1, 0), A, A, out, new Int32Array(3) as never)).toThrow(/matmul: bias must be float32/);
      expect(() => native.matmul(new Float64Array([2, 3, 1, 0, 0, 0, 1, 1, 0, 3, 1, 1]), A, A, out, A)).toThrow(/truncated/);
      native.matmul(meta(1, 1), A, A, out, Float32Array.of(9, 1, -2, 3));
    });
    expect(Array.from(out)).toEqual([1, -2, 3, 1, -2, 3]);
  });
});

// ---- NaN semantics ----------------------------------------------------------------------------

describe.each(ALL_PATHS)('%s: NaN propagates where PyTorch propagates it', (path) => {
  // Long enough for NaN to sit in a full vector and in the tail on every width.
  const withNaN = () => {
    const x = Float32Array.from({ length: 37 }, (_, i) => i - 18);
    for (const i of [0, 5, 20, 36]) x[i] = NaN;
    return x;
  };
  const nanAt = [0, 5, 20, 36];
  const expectNaNAt = (y: Float32Array, what: string) => {
    for (const i of nanAt) expect(y[i], `${what}[${i}]`).toBeNaN();
    y.forEach((v, i) => { if (!nanAt.includes(i)) expect(v, `${what}[${i}]`).not.toBeNaN(); });
  };

  it('unary ops', () => {
    const x = withNaN();
    for (const { op, name, p0 = 0, p1 = 0 } of UNARY_CASES) {
      if (op === U.Log || op === U.Log2 || op === U.Sqrt || op === U.Rsqrt) {  // NaN for negative inputs too
        const y = on(path, () => unaryContig(op, x, p0, p1));
        for (const i of nanAt) expect(y[i], `${name}[${i}]`).toBeNaN();
        continue;
      }
      if (op === U.Sign) {  // PyTorch's sign(NaN) is 0
        const y = on(path, () => unaryContig(op, x, p0, p1));
        for (const i of nanAt) expect(y[i], `${name}[${i}]`).toBe(0);
        continue;
      }
      expectNaNAt(on(path, () => unaryContig(op, x, p0, p1)), name);
    }
  });

  it('maximum / minimum, from either side and against a scalar', () => {
    const x = withNaN();
    const ones = new Float32Array(x.length).fill(1);
    for (const op of [B.Maximum, B.Minimum]) {
      expectNaNAt(on(path, () => binaryContig(op, x, ones)), `op${op}(x, 1)`);
      expectNaNAt(on(path, () => binaryContig(op, ones, x)), `op${op}(1, x)`);
      for (const scalarFirst of [false, true]) {
        const y = new Float32Array(x.length);
        on(path, () => binaryScalar(op, y, x, 1, scalarFirst));
        expectNaNAt(y, `op${op} scalar ${scalarFirst ? 'left' : 'right'}`);
        on(path, () => binaryScalar(op, y, ones, NaN, scalarFirst));
        y.forEach((v) => expect(v).toBeNaN());
      }
    }
  });

  it('relu, clamp, max reduction (the cases a max/min instruction gets wrong)', () => {
    const one = (op: number, v: number, p0 = 0, p1 = 0) => on(path, () => unaryContig(op, Float32Array.of(v), p0, p1))[0];
    expect(one(U.Relu, NaN)).toBeNaN();
    expect(one(U.Clamp, NaN, -1, 1)).toBeNaN();
    expect(one(U.Clamp, NaN, NaN, 1)).toBeNaN();
    expect(one(U.LeakyRelu, NaN, 0.1)).toBeNaN();
    expect(on(path, () => binaryContig(B.Maximum, Float32Array.of(NaN), Float32Array.of(1)))[0]).toBeNaN();
    expect(on(path, () => binaryContig(B.Maximum, Float32Array.of(1), Float32Array.of(NaN)))[0]).toBeNaN();
    expect(on(path, () => reduce1d(R.Max, Float32Array.of(1, NaN, 2)))).toBeNaN();
    // ... and the cases it must still get right.
    expect(one(U.Relu, -3)).toBe(0);
    expect(one(U.Clamp, 5, NaN, 1)).toBe(1);
    expect(one(U.Clamp, -5, -1, NaN)).toBe(-1);
    expect(one(U.Clamp, Infinity, -1, 1)).toBe(1);
  });
});

// SGD's update (vec_kernels.h: sgd_run) on every path against PyTorch's per-element formula in
// float32, written out here, to the bit: every multiply and add rounded on its own (the kernel
// is compiled without FMA contraction). Every option combination, odd sizes so each path runs
// its tail.
describe.each(ALL_PATHS)('%s: SGD step', (path) => {
  const f = Math.fround;
  type Opts = { lr: number; momentum: number; dampening: number; wd: number; nesterov: boolean; maximize: boolean; first: boolean };
  function reference(p: Float32Array, g: Float32Array, buf: Float32Array, o: Opts): void {
    const lr = f(o.lr), mom = f(o.momentum), damp = f(1 - o.dampening), wd = f(o.wd);
    for (let i = 0; i < p.length; i++) {
      let d = o.maximize ? -g[i] : g[i];
      if (o.wd !== 0) d = f(d + f(wd * p[i]));
      if (o.momentum !== 0) {
        const nb = o.first ? d : f(f(buf[i] * mom) + f(damp * d));
        buf[i] = nb;
        d = o.nesterov ? f(d + f(mom * nb)) : nb;
      }
      p[i] = f(p[i] + f(-lr * d));
    }
  }
  const OPTS: Opts[] = [];
  for (const momentum of [0, 0.9, 1e-50])
    for (const wd of [0, 0.01])
      for (const nesterov of momentum ? [false, true] : [false])
        for (const maximize of [false, true])
          for (const first of momentum ? [false, true] : [false])
            OPTS.push({ lr: 0.01, momentum, dampening: nesterov ? 0 : 0.25, wd, nesterov, maximize, first });

  it('every option combination, odd sizes, against the float32 formula to the bit', () => {
    const bad: string[] = [];
    for (const o of OPTS)
      for (const n of SIZES) {
        const r = rng(n * 31 + 7);
        const p0 = Float32Array.from({ length: n }, () => (r() - 0.5) * 4);
        const g = Float32Array.from({ length: n }, () => (r() - 0.5) * 2);
        const b0 = Float32Array.from({ length: n }, () => (r() - 0.5));
        const p = p0.slice(), buf = b0.slice();
        const meta = new Float64Array([n, 0, 0, o.lr, o.momentum, o.dampening, o.wd, +o.nesterov, +o.maximize, +o.first]);
        on(path, () => native.sgdStep(meta, p, g, o.momentum ? buf : undefined));
        const wantP = p0.slice(), wantB = b0.slice();
        reference(wantP, g, wantB, o);
        const label = (what: string) => (i: number) => `${what} ${JSON.stringify(o)} n=${n} i=${i}`;
        bad.push(...mismatches(p, wantP, EXACT, label('param')));
        if (o.momentum) bad.push(...mismatches(buf, wantB, EXACT, label('buf')));
      }
    expect(bad).toEqual([]);
  });

  it('the same result on 1 and 2 threads (blocks split on vector boundaries)', () => {
    const n = 200_003, r = rng(11);
    const p0 = Float32Array.from({ length: n }, () => r() - 0.5), g = Float32Array.from({ length: n }, () => r() - 0.5);
    const meta = new Float64Array([n, 0, 0, 0.01, 0.9, 0, 0.001, 1, 0, 0]);
    const threads = native.getNumThreads();
    const run = (t: number) => {
      const p = p0.slice(), buf = g.slice();
      native.setNumThreads(t);
      try {
        on(path, () => native.sgdStep(meta, p, g, buf));
      } finally {
        native.setNumThreads(threads);
      }
      return [p, buf];
    };
    const [p1, b1] = run(1), [p2, b2] = run(2);
    expect(p2).toEqual(p1);
    expect(b2).toEqual(b1);
  });

  it('updates a view at an offset and leaves the rest of the buffers alone', () => {
    const p = new Float32Array(40).fill(1), g = new Float32Array(40).fill(2), buf = new Float32Array(40).fill(3);
    // n = 33 from param offset 5 and grad offset 2; the buffer is the whole state.
    on(path, () => native.sgdStep(new Float64Array([33, 5, 2, 0.5, 0.5, 0, 0, 0, 0, 0]), p, g, buf.subarray(0, 33)));
    expect(Array.from(p.subarray(0, 5))).toEqual([1, 1, 1, 1, 1]);
    expect(Array.from(p.subarray(38))).toEqual([1, 1]);
    // buf = 3 * 0.5 + 2 = 3.5; p = 1 - 0.5 * 3.5 = -0.75
    expect(Array.from(new Set(p.subarray(5, 38)))).toEqual([-0.75]);
    expect(Array.from(new Set(buf.subarray(0, 33)))).toEqual([3.5]);
    expect(Array.from(buf.subarray(33))).toEqual(Array(7).fill(3));
  });
});

// Restore the load-time path even if a test threw between select and restore.
beforeAll(() => { native.selectSimd(ORIGINAL); });
afterAll(() => { native.selectSimd(ORIGINAL); });
