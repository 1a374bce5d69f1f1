// F.unfold (im2col) and F.fold (col2im) over float32 NCHW (cpp/kernels/im2col.cpp, one native
// call each), PyTorch 1.13's semantics: unfold takes x [N, C, H, W] (or [C, H, W]) to the
// sliding blocks cols [N, C·kh·kw, L] (or [C·kh·kw, L]), L = lh·lw blocks; fold sums such columns
// back into an image of `outputSize`. Each is the other's adjoint, so unfold's backward is a
// fold and fold's an unfold, both recorded: differentiable to any order.
import { encodeUnfold, meta } from '../call.js';
import { describe, fmtShape, rangeError, typeError } from '../errors.js';
import { native } from '../native.js';
import type { Tensor } from '../tensor.js';
import { emptyUninit, expectTensor, record } from './base.js';
import * as V from './views.js';

type Pair = number | [number, number];

/** Options of unfold / fold: as PyTorch's keyword arguments, each a number or a [h, w] pair. */
export interface UnfoldOptions {
  /** Spacing of the kernel's taps (default 1). */
  dilation?: Pair;
  /** Zeros added on each side (default 0). */
  padding?: Pair;
  /** Step between blocks (default 1). */
  stride?: Pair;
}

export function pairOf(op: string, v: unknown, what: string, min: number): [number, number] {
  const p = typeof v === 'number' ? [v, v] : v;
  if (!Array.isArray(p) || p.length !== 2 || !p.every((e) => typeof e === 'number' && Number.isInteger(e)))
    throw typeError(op, `${what} must be an integer or a pair of integers, got ${describe(v)}`);
  if (p[0] < min || p[1] < min) {
    const which = what === 'padding' ? 'padding should be non-negative' : `${what} should be greater than zero`;
    throw rangeError(op, `${which}, but got ${what}_height: ${p[0]} ${what}_width: ${p[1]}`);
  }
  return [p[0], p[1]];
}

/** kh, kw, sh, sw, ph, pw, dh, dw: the window as binding/unfold.cc reads it. */
interface Window {
  k: [number, number];
  d: [number, number];
  p: [number, number];
  s: [number, number];
}

export function windowOf(op: string, kernelSize: unknown, opts: UnfoldOptions | undefined): Window {
  if (opts !== undefined && (opts === null || typeof opts !== 'object')) throw typeError(op, `options must be an object, got ${describe(opts)}`);
  const o = opts ?? {};
  const k = pairOf(op, kernelSize, 'kernel', 1);
  return { k, d: pairOf(op, o.dilation ?? 1, 'dilation', 1), p: pairOf(op, o.padding ?? 0, 'padding', 0), s: pairOf(op, o.stride ?? 1, 'stride', 1) };
}

const flat = (w: Window) => [w.k[0], w.k[1], w.s[0], w.s[1], w.p[0], w.p[1], w.d[0], w.d[1]];

/** The blocks per spatial dim of an H x W image, as PyTorch counts them (may be < 1). */
function blocksOf(w: Window, H: number, W: number): [number, number] {
  const along = (size: number, i: 0 | 1) => Math.floor((size + 2 * w.p[i] - w.d[i] * (w.k[i] - 1) - 1) / w.s[i]) + 1;
  return [along(H, 0), along(W, 1)];
}

function blocksError(op: string, w: Window, H: number, W: number, lh: number, lw: number): Error {
  return rangeError(op, `Given input with spatial size (${H}, ${W}), kernel_size=(${w.k.join(', ')}), dilation=(${w.d.join(', ')}), padding=(${w.p.join(', ')}), calculated shape of the array of sliding blocks as (${lh}, ${lw}), but its components must be at least one.`);
}

function checkFloat(op: string, x: Tensor): void {
  if (x.dtype !== 'float32') throw typeError(op, `"${op === 'unfold' ? 'im2col' : 'col2im'}_out_cpu" not implemented for '${x.dtype}'`);
}

/** cols [N, C·kh·kw, lh·lw] of x [N, C, H, W] (contiguous), recorded. */
function im2col(x: Tensor, w: Window, lh: number, lw: number): Tensor {
  const [N, C, H, W] = x._shape as [number, number, number, number];
  const xc = V.contiguous(x);
  const cols = emptyUninit([N, C * w.k[0] * w.k[1], lh * lw], 'float32');
  encodeUnfold([N, C, H, W], [lh, lw], flat(w), [xc._offset, 0]);
  native.unfold(meta, xc._data as Float32Array, cols._data as Float32Array);
  return record('Im2ColBackward0', cols, [x], [], (g) => [col2im(g, w, C, H, W, lh, lw)]);
}

