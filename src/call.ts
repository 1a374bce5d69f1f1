// The call format of the native addon, written in one place: each native call takes one
// Float64Array of call metadata (op code, ndim, scalar parameters, shapes, then each operand's
// offset and strides) beside the operands' storage. binding/args.h reads it (class Meta); each
// binding file's header comment gives its layout, and each encoder here writes exactly that.
// Calls are synchronous, so the one buffer is never shared by two calls in flight.

/** The metadata buffer every encoder writes and every native call (and small_kernels.ts) reads. */
export const meta = new Float64Array(256);

/** Header slots before the shape in the elementwise layout: [op, ndim, p0, p1, p2]. */
export const HEADER = 5;

/** An operand as the encoders read it: storage offset and strides (elements), shape. */
export interface View {
  readonly _offset: number;
  readonly _strides: readonly number[];
  readonly _shape: readonly number[];
}

/**
 * Elementwise, cast, compare, where, fill: [op, ndim, p0, p1, p2, shape...], then one view per
 * operand (putView). Returns the next free slot.
 */
export function putHeader(op: number, shape: readonly number[], p0 = 0, p1 = 0, p2 = 0): number {
  meta[0] = op;
  meta[1] = shape.length;
  meta[2] = p0;
  meta[3] = p1;
  meta[4] = p2;
  for (let i = 0; i < shape.length; i++) meta[HEADER + i] = shape[i]!;
  return HEADER + shape.length;
}

/** An operand's offset and strides at `pos` (as many strides as the header's ndim); returns the next free slot. */
export function putView(pos: number, offset: number, strides: readonly number[]): number {
  meta[pos++] = offset;
  for (let i = 0; i < strides.length; i++) meta[pos++] = strides[i]!;
  return pos;
}

function putShape(pos: number, shape: readonly number[]): number {
  for (let i = 0; i < shape.length; i++) meta[pos++] = shape[i]!;
  return pos;
}

/** Reduce (binding/reduce.cc): [op, ndim, dim mask, 0, 0, shape..., x offset, x strides...]. */
export function encodeReduce(op: number, x: View, dimMask: number): void {
  let pos = putHeader(op, x._shape, dimMask);
  putView(pos, x._offset, x._strides);
}

/** One matmul operand: a [batch..., rows, cols] view with its batch strides already broadcast. */
export interface MatmulOperand {
  offset: number;
  batchStrides: readonly number[];
  rowStride: number;
  colStride: number;
}

/**
 * Matmul (binding/linalg.cc): [M, N, K, batch ndim, accumulate, batch shape..., a (offset, batch
 * strides, row stride, col stride), b (the same), hasBias, bias offset, relu]. The epilogue
 * C = relu?(C + bias) is always encoded; the bias storage is passed only when `biasOffset` is set.
 */
export function encodeMatmul(
  M: number, N: number, K: number, batch: readonly number[],
  a: MatmulOperand, b: MatmulOperand,
  biasOffset: number | null = null, relu = false,
): void {
  meta[0] = M;
  meta[1] = N;
  meta[2] = K;
  meta[3] = batch.length;
  meta[4] = 0;
  let pos = putShape(HEADER, batch);
  for (const o of [a, b]) {
    pos = putView(pos, o.offset, o.batchStrides);
    meta[pos++] = o.rowStride;
    meta[pos++] = o.colStride;
  }
  meta[pos++] = biasOffset === null ? 0 : 1;
  meta[pos++] = biasOffset ?? 0;
  meta[pos] = relu ? 1 : 0;
}

/**
 * indexSelect / indexAdd (binding/index.cc): [dim, ndim, index count, data offset, index
 * offset, shape...]; the data operand and the third one are contiguous over `shape`.
 */
export function encodeIndex(dim: number, shape: readonly number[], count: number, dataOffset: number, indexOffset: number): void {
  meta[0] = dim;
  meta[1] = shape.length;
  meta[2] = count;
  meta[3] = dataOffset;
  meta[4] = indexOffset;
  putShape(HEADER, shape);
}

/**
 * gather / scatterAdd / scatter (binding/index.cc): [dim, ndim, mode, 0, 0, index shape...,
 * data shape..., then the views of the call's operands in order]: gather's x and index (its
 * output is contiguous and not encoded), scatterAdd's and scatter's out, index and src; mode
 * is scatter's (0 replace, 1 add, 2 multiply), 0 for the others.
 */
export function encodeGather(dim: number, indexShape: readonly number[], dataShape: readonly number[], views: readonly View[], mode = 0): void {
  meta[0] = dim;
  meta[1] = indexShape.length;
  meta[2] = mode;
  meta[3] = meta[4] = 0;
  let pos = putShape(HEADER, indexShape);
  pos = putShape(pos, dataShape);
  for (const v of views) pos = putView(pos, v._offset, v._strides);
}

/**
 * softmax / logSoftmax and their backwards (binding/softmax.cc): [outer, n, inner, first
 * offset, second offset]: the tensor as [outer, n, inner] along the softmax dim, x's (or the
 * gradient's) offset and, for the backwards, the forward output's. Outputs start at offset 0.
 */
export function encodeSoftmax(outer: number, n: number, inner: number, firstOffset: number, secondOffset = 0): void {
  meta[0] = outer;
  meta[1] = n;
  meta[2] = inner;
  meta[3] = firstOffset;
  meta[4] = secondOffset;
}

/**
 * layerNorm and its backward (binding/layernorm.cc): [rows, d, eps, then the inputs' offsets]:
 * the input as [rows, d] (d = the product of the normalized dims). Forward: x, w, b offsets;
 * backward (eps 0): grad, x, mean, rstd, w offsets. A missing w or b takes offset 0 (unread).
 */
