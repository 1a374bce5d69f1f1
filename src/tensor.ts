// The Tensor: a strided view (shape, strides, offset) over a V8-owned typed array, plus its
// autograd state. Every method delegates to an op in src/ops/, where forward and backward sit
// side by side.
import type { Node } from './autograd/node.js';
import * as engine from './autograd/engine.js';
import type { DType } from './dtype.js';
import { rangeError, typeError, describe } from './errors.js';
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
import { numel } from './shape.js';

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

export class Tensor {
  /** @internal */ _box: StorageBox;
  /** @internal */ _strides: number[];
  /** @internal */ _offset: number;
  /** @internal */ _version: VersionCounter;
  /** @internal */ _requiresGrad = false;
  /** @internal */ _retainsGrad = false;
  /** @internal The tensor this is a view of, if any. */ _base: Tensor | null = null;
  readonly shape: number[];
  readonly dtype: DType;
  /** Accumulated gradient (leaves, and tensors that called retainGrad()). */
  grad: Tensor | null = null;
  /** The op that produced this tensor, or null for leaves. */
  gradFn: Node | null = null;

  /** @internal Use tg.tensor(), tg.zeros(), ... to create tensors. */
  constructor(box: StorageBox, shape: number[], strides: number[], offset: number, dtype: DType, version?: VersionCounter) {
    this._box = box;
    this.shape = shape;
    this._strides = strides;
    this._offset = offset;
    this.dtype = dtype;
    this._version = version ?? { value: 0 };
  }

