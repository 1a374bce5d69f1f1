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
    else if (shape[i - lead] === 1 && g.shape[i] !== 1) dims.push(i);
  }
  let r = dims.length ? R.sum(g, dims, true) : g;
  if (lead > 0 || r.dim() !== shape.length) r = V.reshape(r, [shape.slice()]);
  return r;
}

/**
 * Adds a gradient into `t.grad`. Without createGraph the stored grad is a private contiguous
 * copy (so two leaves never share one gradient tensor) updated in place afterwards.
 */
export function accumulateInto(t: Tensor, g: Tensor, createGraph: boolean): void {
  if (createGraph) {
    t.grad = t.grad ? E.add(t.grad, g) : g;
    return;
  }
  noGrad(() => {
    if (t.grad === null || t.grad.isDisposed) t.grad = V.clone(g).detach();
    else t.grad = t.grad.add_(g);
  });
}