/** The image [N, C, H, W] whose blocks sum the columns of cols [N, C·kh·kw, lh·lw], recorded. */
function col2im(cols: Tensor, w: Window, C: number, H: number, W: number, lh: number, lw: number): Tensor {
  const N = cols._shape[0]!;
  const cc = V.contiguous(cols);
  const x = emptyUninit([N, C, H, W], 'float32');
  encodeUnfold([N, C, H, W], [lh, lw], flat(w), [cc._offset, 0]);
  native.fold(meta, cc._data as Float32Array, x._data as Float32Array);
  return record('Col2ImBackward0', x, [cols], [], (g) => [im2col(g, w, lh, lw)]);
}

/**
 * The sliding blocks of x [N, C, H, W] (or [C, H, W]) as columns: [N, C·kh·kw, L] (or
 * [C·kh·kw, L]), L the number of blocks; padding reads zeros (PyTorch's F.unfold).
 */
export function unfold(input: Tensor, kernelSize: Pair, opts?: UnfoldOptions): Tensor {
  const op = 'unfold';
  const x0 = expectTensor(op, input, 'input');
  const w = windowOf(op, kernelSize, opts);
  if ((x0.dim() !== 3 && x0.dim() !== 4) || x0._shape.slice(x0.dim() - 3).some((s) => s === 0))
    throw rangeError(op, `Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and other non-zero dimensions for input, but got: ${fmtShape(x0._shape)}`);
  checkFloat(op, x0);
  const x = x0.dim() === 3 ? V.unsqueeze(x0, 0) : x0;
  const [H, W] = [x._shape[2]!, x._shape[3]!];
  const [lh, lw] = blocksOf(w, H, W);
  if (lh < 1 || lw < 1) throw blocksError(op, w, H, W, lh, lw);
  const cols = im2col(x, w, lh, lw);
  return x0.dim() === 3 ? V.squeeze(cols, 0) : cols;
}

/**
 * Sums sliding-block columns [N, C·kh·kw, L] (or [C·kh·kw, L]) into an image [N, C, H, W] (or
 * [C, H, W]) of `outputSize` [H, W]: overlapping blocks add up (PyTorch's F.fold, unfold's adjoint).
 */
export function fold(input: Tensor, outputSize: Pair, kernelSize: Pair, opts?: UnfoldOptions): Tensor {
  const op = 'fold';
  const c0 = expectTensor(op, input, 'input');
  const [H, W] = pairOf(op, outputSize, 'output_size', 1);
  const w = windowOf(op, kernelSize, opts);
  if ((c0.dim() !== 2 && c0.dim() !== 3) || c0._shape.slice(c0.dim() - 2).some((s) => s === 0))
    throw rangeError(op, `Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and non-zero dimensions for input, but got: ${fmtShape(c0._shape)}`);
  checkFloat(op, c0);
  const cols = c0.dim() === 2 ? V.unsqueeze(c0, 0) : c0;
  const taps = w.k[0] * w.k[1];
  const rows = cols._shape[1]!, L = cols._shape[2]!;
  if (rows % taps !== 0)
    throw rangeError(op, `Expected size of input's dimension 1 to be divisible by the product of kernel_size, but got input.size(1)=${rows} and kernel_size=(${w.k.join(', ')}).`);
  const [lh, lw] = blocksOf(w, H, W);
  if (lh < 1 || lw < 1) throw blocksError(op, w, H, W, lh, lw);
  if (lh * lw !== L)
    throw rangeError(op, `Given output_size=(${H}, ${W}), kernel_size=(${w.k.join(', ')}), dilation=(${w.d.join(', ')}), padding=(${w.p.join(', ')}), stride=(${w.s.join(', ')}), expected size of input's dimension 2 to match the calculated number of sliding blocks ${lh} * ${lw} = ${lh * lw}, but got input.size(2)=${L}.`);
  const x = col2im(cols, w, rows / taps, H, W, lh, lw);
  return c0.dim() === 2 ? V.squeeze(x, 0) : x;
}
