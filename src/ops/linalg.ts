// Matrix products. One batched, broadcasting kernel call covers mm, bmm and N-D matmul;
// 1-D operands are lifted to matrices with views, so their gradients come from those views.
import { fmtShape, rangeError } from '../errors.js';
import { encodeMatmul, meta } from '../call.js';
import { isGradEnabled } from '../autograd/grad_mode.js';
import { native } from '../native.js';
import * as small from '../small_kernels.js';
import { broadcastShapes, broadcastStrides } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { emptyUninit, expectTensor, record, savedFor } from './base.js';
import { freshGrad } from '../autograd/accumulate.js';
import * as E from './elementwise.js';
import { castKernel, reluBackwardKernel } from './elementwise_kernels.js';
import * as R from './reduce.js';
import * as V from './views.js';

function cannotMultiply(op: string, a: Tensor, b: Tensor, k1: number, k2: number): RangeError {
  return rangeError(op, `shapes ${fmtShape(a._shape)} and ${fmtShape(b._shape)} cannot be multiplied (${k1} != ${k2})`);
}

function floatOperand(op: string, t: Tensor, what: string): Tensor {
  t = expectTensor(op, t, what);
  return t.dtype === 'float32' ? t : castKernel(t, 'float32');
}

/** a [..., M, K] @ b [..., K, N] with broadcast batch dims; transposed views are read in place. */
function batched(op: string, a: Tensor, b: Tensor): Tensor {
  const M = a._shape[a.dim() - 2]!, K = a._shape[a.dim() - 1]!;
  const K2 = b._shape[b.dim() - 2]!, N = b._shape[b.dim() - 1]!;
  if (K !== K2) throw cannotMultiply(op, a, b, K, K2);
  const aBatch = a._shape.slice(0, -2), bBatch = b._shape.slice(0, -2);
  const batch = broadcastShapes(op, aBatch, bBatch);
  // The GEMM writes every element of C (zeros when K == 0); a throw leaves `out` unreachable.
  const out = emptyUninit([...batch, M, N], 'float32');
  encodeMatmul(M, N, K, batch, matmulOperand(a, batch), matmulOperand(b, batch));
  small.matmul(meta, a._data, b._data, out._data) || native.matmul(meta, a._data, b._data, out._data);
  // dA = g @ B^T, dB = A^T @ g; transposes are stride swaps, summed over broadcast batch dims by the engine.
  // A leaf's gradient is fresh (a new tensor nothing else holds) unless createGraph recorded it.
  // dA reads B and dB reads A: each is saved only if the other side needs a gradient.
  const aLeaf = leafOrNull(a), bLeaf = leafOrNull(b);
  return record(batch.length ? 'BmmBackward0' : 'MmBackward0', out, [a, b], [savedFor(b._requiresGrad, a), savedFor(a._requiresGrad, b)], (g, [x, w], needs) => [
    needs[0] ? leafGrad(aLeaf, batched(op, g, V.transpose(w!, -1, -2))) : null,
    needs[1] ? leafGrad(bLeaf, batched(op, V.transpose(x!, -1, -2), g)) : null,
  ]);
}

/** A [batch..., rows, cols] operand of the GEMM, its batch strides broadcast to `batch`. */
function matmulOperand(t: Tensor, batch: readonly number[]) {
  const d = t.dim();
  return { offset: t._offset, batchStrides: broadcastStrides(t._shape.slice(0, -2), t._strides.slice(0, -2), batch), rowStride: t._strides[d - 2]!, colStride: t._strides[d - 1]! };
}

/** `t` if it is a leaf (its gradient may be kept as its .grad, see leafGrad), else null. */
function leafOrNull(t: Tensor | null): Tensor | null {
  return t !== null && t.gradFn === null ? t : null;
}

/**
 * `g`, a gradient just computed for an input, marked for accumulateInto to keep rather than
 * copy when it goes straight into a leaf's .grad: the input is `leaf` and g a new tensor no graph saw.
 */
function leafGrad(leaf: Tensor | null, g: Tensor): Tensor {
  return leaf !== null && g.gradFn === null ? freshGrad(leaf, g) : g;
}

