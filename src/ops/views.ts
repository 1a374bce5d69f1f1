// Shape ops. Views share storage and version counter with their base, as in PyTorch;
// each op's backward maps the gradient back to the input's shape.
import { enableGrad, isGradEnabled } from '../autograd/grad_mode.js';
import { describe, fmtShape, rangeError, typeError } from '../errors.js';
import { encodeIndex, meta } from '../call.js';
import { native } from '../native.js';
import type { Storage } from '../native.js';
import { MAX_DIMS, MAX_NUMEL, MAX_PIECES, contiguousStrides, isContiguous, normDim, numel } from '../shape.js';
import { Tensor, _setRegionOfBase } from '../tensor.js';
import { empty, expectTensor, record } from './base.js';
import { castKernel } from './elementwise_kernels.js';

/** The shape of a tensor argument, checked. */
export function shapeOf(op: string, t: unknown): number[] {
  return expectTensor(op, t, 'other')._shape.slice();
}

export function dimOf(op: string, dim: unknown, ndim: number): number {
  return normDim(op, dim, ndim);
}

export function isContiguousTensor(t: Tensor): boolean {
  return isContiguous(t._shape, t._strides);
}

function makeView(x: Tensor, shape: number[], strides: number[], offset: number): Tensor {
  const v = new Tensor(x._box, shape, strides, offset, x.dtype, x._version);
  v._base = x._base ?? x;
  v._viewVersion = x._version.value;
  v._viewInNoGrad = !isGradEnabled();
  return v;
}

/** Flattens variadic shape/dims arguments: f(2, 3), f([2, 3]). */
function flatArgs(op: string, args: readonly unknown[]): unknown[] {
  if (args.length === 1 && Array.isArray(args[0])) return args[0];
  for (const a of args) if (Array.isArray(a)) throw typeError(op, `expected numbers or one array, got ${describe(args)}`);
  return args.slice();
}

/** The target shape of reshape/view, with one -1 inferred. */
function inferShape(op: string, x: Tensor, args: readonly unknown[]): number[] {
  const raw = flatArgs(op, args);
  if (raw.length > MAX_DIMS) throw rangeError(op, `at most ${MAX_DIMS} dims, got ${raw.length}`);
  let infer = -1, known = 1;
  const shape = raw.map((v, i) => {
    if (typeof v !== 'number') throw typeError(op, `sizes must be numbers, got ${describe(v)}`);
    if (v === -1) {
      if (infer >= 0) throw rangeError(op, 'only one dimension can be inferred');
      infer = i;
      return -1;
    }
    if (!Number.isInteger(v) || v < 0 || v > MAX_NUMEL) throw rangeError(op, `invalid shape dimension ${v}`);
    known *= v;
    return v;
  });
  const n = x.numel();
  if (infer >= 0) {
    if (known === 0 || n % known !== 0) throw rangeError(op, `shape '${fmtShape(raw as number[])}' is invalid for input of size ${n}`);
    shape[infer] = n / known;
  } else if (known !== n) throw rangeError(op, `shape '${fmtShape(shape)}' is invalid for input of size ${n}`);
  return shape;
}

/**
 * Strides that view (shape, strides) as `target` without copying, or null when impossible
 * (PyTorch's computeStride): each run of merged old dims must be contiguous within itself.
 */
function viewStrides(shape: number[], strides: number[], target: number[]): number[] | null {
  // No element, or a single one: every layout views it.
  if (numel(shape) <= 1) return contiguousStrides(target);
  const out = new Array<number>(target.length);
  let viewD = target.length - 1;
  let chunkBase = strides[strides.length - 1] ?? 1;
  let tensorNumel = 1, viewNumel = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    tensorNumel *= shape[d]!;
    if (d === 0 || (shape[d - 1] !== 1 && strides[d - 1] !== tensorNumel * chunkBase)) {
      while (viewD >= 0 && (viewNumel < tensorNumel || target[viewD] === 1)) {
        out[viewD] = viewNumel * chunkBase;
        viewNumel *= target[viewD]!;
        viewD--;
      }
      if (viewNumel !== tensorNumel) return null;
      if (d > 0) {
        chunkBase = strides[d - 1]!;
        tensorNumel = 1;
        viewNumel = 1;
      }
    }
  }
  if (viewD !== -1) return null;
  return out;
}

