// nn.MultiheadAttention with PyTorch's parameter layout (in_proj_weight [3E, E], in_proj_bias,
// out_proj), initialisation, masks and returned weights.
import { describe, fmtShape, rangeError, typeError } from '../errors.js';
import { empty } from '../ops/creation.js';
import { expectTensor } from '../ops/base.js';
import * as A from '../ops/attention.js';
import * as E from '../ops/elementwise.js';
import { logicalAnd } from '../ops/elementwise_kernels.js';
import * as L from '../ops/linalg.js';
import * as S from '../ops/softmax.js';
import * as V from '../ops/views.js';
import * as R from '../ops/reduce.js';
import type { Tensor } from '../tensor.js';
import { optionsOf } from '../options.js';
import * as F from './functional.js';
import * as init from './init.js';
import { Linear } from './layers.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';

/** Options of MultiheadAttention.forward. */
export interface MultiheadAttentionForwardOptions {
  /** [N, S] bool: true marks a key position to ignore (padding). */
  keyPaddingMask?: Tensor | null;
  /** Also return the attention weights (default true). */
  needWeights?: boolean;
  /** [L, S] or [N·numHeads, L, S]: bool (true = may NOT attend, PyTorch 1.13's convention) or float (added to the scores). */
  attnMask?: Tensor | null;
  /** Average the returned weights over the heads (default true). */
  averageAttnWeights?: boolean;
}

/** Multi-head attention as PyTorch's nn.MultiheadAttention: forward(query, key, value) gives [output, weights or null]. */
export class MultiheadAttention extends Module {
  /** Model width E. */
  readonly embedDim: number;
  /** Number of heads (E must be a multiple of it). */
  readonly numHeads: number;
  /** Dropout on the attention weights in train mode. */
  readonly dropout: number;
  /** Inputs are [N, L, E] rather than [L, N, E]. */
  readonly batchFirst: boolean;
  // Registered under PyTorch's names, so state dicts load in both; inProjWeight, ... read them.
  /** @internal */ declare readonly in_proj_weight: Parameter;
  /** @internal */ declare readonly in_proj_bias: Parameter | null;
  /** @internal */ declare readonly out_proj: Linear;

  constructor(embedDim: number, numHeads: number, opts: { dropout?: number; bias?: boolean; batchFirst?: boolean } = {}) {
    super();
    const o = optionsOf('MultiheadAttention', opts);
    if (!Number.isInteger(embedDim) || embedDim <= 0) throw typeError('MultiheadAttention', `embedDim must be a positive integer, got ${describe(embedDim)}`);
    if (!Number.isInteger(numHeads) || numHeads <= 0 || embedDim % numHeads !== 0)
      throw rangeError('MultiheadAttention', `embed_dim must be divisible by num_heads (got ${describe(embedDim)} and ${describe(numHeads)})`);
    this.embedDim = embedDim;
    this.numHeads = numHeads;
    this.dropout = o.dropout ?? 0;
    this.batchFirst = o.batchFirst ?? false;
    const bias = o.bias ?? true;
    this.registerParameter('in_proj_weight', new Parameter(empty([3 * embedDim, embedDim])));
    this.registerParameter('in_proj_bias', bias ? new Parameter(empty([3 * embedDim])) : null);
    this.registerModule('out_proj', new Linear(embedDim, embedDim, { bias }));
    init.xavierUniform_(this.in_proj_weight);
    if (this.in_proj_bias) init.constant_(this.in_proj_bias, 0);
    if (this.out_proj.bias) init.constant_(this.out_proj.bias, 0);
  }

  /** The query, key and value projections stacked: [3E, E] (state-dict key `in_proj_weight`). */
  get inProjWeight(): Parameter {
    return this.in_proj_weight;
  }
  /** Their biases stacked: [3E], or null without bias (`in_proj_bias`). */
  get inProjBias(): Parameter | null {
    return this.in_proj_bias;
  }
  /** The output projection (`out_proj`). */
  get outProj(): Linear {
    return this.out_proj;
  }

