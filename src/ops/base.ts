// What every op file shares: allocating outputs, argument checks, and `record`, which
// attaches an op's backward to its result.
import { Node, type BackwardFn, type Edge } from '../autograd/node.js';
import { isGradEnabled } from '../autograd/grad_mode.js';
import type { DType } from '../dtype.js';
import { allocate, allocateUninit } from '../storage.js';
import { describe, fmtShape, rangeError, typeError } from '../errors.js';
import { MAX_NUMEL, contiguousStrides, numel } from '../shape.js';
import { Tensor } from '../tensor.js';

function checkedNumel(shape: number[]): number {
  const n = numel(shape);
  // Reachable from zero-size inputs: a reduction or broadcast of [0, 2^40, 2^40] has a huge output.
  if (n > MAX_NUMEL) throw rangeError('allocate', `an output of shape ${fmtShape(shape)} would have ${n} elements, more than the ${MAX_NUMEL} supported`);
  return n;
}

/** A fresh contiguous tensor of `shape` (zero-filled). */
export function empty(shape: number[], dtype: DType): Tensor {
  return Tensor._make({ data: allocate(dtype, checkedNumel(shape)) }, shape, contiguousStrides(shape), 0, dtype);
}

/**
 * A fresh contiguous tensor of `shape` whose contents are undefined. Only for an output the
 * very next native call overwrites element by element (the elementwise, cast, compare and
 * where kernels); if that call throws, the tensor must not escape.
 */
export function emptyUninit(shape: number[], dtype: DType): Tensor {
  return Tensor._make({ data: allocateUninit(dtype, checkedNumel(shape)) }, shape, contiguousStrides(shape), 0, dtype);
}

/** True for a Tensor (the ops take tensors and JS numbers where PyTorch takes tensors and Python scalars). */
export function isTensor(v: unknown): v is Tensor {
  return v instanceof Tensor;
}

/** Checks that `v` is a live tensor; the message names the op and the argument. */
export function expectTensor(op: string, v: unknown, what = 'argument'): Tensor {
  if (!(v instanceof Tensor)) throw typeError(op, `expected a Tensor as ${what}, got ${describe(v)}`);
  v._alive(op);
  return v;
}

export function expectNumber(op: string, v: unknown, what: string): number {
  if (typeof v !== 'number') throw typeError(op, `${what} must be a number, got ${describe(v)}`);
  return v;
}

/**
 * Whether an op on `a` (and `b`) is recorded: grad mode on and an operand requires grad. The
 * hottest ops check it before building record's arguments (arrays and a closure per call).
 */
export function tracks(a: Tensor, b?: unknown): boolean {
  return isGradEnabled() && (a._requiresGradNow() || (b instanceof Tensor && b._requiresGradNow()));
}

/**
 * Attaches the backward of an op to its result when grad mode is on and some input requires
 * grad. `saved` are the tensors the backward reads; their versions are checked before use. An
 * op saves only what the derivative of an input that requires grad reads (null elsewhere, see
 * {@link savedFor}): a saved tensor is one an in-place op may no longer change.
 */
export function record(
  name: string,
  out: Tensor,
  inputs: readonly (Tensor | null)[],
  saved: (Tensor | null)[],
  backward: BackwardFn,
): Tensor {
  if (!isGradEnabled()) return out;
  let any = false;
  for (let i = 0; i < inputs.length; i++) if (inputs[i]?._requiresGradNow()) any = true;
  if (!any) return out;
  // One pass over the inputs (views caught up with their bases above); shapes are kept as they
  // are (a tensor's shape never changes). A tensor with history requires grad; one without is
  // a leaf if it requires grad itself: a view requiring grad only through its base gets no edge.
  const next: Edge[] = new Array(inputs.length);
  const shapes: number[][] = new Array(inputs.length);
  for (let i = 0; i < inputs.length; i++) {
    const t = inputs[i];
    shapes[i] = t ? t._shape : [];
    const node = t ? t._gradFn : null;
    next[i] = node ? { node } : t?._requiresGrad ? { leaf: t } : null;
  }
  out._requiresGrad = true;
  const node = new Node(name, next, shapes, backward, saved);
  node.savedOutput = saved.indexOf(out);
  out._gradFn = node;
  return out;
}

/** `t` when `wanted` (some input whose derivative reads it requires grad), else null: for `saved`. */
export function savedFor(wanted: boolean, t: Tensor): Tensor | null {
  return wanted ? t : null;
}

/**
 * Names the last node of an op composed from others after the PyTorch op it stands for
 * (var -> VarBackward0), so printing and gradFn.name read as in PyTorch.
 */
export function named(t: Tensor, name: string): Tensor {
  if (t.gradFn) t.gradFn.name = name;
  return t;
}
