// The backward engine: an iterative topological traversal (no recursion, so deep graphs
// cannot overflow the stack) that calls each node's backward and routes gradients along its
// edges. All gradient math runs in native kernels through tensor ops.
import { describe, fmtShape } from '../errors.js';
import { setGradEnabled } from './grad_mode.js';
import type { Node } from './node.js';
import { Tensor } from '../tensor.js';
import { sumToShape, accumulateInto, forgetFresh } from '../ops/helpers.js';
import { sameShape } from '../shape.js';
import { empty } from '../ops/base.js';

const SECOND_BACKWARD =
  'Trying to backward through the graph a second time (or directly access saved tensors after they have ' +
  'already been freed). Saved intermediate values of the graph are freed when you call .backward() or ' +
  'autograd.grad(). Specify retainGraph: true if you need to backward through the graph a second time or ' +
  'if you need to access saved tensors after calling backward.';

interface RunOptions {
  retainGraph: boolean;
  createGraph: boolean;
  /** autograd.grad: capture gradients of these instead of accumulating into leaves. */
  capture?: Tensor[];
}

export function backward(
  root: Tensor,
  gradient: Tensor | null,
  opts: { retainGraph?: boolean; createGraph?: boolean } = {},
): void {
  root._alive('backward');
  if (gradient !== null && !(gradient instanceof Tensor))
    throw new TypeError(`backward: gradient must be a Tensor or null, got ${describe(gradient)}`);
  if (opts === null || typeof opts !== 'object') throw new TypeError(`backward: options must be an object, got ${describe(opts)}`);
  if (!root.requiresGrad)
    throw new Error('element 0 of tensors does not require grad and does not have a grad_fn');
  if (gradient === null) {
    if (root.numel() !== 1) throw new Error('grad can be implicitly created only for scalar outputs');
    gradient = scalarOne(root);
  } else checkGradShape(root, gradient);
  const createGraph = !!opts.createGraph;
  run([root], [gradient], { retainGraph: opts.retainGraph ?? createGraph, createGraph });
}

export function grad(
  outputs: Tensor | Tensor[],
  inputs: Tensor | Tensor[],
  opts: { gradOutputs?: Tensor | (Tensor | null)[] | null; retainGraph?: boolean; createGraph?: boolean; allowUnused?: boolean } = {},
): (Tensor | null)[] {
  const outs = Array.isArray(outputs) ? outputs : [outputs];
  const ins = Array.isArray(inputs) ? inputs : [inputs];
  for (const t of [...outs, ...ins])
    if (!(t instanceof Tensor)) throw new TypeError(`autograd.grad: expected tensors, got ${describe(t)}`);
  if (opts === null || typeof opts !== 'object') throw new TypeError(`autograd.grad: options must be an object, got ${describe(opts)}`);
  const gos = opts.gradOutputs == null ? [] : Array.isArray(opts.gradOutputs) ? opts.gradOutputs : [opts.gradOutputs];
  for (const t of ins)
    if (!t.requiresGrad) throw new Error('autograd.grad: One of the differentiated Tensors does not require grad');
  const grads = outs.map((o, i) => {
    if (!o.requiresGrad) throw new Error('autograd.grad: One of the differentiated Tensors does not require grad');
    const g = gos[i];
    if (g == null) {
      if (o.numel() !== 1) throw new Error('grad can be implicitly created only for scalar outputs');
      return scalarOne(o);
    }
    if (!(g instanceof Tensor)) throw new TypeError(`autograd.grad: gradOutputs must be tensors, got ${describe(g)}`);
    checkGradShape(o, g);
    return g;
  });
  const createGraph = !!opts.createGraph;
  const captured = run(outs, grads, { retainGraph: opts.retainGraph ?? createGraph, createGraph, capture: ins });
  return ins.map((t, i) => {
    const g = captured[i] ?? null;
    if (g === null && !opts.allowUnused)
      throw new Error(
        'autograd.grad: One of the differentiated Tensors appears to not have been used in the graph. Set allowUnused: true if this is the desired behavior.',
      );
    return g;
  });
}

/** The implicit gradient of a one-element output: 1, shaped like it (not through onesLike's option parsing). */
function scalarOne(root: Tensor): Tensor {
  const one = empty(root.shape.slice(), 'float32');
  one._data[0] = 1;
  return one;
}

function checkGradShape(out: Tensor, g: Tensor): void {
  if (!sameShape(out.shape, g.shape))
    throw new RangeError(`backward: Mismatch in shape: grad_output has a shape of ${fmtShape(g.shape)} and output has a shape of ${fmtShape(out.shape)}`);
}

let runCounter = 0;

function run(roots: Tensor[], rootGrads: Tensor[], opts: RunOptions): (Tensor | null)[] {
  // The whole pass runs in one grad mode: recording only when building a graph of the gradient.
  const prevMode = setGradEnabled(opts.createGraph);
  try {
    return traverse(roots, rootGrads, opts);
  } finally {
    setGradEnabled(prevMode);
  }
}

