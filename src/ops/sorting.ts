// Scans and sorting along one dim (binding/sort.cc): cumsum, cumprod, sort / argsort, topk, and
// multinomial sampling. Each op makes its input contiguous and hands the kernel the tensor as
// [outer, n, inner] around the dim (src/call.ts encodeSort). Derivatives are written with the
// ops, so they are differentiable themselves: cumsum's is a reverse cumsum of the gradient, and
// sort's and topk's scatter the gradient back to the positions the indices name. cumprod's is a
// kernel (exact at zeros, no division) with a composed O(n^2) form under createGraph, as
// PyTorch's cumprod_backward.
import { encodeSort, meta } from '../call.js';
import { describe, rangeError, typeError } from '../errors.js';
import { native } from '../native.js';
import { aroundDim, normDim } from '../shape.js';
import type { Tensor, ValuesIndices } from '../tensor.js';
import { isGradEnabled } from '../autograd/grad_mode.js';
import { empty, emptyUninit, expectTensor, record } from './base.js';
import * as E from './elementwise.js';
import { sum } from './reduce.js';
import { castKernel } from './elementwise_kernels.js';
import { scatterAdd } from './indexing.js';
import { generatorState } from './random.js';
import * as V from './views.js';

type Lines = Float32Array | Int32Array;

function flag(op: string, v: unknown, what: string): number {
  if (typeof v !== 'boolean') throw typeError(op, `${what} must be a boolean, got ${describe(v)}`);
  return v ? 1 : 0;
}

/** The gradient of values taken at `index` along d from an input of `shape`: g scattered back. */
function scatterBack(g: Tensor, index: Tensor, shape: number[], d: number): Tensor {
  return shape.length === 0 ? g : scatterAdd(g, shape, d, index);
}

// ---- cumsum ---------------------------------------------------------------------------------

function scan(x: Tensor, d: number, reverse: boolean): Tensor {
  const xc = V.contiguous(x);
  const out = emptyUninit(x._shape.slice(), x.dtype);
  const [outer, n, inner] = aroundDim(x._shape, d);
  encodeSort(outer, n, inner, reverse ? 1 : 0, 0, 0, xc._offset);
  native.cumsum(meta, xc._data as Lines, out._data as Lines);
  // PyTorch's CumsumBackward0: the gradient summed from the other end.
  return record('CumsumBackward0', out, [x], [], (g) => [scan(g, d, !reverse)]);
}

export function cumsum(x: Tensor, dim: number): Tensor {
  x = expectTensor('cumsum', x, 'self');
  const d = normDim('cumsum', dim, x.dim());
  // int32 and bool sum in int32 (PyTorch's int64).
  return scan(x.dtype === 'bool' ? castKernel(x, 'int32') : x, d, false);
}

// ---- cumprod --------------------------------------------------------------------------------

function scanProd(x: Tensor, d: number): Tensor {
  const xc = V.contiguous(x);
  const out = emptyUninit(x._shape.slice(), x.dtype);
  const [outer, n, inner] = aroundDim(x._shape, d);
  encodeSort(outer, n, inner, 0, 0, 0, xc._offset);
  native.cumprod(meta, xc._data as Lines, out._data as Lines);
  return record('CumprodBackward0', out, [x], [xc], (g, [xs]) => [cumprodGrad(xs!, g, d)]);
}

/** d(sum(cumprod(x, d) * g)) / dx: the kernel, or under createGraph the same sum written with ops. */
function cumprodGrad(x: Tensor, g: Tensor, d: number): Tensor {
  if (x.numel() <= 1 || x._shape[d] === 1) return g;
  if (isGradEnabled()) return cumprodGradComposed(x, g, d);
  const gc = V.contiguous(g);
  const dx = emptyUninit(x._shape.slice(), 'float32');
  const [outer, n, inner] = aroundDim(x._shape, d);
  encodeSort(outer, n, inner, 0, 0, 0, x._offset, 0, gc._offset);
  native.cumprodBackward(meta, x._data as Float32Array, dx._data as Float32Array, gc._data as Float32Array);
  return dx;
}

/**
 * dx_k = sum_{j >= k} g_j prod_{i <= j, i != k} x_i with differentiable ops (PyTorch's GradMode
 * path, O(n^2) per line): x moved to the last dim and repeated as [..., k, i] with x_k replaced
 * by 1, cumprod over i, masked to j >= k, times g_j, summed over j.
 */
function cumprodGradComposed(x: Tensor, g: Tensor, d: number): Tensor {
  const last = x.dim() - 1;
  const xt = V.transpose(x, d, last), gt = V.transpose(g, d, last);
  const n = x._shape[d]!;
  const eye = empty([n, n], 'bool'), upper = empty([n, n], 'float32');
  for (let k = 0; k < n; k++)
    for (let j = 0; j < n; j++) {
      eye._data[k * n + j] = k === j ? 1 : 0;
      upper._data[k * n + j] = j >= k ? 1 : 0;
    }
  const rows = E.where(eye, 1, V.unsqueeze(xt, -2));  // [..., k, i]: x_i, 1 at i = k
  const terms = E.mul(E.mul(scanProd(rows, rows.dim() - 1), upper), V.unsqueeze(gt, -2));
  return V.transpose(sum(terms, -1), d, last);
}

