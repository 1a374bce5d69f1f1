// The public ops: every export here is registered (src/ops/registry.ts) and is both `tg.<name>`
// (src/index.ts re-exports this module) and, unless its registration says otherwise, a Tensor
// method. The elementwise family declares its entries in its own file (forward and derivative
// together) and comes in whole; the other families' forwards and derivatives sit in their
// files, and their entries here say how each is exposed.
import type { Tensor, ValuesIndices } from '../tensor.js';
import * as Ix from './indexing.js';
import * as J from './join.js';
import * as L from './linalg.js';
import * as M from './masking.js';
import * as R from './reduce.js';
import { def } from './registry.js';
import * as S from './softmax.js';
import * as So from './sorting.js';
import * as V from './views.js';

export * from './elementwise.js';
export type { ScatterOptions } from './indexing.js';

type Dims = number | number[];
type ShapeArgs = (number | number[])[];

// ---- reductions -------------------------------------------------------------------------
/** Sum over `dim` (all elements when omitted); `keepdim` keeps reduced dims as size 1. */
export const sum = def('sum', (x: Tensor, dim?: Dims | null, keepdim = false): Tensor => R.sum(x, dim, keepdim));
/** Mean over `dim` (all elements when omitted); `keepdim` keeps reduced dims as size 1. */
export const mean = def('mean', (x: Tensor, dim?: Dims | null, keepdim = false): Tensor => R.mean(x, dim, keepdim));
/** Product over `dim` (all elements when omitted); `keepdim` keeps reduced dims as size 1. */
export const prod = def('prod', (x: Tensor, dim?: Dims | null, keepdim = false): Tensor => R.prod(x, dim, keepdim));
/** Variance over `dim` (all elements when omitted); `opts.unbiased` / `opts.correction` as in PyTorch (Bessel's correction by default). Also exported as `var`, the method's name. */
export const variance = def('variance', (x: Tensor, dim?: Dims | null, keepdim = false, opts?: R.VarOptions): Tensor => R.variance(x, dim, keepdim, opts), { method: false });
export { variance as var };
/** Standard deviation over `dim` (all elements when omitted); `opts` as for {@link variance}. */
export const std = def('std', (x: Tensor, dim?: Dims | null, keepdim = false, opts?: R.VarOptions): Tensor => R.std(x, dim, keepdim, opts));
/** log(sum(exp(x))) over `dim`, computed stably. */
export const logsumexp = def('logsumexp', (x: Tensor, dim: Dims, keepdim = false): Tensor => R.logsumexp(x, dim, keepdim));
/** Index of the largest element along `dim` (of the flattened tensor when omitted). */
export const argmax = def('argmax', (x: Tensor, dim?: number | null, keepdim = false): Tensor<'int32'> => R.argExtreme(x, dim, keepdim, true) as Tensor<'int32'>);
/** Index of the smallest element along `dim` (of the flattened tensor when omitted). */
export const argmin = def('argmin', (x: Tensor, dim?: number | null, keepdim = false): Tensor<'int32'> => R.argExtreme(x, dim, keepdim, false) as Tensor<'int32'>);
/** The largest element of the whole tensor, as a 0-d tensor (the method also takes a dim: see `Tensor.max`). */
export const max = def('max', (x: Tensor): Tensor => R.amaxAll(x, true), { method: false });
/** The smallest element of the whole tensor, as a 0-d tensor (the method also takes a dim: see `Tensor.min`). */
export const min = def('min', (x: Tensor): Tensor => R.amaxAll(x, false), { method: false });

/** True where any element along `dim` (every dim when omitted) is nonzero, as a bool tensor. */
export const any = def('any', (x: Tensor, dim?: Dims | null, keepdim = false): Tensor<'bool'> => R.anyAll(x, dim, keepdim, true) as Tensor<'bool'>);
/** True where every element along `dim` (every dim when omitted) is nonzero, as a bool tensor. */
export const all = def('all', (x: Tensor, dim?: Dims | null, keepdim = false): Tensor<'bool'> => R.anyAll(x, dim, keepdim, false) as Tensor<'bool'>);
/** The p-norm over `dim` (every dim when omitted): p = 2 by default, also 1, 0, ±Infinity or any number. */
export const norm = def('norm', (x: Tensor, p: number | null = 2, dim?: Dims | null, keepdim = false): Tensor => R.norm(x, p, dim, keepdim));

/** exp(x) normalised to sum to 1 along `dim`. */
export const softmax = def('softmax', (x: Tensor, dim: number): Tensor => S.softmax(x, dim));
/** log(softmax(x)) along `dim`, computed stably. */
export const logSoftmax = def('logSoftmax', (x: Tensor, dim: number): Tensor => S.logSoftmax(x, dim));

