// JS kernels for tiny operands. A call into the addon costs ~0.45 µs before any work is done
// (measured: a + b on 1-element tensors, 0.58 µs per op of which 0.45 µs is the N-API call),
// time in which JS does a few hundred float operations. So an op on a few elements runs here,
// and everything bigger in the native core.
//
// Each function reads the same meta layout as its native counterpart (binding/*.cc) and returns
// false, doing nothing, when it does not take the call (too many elements, or an op it leaves to
// the core), so a call site reads `small.binary(...) || native.binary(...)`.
//
// Numerics: elements are loaded from float32, computed in double and rounded to float32 on store.
// For + - * / that is exactly float32 arithmetic; for exp, log, tanh, pow... it is the correctly
// rounded result or within an ulp of it (the SIMD kernels are within 1-3 ulp); sums add in float32
// in order, as PyTorch and the core do on so few elements. Ops whose JS form would not be that close (gelu, softplus)
// are left to the core.
import { HEADER } from './call.js';
import type { Storage } from './native.js';
import { kernelCodesOf } from './ops/registry.js';

// The kernels this file has JS forms of (codes from the addon, cpp/kernels/ops.h).
const UnaryOp = kernelCodesOf('unary', ['Neg', 'Exp', 'Log', 'Sqrt', 'Rsqrt', 'Abs', 'Square', 'Relu', 'Sigmoid', 'Tanh', 'Sin', 'Cos', 'Sign', 'LeakyRelu', 'Clamp', 'Reciprocal']);
const BinaryOp = kernelCodesOf('binary', ['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Maximum', 'Minimum', 'ReluBackward', 'SigmoidBackward', 'TanhBackward', 'LeakyReluBackward']);
const ReduceOp = kernelCodesOf('reduce', ['Sum', 'Mean', 'Max', 'Min']);

/** Largest output (elements) computed here; for matmul, the largest M·N·K. */
let elementLimit = 64;
let matmulLimit = 160;

/** Test hook: sets both limits (0 sends every call to the core) and returns the old ones. */
export function _setSmallLimits(elements: number, matmul: number): [number, number] {
  const old: [number, number] = [elementLimit, matmulLimit];
  elementLimit = elements;
  matmulLimit = matmul;
  return old;
}

// Where each operand's elements are: when every view walks the shape as one strided line (a
// contiguous tensor of any rank, a broadcast scalar, a 1-D slice), LINE_BASE[k] + i·LINE_STEP[k];
// otherwise element by element in OFF[k][i], filled by `walk`.
const MAX_LIMIT = 4096;
const OFF = [new Int32Array(MAX_LIMIT), new Int32Array(MAX_LIMIT), new Int32Array(MAX_LIMIT)];
const LINE_BASE = new Int32Array(3);
const LINE_STEP = new Int32Array(3);
const index = new Int32Array(16);

/**
 * Element count of the meta's shape, or -1 when above the limit or when an element of one of
 * the operands' views lies past 2^31 (a small view of a huge storage), beyond int32 offsets.
 */
function count(meta: Float64Array, operands: number): number {
  const nd = meta[1]!;
  let n = 1;
  for (let d = 0; d < nd; d++) n *= meta[HEADER + d]!;
  if (n > elementLimit) return -1;
  for (let k = 0; k < operands; k++) {
    const view = HEADER + nd + k * (nd + 1);
    let reach = meta[view]!;
    for (let d = 0; d < nd; d++) reach += (meta[HEADER + d]! - 1) * Math.abs(meta[view + 1 + d]!);
    if (reach >= 2 ** 31) return -1;
  }
  return n | 0;
}

/** True, with LINE_BASE/LINE_STEP set, when every one of the operands' views is a single line. */
function line(meta: Float64Array, operands: number): boolean {
  const nd = meta[1]!;
  for (let k = 0; k < operands; k++) {
    const view = HEADER + nd + k * (nd + 1);
    let step = 0, extent = 1;
    for (let d = nd - 1; d >= 0; d--) {
      const size = meta[HEADER + d]!;
      if (size === 1) continue;
      const stride = meta[view + 1 + d]!;
      if (extent === 1) step = stride;
      else if (stride !== step * extent) return false;
      extent *= size;
    }
    LINE_BASE[k] = meta[view]!;
    LINE_STEP[k] = step;
  }
  return true;
}

