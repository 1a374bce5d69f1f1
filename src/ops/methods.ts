// The Tensor methods that are not also `tg.<name>` functions (in-place ops, conversions,
// backward, ...), registered like every op (src/ops/registry.ts); src/tensor_methods.ts
// installs them with the rest. Each export is one method; the first parameter is the tensor
// it is called on. `OverloadedMethods` types the methods with overloads, which a registered
// function's type cannot carry.
import { backward as engineBackward } from '../autograd/engine.js';
import type { DType } from '../dtype.js';
import type { NestedArray, ElementOf, Tensor, ValuesIndices } from '../tensor.js';
import type { Storage } from '../native.js';
import type { Scalar } from './elementwise_kernels.js';
import { toDType } from './elementwise_kernels.js';
import { where as whereOp } from './elementwise.js';
import type { ScatterOptions } from './indexing.js';
import * as I from './inplace.js';
import * as Rand from './random.js';
import * as R from './reduce.js';
import { multinomial as multinomialOp, type MultinomialOptions } from './sorting.js';
import { def } from './registry.js';
import { dispose as freeStorage } from '../storage.js';
import * as V from './views.js';

const methodOnly = { exported: false } as const;
const sameDTypeMethod = { exported: false, method: 'sameDType' } as const;
// In-place ops return the tensor they were called on: typed as a Tensor<D> of its D.
const inPlace = sameDTypeMethod;
type Dims = number | number[];

/** This tensor where `condition` is true, `other` elsewhere (broadcast). */
export const where = def('where', (self: Tensor, condition: Tensor, other: Scalar): Tensor => whereOp(condition, self, other), methodOnly);
/** Same as `expand(other.shape)`. */
export const expandAs = def('expandAs', (self: Tensor, other: Tensor): Tensor => V.expand(self, [V.shapeOf('expandAs', other)], 'expandAs'), sameDTypeMethod);

/** Same as `to('float32')`. */
export const float = def('float', (self: Tensor): Tensor<'float32'> => toDType(self, 'float32') as Tensor<'float32'>, methodOnly);
/** Same as `to('int32')`. */
export const int = def('int', (self: Tensor): Tensor<'int32'> => toDType(self, 'int32') as Tensor<'int32'>, methodOnly);
/** Same as `to('bool')`. */
export const bool = def('bool', (self: Tensor): Tensor<'bool'> => toDType(self, 'bool') as Tensor<'bool'>, methodOnly);
/** A copy of the values in row-major order as a typed array (Float32Array for 'float32', Int32Array for 'int32', Uint8Array for 'bool'). */
export const toTypedArray = def('toTypedArray', (self: Tensor): Storage => V.contiguousData(self._alive('toTypedArray')).slice(), methodOnly);
/** Frees the storage now (for this tensor and every view of it); later use throws. */
export const dispose = def('dispose', (self: Tensor): void => freeStorage(self), methodOnly);
/** Computes the gradients of this tensor with respect to the leaves and accumulates them into their `.grad`; `gradient` is required unless this tensor has one element. */
export const backward = def('backward', (self: Tensor, gradient?: Tensor | null, opts: { retainGraph?: boolean; createGraph?: boolean } = {}): void => {
  engineBackward([self], [gradient], opts);
}, methodOnly);

/** `numSamples` category indices drawn per row of these weights (as `tg.multinomial`). */
export const multinomial = def('multinomial', (self: Tensor, numSamples: number, opts?: MultinomialOptions): Tensor<'int32'> => multinomialOp(self, numSamples, opts), methodOnly);

