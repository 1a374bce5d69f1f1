// Creation functions. Shapes come as an array or as separate numbers, options last.
import { BYTES_PER_ELEMENT, isDType, type DType } from '../dtype.js';
import { allocate, borrow } from '../storage.js';
import { describe, fmtShape, rangeError, typeError } from '../errors.js';
import { MAX_DIMS, MAX_NUMEL, contiguousStrides, numel, parseShape, splitOptions } from '../shape.js';
import { Tensor, type NestedArray } from '../tensor.js';
import { empty as emptyOf, expectTensor } from './base.js';
import { castKernel } from './elementwise_kernels.js';
import * as Rand from './random.js';

/** Options the creation functions take. */
export interface TensorOptions {
  /** Element type (default 'float32'; `tensor()` infers it from the data). */
  dtype?: DType;
  /** Make the new tensor a leaf that records operations (float32 only). */
  requiresGrad?: boolean;
}

export type ShapeArgs = (number | number[] | TensorOptions | undefined)[];

function checkOptions(op: string, opts: unknown): TensorOptions {
  if (opts === undefined) return {};
  if (opts === null || typeof opts !== 'object') throw typeError(op, `options must be an object, got ${describe(opts)}`);
  const o = opts as TensorOptions;
  if (o.dtype !== undefined && !isDType(o.dtype))
    throw typeError(op, `unknown dtype ${describe(o.dtype)} (expected 'float32', 'int32' or 'bool')`);
  if (o.requiresGrad !== undefined && typeof o.requiresGrad !== 'boolean')
    throw typeError(op, `requiresGrad must be a boolean, got ${describe(o.requiresGrad)}`);
  return o;
}

/** Applies dtype and requiresGrad to a freshly made float32 (or given dtype) tensor. */
function finish(op: string, t: Tensor, opts: TensorOptions): Tensor {
  const out = opts.dtype && opts.dtype !== t.dtype ? castKernel(t, opts.dtype) : t;
  if (opts.requiresGrad) {
    if (out.dtype !== 'float32') throw typeError(op, `only float32 tensors can require gradients, got ${out.dtype}`);
    out._requiresGrad = true;
  }
  return out;
}

function shapeAndOptions(op: string, args: readonly unknown[]): [number[], TensorOptions] {
  const [rest, opts] = splitOptions<TensorOptions>(args);
  return [parseShape(op, rest), checkOptions(op, opts)];
}

function alloc(op: string, shape: number[], dtype: DType): Tensor {
  try {
    return emptyOf(shape, dtype);
  } catch (err) {
    throw rangeError(op, `cannot allocate a tensor of shape ${fmtShape(shape)} (${err instanceof Error ? err.message : err})`);
  }
}

/** A tensor of the given shape filled with 0; the shape as numbers or one array, options last. */
export function zeros(...args: ShapeArgs): Tensor {
  const [shape, opts] = shapeAndOptions('zeros', args);
  return finish('zeros', alloc('zeros', shape, opts.dtype ?? 'float32'), { requiresGrad: opts.requiresGrad });
}

/** A tensor of the given shape with unspecified contents (cheapest to allocate). */
export function empty(...args: ShapeArgs): Tensor {
  const [shape, opts] = shapeAndOptions('empty', args);
  return finish('empty', alloc('empty', shape, opts.dtype ?? 'float32'), { requiresGrad: opts.requiresGrad });
}

/** A tensor of the given shape filled with 1. */
export function ones(...args: ShapeArgs): Tensor {
  const [shape, opts] = shapeAndOptions('ones', args);
  const t = alloc('ones', shape, opts.dtype ?? 'float32');
  t._data.fill(1);
  return finish('ones', t, { requiresGrad: opts.requiresGrad });
}

/** A tensor of `shape` filled with `value` ('bool' for a boolean value, 'float32' otherwise, unless `opts.dtype` is given). */
export function full(shape: number | number[], value: number | boolean, opts?: TensorOptions): Tensor {
  const s = parseShape('full', [shape]);
  const o = checkOptions('full', opts);
  if (typeof value !== 'number' && typeof value !== 'boolean') throw typeError('full', `fill value must be a number, got ${describe(value)}`);
  const dtype = o.dtype ?? (typeof value === 'boolean' ? 'bool' : 'float32');
  const t = alloc('full', s, dtype);
  const f = emptyOf([], 'float32');
  f._data[0] = typeof value === 'boolean' ? Number(value) : value;
  castKernel(f, dtype, t);
  return finish('full', t, { requiresGrad: o.requiresGrad });
}