export function matmul(a: Tensor, b: Tensor): Tensor {
  a = floatOperand('matmul', a, 'self');
  b = floatOperand('matmul', b, 'other');
  if (a.dim() === 0 || b.dim() === 0)
    throw rangeError('matmul', `both arguments need at least 1 dimension, got shapes ${fmtShape(a._shape)} and ${fmtShape(b._shape)}`);
  if (a.dim() === 1 && b.dim() === 1) return dot(a, b);
  if (a.dim() === 1) {
    if (a._shape[0] !== b._shape[b.dim() - 2]) throw cannotMultiply('matmul', a, b, a._shape[0]!, b._shape[b.dim() - 2]!);
    return V.squeeze(batched('matmul', V.unsqueeze(a, 0), b), -2);
  }
  if (b.dim() === 1) {
    if (a._shape[a.dim() - 1] !== b._shape[0]) throw cannotMultiply('matmul', a, b, a._shape[a.dim() - 1]!, b._shape[0]!);
    return V.squeeze(batched('matmul', a, V.unsqueeze(b, 1)), -1);
  }
  return batched('matmul', a, b);
}

export function mm(a: Tensor, b: Tensor): Tensor {
  a = floatOperand('mm', a, 'self');
  b = floatOperand('mm', b, 'mat2');
  if (a.dim() !== 2 || b.dim() !== 2)
    throw rangeError('mm', `expected 2-D tensors, got shapes ${fmtShape(a._shape)} and ${fmtShape(b._shape)}`);
  return batched('mm', a, b);
}

export function bmm(a: Tensor, b: Tensor): Tensor {
  a = floatOperand('bmm', a, 'self');
  b = floatOperand('bmm', b, 'mat2');
  if (a.dim() !== 3 || b.dim() !== 3)
    throw rangeError('bmm', `expected 3-D tensors, got shapes ${fmtShape(a._shape)} and ${fmtShape(b._shape)}`);
  if (a._shape[0] !== b._shape[0])
    throw rangeError('bmm', `batch sizes differ: shapes ${fmtShape(a._shape)} and ${fmtShape(b._shape)}`);
  return batched('bmm', a, b);
}

export function dot(a: Tensor, b: Tensor): Tensor {
  a = floatOperand('dot', a, 'self');
  b = floatOperand('dot', b, 'other');
  if (a.dim() !== 1 || b.dim() !== 1)
    throw rangeError('dot', `1D tensors expected, but got shapes ${fmtShape(a._shape)} and ${fmtShape(b._shape)}`);
  if (a._shape[0] !== b._shape[0])
    throw rangeError('dot', `inconsistent tensor size, expected tensor [${a._shape[0]}] and src [${b._shape[0]}] to have the same number of elements, but got ${a._shape[0]} and ${b._shape[0]} elements respectively`);
  return V.reshape(batched('dot', V.unsqueeze(a, 0), V.unsqueeze(b, 1)), [[]]);
}

export function outer(a: Tensor, b: Tensor): Tensor {
  a = floatOperand('outer', a, 'self');
  b = floatOperand('outer', b, 'vec2');
  if (a.dim() !== 1 || b.dim() !== 1)
    throw rangeError('outer', `1D tensors expected, but got shapes ${fmtShape(a._shape)} and ${fmtShape(b._shape)}`);
  return batched('outer', V.unsqueeze(a, 1), V.unsqueeze(b, 0));
}

// The row stride of x's leading dims [..., in] read as the rows of one matrix, when each
// leading dim steps over whole rows of the next (size-1 dims step anywhere); else null.
function rowStride(x: Tensor): number | null {
  let stride: number | null = null, span = 0;
  for (let d = x.dim() - 2; d >= 0; d--) {
    const n = x._shape[d]!, s = x._strides[d]!;
    if (n === 1) continue;
    if (stride !== null && s !== span) return null;
    stride ??= s;
    span = s * n;
  }
  return stride ?? x._shape[x.dim() - 1]!;  // at most one row: any stride
}