/** Fills OFF[0..operands) with the row-major walk of the meta's views over its shape. */
function walk(meta: Float64Array, operands: number, n: number): void {
  const nd = meta[1]!;
  for (let k = 0; k < operands; k++) {
    const view = HEADER + nd + k * (nd + 1);
    const off = OFF[k]!;
    let p = meta[view]! | 0;
    index.fill(0, 0, nd);
    for (let i = 0; i < n; i++) {
      off[i] = p;
      for (let d = nd - 1; d >= 0; d--) {
        const stride = meta[view + 1 + d]! | 0, size = meta[HEADER + d]! | 0;
        p += stride;
        if (++index[d]! < size) break;
        p -= stride * size;
        index[d] = 0;
      }
    }
  }
}

/** A set of op codes (all below 32) as bits: a Set lookup costs more than a small op's element loop. */
function maskOf(...ops: number[]): number {
  let mask = 0;
  for (const op of ops) mask |= 1 << op;
  return mask;
}

function takes(mask: number, op: number): boolean {
  return op >= 0 && op < 32 && ((mask >>> op) & 1) === 1;
}

// The ops taken here, one element at a time. A switch, not a function per op: called through
// a table, a per-op closure costs ~9 ns an element (a megamorphic call), the switch ~1 ns.
const UNARY_OPS = maskOf(
  UnaryOp.Neg, UnaryOp.Exp, UnaryOp.Log, UnaryOp.Sqrt, UnaryOp.Rsqrt, UnaryOp.Abs, UnaryOp.Square,
  UnaryOp.Relu, UnaryOp.Sigmoid, UnaryOp.Tanh, UnaryOp.Sin, UnaryOp.Cos, UnaryOp.Sign,
  UnaryOp.LeakyRelu, UnaryOp.Clamp, UnaryOp.Reciprocal,
);

const MATH_OPS = maskOf(
  UnaryOp.Exp, UnaryOp.Log, UnaryOp.Sigmoid, UnaryOp.Tanh, UnaryOp.Sin, UnaryOp.Cos,
);

/** lo, hi: clamp's bounds (±inf when open); lo is also leakyRelu's slope. */
function unaryOf(op: number, x: number, lo: number, hi: number): number {
  switch (op) {
    case UnaryOp.Neg: return -x;
    case UnaryOp.Exp: return Math.exp(x);
    case UnaryOp.Log: return Math.log(x);
    case UnaryOp.Sqrt: return Math.sqrt(x);
    case UnaryOp.Rsqrt: return 1 / Math.sqrt(x);
    case UnaryOp.Abs: return Math.abs(x);
    case UnaryOp.Square: return x * x;
    // max(0, x) as the core's: a NaN passes through.
    case UnaryOp.Relu: return 0 > x ? 0 : x;
    case UnaryOp.Sigmoid: return 1 / (1 + Math.exp(-x));
    case UnaryOp.Tanh: return Math.tanh(x);
    case UnaryOp.Sin: return Math.sin(x);
    case UnaryOp.Cos: return Math.cos(x);
    case UnaryOp.Sign: return x > 0 ? 1 : x < 0 ? -1 : 0;
    case UnaryOp.LeakyRelu: return x > 0 ? x : x * lo;
    case UnaryOp.Clamp:
      // A NaN bound leaves that side open; a NaN input stays NaN.
      if (lo > x) x = lo;
      return hi < x ? hi : x;
    default: return 1 / x; // Reciprocal
  }
}

const BINARY_OPS = maskOf(
  BinaryOp.Add, BinaryOp.Sub, BinaryOp.Mul, BinaryOp.Div, BinaryOp.Pow, BinaryOp.Maximum,
  BinaryOp.Minimum, BinaryOp.ReluBackward, BinaryOp.SigmoidBackward, BinaryOp.TanhBackward,
  BinaryOp.LeakyReluBackward,
);

