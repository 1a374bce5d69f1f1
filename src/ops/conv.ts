// Convolution and pooling over NCHW float32 (cpp/kernels/conv.cpp, pool.cpp: im2col + the GEMM,
// PyTorch's pooling loops): each forward one native call, each backward one. Each backward is
// linear in the incoming gradient (conv's in the weight and the input too), so its own
// derivative is another of these kernels: with createGraph the backward records itself as an op
// whose backward is the adjoint kernel (conv: the forward and the other gradient; avg pools: the
// forward; max pool: a gather at the saved argmax), and derivatives of any order follow.
// conv1d is conv2d over a height of 1.
import { freshGrad } from '../autograd/accumulate.js';
import { isGradEnabled } from '../autograd/grad_mode.js';
import { encodeConv, meta } from '../call.js';
import { describe, fmtShape, rangeError, typeError } from '../errors.js';
import { native } from '../native.js';
import type { Tensor } from '../tensor.js';
import { emptyUninit, expectTensor, record } from './base.js';
import { gather } from './indexing.js';
import { sum } from './reduce.js';
import * as V from './views.js';

type Pair = number | [number, number];

/** Options of conv2d / conv1d. */
export interface ConvOptions {
  /** Step of the window (default 1). */
  stride?: Pair;
  /** Zeros added on each side (default 0), or 'valid' (none) / 'same' (output as large as the input; stride 1). */
  padding?: Pair | 'valid' | 'same';
  /** Spacing of the kernel's taps (default 1). */
  dilation?: Pair;
  /** Input and output channels split into this many independent groups (default 1). */
  groups?: number;
}

/** Options of maxPool2d / avgPool2d. */
export interface PoolOptions {
  /** Step of the window (default: the kernel size). */
  stride?: Pair | null;
  /** Implicit padding on each side (-inf for max, zeros for avg). */
  padding?: Pair;
  /** Spacing of the window's taps (max only). */
  dilation?: Pair;
  /** Round the output size up (windows may start in the right/bottom padding). */
  ceilMode?: boolean;
  /** avg: count padding in the divisor (default true). */
  countIncludePad?: boolean;
  /** avg: divide by this instead of the window size. */
  divisorOverride?: number | null;
}

function pair(op: string, v: unknown, what: string, min: number): [number, number] {
  const p = typeof v === 'number' ? [v, v] : v;
  if (!Array.isArray(p) || p.length !== 2 || !p.every((e) => Number.isInteger(e) && e >= min))
    throw typeError(op, `${what} must be an integer >= ${min} or a pair of them, got ${describe(v)}`);
  return [p[0], p[1]];
}

const f32 = (t: Tensor | null | undefined) => (t ? (t._data as Float32Array) : undefined);

function checkFloat(op: string, t: Tensor, what: string): Tensor {
  if (t.dtype !== 'float32') throw typeError(op, `${what} must be float32, got ${t.dtype}`);
  return t;
}

/** A 3-D (unbatched) input as a batch of one, and how to give the result back its shape. */
function batched(op: string, x: Tensor): [Tensor, (y: Tensor) => Tensor] {
  if (x.dim() === 4) return [x, (y) => y];
  if (x.dim() === 3) return [V.unsqueeze(x, 0), (y) => V.squeeze(y, 0)];
  throw rangeError(op, `expected a 3-D (unbatched) or 4-D (batched) input, got shape ${fmtShape(x._shape)}`);
}

/** 2-D convolution of x [N, C, H, W] (or [C, H, W]) with w [O, C / groups, kh, kw], plus bias [O]. */
export function conv2d(input: Tensor, weight: Tensor, bias: Tensor | null = null, opts: ConvOptions = {}): Tensor {
  const op = 'conv2d';
  const x0 = checkFloat(op, expectTensor(op, input, 'input'), 'input');
  const w = checkFloat(op, expectTensor(op, weight, 'weight'), 'weight');
  const b = bias == null ? null : checkFloat(op, expectTensor(op, bias, 'bias'), 'bias');
  if (opts === null || typeof opts !== 'object') throw typeError(op, `options must be an object, got ${describe(opts)}`);
  if (w.dim() !== 4) throw rangeError(op, `weight must be 4-D [out, in / groups, kh, kw], got shape ${fmtShape(w._shape)}`);
  const [x, unbatch] = batched(op, x0);
  return unbatch(convolve(op, x, w, b, opts, x0._shape));
}

