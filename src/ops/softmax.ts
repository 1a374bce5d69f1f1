// softmax and logSoftmax along a dim, through the stable logsumexp (subtract the max first,
// as the notes explain), so large logits neither overflow nor lose the small probabilities.
import { typeError, describe } from '../errors.js';
import { normDim } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { expectTensor, named } from './base.js';
import * as E from './elementwise.js';
import { maxDim, sum } from './reduce.js';
import { noGrad } from '../autograd/grad_mode.js';

function dimOf(op: string, x: Tensor, dim: unknown): number {
  if (dim === undefined) throw typeError(op, 'dim must be given (softmax over which dimension?)');
  if (typeof dim !== 'number') throw typeError(op, `dim must be a number, got ${describe(dim)}`);
  if (x.dtype !== 'float32') throw typeError(op, `"${op}" not implemented for '${x.dtype}'`);
  return normDim(op, dim, x.dim());
}

function rowMax(x: Tensor, d: number): Tensor {
  return noGrad(() => maxDim(x, d, true, true).values);
}

export function logSoftmax(x: Tensor, dim: number): Tensor {
  x = expectTensor('logSoftmax', x, 'self');
  const d = dimOf('logSoftmax', x, dim);
  if (x.dim() === 0 || x.numel() === 0) return E.sub(x, x);
  // (x - m) - log(sum(exp(x - m))) with m the row max (detached): the largest logit's result is
  // exact, and a +inf logit gives NaN as in PyTorch.
  const shifted = E.sub(x, rowMax(x, d));
  return named(E.sub(shifted, E.log(sum(E.exp(shifted), d, true))), 'LogSoftmaxBackward0');
}

export function softmax(x: Tensor, dim: number): Tensor {
  x = expectTensor('softmax', x, 'self');
  dimOf('softmax', x, dim);
  return named(E.exp(logSoftmax(x, dim)), 'SoftmaxBackward0');
}