// ---- in-place -------------------------------------------------------------------------
/** Fills with zeros in place. */
export const zero_ = def('zero_', <T extends Tensor>(self: T): T => I.fill_(self, 0, 'zero_'), inPlace);
/** Fills with `value` in place. */
export const fill_ = def('fill_', <T extends Tensor>(self: T, value: number | boolean): T => I.fill_(self, value, 'fill_'), inPlace);
/** Copies `src` (broadcast, converted to this dtype) into this tensor in place. */
export const copy_ = def('copy_', <T extends Tensor>(self: T, src: Tensor): T => I.copy_(self, src), inPlace);
/** In-place this += alpha·other. */
export const add_ = def('add_', <T extends Tensor>(self: T, other: Scalar, opts?: { alpha?: number }): T => I.binary_(self, 'add_', other, opts), inPlace);
/** In-place this −= alpha·other. */
export const sub_ = def('sub_', <T extends Tensor>(self: T, other: Scalar, opts?: { alpha?: number }): T => I.binary_(self, 'sub_', other, opts), inPlace);
/** In-place this ·= other. */
export const mul_ = def('mul_', <T extends Tensor>(self: T, other: Scalar): T => I.binary_(self, 'mul_', other), inPlace);
/** In-place this /= other. */
export const div_ = def('div_', <T extends Tensor>(self: T, other: Scalar): T => I.binary_(self, 'div_', other), inPlace);
/** In-place clamp to [min, max]. */
export const clamp_ = def('clamp_', <T extends Tensor>(self: T, min?: number | null, max?: number | null): T => I.clamp_(self, min, max), inPlace);
/** Writes `value` in place where the bool `mask` (broadcast to this shape) holds. */
export const maskedFill_ = def('maskedFill_', <T extends Tensor>(self: T, mask: Tensor, value: number | boolean | Tensor): T => I.maskedFill_(self, mask, value), inPlace);
/** Writes `src`'s values (or the number `src`) in place at the positions `index` names along `dim` (torch.Tensor.scatter_); `opts.reduce` 'add' / 'multiply' combines instead. */
export const scatter_ = def('scatter_', <T extends Tensor>(self: T, dim: number, index: Tensor, src: Tensor | number | boolean, opts?: ScatterOptions): T => I.scatter_(self, dim, index, src, opts), inPlace);
/** Fills in place with samples from U[low, high), from the global generator. */
export const uniform_ = def('uniform_', <T extends Tensor>(self: T, low = 0, high = 1): T => Rand.uniform_(self, low, high), inPlace);
/** Fills in place with samples from N(mean, std²), from the global generator. */
export const normal_ = def('normal_', <T extends Tensor>(self: T, mean = 0, std = 1): T => Rand.normal_(self, mean, std), inPlace);

// ---- overloaded (typed by OverloadedMethods) -----------------------------------------------
const overloaded = { exported: false, method: 'overloaded' } as const;
def('max', (self: Tensor, dim?: number, keepdim = false) => (dim === undefined ? R.amaxAll(self, true) : R.maxDim(self, dim, keepdim, true)), overloaded);
def('min', (self: Tensor, dim?: number, keepdim = false) => (dim === undefined ? R.amaxAll(self, false) : R.maxDim(self, dim, keepdim, false)), overloaded);
def('toArray', (self: Tensor) => V.toNested(self), overloaded);
def('to', (self: Tensor, dtype: DType) => toDType(self, dtype), overloaded);
// `var` is a reserved word: no export can carry the name, so the interface types it.
def('var', (self: Tensor, dim?: Dims | null, keepdim = false, opts?: R.VarOptions): Tensor => R.variance(self, dim, keepdim, opts), overloaded);

/** The methods whose types a registered function's type cannot give: overloads, a result dtype
 * chosen by the argument, and `var` (a reserved word, so no export carries the name). */
export interface OverloadedMethods<D extends DType> {
  /** The largest element, as a 0-d tensor. */
  max(): Tensor<D>;
  /** The largest values along `dim` and their indices. */
  max(dim: number, keepdim?: boolean): ValuesIndices<D>;
  /** The smallest element, as a 0-d tensor. */
  min(): Tensor<D>;
  /** The smallest values along `dim` and their indices. */
  min(dim: number, keepdim?: boolean): ValuesIndices<D>;
  /** The values as nested JS arrays following the shape (a number, or a boolean, for a 0-d tensor). */
  toArray(): NestedArray<ElementOf<D>>;
  /** A copy converted to `dtype` (this tensor itself if it already has it). */
  to<T extends DType>(dtype: T): Tensor<T>;
  /** Variance over `dim` (all elements when omitted), with Bessel's correction unless `opts` says otherwise. */
  var(dim?: Dims | null, keepdim?: boolean, opts?: R.VarOptions): Tensor;
}
