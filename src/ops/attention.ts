// Scaled dot-product attention, softmax(q kᵀ · scale + mask) v. Float32 without dropout runs the
// fused kernel (cpp/kernels/attention.cpp, flash-attention style): no [..., L, S] score or weight
// tensor is made, forward or backward; the forward keeps each query's logsumexp [..., L] for the
// backward, which recomputes the weights block by block. Everything else (dropout, other dtypes,
// a float mask that requires grad) is composed from matmul, where and softmax, as is the
// backward under createGraph, so that it is itself differentiable.
import { isGradEnabled, noGrad } from '../autograd/grad_mode.js';
import { encodeAttention, meta, type RowsView } from '../call.js';
import { describe, fmtShape, rangeError, typeError } from '../errors.js';
import { native } from '../native.js';
import { broadcastShapes, broadcastStrides } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { ones, rand } from './creation.js';
import { emptyUninit, expectTensor, isTensor, record } from './base.js';
import * as E from './elementwise.js';
import { toDType } from './elementwise_kernels.js';
import * as L from './linalg.js';
import { tril } from './masking.js';
import { sum } from './reduce.js';
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
  if (attnMask !== null && !isTensor(attnMask)) throw typeError(op, `attnMask must be a Tensor, got ${describe(attnMask)}`);
  const s = scale ?? 1 / Math.sqrt(E_);
  const plan = dropoutP === 0 ? fusedPlan(q, k, v, attnMask) : null;
  if (plan) return fused(plan, q, k, v, attnMask, isCausal, s);
  return composed(q, k, v, attnMask, isCausal, dropoutP, s);
}

/** The composed form: one [..., L, S] score and weight tensor; the fallback and the reference. */
function composed(q: Tensor, k: Tensor, v: Tensor, attnMask: Tensor | null, isCausal: boolean, dropoutP: number, scale: number): Tensor {
  let weights = S.softmax(maskedScores(q, k, attnMask, isCausal, scale), -1);
  if (dropoutP > 0) weights = E.mul(weights, E.div(toDType(E.lt(rand(weights._shape.slice()), 1 - dropoutP), 'float32'), 1 - dropoutP));
  return L.matmul(weights, v);
}

/** q kᵀ · scale with the mask applied (-inf where masked off, or the float mask added). */
function maskedScores(q: Tensor, k: Tensor, attnMask: Tensor | null, isCausal: boolean, scale: number): Tensor {
  const Lq = q._shape[q.dim() - 2]!, Sk = k._shape[k.dim() - 2]!;
  const scores = E.mul(L.matmul(q, V.transpose(k, -2, -1)), scale);
  if (isCausal) return E.where(causalMask(Lq, Sk), scores, -Infinity);
  if (attnMask !== null) return attnMask.dtype === 'bool' ? E.where(attnMask, scores, -Infinity) : E.add(scores, attnMask);
  return scores;
}

function causalMask(Lq: number, Sk: number): Tensor {
  return toDType(tril(ones([Lq, Sk]), 0), 'bool');
}

interface FusedPlan {
  batch: number[];
  Lq: number;
  Sk: number;
  E: number;
  Ev: number;
}

/** The fused kernel's shapes, or null where it does not apply (then the composed path runs, and raises its errors). */
function fusedPlan(q: Tensor, k: Tensor, v: Tensor, attnMask: Tensor | null): FusedPlan | null {
  if (q.dtype !== 'float32' || k.dtype !== 'float32' || v.dtype !== 'float32') return null;
  const qB = q._shape.slice(0, -2), kB = k._shape.slice(0, -2), vB = v._shape.slice(0, -2);
  if (!broadcasts(qB, kB) || !broadcasts(kB, vB) || !broadcasts(qB, vB)) return null;
  const batch = broadcastShapes('scaledDotProductAttention', broadcastShapes('scaledDotProductAttention', qB, kB), vB);
  const Lq = q._shape[q.dim() - 2]!, Sk = k._shape[k.dim() - 2]!;
  if (attnMask !== null) {
    if (attnMask.dtype !== 'bool' && attnMask.dtype !== 'float32') return null;
    // A mask that wants its own gradient: the composed path's add gives it.
    if (attnMask.dtype === 'float32' && isGradEnabled() && attnMask._requiresGradNow()) return null;
    // Broadcast to the scores' shape without changing it (a mask with more dims, or a larger
    // one, broadcasts the composed result instead).
    const target = [...batch, Lq, Sk], off = target.length - attnMask.dim();
    if (off < 0 || attnMask._shape.some((d, i) => d !== 1 && d !== target[off + i])) return null;
  }
  return { batch, Lq, Sk, E: q._shape[q.dim() - 1]!, Ev: v._shape[v.dim() - 1]! };
}

function broadcasts(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 1; i <= Math.min(a.length, b.length); i++) {
    const x = a[a.length - i]!, y = b[b.length - i]!;
    if (x !== y && x !== 1 && y !== 1) return false;
  }
  return true;
}