/** Samples from U[0, 1) in the given shape, from the global generator (see manualSeed). */
export function rand(...args: ShapeArgs): Tensor {
  const [shape, opts] = shapeAndOptions('rand', args);
  if (opts.dtype && opts.dtype !== 'float32') throw typeError('rand', `rand supports float32 only, got ${opts.dtype}`);
  return finish('rand', Rand.uniform(shape, 0, 1), opts);
}

/** Samples from N(0, 1) in the given shape, from the global generator. */
export function randn(...args: ShapeArgs): Tensor {
  const [shape, opts] = shapeAndOptions('randn', args);
  if (opts.dtype && opts.dtype !== 'float32') throw typeError('randn', `randn supports float32 only, got ${opts.dtype}`);
  return finish('randn', Rand.normal(shape, 0, 1), opts);
}

/** Random integers in [low, high) ('int32'); with one bound, in [0, low). */
export function randint(low: number, high: number | number[], shape?: number[] | TensorOptions, opts?: TensorOptions): Tensor {
  // randint(high, shape) as in PyTorch, or randint(low, high, shape).
  if (Array.isArray(high)) return randint(0, low, high, shape as TensorOptions | undefined);
  const s = parseShape('randint', [shape ?? []]);
  const o = checkOptions('randint', opts);
  if (o.requiresGrad) throw typeError('randint', 'int32 tensors cannot require gradients');
  const t = Rand.randint(low, high, s);
  return finish('randint', t, o);
}

/** A random permutation of 0..n−1 ('int32'). */
export function randperm(n: number, opts?: TensorOptions): Tensor {
  const o = checkOptions('randperm', opts);
  return finish('randperm', Rand.randperm(n), o);
}

/** start, start + step, ... up to but excluding end; with one argument, 0..start−1. 'float32' unless `opts.dtype` says otherwise. */
export function arange(start: number, end?: number | TensorOptions, step?: number | TensorOptions, opts?: TensorOptions): Tensor {
  if (typeof end === 'object') return arange(0, start, 1, end);
  if (typeof step === 'object') return arange(start, end, 1, step);
  if (end === undefined) [start, end] = [0, start];
  const st = step ?? 1;
  for (const [v, what] of [[start, 'start'], [end, 'end'], [st, 'step']] as const)
    if (typeof v !== 'number' || !Number.isFinite(v)) throw typeError('arange', `${what} must be a finite number, got ${describe(v)}`);
  if (st === 0) throw rangeError('arange', 'step must be nonzero');
  if ((end - start) / st < 0) throw rangeError('arange', 'upper bound and larger bound inconsistent with step sign');
  const n = Math.ceil((end - start) / st);
  if (n > MAX_NUMEL) throw rangeError('arange', `${n} elements is too many`);
  const o = checkOptions('arange', opts);
  const t = alloc('arange', [n], o.dtype ?? 'float32');
  for (let i = 0; i < n; i++) t._data[i] = start + i * st;
  return finish('arange', t, { requiresGrad: o.requiresGrad });
}

/** `steps` evenly spaced values from start to end inclusive. */
export function linspace(start: number, end: number, steps: number, opts?: TensorOptions): Tensor {
  for (const [v, what] of [[start, 'start'], [end, 'end']] as const)
    if (typeof v !== 'number') throw typeError('linspace', `${what} must be a number, got ${describe(v)}`);
  if (typeof steps !== 'number' || !Number.isInteger(steps) || steps < 0 || steps > MAX_NUMEL)
    throw rangeError('linspace', `number of steps must be a non-negative integer, got ${describe(steps)}`);
  const o = checkOptions('linspace', opts);
  const t = alloc('linspace', [steps], 'float32');
  // PyTorch fills symmetric halves from both ends so the last value is exactly `end`.
  const step = steps > 1 ? (end - start) / (steps - 1) : 0;
  const half = Math.floor(steps / 2);
  for (let i = 0; i < steps; i++) t._data[i] = i < half ? start + step * i : end - step * (steps - 1 - i);
  return finish('linspace', t, o);
}

/** An n × m (default n × n) matrix with ones on the diagonal. */
export function eye(n: number, m?: number | TensorOptions, opts?: TensorOptions): Tensor {
  if (m !== null && typeof m === 'object' && opts === undefined) return eye(n, n, m as TensorOptions);
  if (m !== undefined && typeof m !== 'number') throw typeError('eye', `m must be a number, got ${describe(m)}`);
  const cols = m ?? n;
  const shape = parseShape('eye', [[n, cols]]);
  const o = checkOptions('eye', opts);
  const t = alloc('eye', shape, o.dtype ?? 'float32');
  for (let i = 0; i < Math.min(n, cols); i++) t._data[i * cols + i] = 1;
  return finish('eye', t, { requiresGrad: o.requiresGrad });
}

