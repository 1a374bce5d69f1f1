// softmax and logSoftmax along a dim: one fused native call each way (cpp/kernels/softmax.cpp:
// the row max subtracted first, as the notes explain, so large logits neither overflow nor lose
// the small probabilities). Under createGraph the backward is written with the ops instead, so
// it is itself differentiable.
import { freshGrad } from '../autograd/accumulate.js';
import { isGradEnabled } from '../autograd/grad_mode.js';
import { encodeSoftmax, meta } from '../call.js';
import { typeError, describe } from '../errors.js';
import { native } from '../native.js';
import { aroundDim, normDim } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { emptyUninit, expectTensor, record } from './base.js';
import * as E from './elementwise.js';
import { sum } from './reduce.js';
import * as V from './views.js';

function dimOf(op: string, x: Tensor, dim: unknown): number {
  if (dim === undefined) throw typeError(op, 'dim must be given (softmax over which dimension?)');
  if (typeof dim !== 'number') throw typeError(op, `dim must be a number, got ${describe(dim)}`);
  if (x.dtype !== 'float32') throw typeError(op, `"${op}" not implemented for '${x.dtype}'`);
  return normDim(op, dim, x.dim());
}

function forward(log: boolean, x: Tensor, d: number): Tensor {
  const xc = V.contiguous(x);
  const out = emptyUninit(x._shape.slice(), 'float32');
  const [outer, n, inner] = aroundDim(x._shape, d);
  encodeSoftmax(outer, n, inner, xc._offset);
  (log ? native.logSoftmax : native.softmax)(meta, xc._data as Float32Array, out._data as Float32Array);
  return out;
}

/** The gradient of x from g and the forward's output y: one kernel, or the ops under createGraph. */
/** The kernel's gradient for a leaf input, which its .grad may keep (a new tensor nothing else holds); not the ops' one under createGraph. */
function fresh(leaf: Tensor | null, dx: Tensor): Tensor {
  return leaf !== null && dx.gradFn === null && !isGradEnabled() ? freshGrad(leaf, dx) : dx;
}

function backward(log: boolean, g: Tensor, y: Tensor, d: number): Tensor {
  if (isGradEnabled())
    return log ? E.sub(g, E.mul(E.exp(y), sum(g, d, true))) : E.mul(y, E.sub(g, sum(E.mul(g, y), d, true)));
  const gc = V.contiguous(g);
  const gradIn = emptyUninit(y._shape.slice(), 'float32');
  const [outer, n, inner] = aroundDim(y._shape, d);
  encodeSoftmax(outer, n, inner, gc._offset, y._offset);
  (log ? native.logSoftmaxBackward : native.softmaxBackward)(meta, gc._data as Float32Array, y._data as Float32Array, gradIn._data as Float32Array);
  return gradIn;
}

export function logSoftmax(x: Tensor, dim: number): Tensor {
  x = expectTensor('logSoftmax', x, 'self');
  const d = dimOf('logSoftmax', x, dim);
  const y = forward(true, x, d);
  const leaf = x.gradFn === null ? x : null;
  return record('LogSoftmaxBackward0', y, [x], [y], (g, [r]) => [fresh(leaf, backward(true, g, r!, d))]);
}

export function softmax(x: Tensor, dim: number): Tensor {
  x = expectTensor('softmax', x, 'self');
  const d = dimOf('softmax', x, dim);
  const y = forward(false, x, d);
  const leaf = x.gradFn === null ? x : null;
  return record('SoftmaxBackward0', y, [x], [y], (g, [r]) => [fresh(leaf, backward(false, g, r!, d))]);
}
