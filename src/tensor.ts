// The Tensor's data core: a strided view (shape, strides, offset) over a V8-owned typed array,
// plus its autograd state. It imports no op: the methods that compute are installed on the
// prototype from the op registry (src/ops/registry.ts, by src/tensor_methods.ts), and typed
// below from the registered functions themselves (MethodsOf), so an op is declared once.
import type { LeafSlot, Node } from './autograd/node.js';
import type { DType } from './dtype.js';
import { describe, fmtShape, rangeError, typeError } from './errors.js';
import { formatTensor } from './format.js';
import type { Storage } from './native.js';
import type * as MethodOps from './ops/methods.js';
import type * as PublicOps from './ops/public.js';
import type { MethodKind } from './ops/registry.js';
import { isContiguous, normDim, numel, sameShape } from './shape.js';

/**
 * The recorded region of `base` that `view` is (an as_strided view of the base as it is now);
 * installed by src/ops/views.ts, which owns as_strided.
 */
let regionOfBase: ((base: Tensor, view: Tensor) => Tensor) | null = null;

/** @internal Called once by src/ops/views.ts. */
export function _setRegionOfBase(fn: (base: Tensor, view: Tensor) => Tensor): void {
  regionOfBase = fn;
}

/** The storage box views share; `data` is emptied by dispose(). */
export interface StorageBox {
  data: Storage;
  disposed?: boolean;
}

/** Shared by a tensor, its views and detach(); bumped by every in-place op. */
export interface VersionCounter {
  value: number;
}

/** What `item()` gives for a tensor of dtype `D`: a boolean for 'bool', a number otherwise (also when the type does not say the dtype). */
export type ElementOf<D extends DType> = [D] extends ['bool'] ? boolean : number;

/** Nested arrays of `T` following a shape, or a `T` alone for a 0-d tensor: what `toArray()` gives. */
export type NestedArray<T> = T | NestedArray<T>[];

/** What `JSON.stringify(tensor)` writes (see `Tensor.toJSON`). */
export interface TensorJSON<D extends DType = DType> {
  /** The tensor's dtype. */
  dtype: D;
  /** Its shape. */
  shape: number[];
  /** Its values, as `toArray()` gives them. */
  data: NestedArray<ElementOf<D>>;
}

/** What `max(dim)` / `min(dim)` return: the extreme values along the dim and their positions. */
export interface ValuesIndices<D extends DType = DType> {
  /** The extreme values. */
  values: Tensor<D>;
  /** Their positions along `dim`. */
  indices: Tensor<'int32'>;
}

/**
 * An n-dimensional array of float32, int32 or bool values on the native core, with PyTorch's
 * autograd: create one with `tg.tensor()`, `tg.zeros()`, `tg.rand()`, ... `D` is its dtype where
 * the types know it (comparisons give `Tensor<'bool'>`, views keep their base's), else any dtype.
 */
export class Tensor<D extends DType = DType> {
  /** @internal */ _box: StorageBox;
  /** @internal */ _strides: number[];
  /** @internal */ _offset: number;
  /** @internal */ _version: VersionCounter;
  /** @internal */ _requiresGrad = false;
  /** @internal */ _retainsGrad = false;
  /** @internal The tensor this is a view of, if any. */ _base: Tensor | null = null;
  /** @internal The engine's bookkeeping while this leaf receives gradients. */ _leafSlot: LeafSlot | null = null;
  /** @internal Size of each dimension, the array ops read and share (never mutated). */ _shape: number[];
  /** @internal The frozen copy `shape` hands out, made on first read. */ _publicShape: number[] | null = null;
  /** Element type: 'float32', 'int32' or 'bool'. */
  readonly dtype: D;
  /** @internal The gradient, as the engine writes it (see the checked `grad` setter). */ _grad: Tensor | null = null;
  /** @internal The op that produced this tensor (see the `gradFn` accessor). */ _gradFn: Node | null = null;
  /** @internal For a view: the version of the shared counter when its history was last set. */ _viewVersion = 0;
  /** @internal For a view: taken under noGrad, so an in-place op that records may not write it. */ _viewInNoGrad = false;

  /** @internal Use tg.tensor(), tg.zeros(), ... to create tensors. */
  constructor(box: StorageBox, shape: number[], strides: number[], offset: number, dtype: D, version?: VersionCounter) {
    this._box = box;
    this._shape = shape;
    this._strides = strides;
    this._offset = offset;
    this.dtype = dtype;
    this._version = version ?? { value: 0 };
  }

  /** @internal */
  static _make<D extends DType>(box: StorageBox, shape: number[], strides: number[], offset: number, dtype: D, version?: VersionCounter): Tensor<D> {
    return new Tensor(box, shape, strides, offset, dtype, version);
  }

