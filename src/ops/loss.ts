// Fused cross-entropy of logits [N, C] against int32 class indices [N] (cpp/kernels/loss.cpp):
// one native call forward (softmax and the NLL of each row, the reduction) and one backward
// ((softmax - onehot) * g), where the composed form (nn/functional.ts crossEntropy) records
// ~15 ops. The backward is PyTorch's NllLossBackward0 through LogSoftmaxBackward0 in one step;
// under createGraph (double backward) it is built from differentiable ops instead.
import { isGradEnabled } from '../autograd/grad_mode.js';
import { encodeCrossEntropy, meta } from '../call.js';
import { native } from '../native.js';
import { Tensor } from '../tensor.js';
import { emptyUninit, record } from './base.js';
import * as E from './elementwise.js';
import { toDType } from './elementwise_kernels.js';
import { oneHot } from './indexing.js';
import { sum } from './reduce.js';
import * as V from './views.js';

export type LossReduction = 'none' | 'sum' | 'mean';
const REDUCTION = { none: 0, sum: 1, mean: 2 } as const;

/**
 * Whether crossEntropy(input, target) can take the fused path: float32 [N, C] logits with C > 0
 * and int32 [N] targets, both contiguous (no weight or label smoothing: the caller checks).
 */
export function fusable(input: Tensor, target: Tensor): boolean {
  return input.dtype === 'float32' && input.dim() === 2 && input._shape[1]! > 0 && target.dtype === 'int32' &&
    target.dim() === 1 && V.isContiguousTensor(input) && V.isContiguousTensor(target);
}

/** The cross-entropy loss; targets already checked (shape, range) by the caller. */
export function crossEntropyFused(input: Tensor, target: Tensor, red: LossReduction, ignoreIndex: number): Tensor {
  const N = input._shape[0]!, C = input._shape[1]!;
  const probs = emptyUninit([N, C], 'float32');  // softmax(input) [N, C], every element written
  const out = emptyUninit(red === 'none' ? [N] : [], 'float32');
  encodeCrossEntropy(N, C, ignoreIndex, REDUCTION[red], input._offset, target._offset, 1);
  native.crossEntropyForward(meta, input._data as Float32Array, target._data as Int32Array, probs._data as Float32Array, out._data as Float32Array);
  // The logits are not saved (PyTorch saves log_softmax's result, not its input), so an in-place
  // change to them after the loss is allowed; createGraph's path needs only their place in the
  // graph as it was here. target is saved, so an in-place change to it is refused, as in PyTorch.
  const logits = input.gradFn === null ? input : graphPlaceOf(input);
  return record('NllLossBackward0', out, [input], [probs, target], (g, [p, t]) => {
    if (isGradEnabled()) return [composedGrad(softmaxOf(logits, p!), t!, g, red, ignoreIndex)];
    const dx = emptyUninit([N, C], 'float32');
    encodeCrossEntropy(N, C, ignoreIndex, REDUCTION[red], g._offset, t!._offset, red === 'none' ? g._strides[0]! : 1);
    native.crossEntropyBackward(meta, p!._data as Float32Array, t!._data as Int32Array, g._data as Float32Array, dx._data as Float32Array);
    return [dx];
  });
}

/** A tensor standing for `x` in the graph (x's gradFn now), whose storage is x's: never read. */
function graphPlaceOf(x: Tensor): Tensor {
  const place = new Tensor(x._box, x._shape, x._strides, x._offset, x.dtype);
  place.gradFn = x.gradFn;
  place._requiresGrad = x._requiresGrad;
  return place;
}

/** `probs` (softmax of the logits, computed by the forward) recorded as softmax(logits), so it is differentiable in them to any order. */
function softmaxOf(logits: Tensor, probs: Tensor): Tensor {
  const p = new Tensor(probs._box, probs._shape, probs._strides, probs._offset, 'float32');
  // d softmax: s * (gg - sum(gg * s)) per row, with s this node's own (recorded) output.
  return record('SoftmaxBackward0', p, [logits], [p], (gg, [s]) => [E.mul(s!, E.sub(gg, sum(E.mul(gg, s!), 1, true)))]);
}

/** (p - onehot(t)) * g per row for p = softmax(logits), zero on ignored rows, / kept rows under 'mean': differentiable in the logits and g. */
function composedGrad(p: Tensor, target: Tensor, g: Tensor, red: LossReduction, ignoreIndex: number): Tensor {
  const C = p._shape[1]!;
  const keep = E.ne(target, ignoreIndex);
  const onehot = toDType(oneHot(E.where(keep, target, 0), C), 'float32');
  const keepF = toDType(keep, 'float32');
  let w = E.mul(red === 'none' ? g : V.reshape(g, [[1]]), keepF);  // [N]
  if (red === 'mean') w = E.div(w, sum(keepF));
  return E.mul(E.sub(p, onehot), V.unsqueeze(w, 1));
}
