// Joining and splitting along a dim: cat/stack copy into narrow views of one output; split and
// chunk return narrow views. Gradients flow back through the same views.
import { describe, fmtShape, rangeError, typeError } from '../errors.js';
import { promote } from '../dtype.js';
import { MAX_DIMS, MAX_PIECES, normDim } from '../shape.js';
import { Tensor } from '../tensor.js';
import { empty, expectTensor, record } from './base.js';
import { castKernel } from './elementwise_kernels.js';
import * as V from './views.js';

function tensorList(op: string, tensors: unknown): Tensor[] {
  if (!Array.isArray(tensors)) throw typeError(op, `expected an array of tensors, got ${describe(tensors)}`);
  if (tensors.length === 0) throw rangeError(op, 'expected a non-empty list of Tensors');
  return tensors.map((t, i) => expectTensor(op, t, `tensors[${i}]`));
}

export function cat(tensors: Tensor[], dim = 0): Tensor {
  const ts = tensorList('cat', tensors);
  if (typeof dim !== 'number' || !Number.isInteger(dim)) throw typeError('cat', `dim must be an integer, got ${describe(dim)}`);
  // PyTorch skips 1-D empty tensors (legacy behaviour) when joining; they still get a
  // (empty) gradient.
  const skipped = (t: Tensor) => t.dim() === 1 && t.numel() === 0;
  const parts = ts.filter((t) => !skipped(t));
  if (parts.length === 0) {
    const out = empty([0], ts.reduce((d, t) => promote(d, t.dtype), ts[0]!.dtype));
    return record('CatBackward0', out, ts, [], (g) => ts.map(() => g));
  }
  const ref = parts[0]!;
  if (ref.dim() === 0) throw rangeError('cat', 'zero-dimensional tensor cannot be concatenated');
  const d = normDim('cat', dim, ref.dim());
  let dtype = ref.dtype;
  for (const t of parts) {
    if (t.dim() !== ref.dim())
      throw rangeError('cat', `Tensors must have same number of dimensions: got ${ref.dim()} and ${t.dim()}`);
    for (let i = 0; i < t.dim(); i++)
      if (i !== d && t._shape[i] !== ref._shape[i])
        throw rangeError('cat', `Sizes of tensors must match except in dimension ${d}. Expected size ${ref._shape[i]} but got size ${t._shape[i]} for tensor number ${parts.indexOf(t)} in the list (shapes ${fmtShape(ref._shape)} and ${fmtShape(t._shape)}).`);
    dtype = promote(dtype, t.dtype);
  }
  const shape = ref._shape.slice();
  shape[d] = parts.reduce((s, t) => s + t._shape[d]!, 0);
  const out = empty(shape, dtype);
  // Where each input (by position in `ts`) starts along dim; skipped inputs have none.
  const starts: number[] = [];
  let at = 0;
  for (const t of ts) {
    starts.push(at);
    if (skipped(t)) continue;
    const dst = new Tensor(out._box, t._shape.slice(), out._strides.slice(), at * out._strides[d]!, dtype);
    castKernel(t, dtype, dst);
    at += t._shape[d]!;
  }
  return record('CatBackward0', out, ts, [], (g, _s, needs) =>
    ts.map((t, i) => {
      if (!needs[i]) return null;
      if (skipped(t)) return empty([0], 'float32');
      return V.narrow(g, d, starts[i]!, t._shape[d]!);
    }),
  );
}

export function stack(tensors: Tensor[], dim = 0): Tensor {
  const ts = tensorList('stack', tensors);
  const ref = ts[0]!;
  if (ref.dim() + 1 > MAX_DIMS) throw rangeError('stack', `at most ${MAX_DIMS} dims`);
  const d = normDim('stack', dim, ref.dim() + 1);
  for (const t of ts)
    if (t._shape.length !== ref._shape.length || t._shape.some((s, i) => s !== ref._shape[i]))
      throw rangeError('stack', `stack expects each tensor to be equal size, but got ${fmtShape(ref._shape)} at entry 0 and ${fmtShape(t._shape)} at entry ${ts.indexOf(t)}`);
  return cat(ts.map((t) => V.unsqueeze(t, d)), d);
}

/** Views of `sizeOrSections`-sized pieces along dim (the last may be smaller), or of given sizes. */
export function split(x: Tensor, sizeOrSections: number | number[], dim = 0): Tensor[] {
  x = expectTensor('split', x, 'self');
  if (x.dim() === 0) throw rangeError('split', 'split expects at least a 1-dimensional tensor');
  const d = normDim('split', dim, x.dim());
  const size = x._shape[d]!;
  let sizes: number[];
  if (Array.isArray(sizeOrSections)) {
    sizes = sizeOrSections.map((s) => {
      if (typeof s !== 'number' || !Number.isInteger(s) || s < 0) throw rangeError('split', `split sizes must be non-negative integers, got ${describe(s)}`);
      return s;
    });
    const total = sizes.reduce((a, b) => a + b, 0);
    if (total !== size)
      throw rangeError('split', `split_with_sizes expects split_sizes to sum exactly to ${size} (input tensor's size at dimension ${d}), but got split_sizes=${fmtShape(sizes)}`);
  } else {
    const s = sizeOrSections;
    if (typeof s !== 'number' || !Number.isInteger(s) || s < 0 || (s === 0 && size > 0))
      throw rangeError('split', `split_size must be a positive integer, got ${describe(s)}`);
    const pieces = size === 0 ? 1 : Math.ceil(size / s);
    if (pieces > MAX_PIECES) throw rangeError('split', `split_size ${s} would cut ${size} into ${pieces} pieces, more than the ${MAX_PIECES} supported`);
    sizes = [];
    if (size === 0) sizes.push(0);
    for (let at = 0; at < size; at += s) sizes.push(Math.min(s, size - at));
  }
  const out: Tensor[] = [];
  let at = 0;
  for (const s of sizes) {
    out.push(V.narrow(x, d, at, s));
    at += s;
  }
  return out;
}

export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  x = expectTensor('chunk', x, 'self');
  if (typeof chunks !== 'number' || !Number.isInteger(chunks) || chunks <= 0)
    throw rangeError('chunk', `chunk expects \`chunks\` to be greater than 0, got: ${describe(chunks)}`);
  if (x.dim() === 0) throw rangeError('chunk', 'chunk expects at least a 1-dimensional tensor');
  const d = normDim('chunk', dim, x.dim());
  const size = x._shape[d]!;
  // An empty dim splits into `chunks` empty pieces, as in PyTorch.
  if (size === 0) {
    if (chunks > MAX_PIECES) throw rangeError('chunk', `${chunks} empty pieces are more than the ${MAX_PIECES} supported`);
    return Array.from({ length: chunks }, () => V.narrow(x, d, 0, 0));
  }
  return split(x, Math.ceil(size / chunks), d);
}
