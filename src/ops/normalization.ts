// layerNorm (over the trailing dims) and embedding (rows of a weight picked by an index tensor
// of any shape), forward beside backward. layerNorm is one fused native call each way
// (cpp/kernels/layernorm.cpp; the backward is PyTorch's closed form from the saved mean and
// 1/σ); under createGraph the backward is written with the ops from the saved input instead,
// so its own derivative is exact too.
import { freshGrad } from '../autograd/accumulate.js';
import { isGradEnabled, noGrad } from '../autograd/grad_mode.js';
import { encodeLayerNorm, meta } from '../call.js';
import { describe, fmtShape, rangeError, typeError } from '../errors.js';
import { native } from '../native.js';
import { sameShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { emptyUninit, expectTensor, record } from './base.js';
import * as E from './elementwise.js';
import * as R from './reduce.js';
import * as V from './views.js';

function checkNormalizedShape(x: Tensor, normalizedShape: unknown): number[] {
  const shape = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape;
  if (!Array.isArray(shape) || shape.length === 0 || !shape.every((s) => Number.isInteger(s) && s >= 0))
    throw typeError('layerNorm', `normalizedShape must be a positive integer or a non-empty list of them, got ${describe(normalizedShape)}`);
  const tail = x._shape.slice(x.dim() - shape.length);
  if (shape.length > x.dim() || !sameShape(tail, shape))
    throw rangeError('layerNorm', `Given normalized_shape=${fmtShape(shape)}, expected input with shape [*, ${shape.join(', ')}], but got input of size ${fmtShape(x._shape)}`);
  return shape;
}

function affineOperand(name: string, t: Tensor | null | undefined, shape: number[]): Tensor | null {
  if (t == null) return null;
  t = expectTensor('layerNorm', t, name);
  if (!sameShape(t._shape, shape))
    throw rangeError('layerNorm', `${name} of shape ${fmtShape(t._shape)} does not match normalizedShape ${fmtShape(shape)}`);
  return t;
}

/** (x − mean) / √(var + eps) over the trailing `normalizedShape` dims, then · weight + bias. */
export function layerNorm(x: Tensor, normalizedShape: number | number[], weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor {
  x = expectTensor('layerNorm', x, 'input');
  if (x.dtype !== 'float32') throw typeError('layerNorm', `expected a float32 input, got ${x.dtype}`);
  if (typeof eps !== 'number' || !(eps >= 0)) throw rangeError('layerNorm', `eps must be a number >= 0, got ${describe(eps)}`);
  const shape = checkNormalizedShape(x, normalizedShape);
  const w = affineOperand('weight', weight, shape), b = affineOperand('bias', bias, shape);
  for (const [name, t] of [['weight', w], ['bias', b]] as const)
    if (t && t.dtype !== 'float32') throw typeError('layerNorm', `expected a float32 ${name}, got ${t.dtype}`);
  const d = shape.reduce((p, s) => p * s, 1);
  const rows = d === 0 ? x._shape.slice(0, x.dim() - shape.length).reduce((p, s) => p * s, 1) : x.numel() / d;
  const [y, mean, rstd] = noGrad(() => layerNormForward(x, w, b, rows, d, eps));
  return record('NativeLayerNormBackward0', y, [x, w, b], [x, w, mean, rstd], (g, [x0, w0, m, rs], needs) => {
    if (!isGradEnabled()) return layerNormBackward(g, x0!, w0, m!, rs!, needs, shape, rows, d, [x, w, b]);
    // Under createGraph: the closed form written with the ops, x̂ and 1/σ recomputed as recorded
    // functions of x, so second derivatives see them.
    const dims = shape.map((_, i) => x0!.dim() - shape.length + i);
    const centered = E.sub(x0!, R.mean(x0!, dims, true));
    const inv = E.rsqrt(E.add(R.mean(E.square(centered), dims, true), eps));
    const xh = E.mul(centered, inv);
    const gxhat = w0 ? E.mul(g, w0) : g;
    // dx = (1/σ) (ĝ − mean(ĝ) − x̂ · mean(ĝ x̂)), the means over the normalized dims.
    const dx = needs[0]
      ? E.mul(inv, E.sub(E.sub(gxhat, R.mean(gxhat, dims, true)), E.mul(xh, R.mean(E.mul(gxhat, xh), dims, true))))
      : null;
    // The engine sums these over the leading (broadcast) dims down to weight's and bias's shape.
    return [dx, needs[1] ? E.mul(g, xh) : null, needs[2] ? g : null];
  });
}

// One native call (cpp/kernels/layernorm.cpp) over x as [rows, d]: y, and the per-row mean
// and 1/σ [rows] the backward reads.
function layerNormForward(x: Tensor, w: Tensor | null, b: Tensor | null, rows: number, d: number, eps: number): [Tensor, Tensor, Tensor] {
  const xc = V.contiguous(x), wc = w && V.contiguous(w), bc = b && V.contiguous(b);
  const y = emptyUninit(x._shape.slice(), 'float32');
  const mean = emptyUninit([rows], 'float32'), rstd = emptyUninit([rows], 'float32');
  encodeLayerNorm(rows, d, eps, [xc._offset, wc?._offset ?? 0, bc?._offset ?? 0]);
  native.layerNorm(meta, xc._data as Float32Array, wc?._data as Float32Array | undefined, bc?._data as Float32Array | undefined,
    y._data as Float32Array, mean._data as Float32Array, rstd._data as Float32Array);
  return [y, mean, rstd];
}

// The gradients of x, weight and bias that `needs` asks for, in one native call.
// The results are new tensors no graph has seen: one going straight into a leaf input's empty
// .grad is kept there, not copied (freshGrad).
function layerNormBackward(
  g: Tensor, x: Tensor, w: Tensor | null, mean: Tensor, rstd: Tensor, needs: readonly boolean[], shape: number[], rows: number, d: number,
  inputs: readonly (Tensor | null)[],
): (Tensor | null)[] {
  const gc = V.contiguous(g), xc = V.contiguous(x), wc = w && V.contiguous(w);
  const dx = needs[0] ? emptyUninit(x._shape.slice(), 'float32') : null;
  const dw = needs[1] ? emptyUninit(shape.slice(), 'float32') : null;
  const db = needs[2] ? emptyUninit(shape.slice(), 'float32') : null;
  encodeLayerNorm(rows, d, 0, [gc._offset, xc._offset, mean._offset, rstd._offset, wc?._offset ?? 0]);
  native.layerNormBackward(meta, gc._data as Float32Array, xc._data as Float32Array, mean._data as Float32Array, rstd._data as Float32Array,
    wc?._data as Float32Array | undefined, dx?._data as Float32Array | undefined, dw?._data as Float32Array | undefined, db?._data as Float32Array | undefined);
  return [dx, dw, db].map((t, i) => (t && inputs[i]!.gradFn === null ? freshGrad(inputs[i]!, t) : t));
}

/** Rows of `weight` [num, dim] at `input` (int32, any shape): [...input.shape, dim]. Rows at `paddingIdx` get no gradient. */
export function embedding(input: Tensor, weight: Tensor, paddingIdx: number | null = null): Tensor {
  input = expectTensor('embedding', input, 'input');
  weight = expectTensor('embedding', weight, 'weight');
  if (input.dtype !== 'int32') throw typeError('embedding', `input must be an int32 tensor of indices, got ${input.dtype}`);
  if (weight.dim() !== 2) throw rangeError('embedding', `weight must be 2-D [num, dim], got shape ${fmtShape(weight._shape)}`);
  const [num, dim] = weight._shape as [number, number];
  const pad = paddingIndexOf('embedding', paddingIdx, num);
  const flat = V.reshape(input, [[-1]]);
  // PyTorch's rule (no negative index, unlike paddingIdx), checked here so the error names embedding.
  const at = V.contiguousData(flat);
  for (let i = 0; i < at.length; i++)
    if (at[i]! < 0 || at[i]! >= num) throw rangeError('embedding', `index out of range in self: index ${at[i]} with ${num} embeddings`);
  const rows = noGrad(() => V.indexSelect(weight, 0, flat));
  const y = noGrad(() => V.reshape(rows, [[...input._shape, dim]]));
  const n = flat.numel();
  return record('EmbeddingBackward0', y, [weight], [flat], (g, [ix]) => {
    // [n, dim], not [-1, dim]: dim may be 0.
    let g2 = V.reshape(g, [[n, dim]]);
    if (pad !== null) g2 = E.where(V.unsqueeze(E.eq(ix!, pad), 1), 0, g2);
    return [V.indexAddInto(g2, [num, dim], 0, ix!)];
  });
}

/** paddingIdx as a row in [0, num), negative counting from the end (PyTorch's rule), or null. */
export function paddingIndexOf(op: string, paddingIdx: unknown, num: number): number | null {
  if (paddingIdx == null) return null;
  if (typeof paddingIdx !== 'number' || !Number.isInteger(paddingIdx) || paddingIdx >= num || paddingIdx < -num)
    throw rangeError(op, `paddingIdx must be within num_embeddings (${num}), got ${describe(paddingIdx)}`);
  return paddingIdx < 0 ? paddingIdx + num : paddingIdx;
}

/**
 * Batch normalization of x [N, C, ...] over every dim but the channels (dim 1). In training (or
 * without running statistics) it uses the batch's mean and biased variance, and updates
 * runningMean / runningVar in place with `momentum` (the unbiased variance, as PyTorch); in eval
 * it uses the running statistics. Composed from the ops, so its backward is theirs.
 */
export function batchNorm(
  x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, weight: Tensor | null = null, bias: Tensor | null = null,
  training = false, momentum = 0.1, eps = 1e-5,
): Tensor {
  const op = 'batchNorm';
  x = expectTensor(op, x, 'input');
  if (x.dtype !== 'float32') throw typeError(op, `expected a float32 input, got ${x.dtype}`);
  if (x.dim() < 2) throw rangeError(op, `expected an input of at least 2 dims [N, C, ...], got shape ${fmtShape(x._shape)}`);
  const C = x._shape[1]!;
  const per = (t: Tensor | null, what: string) => {
    if (t === null) return null;
    t = expectTensor(op, t, what);
    if (t.dim() !== 1 || t._shape[0] !== C) throw rangeError(op, `${what} must be [${C}] (the input's channels), got shape ${fmtShape(t._shape)}`);
    return t;
  };
  const rm = per(runningMean, 'runningMean'), rv = per(runningVar, 'runningVar');
  const w = per(weight, 'weight'), b = per(bias, 'bias');
  if (typeof eps !== 'number' || !(eps >= 0)) throw rangeError(op, `eps must be a number >= 0, got ${describe(eps)}`);
  const dims = x._shape.map((_, i) => i).filter((i) => i !== 1);
  const asChannels = (t: Tensor) => V.reshape(t, [x._shape.map((s, i) => (i === 1 ? C : 1))]);
  let mean: Tensor, variance: Tensor;
  if (training || rm === null || rv === null) {
    const count = x.numel() / Math.max(C, 1);
    if (training && count <= 1) throw rangeError(op, `Expected more than 1 value per channel when training, got input size ${fmtShape(x._shape)}`);
    mean = R.mean(x, dims, true);
    variance = R.mean(E.square(E.sub(x, mean)), dims, true);
    if (training && rm !== null && rv !== null)
      noGrad(() => {
        const unbiased = E.mul(V.reshape(variance, [[C]]), count / (count - 1));
        rm.mul_(1 - momentum).add_(E.mul(V.reshape(mean, [[C]]), momentum));
        rv.mul_(1 - momentum).add_(E.mul(unbiased, momentum));
      });
  } else {
    mean = asChannels(rm);
    variance = asChannels(rv);
  }
  let y = E.mul(E.sub(x, mean), E.rsqrt(E.add(variance, eps)));
  if (w) y = E.mul(y, asChannels(w));
  if (b) y = E.add(y, asChannels(b));
  return y;
}

/** Group normalization of x [N, C, ...]: the channels split into `numGroups` groups, each normalized over its channels and the spatial dims, then · weight[c] + bias[c]. */
export function groupNorm(x: Tensor, numGroups: number, weight: Tensor | null = null, bias: Tensor | null = null, eps = 1e-5): Tensor {
  const op = 'groupNorm';
  x = expectTensor(op, x, 'input');
  if (x.dim() < 2) throw rangeError(op, `expected an input of at least 2 dims [N, C, ...], got shape ${fmtShape(x._shape)}`);
  const [N, C] = x._shape as [number, number];
  if (!Number.isInteger(numGroups) || numGroups < 1 || C % numGroups !== 0)
    throw rangeError(op, `Expected number of channels in input to be divisible by num_groups, but got input of shape ${fmtShape(x._shape)} and num_groups=${describe(numGroups)}`);
  const per = (t: Tensor | null, what: string) => {
    if (t === null) return null;
    t = expectTensor(op, t, what);
    if (t.dim() !== 1 || t._shape[0] !== C) throw rangeError(op, `${what} must be [${C}] (the input's channels), got shape ${fmtShape(t._shape)}`);
    return V.reshape(t, [x._shape.map((s, i) => (i === 1 ? C : 1))]);
  };
  const w = per(weight, 'weight'), b = per(bias, 'bias');
  // Each group is one row of [N, groups, C / groups · spatial]: a layer norm over that row.
  const grouped = V.reshape(x, [[N, numGroups, -1]]);
  let y = V.reshape(layerNorm(grouped, grouped._shape[2]!, null, null, eps), [x._shape]);
  if (w) y = E.mul(y, w);
  if (b) y = E.add(y, b);
  return y;
}
