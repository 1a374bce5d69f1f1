// Reductions over dims: forward (one native call) beside backward.
import { describe, rangeError, typeError } from '../errors.js';
import { ReduceOp, HEADER, meta, native } from '../native.js';
import { parseDims, normDim } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { empty, expectTensor, named, record } from './base.js';
import * as E from './elementwise.js';
import * as V from './views.js';

function reduceKernel(op: ReduceOp, x: Tensor, dims: number[], keepdim: boolean, withIndices: boolean): [Tensor, Tensor | null] {
  const xf = x.dtype === 'float32' ? x : E.castKernel(x, 'float32');
  let mask = 0;
  for (const d of dims) mask |= 1 << d;
  const kept = x.shape.filter((_, i) => !dims.includes(i));
  const outShape = keepdim ? x.shape.map((s, i) => (dims.includes(i) ? 1 : s)) : kept;
  const isArg = op === ReduceOp.ArgMax || op === ReduceOp.ArgMin;
  const out = empty(outShape, isArg ? 'int32' : 'float32');
  const idx = withIndices ? empty(outShape.slice(), 'int32') : null;
  meta[0] = op;
  meta[1] = x.dim();
  meta[2] = mask;
  let pos = HEADER;
  for (const s of x.shape) meta[pos++] = s;
  meta[pos++] = xf._offset;
  for (const s of xf._strides) meta[pos++] = s;
  native.reduce(meta, xf._data, out._data, (idx?._data as Int32Array | undefined) ?? undefined);
  return [out, idx];
}

function dimsOf(op: string, x: Tensor, dim: unknown): number[] {
  const d = parseDims(op, dim, x.dim());
  // A 0-d tensor accepts dim 0 / -1 (PyTorch), which reduces nothing.
  if (d && x.dim() === 0) return [];
  return d ?? x.shape.map((_, i) => i);
}

function checkKeepdim(op: string, keepdim: unknown): boolean {
  if (typeof keepdim !== 'boolean') throw typeError(op, `keepdim must be a boolean, got ${describe(keepdim)}`);
  return keepdim;
}

/** Re-inserts the reduced dims (size 1) so a gradient broadcasts against the input. */
function unsqueezeReduced(g: Tensor, inShape: number[], dims: number[], keepdim: boolean): Tensor {
  if (keepdim || dims.length === 0) return g;
  return V.reshape(g, [inShape.map((s, i) => (dims.includes(i) ? 1 : s))]);
}

export function sum(x: Tensor, dim?: number | number[] | null, keepdim = false): Tensor {
  x = expectTensor('sum', x, 'self');
  const dims = dimsOf('sum', x, dim);
  checkKeepdim('sum', keepdim);
  const inShape = x.shape.slice();
  let [y] = reduceKernel(ReduceOp.Sum, x, dims, keepdim, false);
  // PyTorch sums int tensors to int64; we keep int32.
  if (x.dtype !== 'float32') y = E.castKernel(y, 'int32');
  return record('SumBackward1', y, [x], [], (g) => [V.expand(unsqueezeReduced(g, inShape, dims, keepdim), [inShape])]);
}

export function mean(x: Tensor, dim?: number | number[] | null, keepdim = false): Tensor {
  x = expectTensor('mean', x, 'self');
  if (x.dtype !== 'float32')
    throw typeError('mean', `could not infer output dtype. Input dtype must be float32, got ${x.dtype}`);
  const dims = dimsOf('mean', x, dim);
  checkKeepdim('mean', keepdim);
  const inShape = x.shape.slice();
  const n = dims.reduce((p, d) => p * inShape[d]!, 1);
  const [y] = reduceKernel(ReduceOp.Mean, x, dims, keepdim, false);
  return record('MeanBackward1', y, [x], [], (g) => [
    V.expand(unsqueezeReduced(E.div(g, n), inShape, dims, keepdim), [inShape]),
  ]);
}

/** max()/min() over all elements; the gradient is shared evenly among ties (as PyTorch). */
export function amaxAll(x: Tensor, isMax: boolean): Tensor {
  const name = isMax ? 'max' : 'min';
  x = expectTensor(name, x, 'self');
  if (x.numel() === 0)
    throw rangeError(name, 'max(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the \'dim\' argument.');
  const dims = x.shape.map((_, i) => i);
  let [y] = reduceKernel(isMax ? ReduceOp.Max : ReduceOp.Min, x, dims, false, false);
  if (x.dtype !== 'float32') y = E.castKernel(y, x.dtype);
  return record(isMax ? 'MaxBackward1' : 'MinBackward1', y, [x], [x, y], (g, [v, r]) => {
    const mask = E.toDType(E.eq(v!, r!), 'float32');
    return [E.mul(E.div(mask, sum(mask)), g)];
  });
}

/** max(dim)/min(dim): values and int32 indices of the first extreme along dim. */
export function maxDim(x: Tensor, dim: number, keepdim: boolean, isMax: boolean): { values: Tensor; indices: Tensor } {
  const name = isMax ? 'max' : 'min';
  x = expectTensor(name, x, 'self');
  const d = normDim(name, dim, x.dim());
  checkKeepdim(name, keepdim);
  const dims = x.dim() === 0 ? [] : [d];
  const inShape = x.shape.slice();
  if (x.dim() > 0 && x.shape[d] === 0)
    throw rangeError(name, `Expected reduction dim ${d} to have non-zero size.`);
  let [values, indices] = reduceKernel(isMax ? ReduceOp.Max : ReduceOp.Min, x, dims, keepdim, true);
  if (x.dtype !== 'float32') values = E.castKernel(values, x.dtype);
  const idx = indices!;
  values = record(isMax ? 'MaxBackward0' : 'MinBackward0', values, [x], [idx], (g, [ix]) => {
    if (dims.length === 0) return [g];
    // Route each gradient to its argmax position: one-hot along dim, built by comparison.
    const positions = V.reshape(arangeInt(inShape[d]!), [inShape.map((s, i) => (i === d ? s : 1))]);
    const onehot = E.toDType(E.eq(positions, unsqueezeReduced(ix!, inShape, dims, keepdim)), 'float32');
    return [E.mul(onehot, unsqueezeReduced(g, inShape, dims, keepdim))];
  });
  return { values, indices: idx };
}

