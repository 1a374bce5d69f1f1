// The calls into the native optimizer kernels (binding/optim.cc, cpp/kernels/optim.cpp): one
// call per parameter over flat float32 buffers. Parameters are updated in place; the version
// counter is bumped as by any in-place op, so autograd refuses a backward through a graph that
// saved the old values.
import { rangeError, typeError } from '../errors.js';
import { meta, native } from '../native.js';
import * as small from '../small_kernels.js';
import { empty } from '../ops/base.js';
import * as V from '../ops/views.js';
import type { Tensor } from '../tensor.js';

/** A zero-filled float32 state buffer shaped like p. */
export function stateLike(p: Tensor, fill = 0): Tensor {
  const t = empty(p._shape.slice(), 'float32');
  if (fill !== 0) (t._data as Float32Array).fill(fill);
  return t;
}

/**
 * Runs `call(param, grad)` on flat contiguous views: a strided parameter is updated through a
 * contiguous copy written back, a strided or broadcast gradient is copied first.
 */
export function withFlat(op: string, p: Tensor, grad: Tensor, call: (param: Tensor, grad: Tensor) => void): void {
  p._alive(op);
  grad._alive(op);
  if (grad.numel() !== p.numel() || grad._shape.length !== p._shape.length || grad._shape.some((s, i) => s !== p._shape[i]))
    throw rangeError(op, `gradient of shape [${grad._shape.join(', ')}] does not match the parameter's shape [${p._shape.join(', ')}]`);
  if (grad.dtype !== 'float32') throw typeError(op, `gradient must be float32, got ${grad.dtype}`);
  const g = V.isContiguousTensor(grad) ? grad : V.contiguous(grad.detach());
  if (V.isContiguousTensor(p)) call(p, g);
  else {
    const flat = V.contiguous(p.detach());
    call(flat, g);
    // Written back through the strided view, outside autograd (p is a leaf).
    p.data.copy_(flat);
  }
  p._version.value++;
}

function head(n: number, p: Tensor, g: Tensor): void {
  meta[0] = n;
  meta[1] = p._offset;
  meta[2] = g._offset;
}

const f32 = (t: Tensor | undefined): Float32Array | undefined => t?._data as Float32Array | undefined;

// firstStep apart from the group's options: a merged object per parameter per step costs more
// than a small parameter's whole update.
export function sgdStep(p: Tensor, g: Tensor, buf: Tensor | undefined, h: { lr: number; momentum: number; dampening: number; weightDecay: number; nesterov: boolean; maximize: boolean }, firstStep: boolean): void {
  head(p.numel(), p, g);
  meta[3] = h.lr; meta[4] = h.momentum; meta[5] = h.dampening; meta[6] = h.weightDecay;
  meta[7] = +h.nesterov; meta[8] = +h.maximize; meta[9] = +firstStep;
  const pd = p._data as Float32Array, gd = g._data as Float32Array, bd = f32(buf);
  small.sgdStep(meta, pd, gd, bd) || native.sgdStep(meta, pd, gd, bd);
}

export function adamStep(p: Tensor, g: Tensor, m: Tensor, v: Tensor, vmax: Tensor | undefined, h: { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; step: number; amsgrad: boolean; maximize: boolean; decoupled: boolean }): void {
  head(p.numel(), p, g);
  meta[3] = h.lr; meta[4] = h.beta1; meta[5] = h.beta2; meta[6] = h.eps; meta[7] = h.weightDecay;
  meta[8] = h.step; meta[9] = +h.amsgrad; meta[10] = +h.maximize; meta[11] = +h.decoupled;
  native.adamStep(meta, p._data as Float32Array, g._data as Float32Array, f32(m)!, f32(v)!, f32(vmax));
}

export function rmspropStep(p: Tensor, g: Tensor, sq: Tensor, gavg: Tensor | undefined, mbuf: Tensor | undefined, h: { lr: number; alpha: number; eps: number; weightDecay: number; momentum: number; centered: boolean; maximize: boolean }): void {
  head(p.numel(), p, g);
  meta[3] = h.lr; meta[4] = h.alpha; meta[5] = h.eps; meta[6] = h.weightDecay; meta[7] = h.momentum;
  meta[8] = +h.centered; meta[9] = +h.maximize;
  native.rmspropStep(meta, p._data as Float32Array, g._data as Float32Array, f32(sq)!, f32(gavg), f32(mbuf));
}

export function adagradStep(p: Tensor, g: Tensor, sum: Tensor, h: { lr: number; lrDecay: number; weightDecay: number; eps: number; step: number; maximize: boolean }): void {
  head(p.numel(), p, g);
  meta[3] = h.lr; meta[4] = h.lrDecay; meta[5] = h.weightDecay; meta[6] = h.eps; meta[7] = h.step; meta[8] = +h.maximize;
  native.adagradStep(meta, p._data as Float32Array, g._data as Float32Array, f32(sum)!);
}
