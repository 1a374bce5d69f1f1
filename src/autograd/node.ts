// A node of the autograd graph: one recorded op. Plain JS objects, so the garbage collector
// frees an abandoned graph exactly as it frees an abandoned tensor.
import type { Tensor } from '../tensor.js';

/**
 * Gradient of the op's inputs given the gradient of its output. `needs[i]` tells whether input
 * i wants one; return null there to skip the work.
 */
export type BackwardFn = (
  grad: Tensor,
  saved: readonly (Tensor | null)[],
  needs: readonly boolean[],
) => readonly (Tensor | null | undefined)[];

/** A leaf's gradients within one backward run, summed until the last of its `deps` edges delivers. */
export interface LeafSlot {
  runId: number;
  deps: number;
  pending: Tensor | null;
}

/** Where an input's gradient goes: into another node, or into a leaf's `.grad`. */
export type Edge = { node: Node; leaf?: undefined } | { node?: undefined; leaf: Tensor } | null;

/** A recorded operation in the autograd graph (a tensor's `gradFn`, exported as the type `GradFn`). */
export class Node {
  /** PyTorch's name for it, e.g. `MulBackward0`. */
  name: string;
  /** @internal One edge per op input (null when that input needs no gradient). */
  readonly next: Edge[];
  /** @internal Shapes of the inputs, to sum broadcast gradients back. */
  readonly inputShapes: number[][];
  /** @internal */
  backwardFn: BackwardFn;
  /**
   * @internal Tensors the backward needs, with their version when saved; null in a slot that only
   * the derivative of an input needing no gradient would read (so it is neither kept nor checked).
   */
  saved: (Tensor | null)[] | null;
  /** @internal */
  savedVersions: number[];
  /** @internal Index in `saved` of this node's own output, or -1: the version error names it as "output 0 of <this node>". */
  savedOutput = -1;
  /** @internal True once backward has freed the saved tensors. */
  released = false;
  /** @internal A non-leaf tensor that called retainGrad() and is this node's output. */
  retained: Tensor | null = null;
  /** @internal Which inputs want a gradient (their edge is not null). */
  readonly needs: boolean[];
  /** @internal Engine bookkeeping, valid during the run whose id is _runId. */
  _runId = 0;
  /** @internal */ _deps = 0;
  /** @internal */ _pending: Tensor | null = null;
  /** @internal This run calls its backward (autograd.grad skips nodes that reach no input). */ _runs = false;
  /** @internal This run needs the gradient reaching it (it runs, or is an input's node). */ _wanted = false;

  constructor(name: string, next: Edge[], inputShapes: number[][], backwardFn: BackwardFn, saved: (Tensor | null)[]) {
    this.name = name;
    this.next = next;
    const needs: boolean[] = new Array(next.length);
    for (let i = 0; i < next.length; i++) needs[i] = next[i] !== null;
    this.needs = needs;
    this.inputShapes = inputShapes;
    this.backwardFn = backwardFn;
    this.saved = saved;
    const versions: number[] = new Array(saved.length);
    for (let i = 0; i < saved.length; i++) versions[i] = saved[i]?._version.value ?? 0;
    this.savedVersions = versions;
  }

  /** `<Name>`, e.g. `<MulBackward0>`. */
  toString(): string {
    return `<${this.name}>`;
  }
}