function binaryOf(op: number, a: number, b: number, p0: number): number {
  switch (op) {
    case BinaryOp.Add: return a + b;
    case BinaryOp.Sub: return a - b;
    case BinaryOp.Mul: return a * b;
    case BinaryOp.Div: return a / b;
    case BinaryOp.Pow:
      // C's pow where Math.pow differs: pow(1, y) = 1 and pow(-1, ±inf) = 1.
      if (a === 1 || b === 0 || (a === -1 && (b === Infinity || b === -Infinity))) return 1;
      return Math.pow(a, b);
    // A NaN in either operand wins, as in PyTorch.
    case BinaryOp.Maximum: return a !== a ? a : a > b ? a : b;
    case BinaryOp.Minimum: return a !== a ? a : a < b ? a : b;
    case BinaryOp.ReluBackward: return b <= 0 ? 0 : a;
    case BinaryOp.SigmoidBackward: return a * (b * (1 - b));
    case BinaryOp.TanhBackward: return a * (1 - b * b);
    default: return b > 0 ? a : a * p0; // LeakyReluBackward
  }
}

/** meta: [op, ndim, p0, p1, 0, shape, out view, x view] (binding/elementwise.cc). */
export function unary(meta: Float64Array, out: Storage, x: Storage): boolean {
  const op = meta[0]! | 0; // an int: a switch on a double compares slowly
  if (!takes(UNARY_OPS, op)) return false;
  const n = count(meta, 2);
  // Math.exp and kin cost ~10 ns an element: those ops pay here only on a quarter of the elements.
  if (n < 0 || (n > elementLimit / 4 && takes(MATH_OPS, op))) return false;
  // The binding hands the parameters to the core as float32.
  const p0 = Math.fround(meta[2]!), p1 = Math.fround(meta[3]!);
  const lo = op === UnaryOp.Clamp && p0 !== p0 ? -Infinity : p0, hi = p1 !== p1 ? Infinity : p1;
  if (line(meta, 2)) {
    const so = LINE_STEP[0]!, sx = LINE_STEP[1]!;
    for (let i = 0, po = LINE_BASE[0]!, px = LINE_BASE[1]!; i < n; i++, po += so, px += sx) out[po] = unaryOf(op, x[px]!, lo, hi);
    return true;
  }
  walk(meta, 2, n);
  const o = OFF[0]!, ix = OFF[1]!;
  for (let i = 0; i < n; i++) out[o[i]!] = unaryOf(op, x[ix[i]!]!, lo, hi);
  return true;
}

/** meta: [op, ndim, p0, 0, 0, shape, out view, a view, b view]. */
export function binary(meta: Float64Array, out: Storage, a: Storage, b: Storage): boolean {
  const op = meta[0]! | 0; // an int: a switch on a double compares slowly
  if (!takes(BINARY_OPS, op)) return false;
  const n = count(meta, 3);
  if (n < 0) return false;
  const p0 = Math.fround(meta[2]!);
  if (line(meta, 3)) {
    const so = LINE_STEP[0]!, sa = LINE_STEP[1]!, sb = LINE_STEP[2]!;
    let po = LINE_BASE[0]!, pa = LINE_BASE[1]!, pb = LINE_BASE[2]!;
    // The two hottest ops without the per-element switch.
    if (op === BinaryOp.Mul) for (let i = 0; i < n; i++, po += so, pa += sa, pb += sb) out[po] = a[pa]! * b[pb]!;
    else if (op === BinaryOp.Add) for (let i = 0; i < n; i++, po += so, pa += sa, pb += sb) out[po] = a[pa]! + b[pb]!;
    else for (let i = 0; i < n; i++, po += so, pa += sa, pb += sb) out[po] = binaryOf(op, a[pa]!, b[pb]!, p0);
    return true;
  }
  walk(meta, 3, n);
  const o = OFF[0]!, ia = OFF[1]!, ib = OFF[2]!;
  for (let i = 0; i < n; i++) out[o[i]!] = binaryOf(op, a[ia[i]!]!, b[ib[i]!]!, p0);
  return true;
}

