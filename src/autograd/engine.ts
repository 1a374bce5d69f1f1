// The backward engine: an iterative topological traversal (no recursion, so deep graphs
// cannot overflow the stack) that calls each node's backward and routes gradients along its
// edges. All gradient math runs in native kernels through tensor ops.
import { describe, fmtShape } from '../errors.js';
import { noGrad, enableGrad } from './grad_mode.js';
import type { Node } from './node.js';
import { Tensor } from '../tensor.js';
import { onesLike, sumToShape, accumulateInto } from '../ops/helpers.js';
import { sameShape } from '../shape.js';

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
    gradient = onesLike(root);
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
      return onesLike(o);
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

function checkGradShape(out: Tensor, g: Tensor): void {
  if (!sameShape(out.shape, g.shape))
    throw new RangeError(`backward: Mismatch in shape: grad_output has a shape of ${fmtShape(g.shape)} and output has a shape of ${fmtShape(out.shape)}`);
}

function run(roots: Tensor[], rootGrads: Tensor[], opts: RunOptions): (Tensor | null)[] {
  // Gradients flowing into each node's output, summed as they arrive.
  const pending = new Map<Node, Tensor>();
  const captured: (Tensor | null)[] = opts.capture ? opts.capture.map(() => null) : [];
  const captureIndex = new Map<Node | Tensor, number[]>();
  opts.capture?.forEach((t, i) => {
    const key = t.gradFn ?? t;
    captureIndex.set(key, [...(captureIndex.get(key) ?? []), i]);
  });
  const capture = (key: Node | Tensor, g: Tensor) => {
    for (const i of captureIndex.get(key) ?? []) captured[i] = captured[i] ? add(captured[i]!, g) : g;
  };
  const add = (a: Tensor, b: Tensor) => (opts.createGraph ? a.add(b) : noGrad(() => a.add(b)));

  const runNode = (node: Node, g: Tensor) => {
    if (node.retained) accumulateInto(node.retained, g, opts.createGraph);
    if (opts.capture) capture(node, g);
    return callBackward(node, g, opts.createGraph);
  };
  const dependencies = countDependencies(roots);
  const ready: Node[] = [];
  const deliverToLeaf = (leaf: Tensor, g: Tensor) => {
    if (opts.capture) return capture(leaf, g);
    accumulateInto(leaf, g, opts.createGraph);
  };
  roots.forEach((r, i) => {
    const g = rootGrads[i]!;
    if (r.gradFn) {
      const prev = pending.get(r.gradFn);
      pending.set(r.gradFn, prev ? add(prev, g) : g);
    } else deliverToLeaf(r, g);
  });
  for (const r of roots) if (r.gradFn && (dependencies.get(r.gradFn) ?? 0) === 0 && !ready.includes(r.gradFn)) ready.push(r.gradFn);

  const visited: Node[] = [];
  while (ready.length > 0) {
    const node = ready.pop()!;
    visited.push(node);
    const g = pending.get(node);
    pending.delete(node);
    // A node no gradient reached still releases its consumers, so none waits forever.
    const inputGrads = g ? runNode(node, g) : [];
    node.next.forEach((edge, i) => {
      if (!edge) return;
      let gi = inputGrads[i];
      if (gi != null) {
        const shape = node.inputShapes[i]!;
        if (!sameShape(gi.shape, shape)) gi = opts.createGraph ? sumToShape(gi, shape) : noGrad(() => sumToShape(gi!, shape));
        if (edge.leaf) return deliverToLeaf(edge.leaf, gi);
        const prev = pending.get(edge.node);
        pending.set(edge.node, prev ? add(prev, gi) : gi);
      }
      if (edge.node && decrement(dependencies, edge.node) === 0) ready.push(edge.node);
    });
  }
  if (!opts.retainGraph)
    for (const node of visited) {
      if (node.saved && node.saved.length > 0) node.released = true;
      node.saved = null;
    }
  return captured;
}

function decrement(deps: Map<Node, number>, node: Node): number {
  const n = (deps.get(node) ?? 1) - 1;
  deps.set(node, n);
  return n;
}

/** Number of edges into each node reachable from the roots (iterative DFS). */
function countDependencies(roots: Tensor[]): Map<Node, number> {
  const deps = new Map<Node, number>();
  const seen = new Set<Node>();
  const stack: Node[] = [];
  for (const r of roots) if (r.gradFn && !seen.has(r.gradFn)) {
    seen.add(r.gradFn);
    stack.push(r.gradFn);
  }
  while (stack.length > 0) {
    const node = stack.pop()!;
    for (const edge of node.next) {
      if (!edge?.node) continue;
      deps.set(edge.node, (deps.get(edge.node) ?? 0) + 1);
      if (!seen.has(edge.node)) {
        seen.add(edge.node);
        stack.push(edge.node);
      }
    }
  }
  return deps;
}

function callBackward(node: Node, g: Tensor, createGraph: boolean): readonly (Tensor | null | undefined)[] {
  if (node.released) throw new Error(SECOND_BACKWARD);
  const saved = node.saved ?? [];
  saved.forEach((t, i) => {
    const want = node.savedVersions[i]!;
    if (t._version.value !== want)
      throw new Error(
        `one of the variables needed for gradient computation has been modified by an inplace operation: ` +
          `[${t.dtype} ${fmtShape(t.shape)}]${t.gradFn ? `, which is output 0 of ${t.gradFn.name},` : ''} is at version ` +
          `${t._version.value}; expected version ${want} instead. Hint: the backtrace further above can help ` +
          'find the operation that failed to compute its gradient: look for in-place ops (add_, mul_, ...) on it.',
      );
  });
  const needs = node.next.map((e) => e !== null);
  return createGraph ? enableGrad(() => node.backwardFn(g, saved, needs)) : noGrad(() => node.backwardFn(g, saved, needs));
}