// ---- linear algebra ----------------------------------------------------------------------
/** Matrix product with PyTorch's rules for 1-D operands and broadcast batch dims. */
export const matmul = def('matmul', (a: Tensor, b: Tensor): Tensor => L.matmul(a, b));
/** Product of two 2-D matrices. */
export const mm = def('mm', (a: Tensor, b: Tensor): Tensor => L.mm(a, b));
/** Batched product of two 3-D tensors, [b, n, m] @ [b, m, p]. */
export const bmm = def('bmm', (a: Tensor, b: Tensor): Tensor => L.bmm(a, b));
/** Inner product of two 1-D tensors. */
export const dot = def('dot', (a: Tensor, b: Tensor): Tensor => L.dot(a, b));
/** Outer product of two 1-D tensors. */
export const outer = def('outer', (a: Tensor, b: Tensor): Tensor => L.outer(a, b));

// ---- views, copies and selection (a Tensor<D> method keeps D) ------------------------------
const sameDType = { method: 'sameDType' } as const;
/** The same elements in a new shape (one size may be −1); a view when the strides allow, a copy otherwise. */
export const reshape = def('reshape', (x: Tensor, ...shape: ShapeArgs): Tensor => V.reshape(x, shape), { ...sameDType, variadic: true });
/** A view with a new shape sharing storage; throws when the strides do not allow one (use reshape). */
export const view = def('view', (x: Tensor, ...shape: ShapeArgs): Tensor => V.view(x, shape), { ...sameDType, variadic: true });
/** A view with the dims reordered. */
export const permute = def('permute', (x: Tensor, ...dims: ShapeArgs): Tensor => V.permute(x, dims), { ...sameDType, variadic: true });
/** A broadcast view to `shape` (−1 keeps a size); size-1 dims repeat without copying. */
export const expand = def('expand', (x: Tensor, ...shape: ShapeArgs): Tensor => V.expand(x, shape), { ...sameDType, variadic: true });
/** Merges dims startDim..endDim into one. */
export const flatten = def('flatten', (x: Tensor, startDim = 0, endDim = -1): Tensor => V.flatten(x, startDim, endDim), sameDType);
/** A view with dims dim0 and dim1 swapped. */
export const transpose = def('transpose', (x: Tensor, dim0: number, dim1: number): Tensor => V.transpose(x, dim0, dim1), sameDType);
/** Transpose of a tensor with at most 2 dims (a view). */
export const t = def('t', (x: Tensor): Tensor => V.t(x), sameDType);
/** A view without the size-1 dims (only those in `dim`, if given). */
export const squeeze = def('squeeze', (x: Tensor, dim?: Dims): Tensor => V.squeeze(x, dim), sameDType);
/** A view with a size-1 dim inserted at `dim`. */
export const unsqueeze = def('unsqueeze', (x: Tensor, dim: number): Tensor => V.unsqueeze(x, dim), sameDType);
/** A view of `length` elements of `dim` from `start`. */
export const narrow = def('narrow', (x: Tensor, dim: number, start: number, length: number): Tensor => V.narrow(x, dim, start, length), sameDType);
/** A view of entries start, start + step, ... before end along `dim` (Python slice semantics). */
export const slice = def('slice', (x: Tensor, dim: number, start?: number | null, end?: number | null, step = 1): Tensor => V.slice(x, dim, start, end, step), sameDType);
/** A view of entry `index` of `dim`, with that dim removed. */
export const select = def('select', (x: Tensor, dim: number, index: number): Tensor => V.select(x, dim, index), sameDType);
/** The entries of `dim` listed in the 1-D integer tensor `index` (a copy). */
export const indexSelect = def('indexSelect', (x: Tensor, dim: number, index: Tensor): Tensor => V.indexSelect(x, dim, index), sameDType);
/** Values picked along `dim` at the positions in `index` (same number of dims as `x`). */
export const gather = def('gather', (x: Tensor, dim: number, index: Tensor): Tensor => Ix.gather(x, dim, index), sameDType);
/** `x` with `src`'s values added at the positions `index` names along `dim` (out of place). */
export const scatterAdd = def('scatterAdd', (x: Tensor, dim: number, index: Tensor, src: Tensor): Tensor => Ix.scatterAddOp(x, dim, index, src));
/** `x` with `src`'s values (or the number `src`) written at the positions `index` names along `dim` (out of place: torch.scatter); `opts.reduce` 'add' / 'multiply' combines instead of replacing (no gradient then, as in PyTorch). */
export const scatter = def('scatter', (x: Tensor, dim: number, index: Tensor, src: Tensor | number | boolean, opts?: Ix.ScatterOptions): Tensor => Ix.scatter(x, dim, index, src, opts), sameDType);
/** `x` with alpha·`source`'s slices added at the positions the 1-D `index` names along `dim` (out of place). */
export const indexAdd = def('indexAdd', (x: Tensor, dim: number, index: Tensor, source: Tensor, opts?: { alpha?: number }): Tensor => Ix.indexAdd(x, dim, index, source, opts?.alpha ?? 1));
/** A copy with its own storage; recorded by autograd. */
export const clone = def('clone', (x: Tensor): Tensor => V.clone(x), sameDType);
/** `x` if already contiguous, otherwise a contiguous copy. */
export const contiguous = def('contiguous', (x: Tensor): Tensor => V.contiguous(x), sameDType);
/** Views of consecutive pieces along `dim`: of equal size (the last may be smaller), or of the listed sizes. */
export const split = def('split', (x: Tensor, splitSizeOrSections: number | number[], dim = 0): Tensor[] => J.split(x, splitSizeOrSections, dim), sameDType);
/** Up to `chunks` views of (nearly) equal size along `dim`. */
export const chunk = def('chunk', (x: Tensor, chunks: number, dim = 0): Tensor[] => J.chunk(x, chunks, dim), sameDType);

