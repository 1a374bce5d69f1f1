// gather (with its backward, scatterAdd), scatter, scatterAdd, indexAdd and oneHot.
import { describe, fmtShape, rangeError, typeError } from '../errors.js';
import { encodeGather, meta } from '../call.js';
import { native } from '../native.js';
import { MAX_NUMEL, normDim } from '../shape.js';
import { Tensor } from '../tensor.js';
import { empty, expectTensor, record } from './base.js';
import * as E from './elementwise.js';
import { castKernel, toDType } from './elementwise_kernels.js';
import * as V from './views.js';

export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  x = expectTensor('gather', x, 'self');
  index = expectTensor('gather', index, 'index');
  if (index.dtype !== 'int32') throw typeError('gather', `index must be an int32 tensor, got ${index.dtype}`);
  // A 0-d tensor gathers like a 1-element 1-d one.
  const x1 = x.dim() === 0 ? V.reshape(x, [[1]]) : x;
  const i1 = index.dim() === 0 ? V.reshape(index, [[1]]) : index;
  if (i1.dim() !== x1.dim())
    throw rangeError('gather', `Index tensor must have the same number of dimensions as input tensor (shapes ${fmtShape(x._shape)} and ${fmtShape(index._shape)})`);
  const d = normDim('gather', dim, x1.dim());
  const out = empty(i1._shape.slice(), x.dtype);
  encodeGather(d, i1._shape, x1._shape, [x1, i1]);
  native.gather(meta, x1._data, i1._data as Int32Array, out._data);
  const y = index.dim() === 0 ? V.reshape(out, [[]]) : out;
  const xShape = x1._shape.slice();
  return record('GatherBackward0', y, [x], [i1], (g, [ix]) => [
    V.reshape(scatterAdd(V.reshape(g, [ix!._shape]), xShape, d, ix!), [x._shape]),
  ]);
}

/** Zeros of `shape` with src added at the positions index names along dim (gather's backward). */
export function scatterAdd(src: Tensor, shape: number[], d: number, index: Tensor): Tensor {
  const out = empty(shape.slice(), 'float32');
  encodeGather(d, index._shape, shape, [out, index, src]);
  native.scatterAdd(meta, out._data, index._data as Int32Array, src._data);
  return record('ScatterAddBackward0', out, [src], [index], (g, [ix]) => [gather(g, d, ix!)]);
}

/** int32 one-hot rows: labels [...] -> [..., numClasses] (PyTorch returns int64). */
export function oneHot(labels: Tensor, numClasses = -1): Tensor {
  labels = expectTensor('oneHot', labels, 'labels');
  if (labels.dtype !== 'int32') throw typeError('oneHot', `one_hot is only applicable to index tensors (int32), got ${labels.dtype}`);
  if (typeof numClasses !== 'number' || !Number.isInteger(numClasses) || numClasses < -1)
    throw rangeError('oneHot', `numClasses must be a non-negative integer or -1, got ${describe(numClasses)}`);
  const n = labels.numel();
  if (numClasses === -1) {
    if (n === 0) throw rangeError('oneHot', 'Can not infer total number of classes from empty tensor.');
    numClasses = (labels.max().item() as number) + 1;
  }
  if (n * numClasses > MAX_NUMEL) throw rangeError('oneHot', `${n} labels x ${numClasses} classes is too many elements`);
  if (n > 0) {
    if ((labels.min().item() as number) < 0) throw rangeError('oneHot', 'Class values must be non-negative.');
    if ((labels.max().item() as number) >= numClasses) throw rangeError('oneHot', 'Class values must be smaller than num_classes.');
  }
  const classes = empty([numClasses], 'int32');
  for (let i = 0; i < numClasses; i++) classes._data[i] = i;
  return toDType(E.eq(V.unsqueeze(labels, -1), classes), 'int32');
}

function checkScatter(op: string, x: Tensor, dim: number, index: Tensor, src: Tensor): number {
  if (x.dtype !== 'float32' || src.dtype !== 'float32') throw typeError(op, `self and src must be float32, got ${x.dtype} and ${src.dtype}`);
  if (index.dtype !== 'int32') throw typeError(op, `index must be an int32 tensor, got ${index.dtype}`);
  const nd = Math.max(x.dim(), 1);
  if (Math.max(index.dim(), 1) !== nd || Math.max(src.dim(), 1) !== nd)
    throw rangeError(op, `Index tensor must have the same number of dimensions as self and src (shapes ${fmtShape(x._shape)}, ${fmtShape(index._shape)} and ${fmtShape(src._shape)})`);
  const d = normDim(op, dim, nd);
  const size = (t: Tensor, i: number) => (t.dim() === 0 ? 1 : t._shape[i]!);
  for (let i = 0; i < nd; i++)
    if (size(index, i) > size(src, i) || (i !== d && size(index, i) > size(x, i)))
      throw rangeError(op, `Expected index ${fmtShape(index._shape)} to be smaller than self ${fmtShape(x._shape)} apart from dimension ${d} and to be smaller size than src ${fmtShape(src._shape)}`);
  return d;
}

