// Fused cross-entropy of logits [N, C] against int32 class indices [N] (cpp/kernels/loss.cpp):
// one native call forward (softmax and the NLL of each row, the reduction) and one backward
// ((softmax - onehot) * g), where the composed form (nn/functional.ts crossEntropy) records
// ~15 ops. The backward is PyTorch's NllLossBackward0 through LogSoftmaxBackward0 in one step;
// under createGraph (double backward) it is built from differentiable ops instead.
import { isGradEnabled } from '../autograd/grad_mode.js';
import { meta, native } from '../native.js';
import type { Tensor } from '../tensor.js';
import { emptyUninit, record } from './base.js';
import * as E from './elementwise.js';
import { oneHot } from './indexing.js';
import { sum } from './reduce.js';
import { softmax } from './softmax.js';
import * as V from './views.js';

export type LossReduction = 'none' | 'sum' | 'mean';
const REDUCTION = { none: 0, sum: 1, mean: 2 } as const;

/**
 * Whether crossEntropy(input, target) can take the fused path: float32 [N, C] logits with C > 0
 * and int32 [N] targets, both contiguous (no weight or label smoothing: the caller checks).
 */
export function fusable(input: Tensor, target: Tensor): boolean {
  return input.dtype === 'float32' && input.dim() === 2 && input.shape[1]! > 0 && target.dtype === 'int32' &&
    target.dim() === 1 && V.isContiguousTensor(input) && V.isContiguousTensor(target);
}

function putMeta(n: number, c: number, ignoreIndex: number, red: LossReduction, offset: number, targetOffset: number, gradStride: number): void {
  meta[0] = n;
  meta[1] = c;
  meta[2] = ignoreIndex;
  meta[3] = REDUCTION[red];
  meta[4] = offset;
  meta[5] = targetOffset;
  meta[6] = gradStride;
}

/** The cross-entropy loss; targets already checked (shape, range) by the caller. */
export function crossEntropyFused(input: Tensor, target: Tensor, red: LossReduction, ignoreIndex: number): Tensor {
  const N = input.shape[0]!, C = input.shape[1]!;
  const probs = emptyUninit([N, C], 'float32');  // softmax(input) [N, C], every element written
  const out = emptyUninit(red === 'none' ? [N] : [], 'float32');
  putMeta(N, C, ignoreIndex, red, input._offset, target._offset, 1);
  native.crossEntropyForward(meta, input._data as Float32Array, target._data as Int32Array, probs._data as Float32Array, out._data as Float32Array);
  // target is saved too, so an in-place change to it before backward is refused, as in PyTorch.
  return record('NllLossBackward0', out, [input], [input, probs, target], (g, [x, p, t]) => {
    if (isGradEnabled()) return [composedGrad(x!, t!, g, red, ignoreIndex)];
    const dx = emptyUninit([N, C], 'float32');
    putMeta(N, C, ignoreIndex, red, g._offset, t!._offset, red === 'none' ? g._strides[0]! : 1);
    native.crossEntropyBackward(meta, p!._data as Float32Array, t!._data as Int32Array, g._data as Float32Array, dx._data as Float32Array);
    return [dx];
  });
}

/** (softmax(x) - onehot(t)) * g per row, zero on ignored rows, / kept rows under 'mean': differentiable in x and g. */
function composedGrad(x: Tensor, target: Tensor, g: Tensor, red: LossReduction, ignoreIndex: number): Tensor {
  const C = x.shape[1]!;
  const keep = E.ne(target, ignoreIndex);
  const onehot = E.toDType(oneHot(E.where(keep, target, 0), C), 'float32');
  const keepF = E.toDType(keep, 'float32');
  let w = E.mul(red === 'none' ? g : V.reshape(g, [[1]]), keepF);  // [N]
  if (red === 'mean') w = E.div(w, sum(keepF));
  return E.mul(E.sub(softmax(x, 1), onehot), V.unsqueeze(w, 1));
}
