// nn.functional (also tg.F): activations, dropout and losses as functions, composed from the
// tensor ops (whose backward is already declared beside each forward), following PyTorch 1.13's
// formulas — including how each loss's 'mean' normalizes.
import { describe, fmtShape, rangeError, typeError } from '../errors.js';
import { dropoutMask } from '../ops/random.js';
import { expectTensor } from '../ops/base.js';
import * as A from '../ops/attention.js';
import * as C from '../ops/conv.js';
import type { ConvOptions, PoolOptions } from '../ops/conv.js';
import type { AttentionOptions } from '../ops/attention.js';
import * as E from '../ops/elementwise.js';
import { toDType } from '../ops/elementwise_kernels.js';
import { oneHot as oneHotOp } from '../ops/indexing.js';
import * as L from '../ops/linalg.js';
import * as N from '../ops/normalization.js';
import { crossEntropyFused, fusable } from '../ops/loss.js';
import * as R from '../ops/reduce.js';
import * as S from '../ops/softmax.js';
import * as U from '../ops/unfold.js';
import type { UnfoldOptions } from '../ops/unfold.js';
import * as V from '../ops/views.js';
import type { Tensor, ValuesIndices } from '../tensor.js';
import { optionsOf } from '../options.js';

/** How a loss combines its per-element values: their mean, their sum, or none (one loss per element). */
export type Reduction = 'mean' | 'sum' | 'none';

/** The option every loss function takes. */
export interface ReductionOptions {
  /** 'mean' (default), 'sum' or 'none'. */
  reduction?: Reduction;
}

function reductionOf(op: string, r: unknown): Reduction {
  if (r === undefined) return 'mean';
  if (r !== 'mean' && r !== 'sum' && r !== 'none') throw typeError(op, `${describe(r)} is not a valid value for reduction ('mean', 'sum' or 'none')`);
  return r;
}

function reduce(x: Tensor, r: Reduction): Tensor {
  return r === 'none' ? x : r === 'sum' ? R.sum(x) : R.mean(x);
}

// ---- layers and activations -------------------------------------------------------------------

/** y = x @ weight.T + bias; x [..., in], weight [out, in], bias [out]. */
export function linear(input: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  return L.linear(input, weight, bias ?? null);
}

/** Elementwise max(x, 0). */
export const relu = (x: Tensor): Tensor => E.relu(x);
/** Elementwise x for x > 0, negativeSlope·x otherwise. */
export const leakyRelu = (x: Tensor, negativeSlope = 0.01): Tensor => E.leakyRelu(x, negativeSlope);
/** Elementwise exact (erf) GELU, x·Φ(x). */
export const gelu = (x: Tensor): Tensor => E.gelu(x);
/** Elementwise 1 / (1 + e⁻ˣ). */
export const sigmoid = (x: Tensor): Tensor => E.sigmoid(x);
/** Elementwise hyperbolic tangent. */
export const tanh = (x: Tensor): Tensor => E.tanh(x);
/** Elementwise log(1 + eˣ). */
export const softplus = (x: Tensor): Tensor => E.softplus(x);
/** exp(x) normalised to sum to 1 along `dim`. */
export const softmax = (x: Tensor, dim: number): Tensor => S.softmax(x, dim);
/** log(softmax(x)) along `dim`, computed stably. */
export const logSoftmax = (x: Tensor, dim: number): Tensor => S.logSoftmax(x, dim);
/** One-hot encoding of integer class labels; numClasses −1 means max(labels) + 1. */
export const oneHot = (labels: Tensor, numClasses = -1): Tensor => oneHotOp(labels, numClasses);

/**
 * Zeroes each element with probability p and scales the rest by 1/(1-p) while training; the
 * identity otherwise. The mask is drawn from the stream tg.rand draws from, so tg.manualSeed makes it reproducible.
 */
export function dropout(x: Tensor, p = 0.5, training = true): Tensor {
  x = expectTensor('dropout', x, 'input');
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw rangeError('dropout', `dropout probability has to be between 0 and 1, but got ${describe(p)}`);
  if (!training || p === 0) return x;
  if (p === 1) return E.mul(x, 0);
  // Keep where u < 1 - p (PyTorch's bernoulli_(1 - p)); the mask carries the 1/(1-p) scale.
  return E.mul(x, dropoutMask(x._shape.slice(), 1 - p));
}

