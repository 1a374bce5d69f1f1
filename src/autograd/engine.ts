// The backward engine: an iterative topological traversal (no recursion, so deep graphs
// cannot overflow the stack) that calls each node's backward and routes gradients along its
// edges. All gradient math runs in native kernels through tensor ops.
import { describe, fmtShape } from '../errors.js';
import { setGradEnabled } from './grad_mode.js';
import type { Node } from './node.js';
import { Tensor } from '../tensor.js';
import { sumToShape, accumulateInto, forgetFresh } from './accumulate.js';
import { numel, sameShape } from '../shape.js';
import { empty } from '../ops/base.js';
import { GradLedger } from './ledger.js';
import { ledgerMinBytes } from '../storage.js';

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

/**
 * Backward from several roots as one pass (torch.autograd.backward): every root is checked
 * before anything runs, so a bad root leaves every .grad as it was, and roots that share
 * saved tensors (or are the same tensor) need no retainGraph.
 */
export function backward(
  roots: Tensor[],
  gradients: (Tensor | null | undefined)[],
  opts: { retainGraph?: boolean; createGraph?: boolean } = {},
): void {
  if (opts === null || typeof opts !== 'object') throw new TypeError(`backward: options must be an object, got ${describe(opts)}`);
  // A loop, not map(): loss.backward() comes here thousands of times a second.
  const grads: Tensor[] = new Array(roots.length);
  for (let i = 0; i < roots.length; i++) {
    const root = roots[i];
    if (!(root instanceof Tensor)) throw new TypeError(`backward: expected tensors, got ${describe(root)} as element ${i}`);
    root._alive('backward');
    const g = gradients[i] ?? null;
    if (g !== null && !(g instanceof Tensor)) throw new TypeError(`backward: gradient must be a Tensor or null, got ${describe(g)}`);
    if (!root.requiresGrad) throw new Error(`element ${i} of tensors does not require grad and does not have a grad_fn`);
    if (g === null) {
      if (root.numel() !== 1) throw new Error('grad can be implicitly created only for scalar outputs');
      grads[i] = scalarOne(root);
    } else {
      checkGradShape(root, g, i);
      grads[i] = g;
    }
  }
  const createGraph = !!opts.createGraph;
  run(roots, grads, { retainGraph: opts.retainGraph ?? createGraph, createGraph });
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
    if (!o.requiresGrad) throw new Error(`autograd.grad: element ${i} of tensors does not require grad and does not have a grad_fn`);
    const g = gos[i];
    if (g == null) {
      if (o.numel() !== 1) throw new Error('grad can be implicitly created only for scalar outputs');
      return scalarOne(o);
    }
    if (!(g instanceof Tensor)) throw new TypeError(`autograd.grad: gradOutputs must be tensors, got ${describe(g)}`);
    checkGradShape(o, g, i);
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
  const one = empty(root._shape.slice(), 'float32');
  one._data[0] = 1;
  return one;
}

function checkGradShape(out: Tensor, g: Tensor, i: number): void {
  if (!sameShape(out._shape, g._shape))
    throw new RangeError(`backward: Mismatch in shape: grad_output[${i}] has a shape of ${fmtShape(g._shape)} and output[${i}] has a shape of ${fmtShape(out._shape)}`);
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
  // Per-run bookkeeping lives on the nodes and leaves (stamped with this run's id), not in Maps;
  // the capture table of autograd.grad is built only when it asks (backward() runs on small
  // graphs thousands of times a second, where a Map and three closures per run show in a profile).
  const runId = ++runCounter;
  const capture = opts.capture ? new Capture(opts.capture) : null;
  const createGraph = opts.createGraph;
  if (capture) markWhatReachesInputs(roots, runId, capture);
  const big = capture === null && countDependencies(roots, runId);
  const ledger = big ? GradLedger.begin(createGraph) : null;
  try {
    return traverseWith(roots, rootGrads, opts, runId, capture, ledger);
  } finally {
    ledger?.end();
  }
}