/** conv2d of the checked operands (x 4-D), errors naming `op` and the caller's input shape `shown`. */
function convolve(op: string, x4: Tensor, w: Tensor, b: Tensor | null, opts: ConvOptions, shown: readonly number[]): Tensor {
  let x = x4;
  const groups = opts.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1) throw typeError(op, `groups must be a positive integer, got ${describe(groups)}`);
  const C = x._shape[1]!;
  const [O, Cg, kh, kw] = w._shape as [number, number, number, number];
  if (Cg * groups !== C)
    throw rangeError(op, `expected input ${fmtShape(shown)} to have ${Cg * groups} channels (weight ${fmtShape(w._shape)}, groups ${groups}), but got ${C} channels instead`);
  if (b && (b.dim() !== 1 || b._shape[0] !== O)) throw rangeError(op, `bias must be [${O}], got shape ${fmtShape(b._shape)}`);
  const [sh, sw] = pair(op, opts.stride ?? 1, 'stride', 1);
  const [dh, dw] = pair(op, opts.dilation ?? 1, 'dilation', 1);
  let ph: number, pw: number;
  if (opts.padding === 'valid') [ph, pw] = [0, 0];
  else if (opts.padding === 'same') {
    if (sh !== 1 || sw !== 1) throw rangeError(op, "padding='same' is not supported for strided convolutions");
    // d·(k − 1) in total, the smaller half on each side; an odd total pads its extra element on
    // the right / bottom first, as PyTorch does (constant_pad_nd, so the gradient crops it off).
    const th = dh * (kh - 1), tw = dw * (kw - 1);
    [ph, pw] = [Math.floor(th / 2), Math.floor(tw / 2)];
    if (th % 2 || tw % 2) x = V.padConstant(x, [0, tw % 2, 0, th % 2], 0);
  } else [ph, pw] = pair(op, opts.padding ?? 0, 'padding', 0);
  const [N, , H, W] = x._shape as [number, number, number, number];
  const window = [kh, kw, sh, sw, ph, pw, dh, dw];
  encodeConv([N, C, H, W, O, 0, 0], window, [groups], []);
  const [Ho, Wo] = native.conv2dOutputSize(meta);
  // PyTorch 1.13: an empty plane is an error unless the batch or the channels are empty, even
  // when the padding alone would give an output (the padded size check above comes first).
  if (N > 0 && C > 0 && (H === 0 || W === 0))
    throw rangeError(op, `Only zero batch or zero channel inputs are supported, but got input shape: ${fmtShape(x._shape)}`);
  return convForward({ head: [N, C, H, W, O, Ho, Wo], window, groups, wShape: [O, Cg, kh, kw] }, x, w, b);
}

/** What a convolution's three kernels share: [N, C, H, W, O, Ho, Wo], the window, groups, w's shape. */
interface ConvGeometry {
  head: number[];
  window: number[];
  groups: number;
  wShape: number[];
}