/** meta: [op, ndim, p0, scalar, scalarFirst, shape, out view, a view]. */
export function binaryScalar(meta: Float64Array, out: Storage, a: Storage): boolean {
  const op = meta[0]! | 0; // an int: a switch on a double compares slowly
  if (!takes(BINARY_OPS, op)) return false;
  const n = count(meta, 2);
  if (n < 0) return false;
  const p0 = Math.fround(meta[2]!), s = Math.fround(meta[3]!), first = meta[4] !== 0;
  if (line(meta, 2)) {
    const so = LINE_STEP[0]!, sa = LINE_STEP[1]!;
    for (let i = 0, po = LINE_BASE[0]!, pa = LINE_BASE[1]!; i < n; i++, po += so, pa += sa)
      out[po] = first ? binaryOf(op, s, a[pa]!, p0) : binaryOf(op, a[pa]!, s, p0);
    return true;
  }
  walk(meta, 2, n);
  const o = OFF[0]!, ia = OFF[1]!;
  for (let i = 0; i < n; i++) out[o[i]!] = first ? binaryOf(op, s, a[ia[i]!]!, p0) : binaryOf(op, a[ia[i]!]!, s, p0);
  return true;
}

/** meta: [0, ndim, value, 0, 0, shape, out view]; float32 outputs only. */
export function fill(meta: Float64Array, out: Storage): boolean {
  if (!(out instanceof Float32Array)) return false;
  const n = count(meta, 1);
  if (n < 0) return false;
  walk(meta, 1, n);
  const o = OFF[0]!;
  const v = meta[2]!;
  for (let i = 0; i < n; i++) out[o[i]!] = v;
  return true;
}

/**
 * meta: [0, ndim, 0, 0, 0, shape, out view, x view]. Copies within a dtype and the exact
 * widenings (bool/int to float, bool to int); conversions that round or saturate stay native,
 * and so does a copy within one storage, whose views may overlap.
 */
export function cast(meta: Float64Array, out: Storage, x: Storage): boolean {
  if (out === x) return false;
  const exact = out.constructor === x.constructor || out instanceof Float32Array || (out instanceof Int32Array && x instanceof Uint8Array);
  if (!exact) return false;
  const n = count(meta, 2);
  if (n < 0) return false;
  walk(meta, 2, n);
  const o = OFF[0]!, ix = OFF[1]!;
  for (let i = 0; i < n; i++) out[o[i]!] = x[ix[i]!]!;
  return true;
}

/**
 * meta: [op, ndim, dimsMask, 0, 0, shape, x view]; out is contiguous over the kept dims.
 * Sum, mean, max and min of a non-empty float32 input, without indices.
 */