  override forward(query: Tensor, key: Tensor, value: Tensor, opts: MultiheadAttentionForwardOptions = {}): [Tensor, Tensor | null] {
    const op = 'MultiheadAttention';
    const o = optionsOf(op, opts);
    query = expectTensor(op, query, 'query');
    key = expectTensor(op, key, 'key');
    value = expectTensor(op, value, 'value');
    const E_ = this.embedDim, H = this.numHeads, hd = E_ / H;
    for (const [t, what] of [[query, 'query'], [key, 'key'], [value, 'value']] as const)
      if (t.dim() !== 3 || t._shape[2] !== E_) throw rangeError(op, `${what} must be 3-D with embed_dim ${E_} last, got shape ${fmtShape(t._shape)}`);
    // To [N, L, E].
    const [q0, k0, v0] = this.batchFirst ? [query, key, value] : [query, key, value].map((t) => V.transpose(t, 0, 1));
    const N = q0!._shape[0]!, Lq = q0!._shape[1]!, Sk = k0!._shape[1]!;
    if (k0!._shape[0] !== N || v0!._shape[0] !== N || v0!._shape[1] !== Sk)
      throw rangeError(op, `query, key and value disagree on batch or sequence size: ${fmtShape(query._shape)}, ${fmtShape(key._shape)}, ${fmtShape(value._shape)}`);
    const project = (x: Tensor, i: number) =>
      L.linear(x, V.narrow(this.inProjWeight, 0, i * E_, E_), this.inProjBias ? V.narrow(this.inProjBias, 0, i * E_, E_) : null);
    // [N, L, E] -> [N, H, L, hd].
    const heads = (x: Tensor, len: number) => V.transpose(V.reshape(x, [[N, len, H, hd]]), 1, 2);
    const q = heads(project(q0!, 0), Lq), k = heads(project(k0!, 1), Sk), v = heads(project(v0!, 2), Sk);
    let attnMask = o.attnMask ?? null;
    if (attnMask !== null) {
      const m = expectTensor(op, attnMask, 'attnMask');
      const want = m.dim() === 3 ? [N * H, Lq, Sk] : [Lq, Sk];
      if ((m.dim() !== 2 && m.dim() !== 3) || m._shape.some((d, i) => d !== want[i]))
        throw rangeError(op, `attnMask must be [${Lq}, ${Sk}] or [${N * H}, ${Lq}, ${Sk}] (2-D or 3-D), got ${fmtShape(m._shape)}`);
      attnMask = m.dim() === 3 ? V.reshape(m, [[N, H, Lq, Sk]]) : m;
    }
    let pad = o.keyPaddingMask ?? null;
    if (pad !== null) {
      const m = expectTensor(op, pad, 'keyPaddingMask');
      if (m.dim() !== 2 || m._shape[0] !== N || m._shape[1] !== Sk)
        throw rangeError(op, `keyPaddingMask must be [${N}, ${Sk}], got ${fmtShape(m._shape)}`);
      pad = V.reshape(m, [[N, 1, 1, Sk]]);
    }
    const needWeights = o.needWeights ?? true;
    let weights: Tensor | null = null, attended: Tensor;
    if (!needWeights && !(this.training && this.dropout > 0)) {
      // No weights to return and no dropout: the fused kernel (no [N, H, L, S] score tensor).
      attended = A.scaledDotProductAttention(q, k, v, { attnMask: sdpaMask(attnMask, pad) });
    } else {
      let scores = E.mul(L.matmul(q, V.transpose(k, -2, -1)), 1 / Math.sqrt(hd));
      if (attnMask !== null) scores = attnMask.dtype === 'bool' ? E.where(attnMask, -Infinity, scores) : E.add(scores, attnMask);
      if (pad !== null) scores = pad.dtype === 'bool' ? E.where(pad, -Infinity, scores) : E.add(scores, pad);
      weights = S.softmax(scores, -1);
      const dropped = this.training && this.dropout > 0 ? F.dropout(weights, this.dropout, true) : weights;
      attended = L.matmul(dropped, v);
    }
    // [N, H, L, hd] -> [N, L, E], then the output projection.
    const merged = V.reshape(V.transpose(attended, 1, 2), [[N, Lq, E_]]);
    let out = this.outProj.forward(merged);
    if (!this.batchFirst) out = V.transpose(out, 0, 1);
    if (!needWeights) return [out, null];
    return [out, o.averageAttnWeights ?? true ? R.mean(weights!, 1) : weights];
  }
}

/**
 * MultiheadAttention's masks (bool true = may NOT attend, or float added to the scores; the attn
 * mask [L, S] or [N, H, L, S], the key padding mask [N, 1, 1, S]) as one scaledDotProductAttention
 * mask, broadcast over [N, H, L, S]: a bool "may attend" mask when both are bool (no float copy),
 * else their sum as floats with -inf where a bool one masks off.
 */
function sdpaMask(attnMask: Tensor | null, pad: Tensor | null): Tensor | null {
  const masks = [attnMask, pad].filter((m): m is Tensor => m !== null);
  if (masks.length === 0) return null;
  if (masks.every((m) => m.dtype === 'bool')) {
    const allowed = masks.map((m) => E.eq(m, 0));
    return allowed.length === 1 ? allowed[0]! : logicalAnd(allowed[0]!, allowed[1]!);
  }
  const additive = masks.map((m) => (m.dtype === 'bool' ? E.where(m, -Infinity, 0) : m));
  return additive.length === 1 ? additive[0]! : E.add(additive[0]!, additive[1]!);
}
