// The calls into the native optimizer kernels (binding/optim.cc, cpp/kernels/optim.cpp): one
// call per parameter over flat float32 buffers. Parameters are updated in place; the version
// counter is bumped as by any in-place op, so autograd refuses a backward through a graph that
// saved the old values.
import { rangeError, typeError } from '../errors.js';
import { encodeStep, meta } from '../call.js';
import { native } from '../native.js';
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

const f32 = (t: Tensor | undefined): Float32Array | undefined => t?._data as Float32Array | undefined;

// firstStep apart from the group's options: a merged object per parameter per step costs more
// than a small parameter's whole update.
export function sgdStep(p: Tensor, g: Tensor, buf: Tensor | undefined, h: { lr: number; momentum: number; dampening: number; weightDecay: number; nesterov: boolean; maximize: boolean }, firstStep: boolean): void {
  encodeStep(p.numel(), p._offset, g._offset, h.lr, h.momentum, h.dampening, h.weightDecay, +h.nesterov, +h.maximize, +firstStep);
  const pd = p._data as Float32Array, gd = g._data as Float32Array, bd = f32(buf);
  small.sgdStep(meta, pd, gd, bd) || native.sgdStep(meta, pd, gd, bd);
}

export function adamStep(p: Tensor, g: Tensor, m: Tensor, v: Tensor, vmax: Tensor | undefined, h: { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; step: number; amsgrad: boolean; maximize: boolean; decoupled: boolean }): void {
  encodeStep(p.numel(), p._offset, g._offset, h.lr, h.beta1, h.beta2, h.eps, h.weightDecay, h.step, +h.amsgrad, +h.maximize, +h.decoupled);
  native.adamStep(meta, p._data as Float32Array, g._data as Float32Array, f32(m)!, f32(v)!, f32(vmax));
}

export function rmspropStep(p: Tensor, g: Tensor, sq: Tensor, gavg: Tensor | undefined, mbuf: Tensor | undefined, h: { lr: number; alpha: number; eps: number; weightDecay: number; momentum: number; centered: boolean; maximize: boolean }): void {
  encodeStep(p.numel(), p._offset, g._offset, h.lr, h.alpha, h.eps, h.weightDecay, h.momentum, +h.centered, +h.maximize);
  native.rmspropStep(meta, p._data as Float32Array, g._data as Float32Array, f32(sq)!, f32(gavg), f32(mbuf));
}

export function adagradStep(p: Tensor, g: Tensor, sum: Tensor, h: { lr: number; lrDecay: number; weightDecay: number; eps: number; step: number; maximize: boolean }): void {
  encodeStep(p.numel(), p._offset, g._offset, h.lr, h.lrDecay, h.weightDecay, h.eps, h.step, +h.maximize);
  native.adagradStep(meta, p._data as Float32Array, g._data as Float32Array, f32(sum)!);
}

export function adadeltaStep(p: Tensor, g: Tensor, sq: Tensor, acc: Tensor, h: { lr: number; rho: number; eps: number; weightDecay: number; maximize: boolean }): void {
  encodeStep(p.numel(), p._offset, g._offset, h.lr, h.rho, h.eps, h.weightDecay, +h.maximize);
  native.adadeltaStep(meta, p._data as Float32Array, g._data as Float32Array, f32(sq)!, f32(acc)!);
}