function reshapeTo(op: string, x: Tensor, shape: number[], mustView: boolean): Tensor {
  const inShape = x._shape.slice();
  const strides = viewStrides(x._shape, x._strides, shape);
  let y: Tensor;
  if (strides) y = makeView(x, shape, strides, x._offset);
  else if (mustView)
    throw rangeError(
      op,
      `view size is not compatible with input tensor's size and stride (at least one dimension spans across two contiguous subspaces). Use .reshape(...) instead.`,
    );
  else {
    const c = copyOf(x);
    y = new Tensor(c._box, shape, contiguousStrides(shape), 0, x.dtype);
  }
  return record(strides ? 'ViewBackward0' : 'UnsafeViewBackward0', y, [x], [], (g) => [reshape(g, [inShape])]);
}

export function reshape(x: Tensor, args: readonly unknown[]): Tensor {
  x = expectTensor('reshape', x, 'self');
  return reshapeTo('reshape', x, inferShape('reshape', x, args), false);
}

export function view(x: Tensor, args: readonly unknown[]): Tensor {
  x = expectTensor('view', x, 'self');
  return reshapeTo('view', x, inferShape('view', x, args), true);
}

export function flatten(x: Tensor, start = 0, end = -1): Tensor {
  x = expectTensor('flatten', x, 'self');
  if (x.dim() === 0) {
    normDim('flatten', start, 0);
    normDim('flatten', end, 0);
    return reshape(x, [[1]]);
  }
  const s = normDim('flatten', start, x.dim()), e = normDim('flatten', end, x.dim());
  if (s > e) throw rangeError('flatten', 'start_dim cannot come after end_dim');
  const shape = [...x._shape.slice(0, s), x._shape.slice(s, e + 1).reduce((p, v) => p * v, 1), ...x._shape.slice(e + 1)];
  return reshapeTo('flatten', x, shape, false);
}

export function permute(x: Tensor, args: readonly unknown[]): Tensor {
  x = expectTensor('permute', x, 'self');
  const raw = flatArgs('permute', args);
  if (raw.length !== x.dim())
    throw rangeError('permute', `number of dims don't match in permute: got ${raw.length} dims for a tensor of shape ${fmtShape(x._shape)}`);
  const dims = raw.map((d) => normDim('permute', d, x.dim()));
  if (new Set(dims).size !== dims.length) throw rangeError('permute', 'repeated dim in permute');
  const y = makeView(x, dims.map((d) => x._shape[d]!), dims.map((d) => x._strides[d]!), x._offset);
  const inverse = new Array<number>(dims.length);
  dims.forEach((d, i) => (inverse[d] = i));
  return record('PermuteBackward0', y, [x], [], (g) => [permute(g, [inverse])]);
}

export function transpose(x: Tensor, d0: number, d1: number): Tensor {
  x = expectTensor('transpose', x, 'self');
  if (x.dim() === 0) {
    normDim('transpose', d0, 0);
    normDim('transpose', d1, 0);
    return record('TransposeBackward0', makeView(x, [], [], x._offset), [x], [], (g) => [g]);
  }
  const a = normDim('transpose', d0, x.dim()), b = normDim('transpose', d1, x.dim());
  const dims = x._shape.map((_, i) => i);
  dims[a] = b;
  dims[b] = a;
  const y = makeView(x, dims.map((d) => x._shape[d]!), dims.map((d) => x._strides[d]!), x._offset);
  return record('TransposeBackward0', y, [x], [], (g) => [transpose(g, a, b)]);
}

export function t(x: Tensor): Tensor {
  x = expectTensor('t', x, 'self');
  if (x.dim() > 2) throw rangeError('t', `t() expects a tensor with <= 2 dimensions, but self is ${x.dim()}D`);
  return x.dim() < 2 ? transpose(x, 0, 0) : transpose(x, 0, 1);
}

