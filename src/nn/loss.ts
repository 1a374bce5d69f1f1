// Loss modules: thin wrappers over nn.functional with PyTorch's constructor options.
// Legacy options (sizeAverage / size_average, reduce) map to a reduction as PyTorch's
// _Reduction.legacy_get_string does: reduce=false -> 'none', sizeAverage=false -> 'sum'.
import type { Tensor } from '../tensor.js';
import * as F from './functional.js';
import { Module } from './module.js';
import { optionsOf } from '../options.js';
import { describe, typeError } from '../errors.js';

export interface LossOptions {
  reduction?: F.Reduction;
  sizeAverage?: boolean;
  size_average?: boolean;
  reduce?: boolean;
}

function reductionOf(o: LossOptions): F.Reduction | undefined {
  const sizeAverage = o.sizeAverage ?? o.size_average;
  if (sizeAverage === undefined && o.reduce === undefined) return o.reduction;
  if (o.reduce === false) return 'none';
  return sizeAverage === false ? 'sum' : 'mean';
}

abstract class Loss extends Module {
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

export class MSELoss extends Loss {
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.mseLoss(input, target, { reduction: this.reduction });
  }
}

export class L1Loss extends Loss {
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.l1Loss(input, target, { reduction: this.reduction });
  }
}

export class HuberLoss extends Loss {
  readonly delta: number;
  constructor(opts: LossOptions & { delta?: number } = {}) {
    super(opts);
    this.delta = opts?.delta ?? 1;
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.huberLoss(input, target, { reduction: this.reduction, delta: this.delta });
  }
}

export class SmoothL1Loss extends Loss {
  readonly beta: number;
  constructor(opts: LossOptions & { beta?: number } = {}) {
    super(opts);
    this.beta = opts?.beta ?? 1;
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.smoothL1Loss(input, target, { reduction: this.reduction, beta: this.beta });
  }
}

export class NLLLoss extends Loss {
  readonly ignoreIndex: number;
  constructor(opts: LossOptions & { weight?: Tensor | null; ignoreIndex?: number } = {}) {
    super(opts);
    this.ignoreIndex = opts?.ignoreIndex ?? -100;
    // A buffer, as PyTorch registers it: it moves with the module and shows in stateDict.
    this.registerBuffer('weight', opts?.weight ?? null);
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    const weight = (this as unknown as { weight: Tensor | null }).weight;
    return F.nllLoss(input, target, { reduction: this.reduction, weight, ignoreIndex: this.ignoreIndex });
  }
}

export class CrossEntropyLoss extends Loss {
  readonly ignoreIndex: number;
  readonly labelSmoothing: number;
  constructor(opts: LossOptions & { weight?: Tensor | null; ignoreIndex?: number; labelSmoothing?: number } = {}) {
    super(opts);
    this.ignoreIndex = opts?.ignoreIndex ?? -100;
    this.labelSmoothing = opts?.labelSmoothing ?? 0;
    this.registerBuffer('weight', opts?.weight ?? null);
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    const weight = (this as unknown as { weight: Tensor | null }).weight;
    return F.crossEntropy(input, target, { reduction: this.reduction, weight, ignoreIndex: this.ignoreIndex, labelSmoothing: this.labelSmoothing });
  }
}

export class BCELoss extends Loss {
  constructor(opts: LossOptions & { weight?: Tensor | null } = {}) {
    super(opts);
    this.registerBuffer('weight', opts?.weight ?? null);
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    const weight = (this as unknown as { weight: Tensor | null }).weight;
    return F.binaryCrossEntropy(input, target, { reduction: this.reduction, weight });
  }
}

export class BCEWithLogitsLoss extends Loss {
  constructor(opts: LossOptions & { weight?: Tensor | null; posWeight?: Tensor | null } = {}) {
    super(opts);
    this.registerBuffer('weight', opts?.weight ?? null);
    this.registerBuffer('posWeight', opts?.posWeight ?? null);
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    const self = this as unknown as { weight: Tensor | null; posWeight: Tensor | null };
    return F.binaryCrossEntropyWithLogits(input, target, { reduction: this.reduction, weight: self.weight, posWeight: self.posWeight });
  }
}