function likeOptions(op: string, x: Tensor, opts?: TensorOptions): TensorOptions {
  expectTensor(op, x, 'input');
  const o = checkOptions(op, opts);
  return { dtype: o.dtype ?? x.dtype, requiresGrad: o.requiresGrad };
}

/** zeros with the shape (and dtype, unless given) of `x`. */
export function zerosLike(x: Tensor, opts?: TensorOptions): Tensor {
  const o = likeOptions('zerosLike', x, opts);
  return zeros(x._shape.slice(), o);
}
/** ones with the shape (and dtype, unless given) of `x`. */
export function onesLike(x: Tensor, opts?: TensorOptions): Tensor {
  const o = likeOptions('onesLike', x, opts);
  return ones(x._shape.slice(), o);
}
/** empty with the shape (and dtype, unless given) of `x`. */
export function emptyLike(x: Tensor, opts?: TensorOptions): Tensor {
  const o = likeOptions('emptyLike', x, opts);
  return empty(x._shape.slice(), o);
}
/** full with the shape (and dtype, unless given) of `x`. */
export function fullLike(x: Tensor, value: number, opts?: TensorOptions): Tensor {
  const o = likeOptions('fullLike', x, opts);
  return full(x._shape.slice(), value, o);
}
/** rand with the shape of `x`. */
export function randLike(x: Tensor, opts?: TensorOptions): Tensor {
  const o = likeOptions('randLike', x, opts);
  return rand(x._shape.slice(), { ...o, dtype: 'float32' });
}
/** randn with the shape of `x`. */
export function randnLike(x: Tensor, opts?: TensorOptions): Tensor {
  const o = likeOptions('randnLike', x, opts);
  return randn(x._shape.slice(), { ...o, dtype: 'float32' });
}

// ---- tg.tensor(data) --------------------------------------------------------------------

type Nested = number | boolean | Nested[];

/** A tensor from nested arrays, a typed array (with `opts.shape` for more than 1-D) or a tensor (copied). dtype: 'bool' for booleans and Uint8Array, 'int32' for Int32Array, 'float32' otherwise, unless `opts.dtype` is given. */
export function tensor<D extends DType>(data: Nested | Float32Array | Int32Array | Uint8Array | Tensor, opts: TensorOptions & { dtype: D; shape?: number[] }): Tensor<D>;
/** Booleans (nested) or a Uint8Array give a 'bool' tensor. */
export function tensor(data: boolean | NestedArray<boolean> | Uint8Array, opts?: TensorOptions & { shape?: number[] }): Tensor<'bool'>;
/** Numbers (nested) or a Float32Array give a 'float32' tensor, an Int32Array an 'int32' one, a tensor a copy of its dtype. */
export function tensor(data: Nested | Float32Array | Int32Array | Uint8Array | Tensor, opts?: TensorOptions & { shape?: number[] }): Tensor;
export function tensor(
  data: Nested | Float32Array | Int32Array | Uint8Array | Tensor,
  opts?: TensorOptions & { shape?: number[] },
): Tensor {
  const o = checkOptions('tensor', opts);
  const reshapeTo = (opts as { shape?: unknown } | undefined)?.shape;
  let t: Tensor;
  if (data instanceof Tensor) t = castKernel(data._alive('tensor'), data.dtype);
  else if (data instanceof Float32Array || data instanceof Int32Array || data instanceof Uint8Array) {
    const dtype: DType = data instanceof Float32Array ? 'float32' : data instanceof Int32Array ? 'int32' : 'bool';
    t = Tensor._make({ data: data.slice() as Float32Array }, [data.length], [1], 0, dtype);
  } else t = fromNested(data);
  if (reshapeTo !== undefined) {
    const shape = parseShape('tensor', [reshapeTo]);
    if (numel(shape) !== t.numel())
      throw rangeError('tensor', `shape ${fmtShape(shape)} is invalid for ${t.numel()} elements of data`);
    t = Tensor._make(t._box, shape, contiguousStrides(shape), 0, t.dtype);
  }
  return finish('tensor', t, o);
}

// ---- tg.frombuffer(buffer) ------------------------------------------------------------

/** Options of {@link frombuffer}: `dtype` and `requiresGrad` as for every creation function, and where in the buffer the elements are. */
export interface FrombufferOptions extends TensorOptions {
  /** Number of elements; -1 (the default): as many as fit after `offset`. */
  count?: number;
  /** Byte offset of the first element from the start of the buffer (of the view, for a typed array or DataView); default 0. A multiple of the dtype's size. */
  offset?: number;
}