/** `.T`: reverses all dims (the 2-D transpose for matrices). */
export function transposeT(x: Tensor): Tensor {
  x = expectTensor('T', x, 'self');
  return permute(x, [x._shape.map((_, i) => x.dim() - 1 - i)]);
}

export function squeeze(x: Tensor, dim?: number | number[]): Tensor {
  x = expectTensor('squeeze', x, 'self');
  const inShape = x._shape.slice();
  let drop: Set<number>;
  if (dim === undefined) drop = new Set(x._shape.flatMap((s, i) => (s === 1 ? [i] : [])));
  else {
    const dims = (Array.isArray(dim) ? dim : [dim]).map((d) => normDim('squeeze', d, x.dim()));
    drop = new Set(dims.filter((d) => x._shape[d] === 1));
  }
  const keep = x._shape.map((_, i) => i).filter((i) => !drop.has(i));
  const y = makeView(x, keep.map((i) => x._shape[i]!), keep.map((i) => x._strides[i]!), x._offset);
  return record('SqueezeBackward0', y, [x], [], (g) => [reshape(g, [inShape])]);
}

export function unsqueeze(x: Tensor, dim: number): Tensor {
  x = expectTensor('unsqueeze', x, 'self');
  const d = normDim('unsqueeze', dim, x.dim() + 1);
  const shape = x._shape.slice(), strides = x._strides.slice();
  const stride = d < x.dim() ? x._shape[d]! * x._strides[d]! : 1;
  shape.splice(d, 0, 1);
  strides.splice(d, 0, stride);
  if (shape.length > MAX_DIMS) throw rangeError('unsqueeze', `at most ${MAX_DIMS} dims`);
  const y = makeView(x, shape, strides, x._offset);
  return record('UnsqueezeBackward0', y, [x], [], (g) => [squeeze(g, d)]);
}

export function expand(x: Tensor, args: readonly unknown[], op = 'expand'): Tensor {
  x = expectTensor(op, x, 'self');
  const raw = flatArgs(op, args);
  if (raw.length < x.dim())
    throw rangeError(op, `the number of sizes provided (${raw.length}) must be greater or equal to the number of dimensions in the tensor (${x.dim()})`);
  if (raw.length > MAX_DIMS) throw rangeError(op, `at most ${MAX_DIMS} dims`);
  const lead = raw.length - x.dim();
  const shape: number[] = [], strides: number[] = [];
  raw.forEach((v, i) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < -1 || v > MAX_NUMEL)
      throw rangeError(op, `invalid size ${describe(v)} in [${raw.map(describe).join(', ')}]`);
    const j = i - lead;
    if (j < 0) {
      if (v === -1) throw rangeError(op, `the expanded size of the tensor (-1) isn't allowed in a leading, non-existing dimension ${i}`);
      shape.push(v);
      strides.push(0);
      return;
    }
    const s = x._shape[j]!;
    const want = v === -1 ? s : v;
    if (s !== want && s !== 1)
      throw rangeError(op,
        `The expanded size of the tensor (${want}) must match the existing size (${s}) at non-singleton dimension ${i}.  Target sizes: [${raw.map(describe).join(", ")}].  Tensor sizes: ${fmtShape(x._shape)}`,
      );
    shape.push(want);
    strides.push(s === want ? x._strides[j]! : 0);
  });
  if (numel(shape) > MAX_NUMEL) throw rangeError(op, `expanded shape ${fmtShape(shape)} has more than ${MAX_NUMEL} elements`);
  const y = makeView(x, shape, strides, x._offset);
  // The engine sums the gradient back to the input's shape.
  return record('ExpandBackward0', y, [x], [], (g) => [g]);
}