/** y = conv2d(x, w) + b, recorded with its backward (one kernel call for all three gradients). */
function convForward(s: ConvGeometry, x: Tensor, w: Tensor, b: Tensor | null): Tensor {
  const [N, C, H, W, O, Ho, Wo] = s.head as [number, number, number, number, number, number, number];
  const xc = V.contiguous(x), wc = V.contiguous(w), bc = b ? V.contiguous(b) : null;
  const out = emptyUninit([N, O, Ho, Wo], 'float32');
  encodeConv(s.head, s.window, [s.groups], [xc._offset, wc._offset, bc ? bc._offset : 0, 0]);
  native.conv2d(meta, f32(xc)!, f32(wc)!, f32(bc), f32(out)!);
  // A leaf input's .grad may keep the gradient the kernel writes (a new tensor nothing else holds).
  const [xLeaf, wLeaf, bLeaf] = [x, w, b].map((t) => (t !== null && t.gradFn === null ? t : null));
  return record('ConvolutionBackward0', out, [x, w, b], [xc, wc], (g, [xs, ws], needs) => {
    // createGraph: each gradient as an op of its own, differentiable again.
    if (isGradEnabled())
      return [needs[0] ? convInputGrad(s, g, ws!) : null, needs[1] ? convWeightGrad(s, xs!, g) : null, needs[2] ? sum(g, [0, 2, 3]) : null];
    const gc = V.contiguous(g);
    const gx = needs[0] ? emptyUninit([N, C, H, W], 'float32') : null;
    const gw = needs[1] ? emptyUninit(s.wShape, 'float32') : null;
    const gb = needs[2] ? emptyUninit([O], 'float32') : null;
    encodeConv(s.head, s.window, [s.groups], [gc._offset, xs!._offset, ws!._offset, 0, 0, 0]);
    native.conv2dBackward(meta, f32(gc)!, gw ? f32(xs) : undefined, gx ? f32(ws) : undefined, f32(gx), f32(gw), f32(gb));
    const keep = (leaf: Tensor | null | undefined, grad: Tensor | null) => (leaf && grad ? freshGrad(leaf, grad) : grad);
    return [keep(xLeaf, gx), keep(wLeaf, gw), keep(bLeaf, gb)];
  });
}

/** dL/dx = conv2d's transpose of g by w: bilinear, so its derivatives are the forward (in g) and the weight gradient (in w). */
function convInputGrad(s: ConvGeometry, g: Tensor, w: Tensor): Tensor {
  const [N, C, H, W] = s.head as [number, number, number, number];
  const gc = V.contiguous(g), wc = V.contiguous(w);
  const gx = emptyUninit([N, C, H, W], 'float32');
  encodeConv(s.head, s.window, [s.groups], [gc._offset, 0, wc._offset, 0, 0, 0]);
  native.conv2dBackward(meta, f32(gc)!, undefined, f32(wc), f32(gx), undefined, undefined);
  return record('ConvolutionBackwardBackward0', gx, [g, w], [gc, wc], (gg, [gs, ws], needs) => [
    needs[0] ? convForward(s, gg, ws!, null) : null,
    needs[1] ? convWeightGrad(s, gg, gs!) : null,
  ]);
}

/** dL/dw = the correlation of x with g: bilinear, so its derivatives are the input gradient (in x) and the forward (in g). */
function convWeightGrad(s: ConvGeometry, x: Tensor, g: Tensor): Tensor {
  const xc = V.contiguous(x), gc = V.contiguous(g);
  const gw = emptyUninit(s.wShape, 'float32');
  encodeConv(s.head, s.window, [s.groups], [gc._offset, xc._offset, 0, 0, 0, 0]);
  native.conv2dBackward(meta, f32(gc)!, f32(xc), undefined, undefined, f32(gw), undefined);
  return record('ConvolutionBackwardBackward0', gw, [x, g], [xc, gc], (gg, [xs, gs], needs) => [
    needs[0] ? convInputGrad(s, gs!, gg) : null,
    needs[1] ? convForward(s, xs!, gg, null) : null,
  ]);
}

/** 1-D convolution of x [N, C, L] (or [C, L]) with w [O, C / groups, k], plus bias [O]: conv2d over a height of 1. */
export function conv1d(input: Tensor, weight: Tensor, bias: Tensor | null = null, opts: ConvOptions = {}): Tensor {
  const op = 'conv1d';
  const x = checkFloat(op, expectTensor(op, input, 'input'), 'input');
  const w = checkFloat(op, expectTensor(op, weight, 'weight'), 'weight');
  const b = bias == null ? null : checkFloat(op, expectTensor(op, bias, 'bias'), 'bias');
  if (opts === null || typeof opts !== 'object') throw typeError(op, `options must be an object, got ${describe(opts)}`);
  if (x.dim() !== 2 && x.dim() !== 3) throw rangeError(op, `expected a 2-D (unbatched) or 3-D (batched) input, got shape ${fmtShape(x._shape)}`);
  if (w.dim() !== 3) throw rangeError(op, `weight must be 3-D [out, in / groups, k], got shape ${fmtShape(w._shape)}`);
  const one = (v: unknown, what: string, min: number) => pair(op, v, what, min)[1];
  const padding = opts.padding === 'same' || opts.padding === 'valid' ? opts.padding : ([0, one(opts.padding ?? 0, 'padding', 0)] as [number, number]);
  const x4 = V.unsqueeze(x.dim() === 2 ? V.unsqueeze(x, 0) : x, -2);
  const y = convolve(op, x4, V.unsqueeze(w, -2), b, {
    stride: [1, one(opts.stride ?? 1, 'stride', 1)],
    dilation: [1, one(opts.dilation ?? 1, 'dilation', 1)],
    padding,
    groups: opts.groups,
  }, x._shape);
  const y3 = V.squeeze(y, -2);
  return x.dim() === 2 ? V.squeeze(y3, 0) : y3;
}