function arangeInt(n: number): Tensor {
  const t = empty([n], 'int32');
  for (let i = 0; i < n; i++) t._data[i] = i;
  return t;
}

export function argExtreme(x: Tensor, dim: number | null | undefined, keepdim: boolean, isMax: boolean): Tensor {
  const name = isMax ? 'argmax' : 'argmin';
  x = expectTensor(name, x, 'self');
  checkKeepdim(name, keepdim);
  if (dim == null) {
    if (x.numel() === 0) throw rangeError(name, 'Expected reduction dim to be specified for input.numel() == 0.');
    const [flat] = reduceKernel(isMax ? ReduceOp.ArgMax : ReduceOp.ArgMin, x, x.shape.map((_, i) => i), false, false);
    return keepdim ? V.reshape(flat, [x.shape.map(() => 1)]) : flat;
  }
  const d = normDim(name, dim, x.dim());
  if (x.dim() > 0 && x.shape[d] === 0) throw rangeError(name, `Expected reduction dim ${d} to have non-zero size.`);
  const [y] = reduceKernel(isMax ? ReduceOp.ArgMax : ReduceOp.ArgMin, x, x.dim() === 0 ? [] : [d], keepdim, false);
  return y;
}


/** Product over dims; the backward handles zeros as PyTorch does (one zero: the product of the others). */
export function prod(x: Tensor, dim?: number | number[] | null, keepdim = false): Tensor {
  x = expectTensor('prod', x, 'self');
  const dims = dimsOf('prod', x, dim);
  checkKeepdim('prod', keepdim);
  const inShape = x.shape.slice();
  let [y] = reduceKernel(ReduceOp.Prod, x, dims, keepdim, false);
  if (x.dtype !== 'float32') y = E.castKernel(y, 'int32');
  return record('ProdBackward1', y, [x], [x], (g, [v]) => {
    const isZero = E.eq(v!, 0);
    const nonzero = E.where(isZero, 1, v!);
    // Product of the nonzero elements and the count of zeros, per reduced slice.
    const p = unsqueezeReduced(prod(nonzero, dims, keepdim), inShape, dims, keepdim);
    const zeros = unsqueezeReduced(sum(E.toDType(isZero, 'float32'), dims, keepdim), inShape, dims, keepdim);
    const gu = unsqueezeReduced(g, inShape, dims, keepdim);
    const noZeros = E.div(E.mul(gu, p), nonzero);
    const oneZero = E.where(isZero, E.mul(gu, p), 0);
    return [E.where(E.eq(zeros, 0), noZeros, E.where(E.eq(zeros, 1), oneZero, 0))];
  });
}

export interface VarOptions {
  /** Bessel's correction (n - 1) when true, as PyTorch's default. */
  unbiased?: boolean;
  /** Divide by n - correction; overrides `unbiased`. */
  correction?: number;
}

export function variance(x: Tensor, dim?: number | number[] | null, keepdim = false, opts: VarOptions = {}): Tensor {
  x = expectTensor('var', x, 'self');
  if (x.dtype !== 'float32') throw typeError('var', `std and var only support floating point inputs, got ${x.dtype}`);
  const dims = dimsOf('var', x, dim);
  checkKeepdim('var', keepdim);
  const correction = opts.correction ?? (opts.unbiased === false ? 0 : 1);
  if (typeof correction !== 'number') throw typeError('var', `correction must be a number, got ${describe(correction)}`);
  const n = dims.reduce((p, d) => p * x.shape[d]!, 1);
  const centered = E.sub(x, mean(x, dims, true));
  return named(E.div(sum(E.mul(centered, centered), dims, keepdim), Math.max(n - correction, 0)), 'VarBackward0');
}

export function std(x: Tensor, dim?: number | number[] | null, keepdim = false, opts: VarOptions = {}): Tensor {
  return named(E.sqrt(variance(x, dim, keepdim, opts)), 'StdBackward0');
}

/**
 * The max over dims (keepdim), detached and with infinities replaced by 0: the shift that makes
 * exp(x - m) neither overflow nor underflow in logsumexp and logSoftmax.
 */
export function stableShift(x: Tensor, dims: number[]): Tensor {
  const [m] = reduceKernel(ReduceOp.Max, x, dims, true, false);
  return E.where(E.eq(E.abs(m), Infinity), 0, m);
}

/** log(sum(exp(x))) over dims as m + log(sum(exp(x - m))), m = stableShift(x). */
export function logsumexp(x: Tensor, dim: number | number[], keepdim = false): Tensor {
  x = expectTensor('logsumexp', x, 'self');
  const dims = dimsOf('logsumexp', x, dim);
  checkKeepdim('logsumexp', keepdim);
  const xf = x.dtype === 'float32' ? x : E.castKernel(x, 'float32');
  if (xf.numel() === 0) return E.log(sum(E.exp(xf), dims, keepdim));
  const m = stableShift(xf, dims);
  const out = E.add(E.log(sum(E.exp(E.sub(xf, m)), dims, true)), m);
  return named(keepdim ? out : V.reshape(out, [x.shape.filter((_, i) => !dims.includes(i))]), 'LogsumexpBackward0');
}