/**
 * A 1-D tensor over the memory of `buffer` (an ArrayBuffer, a SharedArrayBuffer, or a typed
 * array / DataView, meaning the bytes it views), without a copy: as `torch.frombuffer`, writes
 * to either side show in the other. `dtype` defaults to 'float32'; reshape the result with
 * `view`. The buffer stays the caller's: `dispose()` on the tensor drops the tensor's reference and
 * never frees it. Over a SharedArrayBuffer, tensors in several `worker_threads` can share the
 * same weights; a thread writing them while another computes with them gets torn values, as with
 * any shared memory. Resizable and growable buffers are refused (their memory can shrink under a kernel).
 */
export function frombuffer(buffer: ArrayBufferLike | ArrayBufferView, opts?: FrombufferOptions): Tensor {
  const o = checkOptions('frombuffer', opts);
  const { count = -1, offset = 0 } = (opts ?? {}) as FrombufferOptions;
  let base: ArrayBufferLike, start: number, length: number;
  if (ArrayBuffer.isView(buffer)) [base, start, length] = [buffer.buffer, buffer.byteOffset, buffer.byteLength];
  else if (buffer instanceof ArrayBuffer || (typeof SharedArrayBuffer !== 'undefined' && buffer instanceof SharedArrayBuffer))
    [base, start, length] = [buffer, 0, buffer.byteLength];
  else throw typeError('frombuffer', `expected an ArrayBuffer, a SharedArrayBuffer or a typed array, got ${describe(buffer)}`);
  const b = base as ArrayBuffer & { resizable?: boolean; growable?: boolean; detached?: boolean };
  if (b.resizable === true || b.growable === true)
    throw typeError('frombuffer', 'a resizable or growable buffer cannot back a tensor (its memory can shrink under a kernel)');
  if (b.detached === true) throw typeError('frombuffer', 'the buffer is detached (transferred or freed)');
  const dtype = o.dtype ?? 'float32';
  const size = BYTES_PER_ELEMENT[dtype];
  if (length === 0) throw rangeError('frombuffer', 'the buffer is empty: a tensor over it needs at least one element');
  if (!Number.isSafeInteger(offset) || offset < 0 || offset >= length)
    throw rangeError('frombuffer', `offset must be an integer in [0, ${length - 1}] (the buffer's byte length minus 1), got ${describe(offset)}`);
  if ((start + offset) % size !== 0)
    throw rangeError('frombuffer', `offset ${offset} is not a multiple of ${size} bytes, the size of ${dtype}, from the buffer's start${start ? ` (the view starts at byte ${start})` : ''}`);
  const left = length - offset;
  if (!Number.isSafeInteger(count) || count < -1 || count === 0)
    throw rangeError('frombuffer', `count must be -1 (all that fit) or a positive integer, got ${describe(count)}`);
  if (count === -1 && left % size !== 0)
    throw rangeError('frombuffer', `buffer length (${left} bytes after offset ${offset}) must be a multiple of ${size} bytes, the size of ${dtype}`);
  const n = count === -1 ? left / size : count;
  if (n * size > left)
    throw rangeError('frombuffer', `requested ${n} elements of ${dtype} (${n * size} bytes) but the buffer has ${left} bytes after offset ${offset}`);
  if (n > MAX_NUMEL) throw rangeError('frombuffer', `${n} elements is more than a tensor holds (${MAX_NUMEL})`);
  const t = Tensor._make({ data: borrow(dtype, base as ArrayBuffer, start + offset, n) }, [n], [1], 0, dtype);
  return finish('frombuffer', t, { requiresGrad: o.requiresGrad });
}

function fromNested(data: Nested): Tensor {
  const shape: number[] = [];
  let probe: unknown = data;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    if (shape.length > MAX_DIMS) throw rangeError('tensor', `data nests deeper than ${MAX_DIMS} dims`);
    probe = probe[0];
  }
  const n = numel(shape);
  if (n > MAX_NUMEL) throw rangeError('tensor', 'too many elements');
  const isBool = typeof probe === 'boolean';
  if (n > 0 && typeof probe !== 'number' && !isBool)
    throw typeError('tensor', `data must be numbers or booleans (nested arrays of them), got ${describe(probe)}`);
  const flat = allocate(isBool ? 'bool' : 'float32', n);
  let pos = 0;
  const walk = (v: unknown, d: number): void => {
    if (d === shape.length) {
      if (isBool ? typeof v !== 'boolean' : typeof v !== 'number')
        throw typeError('tensor', `all elements must be ${isBool ? 'booleans' : 'numbers'}, got ${describe(v)}`);
      flat[pos++] = isBool ? (v ? 1 : 0) : (v as number);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[d])
      throw rangeError('tensor', `expected a sequence of length ${shape[d]} at dim ${d} (got ${Array.isArray(v) ? v.length : describe(v)})`);
    for (const e of v) walk(e, d + 1);
  };
  walk(data, 0);
  return Tensor._make({ data: flat }, shape, contiguousStrides(shape), 0, isBool ? 'bool' : 'float32');
}