function poolWindow(op: string, kernelSize: unknown, opts: PoolOptions, withDilation: boolean): number[] {
  if (opts === null || typeof opts !== 'object') throw typeError(op, `options must be an object, got ${describe(opts)}`);
  const [kh, kw] = pair(op, kernelSize, 'kernelSize', 1);
  const [sh, sw] = opts.stride == null ? [kh, kw] : pair(op, opts.stride, 'stride', 1);
  const [ph, pw] = pair(op, opts.padding ?? 0, 'padding', 0);
  const [dh, dw] = withDilation ? pair(op, opts.dilation ?? 1, 'dilation', 1) : [1, 1];
  return [kh, kw, sh, sw, ph, pw, dh, dw];
}

function flag(op: string, v: unknown, what: string, dflt: boolean): number {
  if (v === undefined) return dflt ? 1 : 0;
  if (typeof v !== 'boolean') throw typeError(op, `${what} must be a boolean, got ${describe(v)}`);
  return v ? 1 : 0;
}

/** Max over kernelSize windows of x [N, C, H, W] (or [C, H, W]); with `returnIndices`, also where (h·W + w in each plane). */
export function maxPool2d(input: Tensor, kernelSize: Pair, opts: PoolOptions & { returnIndices?: boolean } = {}): Tensor | { values: Tensor; indices: Tensor } {
  const op = 'maxPool2d';
  const [x, unbatch] = batched(op, checkFloat(op, expectTensor(op, input, 'input'), 'input'));
  const window = poolWindow(op, kernelSize, opts, true);
  const own = [flag(op, opts.ceilMode, 'ceilMode', false), 0, 0];
  const [N, C, H, W] = x._shape as [number, number, number, number];
  encodeConv([N, C, H, W, C, 0, 0], window, own, []);
  const [Ho, Wo] = native.maxPool2dOutputSize(meta);
  const s: PoolGeometry = { head: [N, C, H, W, C, Ho, Wo], window, own };
  const xc = V.contiguous(x);
  const out = emptyUninit([N, C, Ho, Wo], 'float32'), indices = emptyUninit([N, C, Ho, Wo], 'int32');
  encodeConv(s.head, window, own, [xc._offset, 0, 0]);
  native.maxPool2d(meta, f32(xc)!, f32(out)!, indices._data as Int32Array);
  const y = record('MaxPool2DWithIndicesBackward0', out, [x], [indices], (g, [ix]) => [maxPoolBackward(s, g, ix!)]);
  return opts.returnIndices ? { values: unbatch(y), indices: unbatch(indices) } : unbatch(y);
}

/** What a pool's forward and backward kernels share: [N, C, H, W, C, Ho, Wo], the window (null: adaptive), the pool's own flags. */
interface PoolGeometry {
  head: number[];
  window: number[] | null;
  own: number[];
}