// ---- regression losses ------------------------------------------------------------------------

function pair(op: string, input: unknown, target: unknown): [Tensor, Tensor] {
  const i = expectTensor(op, input, 'input'), t = expectTensor(op, target, 'target');
  if (i._shape.length !== t._shape.length || i._shape.some((s, k) => s !== t._shape[k]))
    throw rangeError(op, `input shape ${fmtShape(i._shape)} and target shape ${fmtShape(t._shape)} must be equal (broadcasting in a loss is almost always a bug)`);
  return [i, t.dtype === 'float32' ? t : toDType(t, 'float32')];
}

/** Mean squared error, (input − target)², reduced as `opts.reduction` says. */
export function mseLoss(input: Tensor, target: Tensor, opts: ReductionOptions = {}): Tensor {
  opts = optionsOf('mseLoss', opts);
  const [i, t] = pair('mseLoss', input, target);
  return reduce(E.square(E.sub(i, t)), reductionOf('mseLoss', opts.reduction));
}

/** Mean absolute error, |input − target|, reduced as `opts.reduction` says. */
export function l1Loss(input: Tensor, target: Tensor, opts: ReductionOptions = {}): Tensor {
  opts = optionsOf('l1Loss', opts);
  const [i, t] = pair('l1Loss', input, target);
  return reduce(E.abs(E.sub(i, t)), reductionOf('l1Loss', opts.reduction));
}

/** 0.5 d² where |d| < delta, else delta (|d| - 0.5 delta). */
export function huberLoss(input: Tensor, target: Tensor, opts: ReductionOptions & { delta?: number } = {}): Tensor {
  opts = optionsOf('huberLoss', opts);
  const [i, t] = pair('huberLoss', input, target);
  const delta = opts.delta ?? 1;
  if (typeof delta !== 'number' || !(delta > 0)) throw rangeError('huberLoss', `delta must be positive, got ${describe(delta)}`);
  const d = E.sub(i, t), z = E.abs(d);
  const loss = E.where(E.lt(z, delta), E.mul(E.square(d), 0.5), E.mul(E.sub(z, 0.5 * delta), delta));
  return reduce(loss, reductionOf('huberLoss', opts.reduction));
}

/** 0.5 d² / beta where |d| < beta, else |d| - 0.5 beta (beta = 0: the L1 loss). */
export function smoothL1Loss(input: Tensor, target: Tensor, opts: ReductionOptions & { beta?: number } = {}): Tensor {
  opts = optionsOf('smoothL1Loss', opts);
  const [i, t] = pair('smoothL1Loss', input, target);
  const beta = opts.beta ?? 1;
  if (typeof beta !== 'number' || !(beta >= 0)) throw rangeError('smoothL1Loss', `beta must be non-negative, got ${describe(beta)}`);
  const d = E.sub(i, t), z = E.abs(d);
  const loss = beta === 0 ? z : E.where(E.lt(z, beta), E.div(E.mul(E.square(d), 0.5), beta), E.sub(z, 0.5 * beta));
  return reduce(loss, reductionOf('smoothL1Loss', opts.reduction));
}

// ---- classification losses --------------------------------------------------------------------

/** Options of nllLoss(). */
export interface NllOptions extends ReductionOptions {
  /** Per-class weights (BCE: per-element weights, broadcast to the input). */
  weight?: Tensor | null;
  /** Targets equal to this class index are skipped (default −100). */
  ignoreIndex?: number;
}

/** Options of crossEntropy(). */
export interface CrossEntropyOptions extends NllOptions {
  /** Weight in [0, 1] moved from the target class to a uniform distribution (default 0). */
  labelSmoothing?: number;
}

/** Class dim of [C] (0) or [N, C, d...] (1) inputs, after checking the rank. */
function classDim(op: string, input: Tensor): number {
  if (input.dim() === 0) throw rangeError(op, 'input must be [C], [N, C] or [N, C, d1, ...], got a 0-d tensor');
  return input.dim() === 1 ? 0 : 1;
}