/**
 * y = x @ w^T + b, then relu(y) when `relu` (nn.Sequential's Linear + ReLU): one native call,
 * the bias and relu applied in the GEMM's write-back of y. x [..., in], w [out, in], b [out] or
 * null. x's leading dims are one GEMM's rows when their strides allow it (the usual [B, T, in]),
 * else a batch of GEMMs sharing w.
 */
export function linear(x: Tensor, w: Tensor, b: Tensor | null, relu = false): Tensor {
  x = expectTensor('linear', x, 'input');
  w = expectTensor('linear', w, 'weight');
  if (w.dim() !== 2) throw rangeError('linear', `weight must be 2-D [out_features, in_features], got shape ${fmtShape(w._shape)}`);
  if (x.dim() === 0 || x._shape[x.dim() - 1] !== w._shape[1])
    throw rangeError('linear', `input shape ${fmtShape(x._shape)} does not end in in_features=${w._shape[1]} (weight shape ${fmtShape(w._shape)})`);
  if (b !== null) {
    b = expectTensor('linear', b, 'bias');
    if (b.numel() !== w._shape[0]) throw rangeError('linear', `bias shape ${fmtShape(b._shape)} does not match out_features=${w._shape[0]}`);
    // The native epilogue reads a contiguous float32 [out]; any other bias is added after.
    if (b.dtype !== 'float32' || b.dim() !== 1 || (b.numel() > 1 && b._strides[0] !== 1)) {
      const y = E.add(linear(x, w, null), b);
      return relu ? E.relu(y) : y;
    }
  }
  x = floatOperand('linear', x, 'input');
  w = floatOperand('linear', w, 'weight');
  const N = w._shape[0]!, K = w._shape[1]!;
  const lead = x._shape.slice(0, -1);
  const out = emptyUninit([...lead, N], 'float32');  // every element written, as in batched()
  const rs = rowStride(x);
  // Batch dims (none when the rows collapse) and the matrix the GEMM sees: M rows of x.
  const batch = rs === null ? lead.slice(0, -1) : [];
  const M = rs === null ? lead[lead.length - 1]! : lead.reduce((p, q) => p * q, 1);
  const xOperand = { offset: x._offset, batchStrides: x._strides.slice(0, batch.length), rowStride: rs ?? x._strides[x.dim() - 2]!, colStride: x._strides[x.dim() - 1]! };
  // B = w^T, the same for every batch: B[k, j] = w[j, k].
  const wOperand = { offset: w._offset, batchStrides: batch.map(() => 0), rowStride: w._strides[1]!, colStride: w._strides[0]! };
  encodeMatmul(M, N, K, batch, xOperand, wOperand, b ? b._offset : null, relu);
  const bias = b ? b._data : undefined;
  small.matmul(meta, x._data, w._data, out._data, bias) || native.matmul(meta, x._data, w._data, out._data, bias);
  // g is dy (through relu's mask when fused, y > 0 as in ReluBackward0): dx = g @ w,
  // dw = g^T @ x and db = g summed over the rows, with x's leading dims flattened.
  const name = relu ? 'ReluBackward0' : b ? 'AddmmBackward0' : 'MmBackward0';
  const wLeaf = leafOrNull(w), bLeaf = leafOrNull(b);
  return record(name, out, [x, w, b], [savedFor(w._requiresGrad, x), savedFor(x._requiresGrad, w), savedFor(relu, out)], (g, [xs, ws, ys], needs) => {
    // Under createGraph (grad mode on in backward) relu's mask as a differentiable op.
    const gy = !relu ? g : isGradEnabled() ? E.where(E.gt(ys!, 0), g, 0) : reluBackwardKernel(g, ys!);
    const g2 = V.reshape(gy, [[-1, N]]);
    return [
      needs[0] ? matmul(gy, ws!) : null,
      needs[1] ? leafGrad(wLeaf, matmul(V.t(g2), V.reshape(xs!, [[-1, K]]))) : null,
      needs[2] ? leafGrad(bLeaf, R.sum(g2, 0)) : null,
    ];
  });
}