export function reduce(meta: Float64Array, x: Storage, out: Storage, indices: unknown): boolean {
  const op = meta[0]! | 0; // an int: a switch on a double compares slowly
  if (indices !== undefined || !(op === ReduceOp.Sum || op === ReduceOp.Mean || op === ReduceOp.Max || op === ReduceOp.Min)) return false;
  const n = count(meta, 1);
  if (n <= 0) return false;
  const nd = meta[1]!, mask = meta[2]!;
  let whole = true;
  for (let d = 0; d < nd; d++) if (((mask >> d) & 1) === 0 && meta[HEADER + d] !== 1) whole = false;
  if (whole && line(meta, 1)) {
    // To one number along one line (loss.sum(), loss.mean(), a bias gradient): one run.
    const step = LINE_STEP[0]!;
    let p = LINE_BASE[0]!;
    if (op === ReduceOp.Sum || op === ReduceOp.Mean) {
      let sum = 0;
      for (let i = 0; i < n; i++, p += step) sum = Math.fround(sum + x[p]!);
      out[0] = op === ReduceOp.Mean ? sum / n : sum;
      return true;
    }
    let best = x[p]!;
    for (let i = 1; i < n && best === best; i++) {
      const v = x[(p += step)]!;
      if (v !== v || (op === ReduceOp.Max ? v > best : v < best)) best = v;
    }
    out[0] = best;
    return true;
  }
  // OFF[0]: x's offsets; OFF[1]: the output element each input element reduces into.
  walk(meta, 1, n);
  const ix = OFF[0]!, io = OFF[1]!;
  let outN = 1;
  if (nd === 0) io[0] = 0;
  else {
    index.fill(0, 0, nd);
    let q = 0;
    for (let i = 0; i < n; i++) {
      io[i] = q;
      let stride = 1;
      for (let d = nd - 1; d >= 0; d--) {
        const size = meta[HEADER + d]!;
        const kept = ((mask >> d) & 1) === 0;
        if (++index[d]! < size) {
          if (kept) q += stride;
          break;
        }
        if (kept) q -= stride * (size - 1);
        index[d] = 0;
        if (kept) stride *= size;
      }
    }
    for (let d = 0; d < nd; d++) if (((mask >> d) & 1) === 0) outN *= meta[HEADER + d]!;
  }
  const isExtreme = op === ReduceOp.Max || op === ReduceOp.Min;
  const acc = SCRATCH;
  acc.fill(isExtreme ? NaN : 0, 0, outN);
  if (!isExtreme) {
    // As the core sums: each run (the innermost reduced dims that form one strided line) in
    // float32, element by element, the runs' sums in double. So a small and a large tensor
    // reduce alike, and PyTorch agrees to the bit on lines this short.
    const run = runLength(meta), runSum = SCRATCH2, filled = RUN_FILL;
    runSum.fill(0, 0, outN);
    filled.fill(0, 0, outN);
    for (let i = 0; i < n; i++) {
      const j = io[i]!;
      runSum[j] = Math.fround(runSum[j]! + x[ix[i]!]!);
      if (++filled[j]! === run) {
        acc[j] += runSum[j]!;
        runSum[j] = 0;
        filled[j] = 0;
      }
    }
    const divisor = op === ReduceOp.Mean ? n / outN : 1;
    for (let j = 0; j < outN; j++) out[j] = acc[j]! / divisor;
    return true;
  }
  // NaN marks "no element yet"; a NaN input is remembered in `nan` and wins.
  const nan = NAN_SEEN;
  nan.fill(0, 0, outN);
  const isMax = op === ReduceOp.Max;
  for (let i = 0; i < n; i++) {
    const v = x[ix[i]!]!, j = io[i]!;
    if (v !== v) nan[j] = 1;
    else {
      const best = acc[j]!;
      if (best !== best || (isMax ? v > best : v < best)) acc[j] = v;
    }
  }
  for (let j = 0; j < outN; j++) out[j] = nan[j] ? NaN : acc[j]!;
  return true;
}
const SCRATCH = new Float64Array(MAX_LIMIT);
const SCRATCH2 = new Float64Array(MAX_LIMIT);
const RUN_FILL = new Int32Array(MAX_LIMIT);
const NAN_SEEN = new Uint8Array(MAX_LIMIT);

/** Elements in one run of a reduction: its innermost reduced dims merged while their strides chain (cpp/core/iterate.h). */
function runLength(meta: Float64Array): number {
  const nd = meta[1]!, mask = meta[2]!, strides = HEADER + nd + 1;
  let run = 1, next = -1;
  for (let d = nd - 1; d >= 0; d--) {
    const size = meta[HEADER + d]!;
    if (((mask >> d) & 1) === 0 || size === 1) continue;
    if (next >= 0 && meta[strides + d] !== meta[strides + next]! * meta[HEADER + next]!) break;
    run *= size;
    next = d;
  }
  return run;
}

/**
 * meta: [M, N, K, batchNdim, accumulate, batch shape, a view, b view, hasBias, biasOffset, relu]
 * (binding/linalg.cc, src/call.ts encodeMatmul); c is contiguous [batch..., M, N].
 */