/** Elements start, start+step, ... (count of them) along dim: the view behind narrow/slice/select. */
function stridedSlice(op: string, x: Tensor, d: number, start: number, count: number, step: number, keepDim: boolean): Tensor {
  const shape = x._shape.slice(), strides = x._strides.slice();
  const offset = x._offset + start * x._strides[d]!;
  if (keepDim) {
    shape[d] = count;
    strides[d] = x._strides[d]! * step;
  } else {
    shape.splice(d, 1);
    strides.splice(d, 1);
  }
  const inShape = x._shape.slice();
  const y = makeView(x, shape, strides, offset);
  return record(keepDim ? 'SliceBackward0' : 'SelectBackward0', y, [x], [], (g) => [
    sliceScatter(keepDim ? g : unsqueeze(g, d), inShape, d, start, step),
  ]);
}

/** Zeros of `shape` with g written at start, start+step, ... along dim (slice's backward). */
function sliceScatter(g: Tensor, shape: number[], d: number, start: number, step: number): Tensor {
  const z = empty(shape.slice(), 'float32');
  const strides = z._strides.slice();
  strides[d] = strides[d]! * step;
  const dst = new Tensor(z._box, g._shape.slice(), strides, start * z._strides[d]!, 'float32');
  castKernel(g, 'float32', dst);
  const count = g._shape[d]!;
  return record('SliceBackwardBackward0', z, [g], [], (gg) => [stridedSlice('slice', gg, d, start, count, step, true)]);
}

/**
 * A view of x (a contiguous base) with explicit geometry: what an in-place op on a view
 * becomes in the base's history. Its backward writes the gradient into zeros of x's shape.
 */
export function asStrided(x: Tensor, shape: number[], strides: number[], offset: number): Tensor {
  const y = makeView(x, shape.slice(), strides.slice(), x._offset + offset);
  const inShape = x._shape.slice();
  return record('AsStridedBackward0', y, [x], [], (g) => [asStridedScatter(g, inShape, shape, strides, offset)]);
}

function asStridedScatter(g: Tensor, baseShape: number[], shape: number[], strides: number[], offset: number): Tensor {
  const z = empty(baseShape.slice(), 'float32');
  castKernel(g, 'float32', new Tensor(z._box, shape.slice(), strides.slice(), offset, 'float32'));
  return record('AsStridedScatterBackward0', z, [g], [], (gg) => [asStrided(contiguous(gg), shape, strides, offset)]);
}

export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  x = expectTensor('narrow', x, 'self');
  if (x.dim() === 0) throw rangeError('narrow', 'narrow() cannot be applied to a 0-dim tensor.');
  const d = normDim('narrow', dim, x.dim());
  const size = x._shape[d]!;
  if (typeof start !== 'number' || !Number.isInteger(start)) throw typeError('narrow', `start must be an integer, got ${describe(start)}`);
  if (typeof length !== 'number' || !Number.isInteger(length) || length < 0)
    throw rangeError('narrow', `length must be a non-negative integer, got ${describe(length)}`);
  if (start < -size || start > size) throw rangeError('narrow', `start (${start}) is out of bounds for dimension ${d} of size ${size}`);
  const s = start < 0 ? start + size : start;
  if (s + length > size) throw rangeError('narrow', `start (${s}) + length (${length}) exceeds dimension size (${size}).`);
  return stridedSlice('narrow', x, d, s, length, 1, true);
}

/** x[..., start:end:step, ...] along dim, with Python's clamping of start and end. */
export function slice(x: Tensor, dim: number, start?: number | null, end?: number | null, step = 1): Tensor {
  x = expectTensor('slice', x, 'self');
  const d = normDim('slice', dim, x.dim());
  const size = x._shape[d]!;
  if (typeof step !== 'number' || !Number.isInteger(step) || step <= 0) throw rangeError('slice', `step must be a positive integer, got ${describe(step)}`);
  const clampIdx = (v: number | null | undefined, dflt: number) => {
    if (v == null) return dflt;
    if (typeof v !== 'number' || !Number.isInteger(v)) throw typeError('slice', `indices must be integers, got ${describe(v)}`);
    const w = v < 0 ? v + size : v;
    return Math.min(Math.max(w, 0), size);
  };
  const s = clampIdx(start, 0), e = Math.max(clampIdx(end, size), s);
  return stridedSlice('slice', x, d, s, Math.ceil((e - s) / step), step, true);
}