  /** @internal Throws if this tensor's storage was disposed. */
  _alive(op: string): this {
    if (this._box.disposed) throw typeError(op, 'tensor was disposed (use after dispose())');
    return this;
  }

  /** @internal The storage typed array (whole buffer; index with offset and strides). */
  get _data(): Storage {
    return this._box.data;
  }

  // ---- properties -----------------------------------------------------------------------
  /**
   * The op that produced this tensor, or null for leaves. For a view whose base was written in
   * place since the view was taken, a view (`AsStridedBackward0`) of the base's new history, as
   * PyTorch regenerates it.
   */
  get gradFn(): Node | null {
    if (this._base !== null && this._viewVersion !== this._version.value) this._followBase();
    return this._gradFn;
  }
  /** Sets the op that produced this tensor (the in-place ops adopt their result's). */
  set gradFn(node: Node | null) {
    this._gradFn = node;
    this._viewVersion = this._version.value;
  }
  /**
   * @internal requiresGrad, after a view caught up with in-place writes to its base. A view
   * requires grad when its base does, also one taken before requiresGrad_() or under noGrad (as
   * PyTorch's views do); such a view has no history, and gradients reaching it go nowhere.
   */
  _requiresGradNow(): boolean {
    const base = this._base;
    if (base === null) return this._requiresGrad;
    if (this._viewVersion !== this._version.value) this._followBase();
    return this._requiresGrad || base._requiresGrad;
  }
  /**
   * @internal This view's base (or another view of it) was written in place: the view's history
   * becomes "this region of the base as it is now". Bases are contiguous, but for one that is not,
   * there is no such region to name, and the view keeps its history.
   */
  _followBase(): void {
    const base = this._base!;
    this._viewVersion = this._version.value;
    if (!base._requiresGrad || !isContiguous(base._shape, base._strides)) return;
    this._gradFn = regionOfBase!(base, this)._gradFn;
    this._requiresGrad = true;
  }
  /**
   * Size of each dimension; `[]` for a 0-d (scalar) tensor. A frozen array (like PyTorch's
   * immutable `torch.Size`): writing into it throws a TypeError; `size()` gives a fresh copy.
   */
  get shape(): number[] {
    return (this._publicShape ??= Object.freeze(this._shape.slice()) as number[]);
  }
  /** Accumulated gradient (leaves, and tensors that called retainGrad()). */
  get grad(): Tensor | null {
    return this._grad;
  }
  /** Sets the gradient: null, or a tensor of this tensor's shape and dtype (PyTorch's checks). */
  set grad(g: Tensor | null) {
    if (g !== null) {
      if (!(g instanceof Tensor)) throw typeError('grad', `assigned grad expected to be a Tensor or null but got ${describe(g)}`);
      if (g === this) throw new Error("grad: can't assign Variable as its own grad");
      if (g.dtype !== this.dtype)
        throw typeError('grad', `assigned grad has data of a different type (${g.dtype}, the tensor is ${this.dtype})`);
      if (!sameShape(g._shape, this._shape))
        throw rangeError('grad', `assigned grad has data of a different size (shape ${fmtShape(g._shape)}, the tensor's ${fmtShape(this._shape)})`);
    }
    this._grad = g;
  }
  /** Whether autograd records operations on this tensor (set it on leaves only). */
  get requiresGrad(): boolean {
    return this._requiresGradNow();
  }
  /** Same as {@link Tensor.requiresGrad_}. */
  set requiresGrad(flag: boolean) {
    this.requiresGrad_(flag);
  }
  /** True for tensors not produced by a recorded op (created by the user, or not requiring grad). */
  get isLeaf(): boolean {
    return this.gradFn === null;
  }
  /** A detached tensor sharing storage, with its own version counter (PyTorch's `.data`). */
  get data(): Tensor<D> {
    this._alive('data');
    return new Tensor(this._box, this._shape, this._strides, this._offset, this.dtype);
  }
  /** This tensor with its dims reversed (the transpose, for a 2-D tensor): a view. */
  get T(): Tensor<D> {
    const n = this._shape.length;
    return this.permute(this._shape.map((_, i) => n - 1 - i));
  }
  /** Strides in elements. */
  stride(): number[];
  stride(dim: number): number;
  stride(dim?: number): number[] | number {
    return dim === undefined ? this._strides.slice() : this._strides[normDim('stride', dim, this.dim())]!;
  }
  /** True if the elements are laid out row-major without gaps, so views like `view()` need no copy. */
  isContiguous(): boolean {
    return isContiguous(this._shape, this._strides);
  }

