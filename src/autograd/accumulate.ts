// How the engine delivers gradients: summed back over broadcast dims (sumToShape) and added
// into a tensor's `.grad` (accumulateInto) with one direct kernel call, not through the
// user-level add_ with its promotion, broadcast, leaf and alias checks.
import * as E from '../ops/elementwise.js';
import { binaryInto } from '../ops/elementwise_kernels.js';
import * as R from '../ops/reduce.js';
import * as V from '../ops/views.js';
import type { Tensor } from '../tensor.js';
import { noGrad } from './grad_mode.js';

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
 * gradient (freshGrad) is private already and kept as it is. `g` has t's shape (sumToShape)
 * and dtype float32, and so has `.grad` (its setter checks both).
 */
export function accumulateInto(t: Tensor, g: Tensor, createGraph: boolean): void {
  if (createGraph) {
    t._grad = t._grad ? E.add(t._grad, g) : g;
    return;
  }
  const grad = t._grad;
  if (grad === null || grad.isDisposed) {
    t._grad = fresh.get(g) === t && fresh.delete(g) ? g.detach() : noGrad(() => V.clone(g)).detach();
    return;
  }
  // A gradient that shares .grad's storage (x.backward(x.grad)) is read whole before the write.
  const addend = g._box === grad._box ? noGrad(() => V.clone(g)) : g;
  binaryInto('add', grad, grad, addend);
  grad._version.value++;
}
