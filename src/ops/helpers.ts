// Small tensor utilities the engine and several op files share.
import { noGrad } from '../autograd/grad_mode.js';
import type { Tensor } from '../tensor.js';
import { empty } from './base.js';
import * as E from './elementwise.js';
import * as R from './reduce.js';
import * as V from './views.js';

/** Sums a broadcast gradient back to `shape` (the inverse of broadcasting). */
export function sumToShape(g: Tensor, shape: readonly number[]): Tensor {
  const lead = g.dim() - shape.length;
  const dims: number[] = [];
  for (let i = 0; i < g.dim(); i++) {
    if (i < lead) dims.push(i);
    else if (shape[i - lead] === 1 && g._shape[i] !== 1) dims.push(i);
  }
  let r = dims.length ? R.sum(g, dims, true) : g;
  if (lead > 0 || r.dim() !== shape.length) r = V.reshape(r, [shape.slice()]);
  return r;
}

// Gradients a backward has just allocated for a leaf input and hands to nothing else (linear's
// and matmul's dW, db), with that leaf: the first accumulateInto of such a tensor into that
// leaf's empty .grad keeps the tensor instead of copying it (copying an MLP's weight gradients
// was ~5% of its training step). delete() succeeds once, so a gradient that reaches a second
// place is copied there; one autograd.grad hands to its caller is no longer fresh (forgetFresh).
const fresh = new WeakMap<Tensor, Tensor>();

/** Marks `g` (contiguous, float32, referenced by no other tensor) as a gradient of leaf `t` that accumulateInto may keep. */
export function freshGrad(t: Tensor, g: Tensor): Tensor {
  fresh.set(g, t);
  return g;
}

/** `g` escapes to the caller (autograd.grad's result): no leaf may keep it as its .grad later. */
export function forgetFresh(g: Tensor): void {
  fresh.delete(g);
}

/**
 * Adds a gradient into `t.grad`. Without createGraph the stored grad is a private contiguous
 * copy (so two leaves never share one gradient tensor) updated in place afterwards; a fresh
 * gradient (freshGrad) is private already and kept as it is.
 */
export function accumulateInto(t: Tensor, g: Tensor, createGraph: boolean): void {
  if (createGraph) {
    t._grad = t._grad ? E.add(t._grad, g) : g;
    return;
  }
  noGrad(() => {
    if (t._grad === null || t._grad.isDisposed) t._grad = fresh.get(g) === t && fresh.delete(g) ? g.detach() : V.clone(g).detach();
    else t._grad = t._grad.add_(g);
  });
}