export function matmul(meta: Float64Array, a: Storage, b: Storage, c: Storage, bias?: Storage): boolean {
  const M = meta[0]!, N = meta[1]!, K = meta[2]!, bn = meta[3]!;
  let batch = 1;
  for (let d = 0; d < bn; d++) batch *= meta[HEADER + d]!;
  if (batch * M * N * Math.max(K, 1) > matmulLimit) return false;
  const aView = HEADER + bn, bView = aView + bn + 3;
  // Offsets are int32 below: a view reaching past 2^31 stays with the core.
  let aReach = meta[aView]! + (M - 1) * Math.abs(meta[aView + bn + 1]!) + (K - 1) * Math.abs(meta[aView + bn + 2]!);
  let bReach = meta[bView]! + (K - 1) * Math.abs(meta[bView + bn + 1]!) + (N - 1) * Math.abs(meta[bView + bn + 2]!);
  for (let d = 0; d < bn; d++) {
    aReach += (meta[HEADER + d]! - 1) * Math.abs(meta[aView + 1 + d]!);
    bReach += (meta[HEADER + d]! - 1) * Math.abs(meta[bView + 1 + d]!);
  }
  if (aReach >= 2 ** 31 || bReach >= 2 ** 31) return false;
  const accumulate = meta[4] !== 0;
  const aRow = meta[aView + bn + 1]! | 0, aCol = meta[aView + bn + 2]! | 0;
  const bRow = meta[bView + bn + 1]! | 0, bCol = meta[bView + bn + 2]! | 0;
  const tail = bView + bn + 3;
  const hasBias = bias !== undefined && meta[tail] === 1;
  const biasOff = hasBias ? meta[tail + 1]! | 0 : 0;
  const relu = meta[tail + 2] === 1;
  index.fill(0, 0, bn);
  let pa = meta[aView]! | 0, pb = meta[bView]! | 0, pc = 0;
  for (let t = 0; t < batch; t++) {
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let k = 0, ai = pa + i * aRow, bi = pb + j * bCol; k < K; k++, ai += aCol, bi += bRow) s += a[ai]! * b[bi]!;
        if (accumulate) s += c[pc]!;
        if (hasBias) s += bias[biasOff + j]!;
        c[pc++] = relu && 0 > s ? 0 : s;
      }
    }
    // Next batch index: the batch dims' odometer, moving a and b by their batch strides.
    for (let d = bn - 1; d >= 0; d--) {
      const size = meta[HEADER + d]! | 0, sa = meta[aView + 1 + d]! | 0, sb = meta[bView + 1 + d]! | 0;
      pa += sa;
      pb += sb;
      if (++index[d]! < size) break;
      pa -= sa * size;
      pb -= sb * size;
      index[d] = 0;
    }
  }
  return true;
}

/**
 * SGD's update (cpp/kernels/optim.cpp, binding/optim.cc): meta = [n, param offset, grad offset,
 * lr, momentum, dampening, weightDecay, nesterov, maximize, firstStep]; the momentum buffer is
 * contiguous from 0. Every operation rounded to float32 in the core's order, so both agree to the bit.
 */
export function sgdStep(meta: Float64Array, p: Float32Array, g: Float32Array, buf?: Float32Array): boolean {
  const n = meta[0]!;
  if (n > elementLimit) return false;
  const po = meta[1]! | 0, go = meta[2]! | 0;
  const f = Math.fround;
  const lr = f(meta[3]!), mom = f(meta[4]!), damp = f(1 - meta[5]!), wd = f(meta[6]!);
  const nesterov = meta[7] !== 0, maximize = meta[8] !== 0, first = meta[9] !== 0;
  // The core branches on the options as doubles: a momentum of 1e-50 is a momentum.
  const hasMomentum = meta[4] !== 0, hasDecay = meta[6] !== 0;
  if (hasMomentum && (buf === undefined || buf.length < n)) return false;
  for (let i = 0; i < n; i++) {
    let d = maximize ? -g[go + i]! : g[go + i]!;
    if (hasDecay) d = f(d + f(wd * p[po + i]!));
    if (hasMomentum) {
      const nb = first ? d : f(f(buf![i]! * mom) + f(damp * d));
      buf![i] = nb;
      d = nesterov ? f(d + f(mom * nb)) : nb;
    }
    p[po + i] = f(p[po + i]! + f(-lr * d));
  }
  return true;
}