function traverse(roots: Tensor[], rootGrads: Tensor[], opts: RunOptions): (Tensor | null)[] {
  // Per-run bookkeeping lives on the nodes (stamped with this run's id), not in Maps; the
  // capture table of autograd.grad is built only when it asks (backward() runs on small graphs
  // thousands of times a second, where a Map and three closures per run show in a profile).
  const runId = ++runCounter;
  const capture = opts.capture ? new Capture(opts.capture) : null;
  const createGraph = opts.createGraph;

  countDependencies(roots, runId);
  for (let i = 0; i < roots.length; i++) {
    const r = roots[i]!;
    if (r.gradFn) receive(r.gradFn, rootGrads[i]!);
    else deliverToLeaf(r, rootGrads[i]!, capture, createGraph);
  }
  const ready: Node[] = [];
  for (const r of roots) if (r.gradFn && r.gradFn._deps === 0 && !ready.includes(r.gradFn)) ready.push(r.gradFn);

  const visited: Node[] = [];
  while (ready.length > 0) {
    const node = ready.pop()!;
    visited.push(node);
    const g = node._pending;
    node._pending = null;
    // A node no gradient reached still releases its consumers, so none waits forever.
    let inputGrads: readonly (Tensor | null | undefined)[] = NO_GRADS;
    if (g) {
      if (node.retained) accumulateInto(node.retained, g, createGraph);
      capture?.add(node, g);
      inputGrads = callBackward(node, g);
    }
    const next = node.next;
    for (let i = 0; i < next.length; i++) {
      const edge = next[i];
      if (!edge) continue;
      let gi = inputGrads[i];
      if (gi != null) {
        const shape = node.inputShapes[i]!;
        if (!sameShape(gi.shape, shape)) gi = sumToShape(gi, shape);
        if (edge.leaf) {
          deliverToLeaf(edge.leaf, gi, capture, createGraph);
          continue;
        }
        receive(edge.node, gi);
      }
      if (edge.node && --edge.node._deps === 0) ready.push(edge.node);
    }
  }
  if (!opts.retainGraph)
    for (const node of visited) {
      if (node.saved && node.saved.length > 0) node.released = true;
      node.saved = null;
    }
  return capture ? capture.grads : NO_CAPTURE;
}

const NO_GRADS: readonly (Tensor | null)[] = [];
const NO_CAPTURE: (Tensor | null)[] = [];

/** autograd.grad's outputs: the gradients reaching each requested tensor (or its node). */
class Capture {
  readonly grads: (Tensor | null)[];
  private readonly index = new Map<Node | Tensor, number[]>();

  constructor(inputs: Tensor[]) {
    this.grads = inputs.map(() => null);
    inputs.forEach((t, i) => {
      const key = t.gradFn ?? t;
      this.index.set(key, [...(this.index.get(key) ?? []), i]);
    });
  }

  add(key: Node | Tensor, g: Tensor): void {
    forgetFresh(g);
    for (const i of this.index.get(key) ?? []) this.grads[i] = this.grads[i] ? this.grads[i]!.add(g) : g;
  }
}

function deliverToLeaf(leaf: Tensor, g: Tensor, capture: Capture | null, createGraph: boolean): void {
  if (capture) capture.add(leaf, g);
  else accumulateInto(leaf, g, createGraph);
}

function receive(node: Node, g: Tensor): void {
  node._pending = node._pending ? node._pending.add(g) : g;
}

/** Counts the edges into each node reachable from the roots (iterative DFS) into node._deps. */
function countDependencies(roots: Tensor[], runId: number): void {
  const stack: Node[] = [];
  const visit = (node: Node) => {
    if (node._runId === runId) return;
    node._runId = runId;
    node._deps = 0;
    node._pending = null;
    stack.push(node);
  };
  for (const r of roots) if (r.gradFn) visit(r.gradFn);
  while (stack.length > 0) {
    const node = stack.pop()!;
    for (const edge of node.next) {
      if (!edge?.node) continue;
      visit(edge.node);
      edge.node._deps++;
    }
  }
}

function callBackward(node: Node, g: Tensor): readonly (Tensor | null | undefined)[] {
  if (node.released) throw new Error(SECOND_BACKWARD);
  const saved = node.saved ?? [];
  for (let i = 0; i < saved.length; i++) {
    const t = saved[i]!, want = node.savedVersions[i]!;
    if (t._version.value !== want)
      throw new Error(
        `one of the variables needed for gradient computation has been modified by an inplace operation: ` +
          `[${t.dtype} ${fmtShape(t.shape)}]${t.gradFn ? `, which is output 0 of ${t.gradFn.name},` : ''} is at version ` +
          `${t._version.value}; expected version ${want} instead. Hint: the backtrace further above can help ` +
          'find the operation that failed to compute its gradient: look for in-place ops (add_, mul_, ...) on it.',
      );
  }
  return node.backwardFn(g, saved, node.needs);
}