export function select(x: Tensor, dim: number, index: number): Tensor {
  x = expectTensor('select', x, 'self');
  if (x.dim() === 0) throw rangeError('select', 'select() cannot be applied to a 0-dim tensor.');
  const d = normDim('select', dim, x.dim());
  const size = x._shape[d]!;
  if (typeof index !== 'number' || !Number.isInteger(index) || index < -size || index >= size)
    throw rangeError('select', `index ${describe(index)} is out of range for dimension ${d} with size ${size}`);
  return stridedSlice('select', x, d, index < 0 ? index + size : index, 1, 1, false);
}

export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  x = expectTensor('indexSelect', x, 'self');
  index = expectTensor('indexSelect', index, 'index');
  if (index.dtype !== 'int32') throw typeError('indexSelect', `index must be an int32 tensor, got ${index.dtype}`);
  if (index.dim() > 1) {
    // An N-D index (beyond PyTorch, which takes 1-D): the entries for the flattened index, with
    // dim replaced by the index's shape, as x[..., index, ...] indexes.
    const d = normDim('indexSelect', dim, Math.max(x.dim(), 1));
    const picked = indexSelect(x, d, reshape(index, [[-1]]));
    return reshape(picked, [[...x._shape.slice(0, d), ...index._shape, ...x._shape.slice(d + 1)]]);
  }
  const xd = x.dim() === 0 ? reshape(x, [[1]]) : x;
  const d = normDim('indexSelect', dim, xd.dim());
  const xc = copyIfStrided(xd), ic = copyIfStrided(index);
  const n = index.numel();
  const outShape = xd._shape.slice();
  outShape[d] = n;
  const out = empty(outShape, x.dtype);
  encodeIndex(d, xd._shape, n, xc._offset, ic._offset);
  native.indexSelect(meta, xc._data, ic._data as Int32Array, out._data);
  const y = x.dim() === 0 ? reshape(out, [[]]) : out;
  const inShape = xd._shape.slice();
  return record('IndexSelectBackward0', y, [x], [ic], (g, [ix]) => [indexAddInto(reshape(g, [outShape]), inShape, d, ix!)]);
}

/** Zeros of `shape` with rows of g added at `index` along dim (index_select's backward), recorded. */
export function indexAddInto(g: Tensor, shape: number[], d: number, index: Tensor): Tensor {
  const z = empty(shape.slice(), 'float32');
  // The kernel reads the source from element 0 of its storage: a gradient that is a view (a
  // narrow of a larger tensor, a transpose) is copied first.
  const gc = isContiguousTensor(g) && g._offset === 0 ? g : copyOf(g);
  // The kernel reads the index as flat from its offset: a strided one (a slice with a step) is copied.
  const ic = copyIfStrided(index);
  encodeIndex(d, shape, ic.numel(), 0, ic._offset);
  native.indexAdd(meta, z._data, ic._data as Int32Array, gc._data);
  return record('IndexAddBackward0', z, [g], [ic], (gg, [ix]) => [indexSelect(gg, d, ix!)]);
}

function copyIfStrided(x: Tensor): Tensor {
  return isContiguousTensor(x) ? x : copyOf(x);
}

/** A contiguous copy, unrecorded. */
function copyOf(x: Tensor): Tensor {
  return castKernel(x, x.dtype, empty(x._shape.slice(), x.dtype));
}

export function clone(x: Tensor): Tensor {
  x = expectTensor('clone', x, 'self');
  return record('CloneBackward0', copyOf(x), [x], [], (g) => [g]);
}

export function contiguous(x: Tensor): Tensor {
  x = expectTensor('contiguous', x, 'self');
  return isContiguousTensor(x) ? x : clone(x);
}

/** The elements in row-major order as a typed array (a subarray when already laid out so). */
export function contiguousData(x: Tensor): Storage {
  const n = x.numel();
  if (isContiguousTensor(x)) return x._data.subarray(x._offset, x._offset + n);
  return copyOf(x)._data;
}

/** V8's longest fast array (FixedArray::kMaxLength on 64-bit, rounded down). */
const MAX_TO_ARRAY = 2 ** 27 - 8;

