// In-place ops: bump the version counter, refuse leaves that require grad, and — when the
// graph must record them — compute out of place and adopt the result's history.
import { isGradEnabled, noGrad } from '../autograd/grad_mode.js';
import { promote, promoteWithScalar } from '../dtype.js';
import { describe, rangeError, typeError } from '../errors.js';
import { meta, putHeader, putView } from '../call.js';
import { native } from '../native.js';
import * as small from '../small_kernels.js';
import { broadcastShapes, sameShape } from '../shape.js';
import type { Node } from '../autograd/node.js';
import { Tensor } from '../tensor.js';
import { empty, expectTensor, record } from './base.js';
import * as E from './elementwise.js';
import { binaryInto, castKernel, clampInto, toDType } from './elementwise_kernels.js';
import { scatter, scatterArgs, scatterInto, type ScatterOptions } from './indexing.js';
import { maskedFill } from './masking.js';
import * as V from './views.js';

const LEAF_ERROR = 'a leaf Variable that requires grad is being used in an in-place operation.';
const VIEW_OF_LEAF_ERROR = 'a view of a leaf Variable that requires grad is being used in an in-place operation.';

function checkWritable(self: Tensor, op: string): void {
  expectTensor(op, self, 'self');
  if (!isGradEnabled()) return;
  // A view that requires grad (through its base, or as a leaf view of its own) of a leaf, also
  // one taken before the leaf's requiresGrad_(): v has no history of its own, and writing it
  // writes the leaf.
  const base = self._base;
  if (base !== null && base.isLeaf && self.requiresGrad) throw new Error(`${op}: ${VIEW_OF_LEAF_ERROR}`);
  // A leaf of its own: a view requiring grad only through its base is not one.
  if (self.isLeaf && self._requiresGrad) throw new Error(`${op}: ${LEAF_ERROR}`);
}

/** Runs an in-place op: `direct` writes into self; `recorded` is the out-of-place equivalent. */
function inplace(self: Tensor, op: string, inputs: unknown[], direct: () => void, recorded: () => Tensor): Tensor {
  checkWritable(self, op);
  const needsGraph = isGradEnabled() && (self.requiresGrad || inputs.some((t) => t instanceof Tensor && t.requiresGrad));
  if (!needsGraph) {
    direct();
    self._version.value++;
    return self;
  }
  if (self._base !== null) return inplaceOnView(self, op, recorded);
  const r = recorded();
  castKernel(r, self.dtype, self);
  self._version.value++;
  adoptHistory(self, r.gradFn);
  self._requiresGrad = r.requiresGrad;
  return self;
}

/**
 * Gives self the history of the in-place op just applied to it. A retainGrad() moves along, as
 * in PyTorch: `.grad` is then the gradient of the tensor as it is now, not as it was.
 */
function adoptHistory(self: Tensor, node: Node | null): void {
  const before = self._gradFn;
  self.gradFn = node;
  if (self._retainsGrad && node !== null) {
    if (before?.retained === self) before.retained = null;
    node.retained = self;
  }
}

/**
 * An in-place op on a view rewrites part of its base, so the base's history becomes "the old
 * base with this region replaced by the op's result" (PyTorch's CopySlices), and the view's
 * history becomes a view of that new base.
 */
function inplaceOnView(self: Tensor, op: string, recorded: () => Tensor): Tensor {
  const base = self._base!;
  if (self._viewInNoGrad)
    throw new Error(
      `${op}: A view was created in no_grad mode and is being modified inplace with grad mode enabled. Given that this use case is ambiguous and error-prone, it is forbidden. You can clarify your code by moving both the view and the inplace either both inside the noGrad block (if you don't want the inplace to be tracked) or both outside (if you want the inplace to be tracked).`,
    );
  if (!V.isContiguousTensor(base))
    throw new Error(`${op}: in-place ops on views of a non-contiguous base that requires grad are not supported`);
  for (let i = 0; i < self.dim(); i++)
    if (self._strides[i] === 0 && self._shape[i]! > 1)
      throw rangeError(op, 'unsupported operation: more than one element of the written-to tensor refers to a single memory location. Please clone() the tensor before performing the operation.');
  const shape = self._shape.slice(), strides = self._strides.slice(), offset = self._offset - base._offset;
  const r = recorded();
  // Where the view's elements sit in the base: 0 there, 1 elsewhere (built before the write).
  const keep = empty(base._shape.slice(), 'float32');
  keep._data.fill(1);
  noGrad(() => new Tensor(keep._box, shape, strides, offset, 'float32').fill_(0));
  castKernel(r, self.dtype, self);
  self._version.value++;
  const before = base.requiresGrad ? base : null;
  const rebased = new Tensor(base._box, base._shape, base._strides, base._offset, base.dtype, base._version);
  rebased.gradFn = base.gradFn;
  rebased._requiresGrad = base.requiresGrad;
  record('CopySlices', base, [before ? rebased : null, r], [], (g, _s, needs) => {
    const gc = V.contiguous(g);
    return [needs[0] ? E.mul(gc, keep) : null, needs[1] ? V.asStrided(gc, shape, strides, offset) : null];
  });
  const asView = V.asStrided(base, shape, strides, offset);
  adoptHistory(self, asView.gradFn);
  self._requiresGrad = true;
  return self;
}