/** The lower triangle of the last two dims: elements with col − row <= `diagonal`, zeros elsewhere. */
export const tril = def('tril', (x: Tensor, diagonal = 0): Tensor => M.tril(x, diagonal), sameDType);
/** The upper triangle of the last two dims: elements with col − row >= `diagonal`, zeros elsewhere. */
export const triu = def('triu', (x: Tensor, diagonal = 0): Tensor => M.triu(x, diagonal), sameDType);
/** `value` where the bool `mask` (broadcast to x's shape) holds, `x` elsewhere. */
export const maskedFill = def('maskedFill', (x: Tensor, mask: Tensor, value: number | boolean | Tensor): Tensor => M.maskedFill(x, mask, value), sameDType);
/** The elements where the bool `mask` (broadcast to x's shape) holds, in row-major order, as a 1-D tensor. */
export const maskedSelect = def('maskedSelect', (x: Tensor, mask: Tensor): Tensor => M.maskedSelect(x, mask), sameDType);

// ---- scans and sorting (src/ops/sorting.ts) --------------------------------------------------
/** Cumulative sum along `dim`; int32 and bool inputs give int32 (PyTorch gives int64). */
export const cumsum = def('cumsum', (x: Tensor, dim: number): Tensor => So.cumsum(x, dim));
/** Cumulative product along `dim`; int32 and bool inputs give int32 (PyTorch gives int64). Its gradient is exact where the input has zeros. */
export const cumprod = def('cumprod', (x: Tensor, dim: number): Tensor => So.cumprod(x, dim));
/** The elements sorted along `dim` (ascending unless `descending`; stable, NaN largest) and their original positions. */
export const sort = def('sort', (x: Tensor, dim = -1, descending = false): ValuesIndices => So.sort(x, dim, descending), sameDType);
/** The positions that sort `x` along `dim` (the indices of {@link sort}), as int32. */
export const argsort = def('argsort', (x: Tensor, dim = -1, descending = false): Tensor<'int32'> => So.argsort(x, dim, descending));
/** The `k` largest (or, with `largest` false, smallest) elements along `dim` and their positions; in order when `sorted`. */
export const topk = def('topk', (x: Tensor, k: number, dim = -1, largest = true, sorted = true): ValuesIndices => So.topk(x, k, dim, largest, sorted), sameDType);
/** `numSamples` category indices drawn per row of the 1-D [k] or 2-D [rows, k] weights `probs` (int32; distinct unless `opts.replacement`), from the global generator. Also the method `probs.multinomial(...)`. */
export const multinomial = def('multinomial', (probs: Tensor, numSamples: number, opts?: So.MultinomialOptions): Tensor<'int32'> => So.multinomial(probs, numSamples, opts), { method: false });

// ---- functions only ----------------------------------------------------------------------
const functionOnly = { method: false } as const;
/** Joins tensors along an existing dim. */
export const cat = def('cat', (tensors: Tensor[], dim = 0): Tensor => J.cat(tensors, dim), functionOnly);
/** Joins tensors along a new dim. */
export const stack = def('stack', (tensors: Tensor[], dim = 0): Tensor => J.stack(tensors, dim), functionOnly);
/** int32 one-hot rows: class indices [...] to [..., numClasses]. */
export const oneHot = def('oneHot', (labels: Tensor, numClasses = -1): Tensor => Ix.oneHot(labels, numClasses), functionOnly);