/** dL/dx of a max pool: g scattered to the argmax of each window; linear in g, its derivative gathers at the same places. */
function maxPoolBackward(s: PoolGeometry, g: Tensor, indices: Tensor): Tensor {
  const [N, C, H, W, , Ho, Wo] = s.head as [number, number, number, number, number, number, number];
  const gc = V.contiguous(g);
  const gx = emptyUninit([N, C, H, W], 'float32'); // every plane zeroed by the kernel first
  encodeConv(s.head, s.window, s.own, [gc._offset, indices._offset, 0]);
  native.maxPool2dBackward(meta, f32(gc)!, indices._data as Int32Array, f32(gx)!);
  return record('MaxPool2DWithIndicesBackwardBackward0', gx, [g], [indices], (gg, [ix]) => [
    V.reshape(gather(V.reshape(gg, [N, C, H * W]), 2, V.reshape(ix!, [N, C, Ho * Wo])), [N, C, Ho, Wo]),
  ]);
}

/** The average pools' kernels (adaptive when s.window is null): the forward, and the backward, its adjoint. */
const avgKernels = {
  forward: (s: PoolGeometry) => (s.window ? native.avgPool2d : native.adaptiveAvgPool2d),
  backward: (s: PoolGeometry) => (s.window ? native.avgPool2dBackward : native.adaptiveAvgPool2dBackward),
};

/** An average pool of x, recorded with its backward; each is the other's derivative (both linear). */
function avgPoolForward(s: PoolGeometry, x: Tensor): Tensor {
  const [N, C, , , , Ho, Wo] = s.head as [number, number, number, number, number, number, number];
  const xc = V.contiguous(x);
  const out = emptyUninit([N, C, Ho, Wo], 'float32');
  encodeConv(s.head, s.window, s.own, [xc._offset, 0]);
  avgKernels.forward(s)(meta, f32(xc)!, f32(out)!);
  return record(s.window ? 'AvgPool2DBackward0' : 'AdaptiveAvgPool2DBackward0', out, [x], [], (g) => [avgPoolBackward(s, g)]);
}

function avgPoolBackward(s: PoolGeometry, g: Tensor): Tensor {
  const [N, C, H, W] = s.head as [number, number, number, number];
  const gc = V.contiguous(g);
  const gx = emptyUninit([N, C, H, W], 'float32'); // every plane zeroed by the kernel first
  encodeConv(s.head, s.window, s.own, [gc._offset, 0]);
  avgKernels.backward(s)(meta, f32(gc)!, f32(gx)!);
  return record(s.window ? 'AvgPool2DBackwardBackward0' : 'AdaptiveAvgPool2DBackwardBackward0', gx, [g], [], (gg) => [avgPoolForward(s, gg)]);
}

/** Mean over kernelSize windows of x [N, C, H, W] (or [C, H, W]), with PyTorch's divisor rules. */
export function avgPool2d(input: Tensor, kernelSize: Pair, opts: PoolOptions = {}): Tensor {
  const op = 'avgPool2d';
  const [x, unbatch] = batched(op, checkFloat(op, expectTensor(op, input, 'input'), 'input'));
  const window = poolWindow(op, kernelSize, opts, false);
  const divisor = opts.divisorOverride ?? 0;
  if (!Number.isInteger(divisor) || divisor < 0) throw rangeError(op, `divisorOverride must be a positive integer, got ${describe(divisor)}`);
  const own = [flag(op, opts.ceilMode, 'ceilMode', false), flag(op, opts.countIncludePad, 'countIncludePad', true), divisor];
  const [N, C, H, W] = x._shape as [number, number, number, number];
  encodeConv([N, C, H, W, C, 0, 0], window, own, []);
  const [Ho, Wo] = native.avgPool2dOutputSize(meta);
  return unbatch(avgPoolForward({ head: [N, C, H, W, C, Ho, Wo], window, own }, x));
}

/** Mean over the windows that split x [N, C, H, W] (or [C, H, W]) into outputSize cells (PyTorch's start/end rule). */
export function adaptiveAvgPool2d(input: Tensor, outputSize: Pair): Tensor {
  const op = 'adaptiveAvgPool2d';
  const [x, unbatch] = batched(op, checkFloat(op, expectTensor(op, input, 'input'), 'input'));
  const [Ho, Wo] = pair(op, outputSize, 'outputSize', 1);
  const [N, C, H, W] = x._shape as [number, number, number, number];
  return unbatch(avgPoolForward({ head: [N, C, H, W, C, Ho, Wo], window: null, own: [] }, x));
}