/** x with src's values added at the positions `index` names along `dim` (out of place: torch.scatter_add). */
export function scatterAddOp(x: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  x = expectTensor('scatterAdd', x, 'self');
  index = expectTensor('scatterAdd', index, 'index');
  src = expectTensor('scatterAdd', src, 'src');
  const d = checkScatter('scatterAdd', x, dim, index, src);
  const as1 = (t: Tensor) => (t.dim() === 0 ? V.reshape(t, [[1]]) : t);
  const i1 = as1(index);
  // The used part of src: the kernel walks src over index's shape.
  const s1 = V.slice(as1(src), 0, 0, i1._shape[0]);
  let used = s1;
  for (let i = 1; i < i1.dim(); i++) used = V.narrow(used, i, 0, i1._shape[i]!);
  const added = scatterAdd(used, as1(x)._shape.slice(), d, i1);
  return E.add(x, V.reshape(added, [x._shape]));
}

/** x with alpha·source's slices added at the positions `index` (1-D) names along `dim` (torch.index_add). */
export function indexAdd(x: Tensor, dim: number, index: Tensor, source: Tensor, alpha = 1): Tensor {
  x = expectTensor('indexAdd', x, 'self');
  index = expectTensor('indexAdd', index, 'index');
  source = expectTensor('indexAdd', source, 'source');
  if (x.dtype !== 'float32' || source.dtype !== 'float32') throw typeError('indexAdd', `self and source must be float32, got ${x.dtype} and ${source.dtype}`);
  if (index.dtype !== 'int32') throw typeError('indexAdd', `index must be an int32 tensor, got ${index.dtype}`);
  if (index.dim() > 1) throw rangeError('indexAdd', `index must be 0-D or 1-D, got shape ${fmtShape(index._shape)}`);
  if (typeof alpha !== 'number') throw typeError('indexAdd', `alpha must be a number, got ${describe(alpha)}`);
  const x1 = x.dim() === 0 ? V.reshape(x, [[1]]) : x;
  const d = normDim('indexAdd', dim, x1.dim());
  const want = x1._shape.slice();
  want[d] = index.numel();
  const s1 = source.dim() === 0 ? V.reshape(source, [[1]]) : source;
  if (s1.dim() !== want.length || s1._shape.some((s, i) => s !== want[i]))
    throw rangeError('indexAdd', `source of shape ${fmtShape(source._shape)} does not match self ${fmtShape(x._shape)} with ${index.numel()} indices along dim ${d}`);
  const scaled = alpha === 1 ? s1 : E.mul(s1, alpha);
  const added = V.indexAddInto(scaled, x1._shape.slice(), d, V.reshape(index, [[-1]]));
  return E.add(x, V.reshape(added, [x._shape]));
}

// ---- scatter (torch.scatter: replace, or reduce 'add' / 'multiply') ---------------------------

/** Options of {@link scatter}: PyTorch's `reduce` keyword. */
export interface ScatterOptions {
  /** Instead of replacing, add ('add') or multiply ('multiply') the source into the target (no gradient then, as in PyTorch 1.13). */
  reduce?: 'add' | 'multiply';
}

const SCATTER_MODE = { add: 1, multiply: 2 } as const;