function checkWeight(op: string, weight: Tensor | null | undefined, C: number): Tensor | null {
  if (weight == null) return null;
  const w = expectTensor(op, weight, 'weight');
  if (w.dim() !== 1 || w._shape[0] !== C)
    throw rangeError(op, `weight tensor should be defined either for all ${C} classes or no classes but got weight tensor of shape: ${fmtShape(w._shape)}`);
  return w.dtype === 'float32' ? w : toDType(w, 'float32');
}

/** Checks an index target's shape against the input's ([N, C, d...] -> [N, d...]) and, unless `range` is false (the fused kernel checks it), its range. */
function checkIndexTarget(op: string, input: Tensor, target: Tensor, cd: number, ignoreIndex: number, range = true): void {
  const want = input._shape.filter((_, k) => k !== cd);
  if (target._shape.length !== want.length || target._shape.some((s, k) => s !== want[k]))
    throw rangeError(op, `target shape ${fmtShape(target._shape)} does not match input shape ${fmtShape(input._shape)} (expected ${fmtShape(want)})`);
  if (!range) return;
  const C = input._shape[cd]!;
  // Read through the storage, not toTypedArray(): a check that only throws, so a compiled step
  // (src/jit) may trace it; its replays are still bounds-checked by the gather kernel.
  const tc = V.contiguous(target), t = tc._data, at = tc._offset, n = tc.numel();
  for (let k = 0; k < n; k++) {
    const v = t[at + k]!;
    if (v !== ignoreIndex && (v < 0 || v >= C)) throw rangeError(op, `Target ${v} is out of bounds (${C} classes).`);
  }
}

/** (−w[t] · logp[t]) per position with ignored positions zero, and the per-position weights. */
function nllTerms(logp: Tensor, target: Tensor, cd: number, weight: Tensor | null, ignoreIndex: number): [Tensor, Tensor] {
  const keep = E.ne(target, ignoreIndex);
  const safe = E.where(keep, target, 0);
  const picked = V.squeeze(E.neg(logp).gather(cd, V.unsqueeze(safe, cd)), cd);
  const keepF = toDType(keep, 'float32');
  const w = weight ? E.mul(V.reshape(V.indexSelect(weight, 0, V.reshape(safe, [[-1]])), [safe._shape]), keepF) : keepF;
  return [E.mul(picked, w), w];
}

function nllFromLogp(op: string, logp: Tensor, target: Tensor, opts: NllOptions): Tensor {
  const cd = classDim(op, logp);
  const red = reductionOf(op, opts.reduction);
  const ignoreIndex = opts.ignoreIndex ?? -100;
  if (target.dtype !== 'int32') throw typeError(op, `target must be int32 class indices, got ${target.dtype}`);
  checkIndexTarget(op, logp, target, cd, ignoreIndex);
  const weight = checkWeight(op, opts.weight, logp._shape[cd]!);
  const [loss, w] = nllTerms(logp, target, cd, weight, ignoreIndex);
  if (red === 'none') return loss;
  if (red === 'sum') return R.sum(loss);
  // 'mean': divided by the total weight of the non-ignored targets (NaN when all are ignored).
  return E.div(R.sum(loss), R.sum(w));
}

/** The negative log-likelihood of log-probabilities `input` [N, C, ...] at int32 `target`. */
export function nllLoss(input: Tensor, target: Tensor, opts: NllOptions = {}): Tensor {
  opts = optionsOf('nllLoss', opts);
  input = expectTensor('nllLoss', input, 'input');
  target = expectTensor('nllLoss', target, 'target');
  return nllFromLogp('nllLoss', input, target, opts);
}

/**
 * Cross-entropy of raw logits `input` ([C], [N, C] or [N, C, d...]) against int32 class
 * indices or float class probabilities (same shape as input), PyTorch 1.13's formulas:
 * indices: (1 - ε) nll + ε/C · smooth, smooth = −Σ_c w_c logp_c, both normalized by the
 * weight of the non-ignored targets under 'mean'; probabilities: −Σ w_c t_c logp_c with the
 * smoothed target t(1 - ε) + ε/C, 'mean' dividing by the number of positions (numel / C).
 */
