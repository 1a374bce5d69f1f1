// Reductions over dims: forward (one native call) beside backward.
import { describe, rangeError, typeError } from '../errors.js';
import { encodeReduce, meta } from '../call.js';
import { native } from '../native.js';
import * as small from '../small_kernels.js';
import { parseDims, normDim } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { noGrad } from '../autograd/grad_mode.js';
import { empty, expectTensor, named, record } from './base.js';
import * as E from './elementwise.js';
import { castKernel, toDType } from './elementwise_kernels.js';
import { kernelCodesOf } from './registry.js';
import * as V from './views.js';

/** The reduce kernels (cpp/kernels/ops.h). */
const ReduceOp = kernelCodesOf('reduce', ['Sum', 'Mean', 'Max', 'Min', 'Prod', 'ArgMax', 'ArgMin']);

function reduceKernel(op: number, x: Tensor, dims: number[], keepdim: boolean, withIndices: boolean): [Tensor, Tensor | null] {
  const xf = x.dtype === 'float32' ? x : castKernel(x, 'float32');
  let mask = 0;
  for (const d of dims) mask |= 1 << d;
  const outShape: number[] = [];
  for (let i = 0; i < x._shape.length; i++) {
    if (((mask >> i) & 1) === 0) outShape.push(x._shape[i]!);
    else if (keepdim) outShape.push(1);
  }
  const isArg = op === ReduceOp.ArgMax || op === ReduceOp.ArgMin;
  const out = empty(outShape, isArg ? 'int32' : 'float32');
  const idx = withIndices ? empty(outShape.slice(), 'int32') : null;
  encodeReduce(op, xf, mask);
  const indices = (idx?._data as Int32Array | undefined) ?? undefined;
  small.reduce(meta, xf._data, out._data, indices) || native.reduce(meta, xf._data, out._data, indices);
  return [out, idx];
}

function dimsOf(op: string, x: Tensor, dim: unknown): number[] {
  const d = parseDims(op, dim, x.dim());
  // A 0-d tensor accepts dim 0 / -1 (PyTorch), which reduces nothing.
  if (d && x.dim() === 0) return [];
  return d ?? x._shape.map((_, i) => i);
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
  const inShape = x._shape.slice();
  let [y] = reduceKernel(ReduceOp.Sum, x, dims, keepdim, false);
  // PyTorch sums int tensors to int64; we keep int32.
  if (x.dtype !== 'float32') y = castKernel(y, 'int32');
  return record('SumBackward1', y, [x], [], (g) => [V.expand(unsqueezeReduced(g, inShape, dims, keepdim), [inShape])]);
}

