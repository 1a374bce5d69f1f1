// Shape arithmetic and argument normalization, all in JS (no native calls).
import { describe, fmtShape, rangeError, typeError } from './errors.js';

export const MAX_DIMS = 16;
/** Largest element count a single storage may hold (typed arrays index with 32 bits here). */
export const MAX_NUMEL = 2 ** 31 - 1;

/**
 * Most JS objects one call may build out of a tensor: pieces of split/chunk, arrays of
 * toArray. A zero-size tensor can have a dim of 2^31 - 1, and one object per index of it would
 * exhaust V8's heap, which ends the process (PyTorch, building them, is killed for memory too).
 */
export const MAX_PIECES = 2 ** 21;

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

export function isContiguous(shape: readonly number[], strides: readonly number[]): boolean {
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && strides[i] !== s) return false;
    s *= shape[i]!;
  }
  return true;
}

function checkSize(op: string, v: unknown, all: unknown): number {
  if (typeof v !== 'number') throw typeError(op, `sizes must be numbers, got ${describe(v)} in ${describe(all)}`);
  if (!Number.isInteger(v) || v < 0)
    throw rangeError(op, `sizes must be non-negative integers, got ${v}`);
  // Even beside a zero, a size no tensor could hold is a mistake.
  if (v > MAX_NUMEL) throw rangeError(op, `size ${v} is larger than the ${MAX_NUMEL} elements a tensor can hold`);
  return v;
}

/** Normalizes `shape`, given as an array or as separate numbers, and checks it. */
export function parseShape(op: string, args: readonly unknown[]): number[] {
  let raw: readonly unknown[];
  if (args.length === 1 && Array.isArray(args[0])) raw = args[0];
  else if (args.length === 1 && typeof args[0] === 'number') raw = [args[0]];
  else raw = args;
  if (raw.length > MAX_DIMS) throw rangeError(op, `at most ${MAX_DIMS} dims, got ${raw.length}`);
  const shape = raw.map((v) => checkSize(op, v, raw));
  const n = numel(shape);
  if (n > MAX_NUMEL) throw rangeError(op, `shape ${fmtShape(shape)} has ${n} elements, more than the ${MAX_NUMEL} supported`);
  return shape;
}

/** Splits trailing options off variadic shape arguments: f(2, 3, {dtype}) or f([2, 3], {dtype}). */
export function splitOptions<T extends object>(args: readonly unknown[]): [unknown[], T | undefined] {
  const last = args[args.length - 1];
  if (args.length > 0 && last !== null && typeof last === 'object' && !Array.isArray(last))
    return [args.slice(0, -1), last as T];
  return [args.slice(), undefined];
}

/** A dim index in [-ndim, ndim) made non-negative. */
export function normDim(op: string, dim: unknown, ndim: number): number {
  if (typeof dim !== 'number') throw typeError(op, `dim must be a number, got ${describe(dim)}`);
  const lo = ndim === 0 ? -1 : -ndim, hi = ndim === 0 ? 0 : ndim - 1;
  if (!Number.isInteger(dim) || dim < lo || dim > hi)
    throw rangeError(op, `Dimension out of range (expected to be in range of [${lo}, ${hi}], but got ${dim})`);
  return dim < 0 ? dim + Math.max(ndim, 1) : dim;
}

/** Dims given as undefined (all), a number, an array, or separate numbers; sorted, unique. */
export function parseDims(op: string, dims: unknown, ndim: number): number[] | null {
  if (dims === undefined || dims === null) return null;
  const list = Array.isArray(dims) ? dims : [dims];
  const out = list.map((d) => normDim(op, d, ndim));
  const seen = new Set<number>();
  for (const d of out) {
    if (seen.has(d)) throw rangeError(op, `dim ${d} appears multiple times in the list of dims`);
    seen.add(d);
  }
  return out.sort((a, b) => a - b);
}

export function broadcastShapes(op: string, a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    // No negative index: a[-1] is a named-property lookup, not an element read.
    const ia = a.length - n + i, ib = b.length - n + i;
    const x = ia >= 0 ? a[ia]! : 1, y = ib >= 0 ? b[ib]! : 1;
    if (x !== y && x !== 1 && y !== 1)
      throw rangeError(
        op,
        `The size of tensor a (${x}) must match the size of tensor b (${y}) at non-singleton dimension ${i} ` +
          `(shapes ${fmtShape(a)} and ${fmtShape(b)})`,
      );
    out[i] = x === 1 ? y : x;
  }
  return out;
}

/** Strides that view a tensor of (shape, strides) as `target` (broadcast dims get stride 0). */
export function broadcastStrides(shape: readonly number[], strides: readonly number[], target: readonly number[]): number[] {
  const n = target.length, k = shape.length;
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const j = i - (n - k);
    out[i] = j < 0 || shape[j] === 1 ? 0 : strides[j]!;
  }
  return out;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A shape as [outer, n, inner] around dim d: the products of the dims before d, d's size, and the dims after (a 0-d shape is one line of one). */
export function aroundDim(shape: readonly number[], d: number): [number, number, number] {
  let outer = 1, inner = 1;
  for (let i = 0; i < d; i++) outer *= shape[i]!;
  for (let i = d + 1; i < shape.length; i++) inner *= shape[i]!;
  return [outer, shape.length === 0 ? 1 : shape[d]!, inner];
}
