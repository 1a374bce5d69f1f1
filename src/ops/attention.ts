// Scaled dot-product attention, softmax(q kᵀ · scale + mask) v, composed from matmul, the
// where kernel and softmax, so its backward is theirs. Memory: one [..., L, S] score tensor per
// call (no fused, memory-frugal kernel yet).
import { describe, fmtShape, rangeError, typeError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { ones, rand } from './creation.js';
import { expectTensor, isTensor } from './base.js';
import * as E from './elementwise.js';
import { toDType } from './elementwise_kernels.js';
import * as L from './linalg.js';
import { tril } from './masking.js';
import * as S from './softmax.js';
import * as V from './views.js';

/** Options of {@link scaledDotProductAttention}. */
export interface AttentionOptions {
  /** A bool mask (true = may attend) or a float mask added to the scores, broadcast to [..., L, S]. */
  attnMask?: Tensor | null;
  /** Each query position attends only to key positions at or before it (a lower-triangular mask). */
  isCausal?: boolean;
  /** Dropout probability on the attention weights (0 by default). */
  dropoutP?: number;
  /** The score scale; 1/√E by default. */
  scale?: number | null;
}

/** softmax(q kᵀ · scale + mask) v for q [..., L, E], k [..., S, E], v [..., S, Ev]: [..., L, Ev]. */
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions = {}): Tensor {
  const op = 'scaledDotProductAttention';
  q = expectTensor(op, q, 'query');
  k = expectTensor(op, k, 'key');
  v = expectTensor(op, v, 'value');
  if (opts === null || typeof opts !== 'object') throw typeError(op, `options must be an object, got ${describe(opts)}`);
  if (q.dim() < 2 || k.dim() < 2 || v.dim() < 2) throw rangeError(op, `query, key and value need at least 2 dims, got ${fmtShape(q._shape)}, ${fmtShape(k._shape)} and ${fmtShape(v._shape)}`);
  const E_ = q._shape[q.dim() - 1]!;
  if (k._shape[k.dim() - 1] !== E_) throw rangeError(op, `query and key must have the same embedding size, got ${fmtShape(q._shape)} and ${fmtShape(k._shape)}`);
  if (k._shape[k.dim() - 2] !== v._shape[v.dim() - 2]) throw rangeError(op, `key and value must have the same sequence length, got ${fmtShape(k._shape)} and ${fmtShape(v._shape)}`);
  const { attnMask = null, isCausal = false, dropoutP = 0, scale = null } = opts;
  if (typeof isCausal !== 'boolean') throw typeError(op, `isCausal must be a boolean, got ${describe(isCausal)}`);
  if (typeof dropoutP !== 'number' || !(dropoutP >= 0 && dropoutP <= 1)) throw rangeError(op, `dropoutP must be in [0, 1], got ${describe(dropoutP)}`);
  if (scale !== null && typeof scale !== 'number') throw typeError(op, `scale must be a number, got ${describe(scale)}`);
  if (isCausal && attnMask !== null) throw rangeError(op, 'attnMask and isCausal cannot both be set');
  const Lq = q._shape[q.dim() - 2]!, Sk = k._shape[k.dim() - 2]!;
  let scores = E.mul(L.matmul(q, V.transpose(k, -2, -1)), scale ?? 1 / Math.sqrt(E_));
  if (isCausal) scores = E.where(toDType(tril(ones([Lq, Sk]), 0), 'bool'), scores, -Infinity);
  else if (attnMask !== null) {
    if (!isTensor(attnMask)) throw typeError(op, `attnMask must be a Tensor, got ${describe(attnMask)}`);
    scores = attnMask.dtype === 'bool' ? E.where(attnMask, scores, -Infinity) : E.add(scores, attnMask);
  }
  let weights = S.softmax(scores, -1);
  if (dropoutP > 0) weights = E.mul(weights, E.div(toDType(E.lt(rand(weights._shape.slice()), 1 - dropoutP), 'float32'), 1 - dropoutP));
  return L.matmul(weights, v);
}