export function crossEntropy(input: Tensor, target: Tensor, opts: CrossEntropyOptions = {}): Tensor {
  opts = optionsOf('crossEntropy', opts);
  const op = 'crossEntropy';
  input = expectTensor(op, input, 'input');
  target = expectTensor(op, target, 'target');
  const cd = classDim(op, input);
  const C = input._shape[cd]!;
  const red = reductionOf(op, opts.reduction);
  const eps = opts.labelSmoothing ?? 0;
  if (typeof eps !== 'number' || !(eps >= 0 && eps <= 1)) throw rangeError(op, `label_smoothing must be between 0.0 and 1.0. Got: ${describe(eps)}`);
  const weight = checkWeight(op, opts.weight, C);
  // The common case (float32 [C], [N, C] or [N, C, d1, ...] logits, class indices, no weight,
  // no smoothing) in one native call each way (src/ops/loss.ts); the same checks, values and
  // gradients.
  const ignore = opts.ignoreIndex ?? -100;
  if (weight === null && eps === 0 && Number.isSafeInteger(ignore) && fusable(input, target)) {
    const ignoreIndex = ignore;
    checkIndexTarget(op, input, target, cd, ignoreIndex, false);  // the kernel checks the range
    return crossEntropyFused(input, target, red, ignoreIndex);
  }
  const logp = S.logSoftmax(input, cd);
  // Weight shaped to broadcast along the class dim: [C] for [C] input, [1, C, 1...] otherwise.
  const wView = weight && (cd === 0 ? weight : V.reshape(weight, [input._shape.map((s, k) => (k === cd ? s : 1))]));

  if (target.dtype === 'float32') {
    if (target._shape.length !== input._shape.length || target._shape.some((s, k) => s !== input._shape[k]))
      throw rangeError(op, `class-probability target shape ${fmtShape(target._shape)} must equal input shape ${fmtShape(input._shape)}`);
    const t = eps > 0 ? E.add(E.mul(target, 1 - eps), eps / C) : target;
    let terms = E.mul(logp, t);
    if (wView) terms = E.mul(terms, wView);
    if (red === 'none') return E.neg(R.sum(terms, cd));
    if (red === 'sum') return E.neg(R.sum(terms));
    return E.div(E.neg(R.sum(terms)), input.numel() / C);
  }
  if (target.dtype !== 'int32') throw typeError(op, `target must be int32 class indices or float32 probabilities, got ${target.dtype}`);
  const ignoreIndex = opts.ignoreIndex ?? -100;
  checkIndexTarget(op, input, target, cd, ignoreIndex);
  const [nll, w] = nllTerms(logp, target, cd, weight, ignoreIndex);
  const nllRed = red === 'none' ? nll : red === 'sum' ? R.sum(nll) : E.div(R.sum(nll), R.sum(w));
  if (eps === 0) return nllRed;
  // The smoothing term: -Σ_c w_c logp_c per position, zero where the target is ignored.
  const keepF = toDType(E.ne(target, ignoreIndex), 'float32');
  const smooth = E.mul(E.neg(R.sum(wView ? E.mul(logp, wView) : logp, cd)), keepF);
  // 'mean' divides by Σ w[t] over kept targets (with weight) or by their count (without).
  const smoothRed = red === 'none' ? smooth : red === 'sum' ? R.sum(smooth) : E.div(R.sum(smooth), R.sum(w));
  return E.add(E.mul(nllRed, 1 - eps), E.mul(smoothRed, eps / C));
}

/** Options of binaryCrossEntropy(). */
export interface BceOptions extends ReductionOptions {
  /** Per-class weights (BCE: per-element weights, broadcast to the input). */
  weight?: Tensor | null;
}

/** −w (t log x + (1 − t) log(1 − x)), each log clamped to ≥ −100 as PyTorch does. */
export function binaryCrossEntropy(input: Tensor, target: Tensor, opts: BceOptions = {}): Tensor {
  opts = optionsOf('binaryCrossEntropy', opts);
  const op = 'binaryCrossEntropy';
  const [x, t] = pair(op, input, target);
  // PyTorch refuses probabilities outside [0, 1] rather than returning NaN.
  const xs = x.toTypedArray();
  for (let i = 0; i < xs.length; i++)
    if (!(xs[i]! >= 0 && xs[i]! <= 1)) throw rangeError(op, `all elements of input should be between 0 and 1 (got ${xs[i]} in input of shape ${fmtShape(x._shape)})`);
  const logX = E.clamp(E.log(x), -100, null);
  const log1mX = E.clamp(E.log(E.sub(1, x)), -100, null);
  let loss = E.neg(E.add(E.mul(t, logX), E.mul(E.sub(1, t), log1mX)));
  if (opts.weight != null) loss = E.mul(loss, expectTensor(op, opts.weight, 'weight'));
  return reduce(loss, reductionOf(op, opts.reduction));
}

