// Fused cross-entropy of logits [C], [N, C] or [N, C, d1, ...] against int32 class indices
// [], [N] or [N, d1, ...] (cpp/kernels/loss.cpp): one native call forward (log-softmax over the
// class dim and the NLL of each position, the reduction) and one backward ((softmax - onehot) *
// g), where the composed form (nn/functional.ts crossEntropy) records ~15 ops. The backward is
// PyTorch's NllLossBackward0 through LogSoftmaxBackward0 in one step; under createGraph (double
// backward) it is built from differentiable ops instead.
import { freshGrad } from '../autograd/accumulate.js';
import { isGradEnabled } from '../autograd/grad_mode.js';
import { encodeCrossEntropy, meta } from '../call.js';
import { native } from '../native.js';
import { Tensor } from '../tensor.js';
import { empty, emptyUninit, record } from './base.js';
import * as E from './elementwise.js';
import { toDType } from './elementwise_kernels.js';
import { sum } from './reduce.js';
import * as V from './views.js';

export type LossReduction = 'none' | 'sum' | 'mean';
const REDUCTION = { none: 0, sum: 1, mean: 2 } as const;

/**
 * Whether crossEntropy(input, target) can take the fused path: float32 logits of at least one
 * dim with a non-empty class dim (0 for [C], 1 otherwise) and int32 targets (no weight or
 * label smoothing, target shape already checked: the caller does both).
 */
export function fusable(input: Tensor, target: Tensor): boolean {
  if (input.dtype !== 'float32' || target.dtype !== 'int32' || input.dim() === 0) return false;
  return input._shape[input.dim() === 1 ? 0 : 1]! > 0;
}

/** The cross-entropy loss; targets already checked (shape, range) by the caller. Strided operands are copied first (the input's copy recorded). */
export function crossEntropyFused(input: Tensor, target: Tensor, red: LossReduction, ignoreIndex: number): Tensor {
  input = V.contiguous(input);
  target = V.contiguous(target);
  // [n, c, inner] around the class dim: [C] is one row, [N, C, d1, ...] has inner = d1 * d2 ...
  const cd = input.dim() === 1 ? 0 : 1;
  const shape = input._shape.slice();
  const n = cd === 0 ? 1 : shape[0]!, C = shape[cd]!;
  let inner = 1;
  for (let i = cd + 1; i < shape.length; i++) inner *= shape[i]!;
  const logProbs = emptyUninit(shape.slice(), 'float32');  // log_softmax(input), every element written
  const out = emptyUninit(red === 'none' ? target._shape.slice() : [], 'float32');
  encodeCrossEntropy(n, C, ignoreIndex, REDUCTION[red], input._offset, target._offset, 1, inner);
  native.crossEntropyForward(meta, input._data as Float32Array, target._data as Int32Array, logProbs._data as Float32Array, out._data as Float32Array);
  // The logits are not saved (PyTorch saves log_softmax's result, not its input), so an in-place
  // change to them after the loss is allowed; createGraph's path needs only their place in the
  // graph as it was here. target is saved, so an in-place change to it is refused, as in PyTorch.
  const logits = input.gradFn === null ? input : graphPlaceOf(input);
  // A leaf's .grad may keep dx itself (a new tensor nothing else holds) instead of a copy.
  const leaf = input.gradFn === null ? input : null;
  return record('NllLossBackward0', out, [input], [logProbs, target], (g, [lp, t]) => {
    if (isGradEnabled()) return [composedGrad(softmaxOf(logits, E.exp(lp!), cd), t!, g, red, ignoreIndex, cd)];
    const dx = emptyUninit(shape.slice(), 'float32');
    // Per-position gradients (reduction none) as one strided row [n * inner]: a 1-D g keeps
    // its stride, anything else is made contiguous.
    const gc = red === 'none' && g.dim() > 1 ? V.contiguous(g) : g;
    const gStride = red === 'none' && gc.dim() === 1 ? gc._strides[0]! : 1;
    encodeCrossEntropy(n, C, ignoreIndex, REDUCTION[red], gc._offset, t!._offset, gStride, inner);
    native.crossEntropyBackward(meta, lp!._data as Float32Array, t!._data as Int32Array, gc._data as Float32Array, dx._data as Float32Array);
    return [leaf ? freshGrad(leaf, dx) : dx];
  });
}

/** A tensor standing for `x` in the graph (x's gradFn now), whose storage is x's: never read. */
function graphPlaceOf(x: Tensor): Tensor {
  const place = new Tensor(x._box, x._shape, x._strides, x._offset, x.dtype);
  place.gradFn = x.gradFn;
  place._requiresGrad = x._requiresGrad;
  return place;
}

/** `probs` (softmax of the logits over dim cd, from the forward) recorded as softmax(logits), so it is differentiable in them to any order. */
function softmaxOf(logits: Tensor, probs: Tensor, cd: number): Tensor {
  const p = new Tensor(probs._box, probs._shape, probs._strides, probs._offset, 'float32');
  // d softmax: s * (gg - sum(gg * s)) over the class dim, with s this node's own (recorded) output.
  return record('SoftmaxBackward0', p, [logits], [p], (gg, [s]) => [E.mul(s!, E.sub(gg, sum(E.mul(gg, s!), cd, true)))]);
}

/** (p - onehot(t)) * g per position for p = softmax(logits) over dim cd, zero where ignored, / kept positions under 'mean': differentiable in the logits and g. */
function composedGrad(p: Tensor, target: Tensor, g: Tensor, red: LossReduction, ignoreIndex: number, cd: number): Tensor {
  const C = p._shape[cd]!;
  const keep = E.ne(target, ignoreIndex);
  // The class index along dim cd, shaped [C, 1, ...] to broadcast against target unsqueezed there.
  const classes = empty([C, ...new Array<number>(Math.max(p.dim() - 2, 0)).fill(1)], 'int32');
  for (let i = 0; i < C; i++) classes._data[i] = i;
  const onehot = toDType(E.eq(V.unsqueeze(E.where(keep, target, 0), cd), classes), 'float32');
  const keepF = toDType(keep, 'float32');
  let w = E.mul(red === 'none' ? g : V.reshape(g, [[]]), keepF);  // target's shape
  if (red === 'mean') w = E.div(w, sum(keepF));
  return E.mul(E.sub(p, onehot), V.unsqueeze(w, cd));
}
