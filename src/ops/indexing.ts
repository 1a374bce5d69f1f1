// gather (with its backward, scatterAdd) and oneHot.
import { describe, fmtShape, rangeError, typeError } from '../errors.js';
import { encodeGather, meta } from '../call.js';
import { native } from '../native.js';
import { MAX_NUMEL, normDim } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { empty, expectTensor, record } from './base.js';
import * as E from './elementwise.js';
import { toDType } from './elementwise_kernels.js';
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