export function encodeLayerNorm(rows: number, d: number, eps: number, offsets: readonly number[]): void {
  meta[0] = rows;
  meta[1] = d;
  meta[2] = eps;
  for (let i = 0; i < offsets.length; i++) meta[3 + i] = offsets[i]!;
}

/**
 * Convolution and pooling (binding/conv.cc): [N, C, H, W, O, Ho, Wo], then the window [kh, kw,
 * sh, sw, ph, pw, dh, dw] (absent for the adaptive pool), the op's own slots, and one element
 * offset per operand argument in argument order (0 for one passed as undefined).
 */
export function encodeConv(head: readonly number[], window: readonly number[] | null, own: readonly number[], offsets: readonly number[]): void {
  let pos = 0;
  for (const v of head) meta[pos++] = v;
  if (window) for (const v of window) meta[pos++] = v;
  for (const v of own) meta[pos++] = v;
  for (const v of offsets) meta[pos++] = v;
}

/**
 * Scans, sorting and multinomial (binding/sort.cc): [outer, n, inner, p0, p1, p2, x offset,
 * first output offset, second output offset]: the contiguous input as [outer, n, inner] around
 * the dim, and the function's parameters (cumsum: reverse; sort: descending; topk: k, largest,
 * sorted; multinomial: numSamples, replacement; flags as 0/1, unused ones 0).
 */
export function encodeSort(outer: number, n: number, inner: number, p0: number, p1: number, p2: number, xOffset: number, out0Offset = 0, out1Offset = 0): void {
  meta[0] = outer;
  meta[1] = n;
  meta[2] = inner;
  meta[3] = p0;
  meta[4] = p1;
  meta[5] = p2;
  meta[6] = xOffset;
  meta[7] = out0Offset;
  meta[8] = out1Offset;
}

/**
 * Cross-entropy (binding/loss.cc): [n, c, ignoreIndex, reduction, logits or grad offset,
 * target offset, grad stride, inner]: logits [n, c, inner] (inner = d1 * d2 * ..., 1 for [N, C]).
 */
export function encodeCrossEntropy(n: number, c: number, ignoreIndex: number, reduction: number, offset: number, targetOffset: number, gradStride: number, inner = 1): void {
  meta[0] = n;
  meta[1] = c;
  meta[2] = ignoreIndex;
  meta[3] = reduction;
  meta[4] = offset;
  meta[5] = targetOffset;
  meta[6] = gradStride;
  meta[7] = inner;
}

/**
 * unfold / fold (binding/unfold.cc): [N, C, H, W, lh, lw, kh, kw, sh, sw, ph, pw, dh, dw, first
 * operand offset, second operand offset]: the image [N, C, H, W], the blocks lh x lw, the window.
 */
export function encodeUnfold(image: readonly number[], blocks: readonly number[], window: readonly number[], offsets: readonly number[]): void {
  let pos = 0;
  for (const v of image) meta[pos++] = v;
  for (const v of blocks) meta[pos++] = v;
  for (const v of window) meta[pos++] = v;
  for (const v of offsets) meta[pos++] = v;
}

/**
 * Random fills (binding/random.cc): [n, a, b]: the element count and the distribution's two
 * parameters (rand: low, high; randn: mean, std; dropout: keep, scale; randint: low, high;
 * randperm: 0, 0).
 */
export function encodeRandom(n: number, a: number, b: number): void {
  meta[0] = n;
  meta[1] = a;
  meta[2] = b;
}

/**
 * An optimizer step (binding/optim.cc): [n, param offset, grad offset, hyper-parameters...],
 * each step's hyper-parameters in the order its binding function lists them (booleans as 0/1).
 */
export function encodeStep(n: number, paramOffset: number, gradOffset: number, ...hyper: number[]): void {
  meta[0] = n;
  meta[1] = paramOffset;
  meta[2] = gradOffset;
  for (let i = 0; i < hyper.length; i++) meta[3 + i] = hyper[i]!;
}

/** A [batch..., rows, cols] operand of the fused attention: offset, batch strides, row stride (columns unit-stride). */
export interface RowsView {
  offset: number;
  batchStrides: readonly number[];
  rowStride: number;
}

/**
 * Fused attention (binding/attention.cc): [L, S, E, Ev, batch ndim, causal, hasMask, scale, 0,
 * batch shape..., q, k, v as (offset, batch strides, row stride), the mask's (offset, batch
 * strides, row stride, col stride) when given, then for the backward the gradient's view, the
 * forward output's offset and the logsumexp's offset].
 */
export function encodeAttention(
  L: number, S: number, E: number, Ev: number, batch: readonly number[], causal: boolean, scale: number,
  q: RowsView, k: RowsView, v: RowsView, mask: (RowsView & { colStride: number }) | null,
  backward: { grad: RowsView; outOffset: number; lseOffset: number } | null = null,
): void {
  meta[0] = L;
  meta[1] = S;
  meta[2] = E;
  meta[3] = Ev;
  meta[4] = batch.length;
  meta[5] = causal ? 1 : 0;
  meta[6] = mask ? 1 : 0;
  meta[7] = scale;
  meta[8] = 0;
  let pos = putShape(9, batch);
  const views = mask ? [q, k, v, mask] : [q, k, v];
  for (const o of views) {
    pos = putView(pos, o.offset, o.batchStrides);
    meta[pos++] = o.rowStride;
  }
  if (mask) meta[pos++] = mask.colStride;
  if (backward) {
    pos = putView(pos, backward.grad.offset, backward.grad.batchStrides);
    meta[pos++] = backward.grad.rowStride;
    meta[pos++] = backward.outOffset;
    meta[pos++] = backward.lseOffset;
  }
}
