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