/** An operand that aliases self's storage through a different view is copied first. */
function unaliased(self: Tensor, other: unknown): unknown {
  if (!(other instanceof Tensor) || other._box !== self._box) return other;
  const same = other._offset === self._offset && sameShape(other._shape, self._shape) && other._strides.every((s, i) => s === self._strides[i]);
  return same ? other : V.clone(other).detach();
}

export function binary_<T extends Tensor>(self: T, op: 'add_' | 'sub_' | 'mul_' | 'div_', other: Tensor | number, opts?: { alpha?: number }): T {
  const name = op.slice(0, -1) as 'add' | 'sub' | 'mul' | 'div';
  expectTensor(op, self, 'self');
  if (typeof other !== 'number') other = expectTensor(op, other, 'other');
  const resultType = name === 'div' ? 'float32' : typeof other === 'number' ? promoteWithScalar(self.dtype, other) : promote(self.dtype, other.dtype);
  if (resultType !== self.dtype && !(resultType === 'int32' && self.dtype === 'int32'))
    throw typeError(op, `result type ${resultType} can't be cast to the desired output type ${self.dtype}`);
  if (other instanceof Tensor) {
    const shape = broadcastShapes(op, self._shape, other._shape);
    if (!sameShape(shape, self._shape))
      throw rangeError(op, `output with shape [${self._shape.join(', ')}] doesn't match the broadcast shape [${shape.join(', ')}]`);
  }
  const scaled = opts?.alpha !== undefined && opts.alpha !== 1;
  return inplace(
    self,
    op,
    [other],
    () => {
      const o = unaliased(self, other) as Tensor | number;
      const b = scaled ? (typeof o === 'number' ? o * opts!.alpha! : E.mul(o, opts!.alpha!)) : o;
      binaryInto(name, self, self, b);
    },
    () => {
      const before = V.clone(self);
      if (name === 'add') return E.add(before, other, opts);
      if (name === 'sub') return E.sub(before, other, opts);
      if (name === 'mul') return E.mul(before, other);
      return E.div(before, other);
    },
  ) as T;
}

export function clamp_<T extends Tensor>(self: T, min?: number | null, max?: number | null): T {
  if (self.dtype !== 'float32') throw typeError('clamp_', `only float32 tensors are supported, got ${self.dtype}`);
  return inplace(self, 'clamp_', [], () => clampInto(self, self, min, max), () => E.clamp(V.clone(self), min, max)) as T;
}

export function fill_<T extends Tensor>(self: T, value: number | boolean, op = 'fill_'): T {
  if (typeof value !== 'number' && typeof value !== 'boolean')
    throw typeError(op, `value must be a number or boolean, got ${describe(value)}`);
  const v = typeof value === 'boolean' ? (value ? 1 : 0) : value;
  return inplace(
    self,
    op,
    [],
    () => {
      const pos = putHeader(0, self._shape, v);
      putView(pos, self._offset, self._strides);
      small.fill(meta, self._data) || native.fill(meta, self._data);
    },
    // The old values are overwritten: no gradient flows to them.
    () => E.add(E.mul(V.clone(self), 0), v),
  ) as T;
}

export function copy_<T extends Tensor>(self: T, src: Tensor): T {
  src = expectTensor('copy_', src, 'src');
  const shape = broadcastShapes('copy_', self._shape, src._shape);
  if (!sameShape(shape, self._shape))
    throw rangeError('copy_', `src of shape [${src._shape.join(', ')}] cannot be broadcast to [${self._shape.join(', ')}]`);
  return inplace(
    self,
    'copy_',
    [src],
    () => castKernel(unaliased(self, src) as Tensor, self.dtype, self),
    () => V.clone(V.expand(toDType(src, self.dtype), [self._shape])),
  ) as T;
}

/** Used by the random in-place fills: checks, writes, bumps the version. */
export function overwrite_<T extends Tensor>(self: T, op: string, write: () => void): T {
  checkWritable(self, op);
  write();
  self._version.value++;
  if (isGradEnabled() && self.requiresGrad && !self.isLeaf) {
    // Overwritten with fresh values: the result no longer depends on the old graph.
    self.gradFn = null;
    self._requiresGrad = false;
  }
  return self;
}

/** `value` written in place where `mask` holds (maskedFill_). */
export function maskedFill_<T extends Tensor>(self: T, mask: Tensor, value: number | boolean | Tensor): T {
  expectTensor('maskedFill_', self, 'self');
  // maskedFill checks the arguments (and so names itself in errors) before anything is written.
  const filled = () => maskedFill(self, mask, value);
  return inplace(self, 'maskedFill_', [value], () => noGrad(() => castKernel(filled(), self.dtype, self)), () => maskedFill(V.clone(self), mask, value)) as T;
}

/** torch.Tensor.scatter_: src's values (or the scalar src) written in place at the positions `index` names along `dim`; `opts.reduce` adds or multiplies instead. */
export function scatter_<T extends Tensor>(self: T, dim: number, index: Tensor, src: Tensor | number | boolean, opts?: ScatterOptions): T {
  expectTensor('scatter_', self, 'self');
  const [d, i1, s1, mode] = scatterArgs('scatter_', self, dim, index, src, opts);
  // An operand sharing self's storage is read from a copy: the kernel writes as it goes.
  const own = (t: Tensor) => (t._box === self._box ? V.clone(t).detach() : t);
  return inplace(self, 'scatter_', [src], () => scatterInto(self, d, own(i1), own(s1), mode), () => scatter(V.clone(self), dim, index, src, opts)) as T;
}