/** The checked arguments of scatter / scatter_: dim, the 1-d-at-least index, the source over index's shape, and the mode. */
export function scatterArgs(op: string, x: Tensor, dim: number, index: Tensor, src: Tensor | number | boolean, opts: ScatterOptions | undefined): [number, Tensor, Tensor, number] {
  index = expectTensor(op, index, 'index');
  if (index.dtype !== 'int32') throw typeError(op, `index must be an int32 tensor, got ${index.dtype}`);
  if (opts !== undefined && (opts === null || typeof opts !== 'object')) throw typeError(op, `options must be an object, got ${describe(opts)}`);
  const reduce = opts?.reduce;
  if (reduce !== undefined && reduce !== 'add' && reduce !== 'multiply') throw rangeError(op, `reduce argument must be either add or multiply, got ${describe(reduce)}`);
  const mode = reduce === undefined ? 0 : SCATTER_MODE[reduce];
  if (mode !== 0 && x.dtype === 'bool') throw typeError(op, `reduce '${reduce}' is not supported for bool tensors`);
  const nd = Math.max(x.dim(), 1);
  const as1 = (t: Tensor) => (t.dim() === 0 ? V.reshape(t, [[1]]) : t);
  const i1 = as1(index);
  if (i1.dim() !== nd) throw rangeError(op, `Index tensor must have the same number of dimensions as self tensor (shapes ${fmtShape(x._shape)} and ${fmtShape(index._shape)})`);
  const d = normDim(op, dim, nd);
  const size = (t: Tensor, i: number) => (t.dim() === 0 ? 1 : t._shape[i]!);
  let s1: Tensor;
  if (src instanceof Tensor || (src !== null && typeof src === 'object')) {
    const s = expectTensor(op, src, 'src');
    if (s.dtype !== x.dtype) throw typeError(op, `scatter(): Expected self.dtype to be equal to src.dtype (${x.dtype} and ${s.dtype})`);
    if (Math.max(s.dim(), 1) !== nd) throw rangeError(op, `Index tensor must have the same number of dimensions as src tensor (shapes ${fmtShape(index._shape)} and ${fmtShape(s._shape)})`);
    s1 = as1(s);
  } else {
    if (typeof src !== 'number' && typeof src !== 'boolean') throw typeError(op, `src must be a tensor or a number, got ${describe(src)}`);
    // A scalar: one element of x's dtype (converted as PyTorch does: 2.7 -> 2 for int32), read at stride 0.
    const v = empty([], x.dtype);
    v._data[0] = x.dtype === 'bool' ? (src ? 1 : 0) : x.dtype === 'int32' ? Math.trunc(Number(src)) : Number(src);
    s1 = V.expand(V.reshape(v, [i1._shape.map(() => 1)]), [i1._shape]);
  }
  for (let i = 0; i < nd; i++)
    if (size(index, i) > size(s1, i) || (i !== d && size(index, i) > size(x, i)))
      throw rangeError(op, `Expected index ${fmtShape(index._shape)} to be smaller than self ${fmtShape(x._shape)} apart from dimension ${d} and to be smaller size than src ${fmtShape(s1._shape)}`);
  return [d, i1, s1, mode];
}

/** Writes scatter's result into `out` (any view of x's shape, as 1-d at least). */
export function scatterInto(out: Tensor, d: number, i1: Tensor, s1: Tensor, mode: number): void {
  const o1 = out.dim() === 0 ? V.reshape(out, [[1]]) : out;
  encodeGather(d, i1._shape, o1._shape, [o1, i1, s1], mode);
  native.scatter(meta, o1._data, i1._data as Int32Array, s1._data);
}

/**
 * x with src's values (or the scalar `src`) written at the positions `index` names along `dim`
 * (out of place: torch.scatter). Gradients as PyTorch 1.13's: to x, g with the written
 * positions zeroed; to src, g gathered at index (zeros where src is larger than index).
 */
export function scatter(x: Tensor, dim: number, index: Tensor, src: Tensor | number | boolean, opts?: ScatterOptions): Tensor {
  const op = 'scatter';
  x = expectTensor(op, x, 'self');
  const [d, i1, s1, mode] = scatterArgs(op, x, dim, index, src, opts);
  const out = castKernel(x, x.dtype);  // a contiguous, unrecorded copy
  scatterInto(out, d, i1, s1, mode);
  const srcT = src instanceof Tensor ? src : null;
  const srcShape = s1._shape.slice();
  return record('ScatterBackward0', out, [x, srcT], [i1], (g, [ix], needs) => {
    if (mode !== 0) throw new Error(`${op}: derivative for aten::scatter is not implemented (reduce '${opts!.reduce}')`);
    const g1 = g.dim() === 0 ? V.reshape(g, [[1]]) : g;
    const gx = needs[0] ? V.reshape(scatter(g1, d, ix!, 0), [x._shape]) : null;
    let gs: Tensor | null = null;
    if (needs[1]) {
      // gather gives index's shape; src may be larger (PyTorch 1.13 fails there): zeros beyond.
      const picked = gather(g1, d, ix!);
      const padAmounts: number[] = [];
      for (let i = srcShape.length - 1; i >= 0; i--) padAmounts.push(0, srcShape[i]! - ix!._shape[i]!);
      gs = V.reshape(padAmounts.some((p) => p !== 0) ? V.padConstant(picked, padAmounts, 0) : picked, [srcT!._shape]);
    }
    return [gx, gs];
  });
}