export function mean(x: Tensor, dim?: number | number[] | null, keepdim = false): Tensor {
  x = expectTensor('mean', x, 'self');
  if (x.dtype !== 'float32')
    throw typeError('mean', `could not infer output dtype. Input dtype must be float32, got ${x.dtype}`);
  const dims = dimsOf('mean', x, dim);
  checkKeepdim('mean', keepdim);
  const inShape = x._shape.slice();
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
  const dims = x._shape.map((_, i) => i);
  let [y] = reduceKernel(isMax ? ReduceOp.Max : ReduceOp.Min, x, dims, false, false);
  if (x.dtype !== 'float32') y = castKernel(y, x.dtype);
  return record(isMax ? 'MaxBackward1' : 'MinBackward1', y, [x], [x, y], (g, [v, r]) => {
    const mask = toDType(E.eq(v!, r!), 'float32');
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
  const inShape = x._shape.slice();
  if (x.dim() > 0 && x._shape[d] === 0)
    throw rangeError(name, `Expected reduction dim ${d} to have non-zero size.`);
  let [values, indices] = reduceKernel(isMax ? ReduceOp.Max : ReduceOp.Min, x, dims, keepdim, true);
  if (x.dtype !== 'float32') values = castKernel(values, x.dtype);
  const idx = indices!;
  values = record(isMax ? 'MaxBackward0' : 'MinBackward0', values, [x], [idx], (g, [ix]) => {
    if (dims.length === 0) return [g];
    // Route each gradient to its argmax position: one-hot along dim, built by comparison.
    const positions = V.reshape(arangeInt(inShape[d]!), [inShape.map((s, i) => (i === d ? s : 1))]);
    const onehot = toDType(E.eq(positions, unsqueezeReduced(ix!, inShape, dims, keepdim)), 'float32');
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
    const [flat] = reduceKernel(isMax ? ReduceOp.ArgMax : ReduceOp.ArgMin, x, x._shape.map((_, i) => i), false, false);
    return keepdim ? V.reshape(flat, [x._shape.map(() => 1)]) : flat;
  }
  const d = normDim(name, dim, x.dim());
  if (x.dim() > 0 && x._shape[d] === 0) throw rangeError(name, `Expected reduction dim ${d} to have non-zero size.`);
  const [y] = reduceKernel(isMax ? ReduceOp.ArgMax : ReduceOp.ArgMin, x, x.dim() === 0 ? [] : [d], keepdim, false);
  return y;
}


/** Product over dims; the backward handles zeros as PyTorch does (one zero: the product of the others). */
export function prod(x: Tensor, dim?: number | number[] | null, keepdim = false): Tensor {
  x = expectTensor('prod', x, 'self');
  const dims = dimsOf('prod', x, dim);
  checkKeepdim('prod', keepdim);
  const inShape = x._shape.slice();
  let [y] = reduceKernel(ReduceOp.Prod, x, dims, keepdim, false);
  if (x.dtype !== 'float32') y = castKernel(y, 'int32');
  return record('ProdBackward1', y, [x], [x], (g, [v]) => {
    // d prod / dx_i is the product of the other elements. Written per count of zeros in the
    // slice so that it is exact and its own derivative is right too (double backward).
    const keep = (t: Tensor) => unsqueezeReduced(t, inShape, dims, keepdim);
    const isZero = E.eq(v!, 0);
    const isZeroF = toDType(isZero, 'float32');
    const nonzero = E.where(isZero, 1, v!);
    const p = keep(prod(nonzero, dims, keepdim));
    const zeros = keep(sum(isZeroF, dims, keepdim));
    // The slice's zero elements, summed: 0 in value but differentiable in each of them.
    const xz = keep(sum(E.mul(v!, isZeroF), dims, keepdim));
    const gu = keep(g);
    const gp = E.mul(gu, p);
    const noZeros = E.div(gp, nonzero);
    const oneZero = E.where(isZero, gp, E.div(E.mul(gp, xz), nonzero));
    const twoZeros = E.where(isZero, E.mul(gp, E.sub(xz, v!)), 0);
    return [E.where(E.eq(zeros, 0), noZeros, E.where(E.eq(zeros, 1), oneZero, E.where(E.eq(zeros, 2), twoZeros, 0)))];
  });
}

/** How var() and std() normalise: by n − correction. */
export interface VarOptions {
  /** Bessel's correction (n - 1) when true, as PyTorch's default. */
  unbiased?: boolean;
  /** Divide by n - correction; overrides `unbiased`. */
  correction?: number;
}

function varArgs(op: string, x: Tensor, dim: unknown, keepdim: unknown, opts: unknown) {
  x = expectTensor(op, x, 'self');
  if (x.dtype !== 'float32') throw typeError(op, `std and var only support floating point inputs, got ${x.dtype}`);
  const dims = dimsOf(op, x, dim);
  checkKeepdim(op, keepdim);
  if (opts === null || typeof opts !== 'object') throw typeError(op, `options must be an object, got ${describe(opts)}`);
  const { unbiased, correction } = opts as VarOptions;
  if (unbiased !== undefined && typeof unbiased !== 'boolean') throw typeError(op, `unbiased must be a boolean, got ${describe(unbiased)}`);
  if (correction !== undefined && (typeof correction !== 'number' || !Number.isFinite(correction)))
    throw typeError(op, `correction must be a finite number, got ${describe(correction)}`);
  const n = dims.reduce((p, d) => p * x._shape[d]!, 1);
  return { x, dims, n, correction: correction ?? (unbiased === false ? 0 : 1) };
}

/** Sum of squared deviations over dims, unrecorded: the shared forward of var and std. */
function squaredDeviations(x: Tensor, dims: number[], keepdim: boolean): Tensor {
  return noGrad(() => {
    const centered = E.sub(x, mean(x, dims, true));
    return sum(E.mul(centered, centered), dims, keepdim);
  });
}

export function variance(x: Tensor, dim?: number | number[] | null, keepdim = false, opts: VarOptions = {}): Tensor {
  const a = varArgs('var', x, dim, keepdim, opts);
  const inShape = a.x._shape.slice();
  const y = E.div(squaredDeviations(a.x, a.dims, keepdim), Math.max(a.n - a.correction, 0));
  // PyTorch's var_backward: 2 / (n - correction) * g * (x - mean); infinite when n == correction.
  const dof = a.n - a.correction;
  return record('VarBackward0', y, [a.x], [a.x], (g, [v]) => {
    const gu = V.expand(unsqueezeReduced(g, inShape, a.dims, keepdim), [inShape]);
    // PyTorch 1.13 answers a whole-tensor (or 0-d) var with dof 0 by an infinite gradient.
    if (dof === 0 && (dim == null || a.x.dim() === 0)) return [E.mul(gu, Infinity)];
    return [E.mul(E.mul(gu, E.sub(v!, mean(v!, a.dims, true))), 2 / dof)];
  });
}

export function std(x: Tensor, dim?: number | number[] | null, keepdim = false, opts: VarOptions = {}): Tensor {
  const a = varArgs('std', x, dim, keepdim, opts);
  const inShape = a.x._shape.slice();
  const y = E.sqrt(E.div(squaredDeviations(a.x, a.dims, keepdim), Math.max(a.n - a.correction, 0)));
  // PyTorch's std_backward: g * (x - mean) / (std * (n - correction)), and 0 where std is 0.
  return record('StdBackward0', y, [a.x], [a.x, y], (g, [v, s]) => {
    const su = unsqueezeReduced(s!, inShape, a.dims, keepdim);
    const gu = unsqueezeReduced(g, inShape, a.dims, keepdim);
    const grad = E.div(E.mul(gu, E.sub(v!, mean(v!, a.dims, true))), E.mul(su, a.n - a.correction));
    return [E.where(E.eq(su, 0), 0, grad)];
  });
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
  const xf = x.dtype === 'float32' ? x : castKernel(x, 'float32');
  if (xf.numel() === 0) return E.log(sum(E.exp(xf), dims, keepdim));
  const m = stableShift(xf, dims);
  const out = E.add(E.log(sum(E.exp(E.sub(xf, m)), dims, true)), m);
  return named(keepdim ? out : V.reshape(out, [x._shape.filter((_, i) => !dims.includes(i))]), 'LogsumexpBackward0');
}

/** any / all over `dim` (every dim when omitted): a bool tensor, as PyTorch's. */
export function anyAll(x: Tensor, dim: number | number[] | null | undefined, keepdim: boolean, isAny: boolean): Tensor {
  const name = isAny ? 'any' : 'all';
  x = expectTensor(name, x, 'self');
  const dims = dimsOf(name, x, dim);
  checkKeepdim(name, keepdim);
  // any: max over (x != 0) > 0; all: min over it. An empty reduction gives max 0 / min 1 below
  // (PyTorch: any of nothing is false, all of nothing is true).
  const nonzero = toDType(E.ne(x, 0), 'float32');
  if (nonzero.numel() === 0 || dims.some((d) => x._shape[d] === 0)) {
    const [s] = reduceKernel(ReduceOp.Sum, nonzero, dims, keepdim, false);
    return toDType(isAny ? E.gt(s, 0) : E.eq(s, 0), 'bool');
  }
  const [y] = reduceKernel(isAny ? ReduceOp.Max : ReduceOp.Min, nonzero, dims, keepdim, false);
  return E.gt(y, 0);
}

/**
 * The p-norm over `dim` (every dim when omitted): p = 2 (the default), 1, Infinity, -Infinity,
 * 0 (the count of nonzeros) or any other number, (sum |x|^p)^(1/p). p = 2's gradient is x / norm
 * and 0 where the norm is 0, as PyTorch's norm_backward.
 */
export function norm(x: Tensor, p: number | null | undefined, dim: number | number[] | null | undefined, keepdim: boolean): Tensor {
  x = expectTensor('norm', x, 'self');
  if (x.dtype !== 'float32') throw typeError('norm', `expected a float32 tensor, got ${x.dtype}`);
  const order = p ?? 2;
  if (typeof order !== 'number' || Number.isNaN(order)) throw typeError('norm', `p must be a number, got ${describe(order)}`);
  const dims = dimsOf('norm', x, dim);
  checkKeepdim('norm', keepdim);
  if (order === Infinity || order === -Infinity) {
    const a = E.abs(x);
    if (dims.length === x.dim() && !keepdim) return amaxAll(a, order > 0);
    let r = a;
    for (const d of [...dims].sort((i, j) => j - i)) r = maxDim(r, d, true, order > 0).values;
    return keepdim ? r : V.reshape(r, [x._shape.filter((_, i) => !dims.includes(i))]);
  }
  if (order === 0) {
    // The count of nonzeros: piecewise constant, so its gradient is zeros (PyTorch records it too).
    const shape = x._shape.slice();
    return record('NormBackward1', sum(toDType(E.ne(x, 0), 'float32'), dims, keepdim), [x], [], () => [empty(shape, 'float32')]);
  }
  if (order === 1) return sum(E.abs(x), dims, keepdim);
  if (order !== 2) return E.pow(sum(E.pow(E.abs(x), order), dims, keepdim), 1 / order);
  const inShape = x._shape.slice();
  const y = noGrad(() => E.sqrt(sum(E.square(x), dims, keepdim)));
  return record('NormBackward1', y, [x], [x, y], (g, [v, r]) => {
    const n = unsqueezeReduced(r!, inShape, dims, keepdim);
    const scale = E.where(E.eq(n, 0), 0, E.div(unsqueezeReduced(g, inShape, dims, keepdim), n));
    return [E.mul(v!, scale)];
  });
}
