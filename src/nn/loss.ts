// Loss modules: thin wrappers over nn.functional with PyTorch's constructor options.
// Legacy options (sizeAverage / size_average, reduce) map to a reduction as PyTorch's
// _Reduction.legacy_get_string does: reduce=false -> 'none', sizeAverage=false -> 'sum'.
import type { Tensor } from '../tensor.js';
import * as F from './functional.js';
import { Module } from './module.js';
import { optionsOf } from '../options.js';
import { describe, typeError } from '../errors.js';

/** Options every loss takes; `sizeAverage` / `size_average` and `reduce` are PyTorch's legacy spelling of `reduction`. */
export interface LossOptions {
  /** 'mean' (default) or 'sum' over the elements, or 'none' for the loss per element. */
  reduction?: F.Reduction;
  /** Legacy: false means reduction 'sum'. */
  sizeAverage?: boolean;
  /** Legacy, PyTorch's spelling of sizeAverage. */
  size_average?: boolean;
  /** Legacy: false means reduction 'none'. */
  reduce?: boolean;
}

function reductionOf(o: LossOptions): F.Reduction | undefined {
  const sizeAverage = o.sizeAverage ?? o.size_average;
  if (sizeAverage === undefined && o.reduce === undefined) return o.reduction;
  if (o.reduce === false) return 'none';
  return sizeAverage === false ? 'sum' : 'mean';
}

abstract class Loss extends Module {
  /** How the per-element losses are combined: 'mean', 'sum' or 'none'. */
  readonly reduction: F.Reduction;
  constructor(opts: LossOptions = {}) {
    super();
    this.reduction = reductionOf(optionsOf(this._getName(), opts)) ?? 'mean';
    const r: unknown = this.reduction;
    if (r !== 'mean' && r !== 'sum' && r !== 'none')
      throw typeError(this._getName(), `${describe(r)} is not a valid value for reduction ('mean', 'sum' or 'none')`);
  }
  abstract override forward(input: Tensor, target: Tensor): Tensor;
}

/** Mean squared error, (input − target)². */
export class MSELoss extends Loss {
  /** The loss of `input` against `target`, reduced as `reduction` says. */
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.mseLoss(input, target, { reduction: this.reduction });
  }
}

/** Mean absolute error, |input − target|. */
export class L1Loss extends Loss {
  /** The loss of `input` against `target`, reduced as `reduction` says. */
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.l1Loss(input, target, { reduction: this.reduction });
  }
}

/** Squared error below `delta`, linear (slope delta) above it. */
export class HuberLoss extends Loss {
  /** Where the loss turns from quadratic to linear (default 1). */
  readonly delta: number;
  constructor(opts: LossOptions & { delta?: number } = {}) {
    super(opts);
    this.delta = opts?.delta ?? 1;
  }
  /** The loss of `input` against `target`, reduced as `reduction` says. */
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.huberLoss(input, target, { reduction: this.reduction, delta: this.delta });
  }
}

/** Huber loss divided by `beta`: 0.5·d²/beta below beta, |d| − 0.5·beta above. */
export class SmoothL1Loss extends Loss {
  /** Where the loss turns from quadratic to linear (default 1). */
  readonly beta: number;
  constructor(opts: LossOptions & { beta?: number } = {}) {
    super(opts);
    this.beta = opts?.beta ?? 1;
  }
  /** The loss of `input` against `target`, reduced as `reduction` says. */
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.smoothL1Loss(input, target, { reduction: this.reduction, beta: this.beta });
  }
}

/** Negative log-likelihood of class indices given log-probabilities (e.g. from LogSoftmax). */
export class NLLLoss extends Loss {
  /** Targets equal to this class index are skipped (default −100). */
  readonly ignoreIndex: number;
  constructor(opts: LossOptions & { weight?: Tensor | null; ignoreIndex?: number } = {}) {
    super(opts);
    this.ignoreIndex = opts?.ignoreIndex ?? -100;
    // A buffer, as PyTorch registers it: it moves with the module and shows in stateDict.
    this.registerBuffer('weight', opts?.weight ?? null);
  }
  /** The loss of `input` against `target`, reduced as `reduction` says. */
  override forward(input: Tensor, target: Tensor): Tensor {
    const weight = (this as unknown as { weight: Tensor | null }).weight;
    return F.nllLoss(input, target, { reduction: this.reduction, weight, ignoreIndex: this.ignoreIndex });
  }
}

/** log-softmax + NLL on raw logits, against class indices or class probabilities. */
export class CrossEntropyLoss extends Loss {
  /** Targets equal to this class index are skipped (default −100). */
  readonly ignoreIndex: number;
  /** Weight in [0, 1] moved from the target class to a uniform distribution (default 0). */
  readonly labelSmoothing: number;
  constructor(opts: LossOptions & { weight?: Tensor | null; ignoreIndex?: number; labelSmoothing?: number } = {}) {
    super(opts);
    this.ignoreIndex = opts?.ignoreIndex ?? -100;
    this.labelSmoothing = opts?.labelSmoothing ?? 0;
    this.registerBuffer('weight', opts?.weight ?? null);
  }
  /** The loss of `input` against `target`, reduced as `reduction` says. */
  override forward(input: Tensor, target: Tensor): Tensor {
    const weight = (this as unknown as { weight: Tensor | null }).weight;
    return F.crossEntropy(input, target, { reduction: this.reduction, weight, ignoreIndex: this.ignoreIndex, labelSmoothing: this.labelSmoothing });
  }
}

/** Binary cross-entropy between probabilities in [0, 1] and targets. */
export class BCELoss extends Loss {
  constructor(opts: LossOptions & { weight?: Tensor | null } = {}) {
    super(opts);
    this.registerBuffer('weight', opts?.weight ?? null);
  }
  /** The loss of `input` against `target`, reduced as `reduction` says. */
  override forward(input: Tensor, target: Tensor): Tensor {
    const weight = (this as unknown as { weight: Tensor | null }).weight;
    return F.binaryCrossEntropy(input, target, { reduction: this.reduction, weight });
  }
}

/** Sigmoid + binary cross-entropy on raw logits, computed stably. */
export class BCEWithLogitsLoss extends Loss {
  constructor(opts: LossOptions & { weight?: Tensor | null; posWeight?: Tensor | null } = {}) {
    super(opts);
    this.registerBuffer('weight', opts?.weight ?? null);
    this.registerBuffer('posWeight', opts?.posWeight ?? null);
  }
  /** The loss of `input` against `target`, reduced as `reduction` says. */
  override forward(input: Tensor, target: Tensor): Tensor {
    const self = this as unknown as { weight: Tensor | null; posWeight: Tensor | null };
    return F.binaryCrossEntropyWithLogits(input, target, { reduction: this.reduction, weight: self.weight, posWeight: self.posWeight });
  }
}