function traverseWith(roots: Tensor[], rootGrads: Tensor[], opts: RunOptions, runId: number, capture: Capture | null, ledger: GradLedger | null): (Tensor | null)[] {
  const createGraph = opts.createGraph;
  for (let i = 0; i < roots.length; i++) {
    const r = roots[i]!;
    if (r.gradFn) {
      if (r.gradFn._wanted) receive(r.gradFn, rootGrads[i]!, ledger);
    } else arriveAtLeaf(r, rootGrads[i]!, capture, createGraph, ledger);
  }
  ledger?.settle();
  const ready: Node[] = [];
  for (const r of roots)
    if (r.gradFn && r.gradFn._wanted && r.gradFn._deps === 0 && !ready.includes(r.gradFn)) ready.push(r.gradFn);

  const visited: Node[] = [];
  while (ready.length > 0) {
    const node = ready.pop()!;
    const g = node._pending;
    node._pending = null;
    if (!node._runs) {
      // An input of autograd.grad that nothing below it was asked for: its gradient is the
      // answer, and its backward (and everything below) stays unrun and unfreed, as in PyTorch.
      if (g) capture!.add(node, g);
      continue;
    }
    visited.push(node);
    // A node no gradient reached still releases its consumers, so none waits forever.
    let inputGrads: readonly (Tensor | null | undefined)[] = NO_GRADS;
    if (g) {
      if (node.retained) keepInto(node.retained, g, createGraph, ledger);
      capture?.add(node, g);
      inputGrads = callBackward(node, g);
    }
    const next = node.next;
    for (let i = 0; i < next.length; i++) {
      const edge = next[i];
      if (!edge) continue;
      let gi = inputGrads[i] ?? null;
      if (gi !== null) {
        const shape = node.inputShapes[i]!;
        if (!sameShape(gi._shape, shape)) gi = sumToShape(gi, shape);
      }
      if (edge.leaf) {
        arriveAtLeaf(edge.leaf, gi, capture, createGraph, ledger);
        continue;
      }
      const to = edge.node;
      if (!to._wanted) continue;
      if (gi !== null) receive(to, gi, ledger);
      if (--to._deps === 0) ready.push(to);
    }
    if (ledger && g) {
      ledger.release(g);
      for (const raw of inputGrads) if (raw) ledger.drop(raw);
      ledger.settle();
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

  has(key: Node | Tensor): boolean {
    return this.index.has(key);
  }

  add(key: Node | Tensor, g: Tensor): void {
    forgetFresh(g);
    for (const i of this.index.get(key) ?? []) this.grads[i] = this.grads[i] ? this.grads[i]!.add(g) : g;
  }
}

/**
 * A gradient (or, as null, the news that none comes) reaching a leaf along one edge. Under
 * backward() a leaf's gradients are summed over all its edges and accumulated into .grad once,
 * when the last one arrives (PyTorch's AccumulateGrad): a pass that fails half way leaves a
 * leaf's .grad either untouched or complete, never half accumulated.
 */
function arriveAtLeaf(leaf: Tensor, g: Tensor | null, capture: Capture | null, createGraph: boolean, ledger: GradLedger | null): void {
  if (capture) {
    if (g !== null) capture.add(leaf, g);
    return;
  }
  const slot = leaf._leafSlot!;
  if (g !== null) slot.pending = sumInto(slot.pending, g, ledger);
  if (--slot.deps === 0 && slot.pending !== null) {
    const total = slot.pending;
    slot.pending = null;
    keepInto(leaf, total, createGraph, ledger);
  }
}

function receive(node: Node, g: Tensor, ledger: GradLedger | null): void {
  node._pending = sumInto(node._pending, g, ledger);
}

/** A pending gradient plus one more arriving (the sum held, both parts consumed). */
function sumInto(pending: Tensor | null, g: Tensor, ledger: GradLedger | null): Tensor {
  if (pending === null) {
    ledger?.hold(g);
    return g;
  }
  const sum = pending.add(g);
  if (ledger) {
    ledger.hold(sum);
    ledger.release(pending);
    ledger.drop(g);
  }
  return sum;
}

/**
 * accumulateInto, telling the ledger whether `t`'s .grad kept `g`'s storage or consumed it. A
 * leaf with no .grad yet keeps a gradient nothing else holds, rather than a copy of it.
 */
function keepInto(t: Tensor, g: Tensor, createGraph: boolean, ledger: GradLedger | null): void {
  if (ledger && !t.gradFn && (t._grad === null || t._grad.isDisposed) && ledger.sole(g)) {
    // Kept here, so its freshGrad mark goes (accumulateInto would have consumed it).
    forgetFresh(g);
    t._grad = g.detach();
    ledger.escape(g);
    return;
  }
  accumulateInto(t, g, createGraph);
  if (!ledger) return;
  if (t._grad?._box === g._box) ledger.escape(g);
  else if (!t.gradFn) ledger.release(g);  // a leaf consumed it (a retained .grad's node still holds g for its backward)
}

/** Counts this run's edges into `leaf` (a root counts as one). */
function expectAtLeaf(leaf: Tensor, runId: number): void {
  let slot = leaf._leafSlot;
  if (slot === null) slot = leaf._leafSlot = { runId, deps: 0, pending: null };
  else if (slot.runId !== runId) {
    slot.runId = runId;
    slot.deps = 0;
    slot.pending = null;
  }
  slot.deps++;
}

/**
 * backward(): every node reachable from the roots runs. Counts the edges into each node
 * (iterative DFS) into node._deps, and into each leaf into its slot. True when some node has an
 * input whose float32 gradient would fill ledgerMinBytes (src/storage.ts): only there does
 * freeing gradients early pay (a ledger cost a tiny step ~0.4 us).
 */
function countDependencies(roots: Tensor[], runId: number): boolean {
  let big = false;
  const stack: Node[] = [];
  const visit = (node: Node) => {
    if (node._runId === runId) return;
    node._runId = runId;
    node._deps = 0;
    node._pending = null;
    node._runs = true;
    node._wanted = true;
    stack.push(node);
  };
  for (const r of roots) {
    if (r.gradFn) visit(r.gradFn);
    else expectAtLeaf(r, runId);
  }
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (!big) big = hasBigInput(node);
    for (const edge of node.next) {
      if (!edge) continue;
      if (edge.leaf) {
        expectAtLeaf(edge.leaf, runId);
        continue;
      }
      visit(edge.node);
      edge.node._deps++;
    }
  }
  return big;
}

function hasBigInput(node: Node): boolean {
  const minNumel = ledgerMinBytes / 4;  // float32 gradients
  for (const shape of node.inputShapes) if (numel(shape) >= minNumel) return true;
  return false;
}

/**
 * autograd.grad(): only the nodes on a path from the roots to a requested input run (PyTorch's
 * exec_info). Marks, children before parents (an iterative post-order DFS), which nodes run
 * (an edge leads to a wanted node or a requested leaf) and which are wanted (they run or are a
 * requested input's node), then counts only the edges from running to wanted nodes.
 */
function markWhatReachesInputs(roots: Tensor[], runId: number, capture: Capture): void {
  const order: Node[] = [];
  const stack: Node[] = [], edgeAt: number[] = [];
  const enter = (node: Node) => {
    if (node._runId === runId) return;
    node._runId = runId;
    node._deps = 0;
    node._pending = null;
    stack.push(node);
    edgeAt.push(0);
  };
  for (const r of roots) if (r.gradFn) enter(r.gradFn);
  while (stack.length > 0) {
    const top = stack.length - 1;
    const node = stack[top]!, i = edgeAt[top]!;
    if (i < node.next.length) {
      edgeAt[top] = i + 1;
      const edge = node.next[i];
      if (edge?.node) enter(edge.node);
      continue;
    }
    stack.pop();
    edgeAt.pop();
    order.push(node);
  }
  for (const node of order) {
    let runs = false;
    for (const edge of node.next) if (edge && (edge.leaf ? capture.has(edge.leaf) : edge.node._wanted)) runs = true;
    node._runs = runs;
    node._wanted = runs || capture.has(node);
  }
  for (const node of order)
    if (node._runs) for (const edge of node.next) if (edge?.node?._wanted) edge.node._deps++;
}

function callBackward(node: Node, g: Tensor): readonly (Tensor | null | undefined)[] {
  if (node.released) throw new Error(SECOND_BACKWARD);
  const saved = node.saved ?? [];
  for (let i = 0; i < saved.length; i++) {
    const t = saved[i];
    if (!t) continue;
    const want = node.savedVersions[i]!;
    if (t._version.value !== want) throw modifiedInPlace(t, i === node.savedOutput ? node : t.gradFn, want);
  }
  return node.backwardFn(g, saved, node.needs);
}

// PyTorch's legacy type names, which its version-counter message prints.
const TORCH_TYPE: Record<Tensor['dtype'], string> = { float32: 'torch.FloatTensor', int32: 'torch.IntTensor', bool: 'torch.BoolTensor' };

/**
 * PyTorch's message, word for word up to its hint. It names the node that made the tensor: for
 * an output the node saved itself (exp saves its result) that node; for an input, the tensor's
 * current gradFn, which after the in-place op is that op's node.
 */
function modifiedInPlace(t: Tensor, madeBy: Node | null, want: number): Error {
  return new Error(
    `one of the variables needed for gradient computation has been modified by an inplace operation: ` +
      `[${TORCH_TYPE[t.dtype]} ${fmtShape(t._shape)}]${madeBy ? `, which is output 0 of ${madeBy.name},` : ''} is at version ` +
      `${t._version.value}; expected version ${want} instead. Hint: tensorgrad has no anomaly detection; look for an ` +
      'in-place op (add_, mul_, copy_, ..., also through a view) on this tensor between the forward pass and this backward.',
  );
}