/** Options of binaryCrossEntropyWithLogits(). */
export interface BceLogitsOptions extends BceOptions {
  /** Weight of the positive examples, per class (broadcast along the last dim). */
  posWeight?: Tensor | null;
}

/**
 * The stable form of BCE on logits: (1 − t) x + lw · (log(e^{−m} + e^{−x−m}) + m) with
 * m = max(−x, 0) and lw = 1 + (posWeight − 1) t (PyTorch 1.13's binary_cross_entropy_with_logits).
 */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, opts: BceLogitsOptions = {}): Tensor {
  opts = optionsOf('binaryCrossEntropyWithLogits', opts);
  const op = 'binaryCrossEntropyWithLogits';
  const [x, t] = pair(op, input, target);
  const m = E.relu(E.neg(x));
  const softplusNegX = E.add(E.log(E.add(E.exp(E.neg(m)), E.exp(E.sub(E.neg(x), m)))), m);
  const lw = opts.posWeight != null ? E.add(E.mul(E.sub(expectTensor(op, opts.posWeight, 'posWeight'), 1), t), 1) : null;
  let loss = E.add(E.mul(E.sub(1, t), x), lw ? E.mul(lw, softplusNegX) : softplusNegX);
  if (opts.weight != null) loss = E.mul(loss, expectTensor(op, opts.weight, 'weight'));
  return reduce(loss, reductionOf(op, opts.reduction));
}