export function toNested(x: Tensor): unknown {
  x = expectTensor('toArray', x, 'self');
  // One JS array per index of every dim but the last, one number per element: a zero-size
  // tensor of shape [2^31 - 1, 0] would be 2^31 arrays, a huge one more numbers than V8 holds.
  let arrays = 1;
  for (let d = 0, rows = 1; d < x.dim() - 1; d++) arrays += rows *= x._shape[d]!;
  if (arrays > MAX_PIECES || x.numel() > MAX_TO_ARRAY)
    throw rangeError('toArray', `shape ${fmtShape(x._shape)} is too large for nested JS arrays (at most ${MAX_PIECES} arrays and ${MAX_TO_ARRAY} numbers); use toTypedArray()`);
  const data = contiguousData(x);
  const isBool = x.dtype === 'bool';
  const at = (i: number) => (isBool ? data[i] !== 0 : data[i]!);
  if (x.dim() === 0) return at(0);
  let pos = 0;
  const build = (d: number): unknown[] => {
    const n = x._shape[d]!;
    const out = new Array(n);
    for (let i = 0; i < n; i++) out[i] = d === x.dim() - 1 ? at(pos++) : build(d + 1);
    return out;
  };
  return build(0);
}


// A view whose base was written in place follows it as this region of the base (Tensor.gradFn).
_setRegionOfBase((base, v) => enableGrad(() => asStrided(base, v._shape, v._strides, v._offset - base._offset)));

/**
 * x with `pad` = [left, right] for the last dim, then [top, bottom] for the one before, ...
 * (PyTorch's order) filled with `value`; negative amounts crop. The gradient is the interior of
 * the incoming one.
 */
export function padConstant(x: Tensor, pad: readonly number[], value: number): Tensor {
  const op = 'pad';
  x = expectTensor(op, x, 'input');
  if (!Array.isArray(pad) || pad.length % 2 !== 0 || pad.length / 2 > x.dim() || !pad.every((p) => Number.isInteger(p)))
    throw rangeError(op, `pad must be an even-length list of integers for at most ${x.dim()} dims, got ${describe(pad)}`);
  if (typeof value !== 'number') throw typeError(op, `value must be a number, got ${describe(value)}`);
  const shape = x._shape.slice();
  const before = new Array<number>(x.dim()).fill(0);
  for (let i = 0; i < pad.length / 2; i++) {
    const d = x.dim() - 1 - i;
    before[d] = pad[2 * i]!;
    shape[d] = x._shape[d]! + pad[2 * i]! + pad[2 * i + 1]!;
    if (shape[d]! < 0) throw rangeError(op, `padding ${describe(pad)} makes dim ${d} of ${fmtShape(x._shape)} negative`);
  }
  // Where x lands in the output (cropped where an amount is negative), and which part of x.
  let inner = x;
  const out = empty(shape, x.dtype);
  if (value !== 0) castKernel(scalarTensorOf(value, x.dtype), x.dtype, out);
  let region = out;
  for (let d = 0; d < x.dim(); d++) {
    const start = Math.max(before[d]!, 0), skip = Math.max(-before[d]!, 0);
    const len = Math.max(0, Math.min(x._shape[d]! - skip, shape[d]! - start));
    region = narrow(region, d, start, len);
    inner = narrow(inner, d, skip, len);
  }
  castKernel(inner, x.dtype, region);
  const inShape = x._shape.slice();
  return record('ConstantPadNdBackward0', out, [x], [], (g) => [padConstant(g, pad.map((p) => -p), 0).reshape(inShape)]);
}

function scalarTensorOf(v: number, dtype: Tensor['dtype']): Tensor {
  const t = empty([], dtype);
  t._data[0] = dtype === 'bool' ? (v ? 1 : 0) : v;
  return t;
}

/** F.pad's non-constant modes (PyTorch 1.13). */
export type PadMode = 'reflect' | 'replicate' | 'circular';