  /** @internal */
  static _make(box: StorageBox, shape: number[], strides: number[], offset: number, dtype: DType, version?: VersionCounter): Tensor {
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
  get requiresGrad(): boolean {
    return this._requiresGrad;
  }
  set requiresGrad(flag: boolean) {
    this.requiresGrad_(flag);
  }
  get isLeaf(): boolean {
    return this.gradFn === null;
  }
  /** A detached tensor sharing storage, with its own version counter (PyTorch's `.data`). */
  get data(): Tensor {
    this._alive('data');
    return new Tensor(this._box, this.shape, this._strides, this._offset, this.dtype);
  }
  /** 2-D transpose. */
  get T(): Tensor {
    return V.transposeT(this);
  }
  /** Strides in elements. */
  stride(): number[];
  stride(dim: number): number;
  stride(dim?: number): number[] | number {
    return dim === undefined ? this._strides.slice() : this._strides[V.dimOf('stride', dim, this.dim())]!;
  }
  isContiguous(): boolean {
    return V.isContiguousTensor(this);
  }

  numel(): number {
    return numel(this.shape);
  }
  dim(): number {
    return this.shape.length;
  }
  get ndim(): number {
    return this.shape.length;
  }
  size(): number[];
  size(dim: number): number;
  size(dim?: number): number[] | number {
    return dim === undefined ? this.shape.slice() : this.shape[V.dimOf('size', dim, this.dim())]!;
  }
  item(): number | boolean {
    this._alive('item');
    if (this.numel() !== 1)
      throw rangeError('item', `a Tensor with ${this.numel()} elements cannot be converted to a scalar`);
    const v = this._data[this._offset]!;
    return this.dtype === 'bool' ? v !== 0 : v;
  }
  toArray(): unknown {
    return V.toNested(this);
  }
  toTypedArray(): Storage {
    return V.contiguousData(this._alive('toTypedArray')).slice();
  }
  toString(): string {
    return formatTensor(this);
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  // ---- autograd -------------------------------------------------------------------------
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
  retainGrad(): this {
    if (!this._requiresGrad) throw new Error("retainGrad: can't retain_grad on Tensor that has requires_grad=False");
    if (this.gradFn) {
      this._retainsGrad = true;
      this.gradFn.retained = this;
    }
    return this;
  }
  get retainsGrad(): boolean {
    return this._retainsGrad;
  }
  backward(gradient?: Tensor | null, opts: { retainGraph?: boolean; createGraph?: boolean } = {}): void {
    engine.backward(this, gradient ?? null, opts);
  }
  detach(): Tensor {
    this._alive('detach');
    return new Tensor(this._box, this.shape, this._strides, this._offset, this.dtype, this._version);
  }
  detach_(): this {
    this.gradFn = null;
    this._requiresGrad = false;
    return this;
  }

  // ---- conversion and memory -------------------------------------------------------------
  clone(): Tensor {
    return V.clone(this);
  }
  contiguous(): Tensor {
    return V.contiguous(this);
  }
  to(dtype: DType): Tensor {
    return E.toDType(this, dtype);
  }
  float(): Tensor {
    return E.toDType(this, 'float32');
  }
  int(): Tensor {
    return E.toDType(this, 'int32');
  }
  bool(): Tensor {
    return E.toDType(this, 'bool');
  }
  /** Frees the storage now (for this tensor and every view of it); later use throws. */
  dispose(): void {
    V.dispose(this);
  }
  get isDisposed(): boolean {
    return !!this._box.disposed;
  }

  // ---- elementwise ----------------------------------------------------------------------
  add(other: Scalar, opts?: { alpha?: number }): Tensor {
    return E.add(this, other, opts);
  }
  sub(other: Scalar, opts?: { alpha?: number }): Tensor {
    return E.sub(this, other, opts);
  }
  mul(other: Scalar): Tensor {
    return E.mul(this, other);
  }
  div(other: Scalar): Tensor {
    return E.div(this, other);
  }
  pow(exponent: Scalar): Tensor {
    return E.pow(this, exponent);
  }
  maximum(other: Scalar): Tensor {
    return E.maximum(this, other);
  }
  minimum(other: Scalar): Tensor {
    return E.minimum(this, other);
  }
  neg(): Tensor {
    return E.neg(this);
  }
  abs(): Tensor {
    return E.abs(this);
  }
  exp(): Tensor {
    return E.exp(this);
  }
  log(): Tensor {
    return E.log(this);
  }
  sqrt(): Tensor {
    return E.sqrt(this);
  }
  rsqrt(): Tensor {
    return E.rsqrt(this);
  }
  square(): Tensor {
    return E.square(this);
  }
  reciprocal(): Tensor {
    return E.reciprocal(this);
  }
  sin(): Tensor {
    return E.sin(this);
  }
  cos(): Tensor {
    return E.cos(this);
  }
  tanh(): Tensor {
    return E.tanh(this);
  }
  sigmoid(): Tensor {
    return E.sigmoid(this);
  }
  relu(): Tensor {
    return E.relu(this);
  }
  leakyRelu(negativeSlope = 0.01): Tensor {
    return E.leakyRelu(this, negativeSlope);
  }
  gelu(): Tensor {
    return E.gelu(this);
  }
  softplus(): Tensor {
    return E.softplus(this);
  }
  sign(): Tensor {
    return E.sign(this);
  }
  clamp(min?: number | null, max?: number | null): Tensor {
    return E.clamp(this, min, max);
  }
  where(condition: Tensor, other: Scalar): Tensor {
    return E.where(condition, this, other);
  }
  eq(other: Scalar): Tensor {
    return E.eq(this, other);
  }
  ne(other: Scalar): Tensor {
    return E.ne(this, other);
  }
  lt(other: Scalar): Tensor {
    return E.lt(this, other);
  }
  le(other: Scalar): Tensor {
    return E.le(this, other);
  }
  gt(other: Scalar): Tensor {
    return E.gt(this, other);
  }
  ge(other: Scalar): Tensor {
    return E.ge(this, other);
  }

  // ---- reductions -----------------------------------------------------------------------
  sum(dim?: Dims | null, keepdim = false): Tensor {
    return R.sum(this, dim, keepdim);
  }
  mean(dim?: Dims | null, keepdim = false): Tensor {
    return R.mean(this, dim, keepdim);
  }
  max(): Tensor;
  max(dim: number, keepdim?: boolean): { values: Tensor; indices: Tensor };
  max(dim?: number, keepdim = false): Tensor | { values: Tensor; indices: Tensor } {
    return dim === undefined ? R.amaxAll(this, true) : R.maxDim(this, dim, keepdim, true);
  }
  min(): Tensor;
  min(dim: number, keepdim?: boolean): { values: Tensor; indices: Tensor };
  min(dim?: number, keepdim = false): Tensor | { values: Tensor; indices: Tensor } {
    return dim === undefined ? R.amaxAll(this, false) : R.maxDim(this, dim, keepdim, false);
  }
  var(dim?: Dims | null, keepdim = false, opts?: R.VarOptions): Tensor {
    return R.variance(this, dim, keepdim, opts);
  }
  std(dim?: Dims | null, keepdim = false, opts?: R.VarOptions): Tensor {
    return R.std(this, dim, keepdim, opts);
  }
  prod(dim?: Dims | null, keepdim = false): Tensor {
    return R.prod(this, dim, keepdim);
  }
  logsumexp(dim: Dims, keepdim = false): Tensor {
    return R.logsumexp(this, dim, keepdim);
  }
  softmax(dim: number): Tensor {
    return S.softmax(this, dim);
  }
  logSoftmax(dim: number): Tensor {
    return S.logSoftmax(this, dim);
  }
  argmax(dim?: number | null, keepdim = false): Tensor {
    return R.argExtreme(this, dim, keepdim, true);
  }
  argmin(dim?: number | null, keepdim = false): Tensor {
    return R.argExtreme(this, dim, keepdim, false);
  }

  // ---- linear algebra ------------------------------------------------------------------
  matmul(other: Tensor): Tensor {
    return L.matmul(this, other);
  }
  mm(other: Tensor): Tensor {
    return L.mm(this, other);
  }
  bmm(other: Tensor): Tensor {
    return L.bmm(this, other);
  }
  dot(other: Tensor): Tensor {
    return L.dot(this, other);
  }
  outer(other: Tensor): Tensor {
    return L.outer(this, other);
  }
  t(): Tensor {
    return V.t(this);
  }

  // ---- shape ----------------------------------------------------------------------------
  reshape(...shape: (number | number[])[]): Tensor {
    return V.reshape(this, shape);
  }
  view(...shape: (number | number[])[]): Tensor {
    return V.view(this, shape);
  }
  flatten(startDim = 0, endDim = -1): Tensor {
    return V.flatten(this, startDim, endDim);
  }
  transpose(dim0: number, dim1: number): Tensor {
    return V.transpose(this, dim0, dim1);
  }
  permute(...dims: (number | number[])[]): Tensor {
    return V.permute(this, dims);
  }
  squeeze(dim?: Dims): Tensor {
    return V.squeeze(this, dim);
  }
  unsqueeze(dim: number): Tensor {
    return V.unsqueeze(this, dim);
  }
  expand(...shape: (number | number[])[]): Tensor {
    return V.expand(this, shape);
  }
  expandAs(other: Tensor): Tensor {
    return V.expand(this, [V.shapeOf('expandAs', other)], 'expandAs');
  }
  narrow(dim: number, start: number, length: number): Tensor {
    return V.narrow(this, dim, start, length);
  }
  indexSelect(dim: number, index: Tensor): Tensor {
    return V.indexSelect(this, dim, index);
  }
  gather(dim: number, index: Tensor): Tensor {
    return Ix.gather(this, dim, index);
  }
  split(splitSizeOrSections: number | number[], dim = 0): Tensor[] {
    return J.split(this, splitSizeOrSections, dim);
  }
  chunk(chunks: number, dim = 0): Tensor[] {
    return J.chunk(this, chunks, dim);
  }
  select(dim: number, index: number): Tensor {
    return V.select(this, dim, index);
  }
  slice(dim: number, start?: number | null, end?: number | null, step = 1): Tensor {
    return V.slice(this, dim, start, end, step);
  }

  // ---- in-place -------------------------------------------------------------------------
  zero_(): this {
    return I.fill_(this, 0, 'zero_');
  }
  fill_(value: number | boolean): this {
    return I.fill_(this, value, 'fill_');
  }
  copy_(src: Tensor): this {
    return I.copy_(this, src);
  }
  add_(other: Scalar, opts?: { alpha?: number }): this {
    return I.binary_(this, 'add_', other, opts);
  }
  sub_(other: Scalar, opts?: { alpha?: number }): this {
    return I.binary_(this, 'sub_', other, opts);
  }
  mul_(other: Scalar): this {
    return I.binary_(this, 'mul_', other);
  }
  div_(other: Scalar): this {
    return I.binary_(this, 'div_', other);
  }
  clamp_(min?: number | null, max?: number | null): this {
    return I.clamp_(this, min, max);
  }
  uniform_(low = 0, high = 1): this {
    return Rand.uniform_(this, low, high);
  }
  normal_(mean = 0, std = 1): this {
    return Rand.normal_(this, mean, std);
  }
}