// ---- normalization and embeddings --------------------------------------------------------------
/** Layer normalization over the trailing `normalizedShape` dims: (x − mean) / √(var + eps) · weight + bias. */
export function layerNorm(input: Tensor, normalizedShape: number | number[], weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor {
  return N.layerNorm(input, normalizedShape, weight, bias, eps);
}

/** Rows of `weight` [num, dim] picked by the int32 indices `input` (any shape): [...input.shape, dim]. Rows at `paddingIdx` get no gradient. */
export function embedding(input: Tensor, weight: Tensor, paddingIdx: number | null = null): Tensor {
  return N.embedding(input, weight, paddingIdx);
}

/** softmax(q kᵀ · scale + mask) v over the last two dims (PyTorch 2's F.scaled_dot_product_attention): `attnMask` bool (true = attend) or float (added), `isCausal`, `dropoutP`, `scale`. */
export function scaledDotProductAttention(query: Tensor, key: Tensor, value: Tensor, opts: AttentionOptions = {}): Tensor {
  return A.scaledDotProductAttention(query, key, value, opts);
}
export type { AttentionOptions } from '../ops/attention.js';

// ---- convolution and pooling (NCHW) -------------------------------------------------------------
export type { ConvOptions, PoolOptions } from '../ops/conv.js';
/** 2-D convolution: input [N, C, H, W] (or [C, H, W]), weight [O, C / groups, kh, kw], bias [O]; `stride`, `padding` (number, pair, 'valid', 'same'), `dilation`, `groups`. */
export function conv2d(input: Tensor, weight: Tensor, bias: Tensor | null = null, opts: ConvOptions = {}): Tensor {
  return C.conv2d(input, weight, bias, opts);
}
/** 1-D convolution: input [N, C, L] (or [C, L]), weight [O, C / groups, k], bias [O]; options as conv2d's. */
export function conv1d(input: Tensor, weight: Tensor, bias: Tensor | null = null, opts: ConvOptions = {}): Tensor {
  return C.conv1d(input, weight, bias, opts);
}
/** Max over windows: input [N, C, H, W] (or [C, H, W]); `stride` (default kernelSize), `padding`, `dilation`, `ceilMode`. */
export function maxPool2d(input: Tensor, kernelSize: number | [number, number], opts?: PoolOptions & { returnIndices?: false }): Tensor;
/** Max over windows, and where each maximum is (h·W + w within its plane, int32). */
export function maxPool2d(input: Tensor, kernelSize: number | [number, number], opts: PoolOptions & { returnIndices: true }): ValuesIndices<'float32'>;
export function maxPool2d(input: Tensor, kernelSize: number | [number, number], opts: PoolOptions & { returnIndices?: boolean } = {}): Tensor | ValuesIndices<'float32'> {
  return C.maxPool2d(input, kernelSize, opts) as Tensor | ValuesIndices<'float32'>;
}
/** Mean over windows: input [N, C, H, W] (or [C, H, W]); `stride`, `padding`, `ceilMode`, `countIncludePad` (default true), `divisorOverride`. */
export function avgPool2d(input: Tensor, kernelSize: number | [number, number], opts: PoolOptions = {}): Tensor {
  return C.avgPool2d(input, kernelSize, opts);
}
/** Mean over the windows that divide each plane into `outputSize` cells. */
export function adaptiveAvgPool2d(input: Tensor, outputSize: number | [number, number]): Tensor {
  return C.adaptiveAvgPool2d(input, outputSize);
}

/** Batch normalization over every dim but dim 1 (channels): batch statistics when `training` (updating runningMean / runningVar in place), the running ones otherwise. */
export function batchNorm(
  input: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, weight: Tensor | null = null, bias: Tensor | null = null,
  training = false, momentum = 0.1, eps = 1e-5,
): Tensor {
  return N.batchNorm(input, runningMean, runningVar, weight, bias, training, momentum, eps);
}

/** F.pad's modes: 'constant' (with a value) or, for the last 1-3 dims of a 2-D to 5-D input, 'reflect', 'replicate' and 'circular'. */
export type PadMode = 'constant' | 'reflect' | 'replicate' | 'circular';

/**
 * Pads x: `pad` = [left, right] of the last dim, then [top, bottom] of the one before, ...;
 * negative amounts crop. Modes as PyTorch 1.13: 'constant' fills with `value` (default 0), any
 * dims; 'reflect' mirrors without repeating the edge (each amount < the dim's size), 'replicate'
 * repeats the edge, 'circular' wraps around (each amount <= the size): these pad the last 1, 2
 * or 3 dims of an input with one or two more dims (a batch and channels, or channels only) and
 * take no value.
 */
export function pad(input: Tensor, padding: number[], mode: PadMode = 'constant', value = 0): Tensor {
  if (mode === 'constant') return V.padConstant(input, padding, value);
  if (mode !== 'reflect' && mode !== 'replicate' && mode !== 'circular')
    throw rangeError('pad', `Unrecognised padding mode ${describe(mode)} (expected 'constant', 'reflect', 'replicate' or 'circular')`);
  if (value !== 0) throw rangeError('pad', `Padding mode "${mode}" doesn't take in value argument`);
  return V.padNonConstant(input, padding, mode);  // mode narrowed to V.PadMode
}

export type { UnfoldOptions } from '../ops/unfold.js';
/** The sliding kernelSize blocks of x [N, C, H, W] (or [C, H, W]) as columns [N, C·kh·kw, L] (im2col); `opts` dilation, padding, stride. */
export function unfold(input: Tensor, kernelSize: number | [number, number], opts: UnfoldOptions = {}): Tensor {
  return U.unfold(input, kernelSize, opts);
}
/** Sums block columns [N, C·kh·kw, L] (or [C·kh·kw, L]) into an image [N, C, ...outputSize] (col2im, unfold's adjoint); `opts` as unfold's. */
export function fold(input: Tensor, outputSize: number | [number, number], kernelSize: number | [number, number], opts: UnfoldOptions = {}): Tensor {
  return U.fold(input, outputSize, kernelSize, opts);
}

/** Group normalization: the channels of x [N, C, ...] in `numGroups` groups, each normalized over its channels and spatial dims, then · weight + bias per channel. */
export function groupNorm(input: Tensor, numGroups: number, weight: Tensor | null = null, bias: Tensor | null = null, eps = 1e-5): Tensor {
  return N.groupNorm(input, numGroups, weight, bias, eps);
}