/**
 * Pads `x` by reflecting, replicating or wrapping its edges, as PyTorch 1.13's F.pad: `pad` has
 * 2k amounts (k = 1, 2, 3: last dim first) for an input of k + 1 dims (unbatched) or k + 2
 * (batched); negative amounts crop. Each padded dim is one indexSelect with computed indices,
 * so the backward is an indexAdd (overlapping sources add up).
 */
export function padNonConstant(x: Tensor, pad: readonly number[], mode: PadMode): Tensor {
  const op = 'pad';
  x = expectTensor(op, x, 'input');
  if (!Array.isArray(pad) || !pad.every((p) => Number.isInteger(p))) throw typeError(op, `pad must be a list of integers, got ${describe(pad)}`);
  if (pad.length % 2 !== 0) throw rangeError(op, 'Padding length must be divisible by 2');
  const k = pad.length / 2;
  if (k < 1 || k > 3 || (x.dim() !== k + 1 && x.dim() !== k + 2))
    throw rangeError(op, `Only 2D, 3D, 4D, 5D padding with non-constant padding are supported for now (mode '${mode}', ${pad.length} padding amounts for input of shape ${fmtShape(x._shape)})`);
  if (mode !== 'circular') {
    if (x.dtype !== 'float32') throw typeError(op, `"${mode === 'reflect' ? 'reflection' : 'replication'}_pad${k}d" not implemented for '${x.dtype}'`);
    // Every dim but a batch dim must be non-empty.
    const first = x.dim() === k + 2 ? 1 : 0;
    if (x._shape.some((s, d) => d >= first && s === 0))
      throw rangeError(op, `Expected ${k + 1}D or ${k + 2}D (batch mode) tensor with possibly 0 batch size and other non-zero dimensions for input, but got: ${fmtShape(x._shape)}`);
  }
  // PyTorch 1.13 wraps only batched [N, C, ...] inputs.
  if (mode === 'circular' && x.dim() !== k + 2) throw rangeError(op, `Invalid padding size, expected ${2 * Math.max(x.dim() - 2, 0)} but got ${pad.length} (circular padding of input of shape ${fmtShape(x._shape)})`);
  let y = x;
  for (let i = 0; i < k; i++) {
    const d = x.dim() - 1 - i, n = x._shape[d]!;
    const l = pad[2 * i]!, r = pad[2 * i + 1]!, m = n + l + r;
    if (mode === 'reflect' && (l >= n || r >= n))
      throw rangeError(op, `Padding size should be less than the corresponding input dimension, but got: padding (${l}, ${r}) at dimension ${d} of input ${fmtShape(x._shape)}`);
    if (mode === 'circular' && (l > n || r > n)) throw rangeError(op, `Padding value causes wrapping around more than once (padding (${l}, ${r}) at dimension ${d} of input ${fmtShape(x._shape)})`);
    if (mode === 'circular' ? m < 0 : m < 1) throw rangeError(op, `input (size ${n} at dimension ${d}) is too small. Calculated output size: ${m}`);
    if (l === 0 && r === 0) continue;
    // circular, as PyTorch's _pad_circular: negative amounts crop first, to the core
    // [a, a + core); positive ones then wrap around within the core.
    const a = Math.max(-l, 0), core = n - a - Math.max(-r, 0), L = Math.max(l, 0);
    if (mode === 'circular' && m > 0 && (L > core || Math.max(r, 0) > core))
      throw rangeError(op, `Padding value causes wrapping around more than once (padding (${l}, ${r}) at dimension ${d} of input ${fmtShape(x._shape)}, ${core} elements left after cropping)`);
    // Output position o reads input coordinate u = o - l, mapped into [0, n).
    const index = empty([m], 'int32');
    for (let o = 0; o < m; o++) {
      const u = o - l, v = o - L;
      index._data[o] = mode === 'reflect' ? (u < 0 ? -u : u >= n ? 2 * (n - 1) - u : u)
        : mode === 'replicate' ? Math.min(Math.max(u, 0), n - 1)
        : a + (((v % core) + core) % core);
    }
    y = indexSelect(y, d, index);
  }
  return y === x ? clone(x) : y;  // a new tensor, as PyTorch's, also with nothing padded
}
