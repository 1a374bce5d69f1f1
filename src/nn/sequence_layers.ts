// The layers of sequence models: Embedding (a lookup table of rows) and LayerNorm. Parameters,
// their initialisation, state-dict keys and printing are PyTorch's.
import { noGrad } from '../autograd/grad_mode.js';
import { describe, typeError } from '../errors.js';
import { empty, ones, zeros } from '../ops/creation.js';
import { paddingIndexOf } from '../ops/normalization.js';
import type { Tensor } from '../tensor.js';
import { optionsOf } from '../options.js';
import * as F from './functional.js';
import * as init from './init.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';

/** A float as Python's repr writes it (1e-05, 0.001, 1.5): PyTorch's printed hyper-parameters. */
function pyFloat(v: number): string {
  if (v === 0 || (Math.abs(v) >= 1e-4 && Math.abs(v) < 1e16)) return Number.isInteger(v) ? v.toFixed(1) : String(v);
  const [mantissa, exponent] = v.toExponential().split('e') as [string, string];
  const sign = exponent.startsWith('-') ? '-' : '+';
  return `${mantissa}e${sign}${exponent.replace(/^[-+]/, '').padStart(2, '0')}`;
}

function sizeOf(op: string, v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw typeError(op, `${what} must be a non-negative integer, got ${describe(v)}`);
  return v;
}

/** A table of `numEmbeddings` rows of size `embeddingDim`; forward(indices) gives the rows at the int32 indices. Weight drawn from N(0, 1), the padding row zeroed. */
export class Embedding extends Module {
  /** Number of rows. */
  readonly numEmbeddings: number;
  /** Size of each row. */
  readonly embeddingDim: number;
  /** The row that gets no gradient (and starts at zeros), or null. */
  readonly paddingIdx: number | null;
  /** The table, shape [numEmbeddings, embeddingDim]. */
  weight: Parameter;

  constructor(numEmbeddings: number, embeddingDim: number, opts: { paddingIdx?: number | null } = {}) {
    super();
    this.numEmbeddings = sizeOf('Embedding', numEmbeddings, 'num_embeddings');
    this.embeddingDim = sizeOf('Embedding', embeddingDim, 'embedding_dim');
    this.paddingIdx = paddingIndexOf('Embedding', optionsOf('Embedding', opts).paddingIdx, numEmbeddings);
    this.weight = new Parameter(empty([numEmbeddings, embeddingDim]));
    this.resetParameters();
  }

  /** N(0, 1) on the weight, then zeros in the padding row (PyTorch's reset_parameters). */
  resetParameters(): void {
    init.normal_(this.weight);
    if (this.paddingIdx !== null) noGrad(() => this.weight.select(0, this.paddingIdx!).zero_());
  }

  override forward(input: Tensor): Tensor {
    return F.embedding(input, this.weight, this.paddingIdx);
  }

  override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx !== null ? `, padding_idx=${this.paddingIdx}` : ''}`;
  }
}

/** Layer normalization over the trailing `normalizedShape` dims, with a learnable elementwise weight (ones) and bias (zeros). */
export class LayerNorm extends Module {
  /** The trailing dims normalized over. */
  readonly normalizedShape: number[];
  /** Added to the variance before the square root. */
  readonly eps: number;
  /** Whether there are a weight and a bias. */
  readonly elementwiseAffine: boolean;
  /** Elementwise scale, shape normalizedShape (ones); null without elementwiseAffine. */
  weight: Parameter | null = null;
  /** Elementwise shift, shape normalizedShape (zeros); null without elementwiseAffine. */
  bias: Parameter | null = null;

  constructor(normalizedShape: number | number[], opts: { eps?: number; elementwiseAffine?: boolean } = {}) {
    super();
    const o = optionsOf('LayerNorm', opts);
    const shape = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape;
    if (!Array.isArray(shape) || shape.length === 0) throw typeError('LayerNorm', `normalizedShape must be a positive integer or a non-empty list of them, got ${describe(normalizedShape)}`);
    this.normalizedShape = shape.map((s) => sizeOf('LayerNorm', s, 'normalized_shape'));
    this.eps = o.eps ?? 1e-5;
    this.elementwiseAffine = o.elementwiseAffine ?? true;
    if (this.elementwiseAffine) {
      this.weight = new Parameter(ones(this.normalizedShape));
      this.bias = new Parameter(zeros(this.normalizedShape));
    } else {
      this.registerParameter('weight', null);
      this.registerParameter('bias', null);
    }
  }

  override forward(input: Tensor): Tensor {
    return F.layerNorm(input, this.normalizedShape, this.weight, this.bias, this.eps);
  }

  override extraRepr(): string {
    return `(${this.normalizedShape.join(', ')}${this.normalizedShape.length === 1 ? ',' : ''}), eps=${pyFloat(this.eps)}, elementwise_affine=${this.elementwiseAffine ? 'True' : 'False'}`;
  }
}