  /** Number of elements (product of the shape). */
  numel(): number {
    return numel(this._shape);
  }
  /** Number of dimensions. */
  dim(): number {
    return this._shape.length;
  }
  /** Number of dimensions, the same as `dim()`. */
  get ndim(): number {
    return this._shape.length;
  }
  /** The shape, as a new array. */
  size(): number[];
  /** The size of dimension `dim` (negative counts from the end). */
  size(dim: number): number;
  size(dim?: number): number[] | number {
    return dim === undefined ? this._shape.slice() : this._shape[normDim('size', dim, this.dim())]!;
  }
  /** The value of a one-element tensor as a JS number (boolean for 'bool'). */
  item(): ElementOf<D> {
    this._alive('item');
    if (this.numel() !== 1)
      throw rangeError('item', `a Tensor with ${this.numel()} elements cannot be converted to a scalar`);
    const v = this._data[this._offset]!;
    return (this.dtype === 'bool' ? v !== 0 : v) as ElementOf<D>;
  }
  /**
   * The form `JSON.stringify` writes: `{ dtype, shape, data }`, `data` as from toArray() (so a
   * tensor too large for nested arrays throws that RangeError). `tg.tensor(j.data, { dtype: j.dtype })`
   * reads it back. PyTorch tensors have no JSON form; this one carries values, not autograd state.
   */
  toJSON(): TensorJSON<D> {
    return { dtype: this.dtype, shape: this._shape.slice(), data: this.toArray() };
  }
  /** A printable form like PyTorch's: values, then dtype and requiresGrad where they are not the default. */
  toString(): string {
    return formatTensor(this);
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  // ---- autograd -------------------------------------------------------------------------
  /** Sets requiresGrad on a leaf (float32 only) and returns this tensor. */
  requiresGrad_(flag = true): this {
    if (typeof flag !== 'boolean') throw typeError('requiresGrad_', `flag must be a boolean, got ${describe(flag)}`);
    if (!this.isLeaf && !flag)
      throw new Error(
        "requiresGrad_: you can only change requires_grad flags of leaf variables. If you want to use a computed variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach().",
      );
    if (flag && this.dtype !== 'float32')
      throw typeError('requiresGrad_', `only float32 tensors can require gradients, got ${this.dtype}`);
    this._requiresGrad = flag;
    return this;
  }
  /** Keeps `.grad` for this non-leaf tensor after backward() (leaves always keep it). */
  retainGrad(): this {
    if (!this._requiresGrad) throw new Error("retainGrad: can't retain_grad on Tensor that has requires_grad=False");
    if (this.gradFn) {
      this._retainsGrad = true;
      this.gradFn.retained = this;
    }
    return this;
  }
  /** True once retainGrad() was called on this non-leaf tensor. */
  get retainsGrad(): boolean {
    return this._retainsGrad;
  }
  /** A new tensor sharing this one's storage, outside the autograd graph. */
  detach(): Tensor<D> {
    this._alive('detach');
    return new Tensor(this._box, this._shape, this._strides, this._offset, this.dtype, this._version);
  }
  /** Detaches this tensor from the graph in place and returns it. */
  detach_(): this {
    this.gradFn = null;
    this._requiresGrad = false;
    return this;
  }

  /** True after dispose() on this tensor or on a view sharing its storage. */
  get isDisposed(): boolean {
    return !!this._box.disposed;
  }
}

/** A registered function's method form: `self` dropped; for 'sameDType' ops, Tensor results become `Tensor<D>` (and {values, indices} results `ValuesIndices<D>`). */
type SelfMethod<F, K, D extends DType> = F extends (self: never, ...args: infer A) => infer R
  ? (...args: A) => K extends 'sameDType' ? (R extends Tensor[] ? Tensor<D>[] : R extends Tensor ? Tensor<D> : R extends ValuesIndices ? ValuesIndices<D> : R) : R
  : never;

/** The Tensor methods of a module of registered ops: its exports whose registration makes them methods. */
type MethodsOf<M, D extends DType> = {
  [K in keyof M as M[K] extends { readonly __method?: infer Kind } ? ([Kind] extends ['plain' | 'sameDType'] ? K : never) : never]: M[K] extends {
    readonly __method?: infer Kind extends MethodKind;
  }
    ? SelfMethod<M[K], Kind, D>
    : never;
};

// The methods the registry installs (src/tensor_methods.ts), typed from the registered ops.
export interface Tensor<D extends DType = DType> extends MethodsOf<typeof PublicOps, D>, MethodsOf<typeof MethodOps, D>, MethodOps.OverloadedMethods<D> {}
