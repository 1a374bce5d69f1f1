// The layers of sequence models: Embedding (a lookup table of rows) and LayerNorm. Parameters,
// their initialisation, state-dict keys and printing are PyTorch's.
import { noGrad } from '../autograd/grad_mode.js';
import { describe, rangeError, typeError } from '../errors.js';
import { empty, ones, zeros } from '../ops/creation.js';
import { expectTensor } from '../ops/base.js';
import { paddingIndexOf } from '../ops/normalization.js';
import type { Tensor } from '../tensor.js';
import { optionsOf } from '../options.js';
import * as F from './functional.js';
import * as init from './init.js';
import { positiveInt } from './layers.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';

/** A float as Python's repr writes it (1e-05, 0.001, 1.5): PyTorch's printed hyper-parameters. */
function pyFloat(v: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
  if (v === 0 || (Math.abs(v) >= 1e-4 && Math.abs(v) < 1e16)) return Number.isInteger(v) ? v.toFixed(1) : String(v);
  const [mantissa, exponent] = v.toExponential().split('e') as [string, string];
  const sign = exponent.startsWith('-') ? '-' : '+';
  return `${mantissa}e${sign}${exponent.replace(/^[-+]/, '').padStart(2, '0')}`;
}

function numberOption(op: string, v: unknown, what: string, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number') throw typeError(op, `${what} must be a number, got ${describe(v)}`);
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
    this.numEmbeddings = positiveInt('Embedding', numEmbeddings, 'num_embeddings');
    this.embeddingDim = positiveInt('Embedding', embeddingDim, 'embedding_dim');
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
    this.normalizedShape = shape.map((s) => positiveInt('LayerNorm', s, 'normalized_shape'));
    this.eps = numberOption('LayerNorm', o.eps, 'eps', 1e-5);
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

/** Options of BatchNorm1d / BatchNorm2d. */
export interface BatchNormOptions {
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /** Weight of the newest batch in the running statistics (default 0.1); null: a cumulative average. */
  momentum?: number | null;
  /** Learn a per-channel weight (ones) and bias (zeros) (default true). */
  affine?: boolean;
  /** Keep running statistics for eval mode (default true). */
  trackRunningStats?: boolean;
}

abstract class BatchNormBase extends Module {
  /** Channels (dim 1 of the input). */
  readonly numFeatures: number;
  /** Added to the variance. */
  readonly eps: number;
  /** The running statistics' momentum, or null for a cumulative average. */
  readonly momentum: number | null;
  /** Whether there are weight and bias. */
  readonly affine: boolean;
  /** Whether running statistics are kept. */
  readonly trackRunningStats: boolean;
  /** Per-channel scale (ones); null without affine. */
  weight: Parameter | null = null;
  /** Per-channel shift (zeros); null without affine. */
  bias: Parameter | null = null;
  // Buffers under PyTorch's names (state-dict keys running_mean, running_var, num_batches_tracked).
  /** @internal */ declare running_mean: Tensor | null;
  /** @internal */ declare running_var: Tensor | null;
  /** @internal */ declare num_batches_tracked: Tensor | null;

  constructor(name: string, numFeatures: number, opts: BatchNormOptions) {
    super();
    const o = optionsOf(name, opts);
    this.numFeatures = positiveInt(name, numFeatures, 'num_features');
    this.eps = numberOption(name, o.eps, 'eps', 1e-5);
    this.momentum = o.momentum === null ? null : numberOption(name, o.momentum, 'momentum', 0.1);
    this.affine = o.affine ?? true;
    this.trackRunningStats = o.trackRunningStats ?? true;
    if (this.affine) {
      this.weight = new Parameter(ones([numFeatures]));
      this.bias = new Parameter(zeros([numFeatures]));
    } else {
      this.registerParameter('weight', null);
      this.registerParameter('bias', null);
    }
    const track = this.trackRunningStats;
    this.registerBuffer('running_mean', track ? zeros([numFeatures]) : null);
    this.registerBuffer('running_var', track ? ones([numFeatures]) : null);
    this.registerBuffer('num_batches_tracked', track ? zeros([], { dtype: 'int32' }) : null);
  }

  /** The running mean per channel (state-dict key `running_mean`), or null. */
  get runningMean(): Tensor | null {
    return this.running_mean;
  }
  /** The running (unbiased) variance per channel (`running_var`), or null. */
  get runningVar(): Tensor | null {
    return this.running_var;
  }
  /** Training batches seen (`num_batches_tracked`, int32 where PyTorch's is int64), or null. */
  get numBatchesTracked(): Tensor | null {
    return this.num_batches_tracked;
  }

  /** @internal Throws unless x has the rank this layer takes. */
  protected abstract checkInput(x: Tensor): void;

  override forward(x: Tensor): Tensor {
    this.checkInput(expectTensor(this._getName(), x, 'input'));
    let momentum = this.momentum ?? 0;
    if (this.training && this.trackRunningStats && this.num_batches_tracked) {
      noGrad(() => this.num_batches_tracked!.add_(1));
      if (this.momentum === null) momentum = 1 / this.num_batches_tracked.item();
    }
    const useBatch = this.training || !this.trackRunningStats;
    return F.batchNorm(x, this.running_mean, this.running_var, this.weight, this.bias, useBatch, momentum, this.eps);
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${pyFloat(this.eps)}, momentum=${this.momentum === null ? 'None' : pyFloat(this.momentum)}, affine=${this.affine ? 'True' : 'False'}, track_running_stats=${this.trackRunningStats ? 'True' : 'False'}`;
  }
}

/** Batch normalization of [N, C] or [N, C, L] inputs per channel. */
export class BatchNorm1d extends BatchNormBase {
  constructor(numFeatures: number, opts: BatchNormOptions = {}) {
    super('BatchNorm1d', numFeatures, opts);
  }

  /** @internal */
  protected checkInput(x: Tensor): void {
    if (x.dim() !== 2 && x.dim() !== 3) throw rangeError('BatchNorm1d', `expected 2D or 3D input (got ${x.dim()}D input)`);
  }
}

/** Batch normalization of [N, C, H, W] inputs per channel. */
export class BatchNorm2d extends BatchNormBase {
  constructor(numFeatures: number, opts: BatchNormOptions = {}) {
    super('BatchNorm2d', numFeatures, opts);
  }

  /** @internal */
  protected checkInput(x: Tensor): void {
    if (x.dim() !== 4) throw rangeError('BatchNorm2d', `expected 4D input (got ${x.dim()}D input)`);
  }
}

/** Group normalization over [N, C, ...] inputs with a learnable per-channel weight (ones) and bias (zeros). */
export class GroupNorm extends Module {
  /** Number of channel groups. */
  readonly numGroups: number;
  /** Channels (dim 1 of the input). */
  readonly numChannels: number;
  /** Added to the variance. */
  readonly eps: number;
  /** Whether there are weight and bias. */
  readonly affine: boolean;
  /** Per-channel scale (ones); null without affine. */
  weight: Parameter | null = null;
  /** Per-channel shift (zeros); null without affine. */
  bias: Parameter | null = null;

  constructor(numGroups: number, numChannels: number, opts: { eps?: number; affine?: boolean } = {}) {
    super();
    const o = optionsOf('GroupNorm', opts);
    this.numGroups = positiveInt('GroupNorm', numGroups, 'num_groups');
    this.numChannels = positiveInt('GroupNorm', numChannels, 'num_channels');
    if (numGroups === 0 || numChannels % numGroups !== 0) throw rangeError('GroupNorm', `num_channels (${numChannels}) must be divisible by num_groups (${numGroups})`);
    this.eps = numberOption('GroupNorm', o.eps, 'eps', 1e-5);
    this.affine = o.affine ?? true;
    if (this.affine) {
      this.weight = new Parameter(ones([numChannels]));
      this.bias = new Parameter(zeros([numChannels]));
    } else {
      this.registerParameter('weight', null);
      this.registerParameter('bias', null);
    }
  }

  override forward(x: Tensor): Tensor {
    return F.groupNorm(x, this.numGroups, this.weight, this.bias, this.eps);
  }

  override extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${pyFloat(this.eps)}, affine=${this.affine ? 'True' : 'False'}`;
  }
}
