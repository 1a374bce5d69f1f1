// Selection by masks: tril / triu (a triangle of the last two dims), maskedFill (a value where a
// bool mask holds) and maskedSelect (the elements where it holds, as a 1-D tensor). Forward and
// backward side by side; each is the where kernel or an index gather, so they run native.
import { rangeError, typeError, describe } from '../errors.js';
import { broadcastShapes, sameShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { empty, expectTensor, isTensor, record } from './base.js';
import { castKernel, scalarTensor, whereKernel } from './elementwise_kernels.js';
import * as V from './views.js';

/** [rows, cols] bool: col - row <= k (lower) or col - row >= k (upper). */
function triangle(rows: number, cols: number, k: number, lower: boolean): Tensor {
  const m = empty([rows, cols], 'bool');
  const d = m._data;
  for (let i = 0, p = 0; i < rows; i++)
    for (let j = 0; j < cols; j++, p++) d[p] = (lower ? j - i <= k : j - i >= k) ? 1 : 0;
  return m;
}

function triangular(name: 'tril' | 'triu', x: Tensor, k: number): Tensor {
  x = expectTensor(name, x, 'self');
  if (x.dim() < 2) throw rangeError(name, `input tensor must have at least 2 dimensions, got shape [${x._shape.join(', ')}]`);
  if (typeof k !== 'number' || !Number.isInteger(k)) throw typeError(name, `diagonal must be an integer, got ${describe(k)}`);
  const rows = x._shape[x.dim() - 2]!, cols = x._shape[x.dim() - 1]!;
  const keep = triangle(rows, cols, k, name === 'tril');
  const y = whereKernel(keep, x, scalarTensor(0, x.dtype));
  return record(name === 'tril' ? 'TrilBackward0' : 'TriuBackward0', y, [x], [], (g) => [triangular(name, g, k)]);
}

/** The lower triangle of the last two dims (elements with col - row <= k), zeros elsewhere. */
export function tril(x: Tensor, k = 0): Tensor {
  return triangular('tril', x, k);
}

/** The upper triangle of the last two dims (elements with col - row >= k), zeros elsewhere. */
export function triu(x: Tensor, k = 0): Tensor {
  return triangular('triu', x, k);
}

function checkMask(op: string, x: Tensor, mask: unknown): Tensor {
  const m = expectTensor(op, mask, 'mask');
  if (m.dtype !== 'bool') throw typeError(op, `mask must be a bool tensor, got ${m.dtype}`);
  const shape = broadcastShapes(op, x._shape, m._shape);
  if (!sameShape(shape, x._shape))
    throw rangeError(op, `mask of shape [${m._shape.join(', ')}] cannot be broadcast to the input's [${x._shape.join(', ')}]`);
  return m;
}

/** `value` where `mask` holds, `x` elsewhere (mask broadcast to x's shape; the result keeps x's dtype). */
export function maskedFill(x: Tensor, mask: Tensor, value: number | boolean | Tensor): Tensor {
  x = expectTensor('maskedFill', x, 'self');
  const m = checkMask('maskedFill', x, mask);
  let v: Tensor;
  if (isTensor(value)) {
    if (value.dim() !== 0)
      throw rangeError('maskedFill', `only supports a 0-dimensional value tensor, but got one with ${value.dim()} dimension(s)`);
    v = value.dtype === x.dtype ? value : castKernel(value, x.dtype);
  } else if (typeof value === 'number' || typeof value === 'boolean') {
    v = scalarTensor(+value, x.dtype);
  } else throw typeError('maskedFill', `value must be a number, a boolean or a 0-d tensor, got ${describe(value)}`);
  const y = whereKernel(m, v, x);
  const valueInput = isTensor(value) ? value : null;
  return record('MaskedFillBackward0', y, [x, valueInput], [m], (g, [mm], needs) => [
    needs[0] ? maskedFill(g, mm!, 0) : null,
    needs[1] ? V.reshape(maskedSelect(g, mm!).sum(), [[]]) : null,
  ]);
}

/** The elements of `x` where `mask` (broadcast to x's shape) holds, in row-major order, as a 1-D tensor. */
export function maskedSelect(x: Tensor, mask: Tensor): Tensor {
  x = expectTensor('maskedSelect', x, 'self');
  const m = checkMask('maskedSelect', x, mask);
  // Positions of the true elements (a data-dependent size, so found here), then one gather.
  const bits = V.contiguousData(V.expand(m, [x._shape]));
  let count = 0;
  for (let i = 0; i < bits.length; i++) count += bits[i]!;
  const index = empty([count], 'int32');
  const at = index._data;
  for (let i = 0, k = 0; i < bits.length; i++) if (bits[i]) at[k++] = i;
  return V.indexSelect(V.reshape(x, [[-1]]), 0, index);
}