/** t with unit column stride (a copy if its last dim is strided), outside the graph. */
function unitColumns(t: Tensor): Tensor {
  const d = t.dim();
  return t._shape[d - 1]! > 1 && t._strides[d - 1] !== 1 ? noGrad(() => V.contiguous(t)) : t;
}

function rowsView(t: Tensor, batch: readonly number[]): RowsView {
  const d = t.dim();
  return { offset: t._offset, batchStrides: broadcastStrides(t._shape.slice(0, -2), t._strides.slice(0, -2), batch), rowStride: t._strides[d - 2]! };
}

function fused(p: FusedPlan, q: Tensor, k: Tensor, v: Tensor, attnMask: Tensor | null, isCausal: boolean, scale: number): Tensor {
  const qc = unitColumns(q), kc = unitColumns(k), vc = unitColumns(v);
  let mask: (RowsView & { colStride: number }) | null = null;
  if (attnMask !== null) {
    const target = [...p.batch, p.Lq, p.Sk];
    const st = broadcastStrides(attnMask._shape, attnMask._strides, target);
    mask = { offset: attnMask._offset, batchStrides: st.slice(0, -2), rowStride: st[st.length - 2]!, colStride: st[st.length - 1]! };
  }
  const views = () => [rowsView(qc, p.batch), rowsView(kc, p.batch), rowsView(vc, p.batch)] as const;
  const maskData = attnMask ? (attnMask._data as Float32Array | Uint8Array) : undefined;
  const out = emptyUninit([...p.batch, p.Lq, p.Ev], 'float32');
  const lse = emptyUninit([...p.batch, p.Lq], 'float32');
  encodeAttention(p.Lq, p.Sk, p.E, p.Ev, p.batch, isCausal, scale, ...views(), mask);
  native.attention(meta, qc._data as Float32Array, kc._data as Float32Array, vc._data as Float32Array, maskData, out._data as Float32Array, lse._data as Float32Array);
  // Gradients come out in the broadcast batch shape; the engine sums them back to each input's.
  return record('ScaledDotProductAttentionBackward0', out, [q, k, v], [q, k, v, qc, kc, vc, out, lse, attnMask], (g, saved, needs) => {
    const [q0, k0, v0, qs, ks, vs, o, l] = saved as Tensor[];
    if (isGradEnabled()) return composedGrads(g, q0!, k0!, v0!, attnMask, isCausal, scale, needs);
    const gc = unitColumns(g);
    const dq = emptyUninit([...p.batch, p.Lq, p.E], 'float32');
    const dk = emptyUninit([...p.batch, p.Sk, p.E], 'float32');
    const dv = emptyUninit([...p.batch, p.Sk, p.Ev], 'float32');
    const [qv, kv, vv] = [rowsView(qs!, p.batch), rowsView(ks!, p.batch), rowsView(vs!, p.batch)];
    encodeAttention(p.Lq, p.Sk, p.E, p.Ev, p.batch, isCausal, scale, qv, kv, vv, mask, { grad: rowsView(gc, p.batch), outOffset: o!._offset, lseOffset: l!._offset });
    native.attentionBackward(meta, qs!._data as Float32Array, ks!._data as Float32Array, vs!._data as Float32Array, maskData, gc._data as Float32Array, o!._data as Float32Array, l!._data as Float32Array, dq._data as Float32Array, dk._data as Float32Array, dv._data as Float32Array);
    return [needs[0] ? dq : null, needs[1] ? dk : null, needs[2] ? dv : null];
  });
}

/**
 * The fused backward written with the ops (under createGraph, so the gradients are themselves
 * differentiable): P recomputed, dV = Pᵀ g, dS = P ∘ (g vᵀ − rowsum(g vᵀ ∘ P)), dQ = dS k · scale,
 * dK = dSᵀ q · scale; masked-off scores get no gradient, as the composed path's where.
 */
function composedGrads(g: Tensor, q: Tensor, k: Tensor, v: Tensor, attnMask: Tensor | null, isCausal: boolean, scale: number, needs: readonly boolean[]): (Tensor | null)[] {
  const P = S.softmax(maskedScores(q, k, attnMask, isCausal, scale), -1);
  const dP = L.matmul(g, V.transpose(v, -2, -1));
  let dS = E.mul(P, E.sub(dP, sum(E.mul(dP, P), -1, true)));
  const Lq = q._shape[q.dim() - 2]!, Sk = k._shape[k.dim() - 2]!;
  if (isCausal) dS = E.where(causalMask(Lq, Sk), dS, 0);
  else if (attnMask !== null && attnMask.dtype === 'bool') dS = E.where(attnMask, dS, 0);
  dS = E.mul(dS, scale);
  return [
    needs[0] ? L.matmul(dS, k) : null,
    needs[1] ? L.matmul(V.transpose(dS, -2, -1), q) : null,
    needs[2] ? L.matmul(V.transpose(P, -2, -1), g) : null,
  ];
}