export function cumprod(x: Tensor, dim: number): Tensor {
  x = expectTensor('cumprod', x, 'self');
  const d = normDim('cumprod', dim, x.dim());
  // int32 and bool multiply in int32 (PyTorch's int64).
  return scanProd(x.dtype === 'bool' ? castKernel(x, 'int32') : x, d);
}

// ---- sort, argsort, topk --------------------------------------------------------------------

/** Sorted values (x's dtype) and their int32 indices along d; bool sorts as int32. */
function sortLines(x: Tensor, d: number, descending: number): [Tensor, Tensor] {
  const src = x.dtype === 'bool' ? castKernel(x, 'int32') : V.contiguous(x);
  const values = emptyUninit(x._shape.slice(), src.dtype);
  const indices = emptyUninit(x._shape.slice(), 'int32');
  const [outer, n, inner] = aroundDim(x._shape, d);
  encodeSort(outer, n, inner, descending, 0, 0, src._offset);
  native.sort(meta, src._data as Lines, values._data as Lines, indices._data as Int32Array);
  return [x.dtype === 'bool' ? castKernel(values, 'bool') : values, indices];
}

export function sort(x: Tensor, dim = -1, descending = false): ValuesIndices {
  x = expectTensor('sort', x, 'self');
  const d = normDim('sort', dim, x.dim());
  const [values, indices] = sortLines(x, d, flag('sort', descending, 'descending'));
  const shape = x._shape.slice();
  record('SortBackward0', values, [x], [indices], (g, [ix]) => [scatterBack(g, ix!, shape, d)]);
  return { values, indices } as ValuesIndices;
}

export function argsort(x: Tensor, dim = -1, descending = false): Tensor<'int32'> {
  x = expectTensor('argsort', x, 'self');
  const d = normDim('argsort', dim, x.dim());
  return sortLines(x, d, flag('argsort', descending, 'descending'))[1] as Tensor<'int32'>;
}

export function topk(x: Tensor, k: number, dim = -1, largest = true, sorted = true): ValuesIndices {
  x = expectTensor('topk', x, 'self');
  if (x.dtype === 'bool') throw typeError('topk', `"topk_cpu" not implemented for 'bool'`);
  const d = normDim('topk', dim, x.dim());
  const [outer, n, inner] = aroundDim(x._shape, d);
  if (typeof k !== 'number' || !Number.isInteger(k)) throw typeError('topk', `k must be an integer, got ${describe(k)}`);
  if (k < 0 || k > n) throw rangeError('topk', `selected index k out of range (k = ${k}, size of dim ${d} is ${n})`);
  const pLargest = flag('topk', largest, 'largest'), pSorted = flag('topk', sorted, 'sorted');
  const xc = V.contiguous(x);
  // A 0-d input gives itself for k = 0 too, as PyTorch does.
  const kk = x.dim() === 0 ? 1 : k;
  const shape = x._shape.slice();
  const outShape = shape.slice();
  if (x.dim() > 0) outShape[d] = k;
  const values = emptyUninit(outShape.slice(), x.dtype);
  const indices = emptyUninit(outShape, 'int32');
  encodeSort(outer, n, inner, kk, pLargest, pSorted, xc._offset);
  native.topk(meta, xc._data as Lines, values._data as Lines, indices._data as Int32Array);
  record('TopkBackward0', values, [x], [indices], (g, [ix]) => [scatterBack(g, ix!, shape, d)]);
  return { values, indices } as ValuesIndices;
}

// ---- multinomial ----------------------------------------------------------------------------

/** Options of {@link multinomial}. */
export interface MultinomialOptions {
  /** Draw with replacement (default false: the draws of a row are distinct categories). */
  replacement?: boolean;
}

export function multinomial(probs: Tensor, numSamples: number, opts: MultinomialOptions = {}): Tensor<'int32'> {
  probs = expectTensor('multinomial', probs, 'probs');
  if (probs.dtype !== 'float32') throw typeError('multinomial', `probs must be a float32 tensor, got ${probs.dtype}`);
  if (probs.dim() !== 1 && probs.dim() !== 2) throw rangeError('multinomial', `prob_dist must be 1 or 2 dim, got ${probs.dim()} dims`);
  if (typeof numSamples !== 'number' || !Number.isInteger(numSamples)) throw typeError('multinomial', `numSamples must be an integer, got ${describe(numSamples)}`);
  if (numSamples <= 0) throw rangeError('multinomial', 'cannot sample n_sample <= 0 samples');
  if (opts === null || typeof opts !== 'object') throw typeError('multinomial', `opts must be an object, got ${describe(opts)}`);
  const replacement = flag('multinomial', opts.replacement ?? false, 'replacement');
  const k = probs._shape[probs.dim() - 1]!;
  if (!replacement && numSamples > k) throw rangeError('multinomial', 'cannot sample n_sample > prob_dist.size(-1) samples without replacement');
  const rows = probs.dim() === 2 ? probs._shape[0]! : 1;
  const pc = V.contiguous(probs);
  const out = emptyUninit(probs.dim() === 2 ? [rows, numSamples] : [numSamples], 'int32');
  encodeSort(rows, k, 1, numSamples, replacement, 0, pc._offset);
  native.multinomial(meta, generatorState(), pc._data as Float32Array, out._data as Int32Array);
  return out as Tensor<'int32'>;
}
