// The Tensor: a strided view (shape, strides, offset) over a V8-owned typed array, plus its
// autograd state. Every method delegates to an op in src/ops/, where forward and backward sit
// side by side.
import type { LeafSlot, Node } from './autograd/node.js';
import * as engine from './autograd/engine.js';
import { enableGrad } from './autograd/grad_mode.js';
import type { DType } from './dtype.js';
import { describe, fmtShape, rangeError, typeError } from './errors.js';
import { formatTensor } from './format.js';
import type { Storage } from './native.js';
import * as E from './ops/elementwise.js';
import * as I from './ops/inplace.js';
import * as Ix from './ops/indexing.js';
import * as J from './ops/join.js';
import * as L from './ops/linalg.js';
import * as R from './ops/reduce.js';
import * as Rand from './ops/random.js';
import * as S from './ops/softmax.js';
import * as V from './ops/views.js';
import { numel, sameShape } from './shape.js';

/** The storage box views share; `data` is emptied by dispose(). */
export interface StorageBox {
  data: Storage;
  disposed?: boolean;
}

/** Shared by a tensor, its views and detach(); bumped by every in-place op. */
export interface VersionCounter {
  value: number;
}

type Dims = number | number[];
type Scalar = Tensor | number;

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
    if (!base._requiresGrad || !V.isContiguousTensor(base)) return;
    const region = enableGrad(() => V.asStrided(base, this._shape, this._strides, this._offset - base._offset));
    this._gradFn = region._gradFn;
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
  /** 2-D transpose. */
  get T(): Tensor<D> {
    return V.transposeT(this) as Tensor<D>;
  }
  /** Strides in elements. */
  stride(): number[];
  stride(dim: number): number;
  stride(dim?: number): number[] | number {
    return dim === undefined ? this._strides.slice() : this._strides[V.dimOf('stride', dim, this.dim())]!;
  }
  /** True if the elements are laid out row-major without gaps, so views like `view()` need no copy. */
  isContiguous(): boolean {
    return V.isContiguousTensor(this);
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
    return dim === undefined ? this._shape.slice() : this._shape[V.dimOf('size', dim, this.dim())]!;
  }
  /** The value of a one-element tensor as a JS number (boolean for 'bool'). */
  item(): ElementOf<D> {
    this._alive('item');
    if (this.numel() !== 1)
      throw rangeError('item', `a Tensor with ${this.numel()} elements cannot be converted to a scalar`);
    const v = this._data[this._offset]!;
    return (this.dtype === 'bool' ? v !== 0 : v) as ElementOf<D>;
  }
  /** The values as nested JS arrays following the shape (a number for a 0-d tensor). */
  toArray(): NestedArray<ElementOf<D>> {
    return V.toNested(this) as NestedArray<ElementOf<D>>;
  }
  /** A copy of the values in row-major order as a typed array (Float32Array for 'float32', Int32Array otherwise). */
  toTypedArray(): Storage {
    return V.contiguousData(this._alive('toTypedArray')).slice();
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
  /** Computes the gradients of this tensor with respect to the leaves and accumulates them into their `.grad`; `gradient` is required unless this tensor has one element. */
  backward(gradient?: Tensor | null, opts: { retainGraph?: boolean; createGraph?: boolean } = {}): void {
    engine.backward([this], [gradient], opts);
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

  // ---- conversion and memory -------------------------------------------------------------
  /** A copy with its own storage; recorded by autograd. */
  clone(): Tensor<D> {
    return V.clone(this) as Tensor<D>;
  }
  /** This tensor if already contiguous, otherwise a contiguous copy. */
  contiguous(): Tensor<D> {
    return V.contiguous(this) as Tensor<D>;
  }
  /** A copy converted to `dtype` (this tensor itself if it already has it). */
  to<T extends DType>(dtype: T): Tensor<T> {
    return E.toDType(this, dtype) as Tensor<T>;
  }
  /** Same as `to('float32')`. */
  float(): Tensor<'float32'> {
    return E.toDType(this, 'float32') as Tensor<'float32'>;
  }
  /** Same as `to('int32')`. */
  int(): Tensor<'int32'> {
    return E.toDType(this, 'int32') as Tensor<'int32'>;
  }
  /** Same as `to('bool')`. */
  bool(): Tensor<'bool'> {
    return E.toDType(this, 'bool') as Tensor<'bool'>;
  }
  /** Frees the storage now (for this tensor and every view of it); later use throws. */
  dispose(): void {
    V.dispose(this);
  }
  /** True after dispose() on this tensor or on a view sharing its storage. */
  get isDisposed(): boolean {
    return !!this._box.disposed;
  }

  // ---- elementwise ----------------------------------------------------------------------
  /** this + alpha·other, with broadcasting. */
  add(other: Scalar, opts?: { alpha?: number }): Tensor {
    return E.add(this, other, opts);
  }
  /** this − alpha·other, with broadcasting. */
  sub(other: Scalar, opts?: { alpha?: number }): Tensor {
    return E.sub(this, other, opts);
  }
  /** Elementwise product, with broadcasting. */
  mul(other: Scalar): Tensor {
    return E.mul(this, other);
  }
  /** Elementwise true division, with broadcasting. */
  div(other: Scalar): Tensor {
    return E.div(this, other);
  }
  /** Elementwise power, with broadcasting. */
  pow(exponent: Scalar): Tensor {
    return E.pow(this, exponent);
  }
  /** Elementwise larger of this and other, with broadcasting. */
  maximum(other: Scalar): Tensor {
    return E.maximum(this, other);
  }
  /** Elementwise smaller of this and other, with broadcasting. */
  minimum(other: Scalar): Tensor {
    return E.minimum(this, other);
  }
  /** Elementwise −x. */
  neg(): Tensor {
    return E.neg(this);
  }
  /** Elementwise |x|. */
  abs(): Tensor {
    return E.abs(this);
  }
  /** Elementwise eˣ. */
  exp(): Tensor {
    return E.exp(this);
  }
  /** Elementwise natural logarithm. */
  log(): Tensor {
    return E.log(this);
  }
  /** Elementwise square root. */
  sqrt(): Tensor {
    return E.sqrt(this);
  }
  /** Elementwise 1 / √x. */
  rsqrt(): Tensor {
    return E.rsqrt(this);
  }
  /** Elementwise x². */
  square(): Tensor {
    return E.square(this);
  }
  /** Elementwise 1 / x. */
  reciprocal(): Tensor {
    return E.reciprocal(this);
  }
  /** Elementwise sine. */
  sin(): Tensor {
    return E.sin(this);
  }
  /** Elementwise cosine. */
  cos(): Tensor {
    return E.cos(this);
  }
  /** Elementwise hyperbolic tangent. */
  tanh(): Tensor {
    return E.tanh(this);
  }
  /** Elementwise 1 / (1 + e⁻ˣ). */
  sigmoid(): Tensor {
    return E.sigmoid(this);
  }
  /** Elementwise max(x, 0). */
  relu(): Tensor {
    return E.relu(this);
  }
  /** Elementwise x for x > 0, negativeSlope·x otherwise. */
  leakyRelu(negativeSlope = 0.01): Tensor {
    return E.leakyRelu(this, negativeSlope);
  }
  /** Elementwise GELU, x·Φ(x). */
  gelu(): Tensor {
    return E.gelu(this);
  }
  /** Elementwise log(1 + eˣ). */
  softplus(): Tensor {
    return E.softplus(this);
  }
  /** Elementwise −1, 0 or 1. */
  sign(): Tensor {
    return E.sign(this);
  }
  /** Elementwise x limited to [min, max]; a null or omitted bound is not applied. */
  clamp(min?: number | null, max?: number | null): Tensor {
    return E.clamp(this, min, max);
  }
  /** This tensor where `condition` is true, `other` elsewhere (broadcast). */
  where(condition: Tensor, other: Scalar): Tensor {
    return E.where(condition, this, other);
  }
  /** Elementwise this == other as a 'bool' tensor. */
  eq(other: Scalar): Tensor<'bool'> {
    return E.eq(this, other) as Tensor<'bool'>;
  }
  /** Elementwise this != other as a 'bool' tensor. */
  ne(other: Scalar): Tensor<'bool'> {
    return E.ne(this, other) as Tensor<'bool'>;
  }
  /** Elementwise this < other as a 'bool' tensor. */
  lt(other: Scalar): Tensor<'bool'> {
    return E.lt(this, other) as Tensor<'bool'>;
  }
  /** Elementwise this <= other as a 'bool' tensor. */
  le(other: Scalar): Tensor<'bool'> {
    return E.le(this, other) as Tensor<'bool'>;
  }
  /** Elementwise this > other as a 'bool' tensor. */
  gt(other: Scalar): Tensor<'bool'> {
    return E.gt(this, other) as Tensor<'bool'>;
  }
  /** Elementwise this >= other as a 'bool' tensor. */
  ge(other: Scalar): Tensor<'bool'> {
    return E.ge(this, other) as Tensor<'bool'>;
  }

  // ---- reductions -----------------------------------------------------------------------
  /** Sum over `dim` (all elements when omitted); `keepdim` keeps reduced dims as size 1. */
  sum(dim?: Dims | null, keepdim = false): Tensor {
    return R.sum(this, dim, keepdim);
  }
  /** Mean over `dim` (all elements when omitted); `keepdim` keeps reduced dims as size 1. */
  mean(dim?: Dims | null, keepdim = false): Tensor {
    return R.mean(this, dim, keepdim);
  }
  /** The largest element, as a 0-d tensor. */
  max(): Tensor<D>;
  /** The largest values along `dim` and their indices. */
  max(dim: number, keepdim?: boolean): ValuesIndices<D>;
  max(dim?: number, keepdim = false): Tensor<D> | ValuesIndices<D> {
    return (dim === undefined ? R.amaxAll(this, true) : R.maxDim(this, dim, keepdim, true)) as Tensor<D> | ValuesIndices<D>;
  }
  /** The smallest element, as a 0-d tensor. */
  min(): Tensor<D>;
  /** The smallest values along `dim` and their indices. */
  min(dim: number, keepdim?: boolean): ValuesIndices<D>;
  min(dim?: number, keepdim = false): Tensor<D> | ValuesIndices<D> {
    return (dim === undefined ? R.amaxAll(this, false) : R.maxDim(this, dim, keepdim, false)) as Tensor<D> | ValuesIndices<D>;
  }
  /** Variance over `dim` (all elements when omitted), with Bessel's correction unless `opts` says otherwise. */
  var(dim?: Dims | null, keepdim = false, opts?: R.VarOptions): Tensor {
    return R.variance(this, dim, keepdim, opts);
  }
  /** Standard deviation over `dim` (all elements when omitted); `opts` as for var(). */
  std(dim?: Dims | null, keepdim = false, opts?: R.VarOptions): Tensor {
    return R.std(this, dim, keepdim, opts);
  }
  /** Product over `dim` (all elements when omitted). */
  prod(dim?: Dims | null, keepdim = false): Tensor {
    return R.prod(this, dim, keepdim);
  }
  /** log(sum(exp(x))) over `dim`, computed stably. */
  logsumexp(dim: Dims, keepdim = false): Tensor {
    return R.logsumexp(this, dim, keepdim);
  }
  /** exp(x) normalised to sum to 1 along `dim`. */
  softmax(dim: number): Tensor {
    return S.softmax(this, dim);
  }
  /** log(softmax(x)) along `dim`, computed stably. */
  logSoftmax(dim: number): Tensor {
    return S.logSoftmax(this, dim);
  }
  /** Index of the largest element along `dim` (of the flattened tensor when omitted). */
  argmax(dim?: number | null, keepdim = false): Tensor<'int32'> {
    return R.argExtreme(this, dim, keepdim, true) as Tensor<'int32'>;
  }
  /** Index of the smallest element along `dim` (of the flattened tensor when omitted). */
  argmin(dim?: number | null, keepdim = false): Tensor<'int32'> {
    return R.argExtreme(this, dim, keepdim, false) as Tensor<'int32'>;
  }

  // ---- linear algebra ------------------------------------------------------------------
  /** Matrix product with PyTorch's rules for 1-D operands and broadcast batch dims. */
  matmul(other: Tensor): Tensor {
    return L.matmul(this, other);
  }
  /** Product of two 2-D matrices. */
  mm(other: Tensor): Tensor {
    return L.mm(this, other);
  }
  /** Batched product of two 3-D tensors, [b, n, m] @ [b, m, p]. */
  bmm(other: Tensor): Tensor {
    return L.bmm(this, other);
  }
  /** Inner product of two 1-D tensors. */
  dot(other: Tensor): Tensor {
    return L.dot(this, other);
  }
  /** Outer product of two 1-D tensors. */
  outer(other: Tensor): Tensor {
    return L.outer(this, other);
  }
  /** Transpose of a tensor with at most 2 dims (a view). */
  t(): Tensor<D> {
    return V.t(this) as Tensor<D>;
  }

  // ---- shape ----------------------------------------------------------------------------
  /** The same elements in a new shape (one size may be −1); a view when possible, a copy otherwise. */
  reshape(...shape: (number | number[])[]): Tensor<D> {
    return V.reshape(this, shape) as Tensor<D>;
  }
  /** A view with a new shape sharing storage; throws when the strides do not allow one. */
  view(...shape: (number | number[])[]): Tensor<D> {
    return V.view(this, shape) as Tensor<D>;
  }
  /** Merges dims startDim..endDim into one. */
  flatten(startDim = 0, endDim = -1): Tensor<D> {
    return V.flatten(this, startDim, endDim) as Tensor<D>;
  }
  /** A view with dims dim0 and dim1 swapped. */
  transpose(dim0: number, dim1: number): Tensor<D> {
    return V.transpose(this, dim0, dim1) as Tensor<D>;
  }
  /** A view with the dims reordered. */
  permute(...dims: (number | number[])[]): Tensor<D> {
    return V.permute(this, dims) as Tensor<D>;
  }
  /** A view without the size-1 dims (only those in `dim`, if given). */
  squeeze(dim?: Dims): Tensor<D> {
    return V.squeeze(this, dim) as Tensor<D>;
  }
  /** A view with a size-1 dim inserted at `dim`. */
  unsqueeze(dim: number): Tensor<D> {
    return V.unsqueeze(this, dim) as Tensor<D>;
  }
  /** A broadcast view to `shape` (−1 keeps a size); size-1 dims repeat without copying. */
  expand(...shape: (number | number[])[]): Tensor<D> {
    return V.expand(this, shape) as Tensor<D>;
  }
  /** Same as `expand(other.shape)`. */
  expandAs(other: Tensor): Tensor<D> {
    return V.expand(this, [V.shapeOf('expandAs', other)], 'expandAs') as Tensor<D>;
  }
  /** A view of `length` elements of `dim` from `start`. */
  narrow(dim: number, start: number, length: number): Tensor<D> {
    return V.narrow(this, dim, start, length) as Tensor<D>;
  }
  /** The entries of `dim` listed in the 1-D integer tensor `index` (a copy). */
  indexSelect(dim: number, index: Tensor): Tensor<D> {
    return V.indexSelect(this, dim, index) as Tensor<D>;
  }
  /** Values picked along `dim` at the positions in `index` (same number of dims as this tensor). */
  gather(dim: number, index: Tensor): Tensor<D> {
    return Ix.gather(this, dim, index) as Tensor<D>;
  }
  /** Views of consecutive pieces along `dim`: of equal size (the last may be smaller), or of the listed sizes. */
  split(splitSizeOrSections: number | number[], dim = 0): Tensor<D>[] {
    return J.split(this, splitSizeOrSections, dim) as Tensor<D>[];
  }
  /** Up to `chunks` views of (nearly) equal size along `dim`. */
  chunk(chunks: number, dim = 0): Tensor<D>[] {
    return J.chunk(this, chunks, dim) as Tensor<D>[];
  }
  /** A view of entry `index` of `dim`, with that dim removed. */
  select(dim: number, index: number): Tensor<D> {
    return V.select(this, dim, index) as Tensor<D>;
  }
  /** A view of entries start, start + step, ... before end along `dim` (Python slice semantics). */
  slice(dim: number, start?: number | null, end?: number | null, step = 1): Tensor<D> {
    return V.slice(this, dim, start, end, step) as Tensor<D>;
  }

  // ---- in-place -------------------------------------------------------------------------
  /** Fills with zeros in place. */
  zero_(): this {
    return I.fill_(this, 0, 'zero_');
  }
  /** Fills with `value` in place. */
  fill_(value: number | boolean): this {
    return I.fill_(this, value, 'fill_');
  }
  /** Copies `src` (broadcast, converted to this dtype) into this tensor in place. */
  copy_(src: Tensor): this {
    return I.copy_(this, src);
  }
  /** In-place this += alpha·other. */
  add_(other: Scalar, opts?: { alpha?: number }): this {
    return I.binary_(this, 'add_', other, opts);
  }
  /** In-place this −= alpha·other. */
  sub_(other: Scalar, opts?: { alpha?: number }): this {
    return I.binary_(this, 'sub_', other, opts);
  }
  /** In-place this ·= other. */
  mul_(other: Scalar): this {
    return I.binary_(this, 'mul_', other);
  }
  /** In-place this /= other. */
  div_(other: Scalar): this {
    return I.binary_(this, 'div_', other);
  }
  /** In-place clamp to [min, max]. */
  clamp_(min?: number | null, max?: number | null): this {
    return I.clamp_(this, min, max);
  }
  /** Fills in place with samples from U[low, high), from the global generator. */
  uniform_(low = 0, high = 1): this {
    return Rand.uniform_(this, low, high);
  }
  /** Fills in place with samples from N(mean, std²), from the global generator. */
  normal_(mean = 0, std = 1): this {
    return Rand.normal_(this, mean, std);
  }
}
