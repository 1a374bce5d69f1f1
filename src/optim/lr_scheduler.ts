// Learning-rate schedulers with PyTorch 1.13's semantics. Like PyTorch, step() without an
// epoch uses each scheduler's chainable form (the new lr computed from the group's current lr),
// and the constructor performs the initial step (lastEpoch -1 -> 0), recording each group's
// 'initialLr' (PyTorch's 'initial_lr'). getLastLr() returns the lrs set by the last step.
import { describe, rangeError, typeError } from '../errors.js';
import { optionsOf } from '../options.js';
import { Optimizer } from './optimizer.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyOptimizer = Optimizer<any>;

/** Base class of the epoch-based schedulers: call step() once per epoch, after optimizer.step(). Subclasses implement getLr(). */
export abstract class LRScheduler {
  /** The optimizer whose groups' lr this scheduler sets. */
  readonly optimizer: AnyOptimizer;
  /** Each group's initial lr (its `initialLr`). */
  readonly baseLrs: number[];
  /** Index of the last epoch stepped (−1 before the first step). */
  lastEpoch: number;
  /** How many times step() ran (for PyTorch-compatible state dicts). */
  protected _stepCount = 0;
  /** The lrs set by the last step(). */
  protected _lastLr: number[] = [];

  constructor(optimizer: AnyOptimizer, lastEpoch = -1) {
    this.optimizer = checkOptimizer(this.constructor.name, optimizer);
    if (typeof lastEpoch !== 'number' || !Number.isInteger(lastEpoch) || lastEpoch < -1)
      throw rangeError(this.constructor.name, `lastEpoch must be an integer >= -1, got ${describe(lastEpoch)}`);
    for (const [i, g] of optimizer.paramGroups.entries()) {
      if (lastEpoch === -1) {
        if (g.initialLr === undefined) g.initialLr = g.lr;
      } else if (g.initialLr === undefined)
        throw rangeError(this.constructor.name, `param 'initialLr' is not specified in paramGroups[${i}] when resuming an optimizer`);
    }
    this.baseLrs = optimizer.paramGroups.map((g) => g.initialLr as number);
    this.lastEpoch = lastEpoch;
  }

  /** Subclass constructors call this after setting their fields (PyTorch's _initial_step). */
  protected initialStep(): void {
    this._stepCount = 0;
    this.step();
  }

  /** The lrs for the current lastEpoch, from the groups' current lrs (chainable form). */
  abstract getLr(): number[];

  /** Advances one epoch and sets every group's lr for it. */
  step(): void {
    this._stepCount++;
    this.lastEpoch++;
    const lrs = this.getLr();
    this.optimizer.paramGroups.forEach((g, i) => (g.lr = lrs[i]!));
    this._lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** The lrs set by the last step, one per parameter group. */
  getLastLr(): number[] {
    return this._lastLr.slice();
  }

  /** The groups' current lrs, for getLr() implementations. */
  protected groupLrs(): number[] {
    return this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** The scheduler's fields except the optimizer (and LambdaLR's functions), as PyTorch's. */
  stateDict(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    // Like PyTorch: everything but the optimizer and the (unpicklable) lr lambdas.
    for (const [k, v] of Object.entries(this)) if (k !== 'optimizer' && k !== 'lrLambdas') out[k] = Array.isArray(v) ? v.slice() : v instanceof Map ? new Map(v) : v;
    return out;
  }

  /** Restores fields saved by stateDict(). */
  loadStateDict(sd: Record<string, unknown>): void {
    Object.assign(this, sd);
  }
}

function lastEpochOf(op: string, opts: { lastEpoch?: number } | undefined): number {
  return optionsOf(op, opts).lastEpoch ?? -1;
}

function checkOptimizer(op: string, optimizer: unknown): AnyOptimizer {
  if (!(optimizer instanceof Optimizer)) throw typeError(op, `${describe(optimizer)} is not an Optimizer`);
  return optimizer;
}

function posInt(op: string, what: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw rangeError(op, `${what} must be a positive integer, got ${describe(v)}`);
  return v;
}

/** lr × gamma every stepSize epochs. */
export class StepLR extends LRScheduler {
  /** Epochs between two decays. */
  readonly stepSize: number;
  /** Factor the lr is multiplied by at each decay. */
  readonly gamma: number;
  constructor(optimizer: AnyOptimizer, stepSize: number, opts: { gamma?: number; lastEpoch?: number } = {}) {
    super(optimizer, lastEpochOf(new.target.name, opts));
    this.stepSize = posInt('StepLR', 'step_size', stepSize);
    this.gamma = opts?.gamma ?? 0.1;
    this.initialStep();
  }
  getLr(): number[] {
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return this.groupLrs();
    return this.groupLrs().map((lr) => lr * this.gamma);
  }
}

/** lr × gamma at each milestone (a milestone listed k times multiplies by gamma^k). */
export class MultiStepLR extends LRScheduler {
  /** Epoch → how many times it was listed (each listing multiplies by gamma once more). */
  readonly milestones: Map<number, number>;
  /** Factor the lr is multiplied by at each decay. */
  readonly gamma: number;
  constructor(optimizer: AnyOptimizer, milestones: number[], opts: { gamma?: number; lastEpoch?: number } = {}) {
    super(optimizer, lastEpochOf(new.target.name, opts));
    if (!Array.isArray(milestones)) throw typeError('MultiStepLR', `milestones must be an array of epochs, got ${describe(milestones)}`);
    this.milestones = new Map();
    for (const m of milestones) this.milestones.set(m, (this.milestones.get(m) ?? 0) + 1);
    this.gamma = opts?.gamma ?? 0.1;
    this.initialStep();
  }
  getLr(): number[] {
    const k = this.milestones.get(this.lastEpoch);
    if (k === undefined) return this.groupLrs();
    return this.groupLrs().map((lr) => lr * this.gamma ** k);
  }
}

/** lr × gamma every epoch. */
export class ExponentialLR extends LRScheduler {
  /** Factor the lr is multiplied by at each decay. */
  readonly gamma: number;
  constructor(optimizer: AnyOptimizer, gamma: number, opts: { lastEpoch?: number } = {}) {
    super(optimizer, lastEpochOf(new.target.name, opts));
    if (typeof gamma !== 'number') throw typeError('ExponentialLR', `gamma must be a number, got ${describe(gamma)}`);
    this.gamma = gamma;
    this.initialStep();
  }
  getLr(): number[] {
    if (this.lastEpoch === 0) return this.groupLrs();
    return this.groupLrs().map((lr) => lr * this.gamma);
  }
}

/** SGDR's cosine curve without restarts, in PyTorch's recursive (chainable) form. */
export class CosineAnnealingLR extends LRScheduler {
  /** Epochs for the lr to go from its initial value to etaMin. */
  readonly TMax: number;
  /** The lowest lr, reached after TMax epochs. */
  readonly etaMin: number;
  constructor(optimizer: AnyOptimizer, TMax: number, opts: { etaMin?: number; lastEpoch?: number } = {}) {
    super(optimizer, lastEpochOf(new.target.name, opts));
    this.TMax = posInt('CosineAnnealingLR', 'T_max', TMax);
    this.etaMin = opts?.etaMin ?? 0;
    this.initialStep();
  }
  getLr(): number[] {
    const e = this.lastEpoch, T = this.TMax, eta = this.etaMin;
    if (e === 0) return this.groupLrs();
    if (this._stepCount === 1 && e > 0)
      return this.baseLrs.map((base) => eta + ((base - eta) * (1 + Math.cos((e * Math.PI) / T))) / 2);
    // Python's % is non-negative for a positive modulus.
    const m = 2 * T;
    if ((((e - 1 - T) % m) + m) % m === 0)
      return this.optimizer.paramGroups.map((g, i) => g.lr + ((this.baseLrs[i]! - eta) * (1 - Math.cos(Math.PI / T))) / 2);
    return this.groupLrs().map((lr) => ((1 + Math.cos((Math.PI * e) / T)) / (1 + Math.cos((Math.PI * (e - 1)) / T))) * (lr - eta) + eta);
  }
}

/** lr = initial lr × lambda(epoch), one function for all groups or one per group. */
export class LambdaLR extends LRScheduler {
  /** One factor function per parameter group. */
  readonly lrLambdas: ((epoch: number) => number)[];
  constructor(optimizer: AnyOptimizer, lrLambda: ((epoch: number) => number) | ((epoch: number) => number)[], opts: { lastEpoch?: number } = {}) {
    super(optimizer, lastEpochOf(new.target.name, opts));
    const n = optimizer.paramGroups.length;
    if (Array.isArray(lrLambda)) {
      if (lrLambda.length !== n) throw rangeError('LambdaLR', `Expected ${n} lr_lambdas, but got ${lrLambda.length}`);
      this.lrLambdas = lrLambda.slice();
    } else if (typeof lrLambda === 'function') this.lrLambdas = Array.from({ length: n }, () => lrLambda);
    else throw typeError('LambdaLR', `lrLambda must be a function or an array of functions, got ${describe(lrLambda)}`);
    this.initialStep();
  }
  getLr(): number[] {
    return this.baseLrs.map((base, i) => base * this.lrLambdas[i]!(this.lastEpoch));
  }
}

/** Options of ReduceLROnPlateau (PyTorch's defaults). */
export interface ReduceLROnPlateauOptions {
  /** Whether the metric should decrease ('min', default: a loss) or increase ('max': an accuracy). */
  mode?: 'min' | 'max';
  /** Multiplier of the lr at each reduction (default 0.1). */
  factor?: number;
  /** Epochs without improvement tolerated before reducing (default 10). */
  patience?: number;
  /** Minimum change that counts as an improvement (default 1e-4). */
  threshold?: number;
  /** Whether threshold is relative to the best value ('rel', default) or absolute. */
  thresholdMode?: 'rel' | 'abs';
  /** Epochs to wait after a reduction before counting bad epochs again (default 0). */
  cooldown?: number;
  /** Lower bound of the lr, for all groups or one per group (default 0). */
  minLr?: number | number[];
  /** Reductions smaller than this are skipped (default 1e-8). */
  eps?: number;
}

/** Multiplies lr by factor when a metric has stopped improving for `patience` epochs. */
export class ReduceLROnPlateau {
  /** The optimizer whose groups' lr this scheduler sets. */
  readonly optimizer: AnyOptimizer;
  /** Whether the metric should decrease or increase. */
  readonly mode: 'min' | 'max';
  /** Multiplier of the lr at each reduction. */
  readonly factor: number;
  /** Epochs without improvement tolerated before reducing. */
  readonly patience: number;
  /** Minimum change that counts as an improvement. */
  readonly threshold: number;
  /** Whether threshold is relative or absolute. */
  readonly thresholdMode: 'rel' | 'abs';
  /** Epochs to wait after a reduction. */
  readonly cooldown: number;
  /** Lower bound of the lr, per group. */
  readonly minLrs: number[];
  /** Reductions smaller than this are skipped. */
  readonly eps: number;
  /** The best metric seen so far. */
  best: number;
  /** Epochs since the last improvement. */
  numBadEpochs = 0;
  /** Epochs of cooldown left. */
  cooldownCounter = 0;
  /** Number of step() calls so far. */
  lastEpoch = 0;
  private _lastLr: number[];

  constructor(optimizer: AnyOptimizer, opts: ReduceLROnPlateauOptions = {}) {
    this.optimizer = checkOptimizer('ReduceLROnPlateau', optimizer);
    opts = optionsOf('ReduceLROnPlateau', opts);
    this.factor = opts.factor ?? 0.1;
    if (!(this.factor < 1)) throw rangeError('ReduceLROnPlateau', 'Factor should be < 1.0.');
    this.mode = opts.mode ?? 'min';
    this.thresholdMode = opts.thresholdMode ?? 'rel';
    if (this.mode !== 'min' && this.mode !== 'max') throw rangeError('ReduceLROnPlateau', `mode ${describe(this.mode)} is unknown!`);
    if (this.thresholdMode !== 'rel' && this.thresholdMode !== 'abs')
      throw rangeError('ReduceLROnPlateau', `threshold mode ${describe(this.thresholdMode)} is unknown!`);
    this.patience = opts.patience ?? 10;
    this.threshold = opts.threshold ?? 1e-4;
    this.cooldown = opts.cooldown ?? 0;
    this.eps = opts.eps ?? 1e-8;
    const n = optimizer.paramGroups.length;
    const minLr = opts.minLr ?? 0;
    if (Array.isArray(minLr)) {
      if (minLr.length !== n) throw rangeError('ReduceLROnPlateau', `expected ${n} min_lrs, got ${minLr.length}`);
      this.minLrs = minLr.slice();
    } else this.minLrs = Array.from({ length: n }, () => minLr);
    this.best = this.mode === 'min' ? Infinity : -Infinity;
    this._lastLr = optimizer.paramGroups.map((g) => g.lr);
  }

  private isBetter(a: number): boolean {
    const { best, threshold: t } = this;
    if (this.mode === 'min') return this.thresholdMode === 'rel' ? a < best * (1 - t) : a < best - t;
    return this.thresholdMode === 'rel' ? a > best * (t + 1) : a > best + t;
  }

  /** Records the epoch's metric (a number or a one-element tensor) and maybe reduces the lrs. */
  step(metric: number | { item(): number | boolean }): void {
    const current = typeof metric === 'number' ? metric : metric && typeof metric.item === 'function' ? Number(metric.item()) : NaN;
    if (Number.isNaN(current) && typeof metric !== 'number')
      throw typeError('ReduceLROnPlateau.step', `metric must be a number or a one-element tensor, got ${describe(metric)}`);
    this.lastEpoch++;
    if (this.isBetter(current)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else this.numBadEpochs++;
    if (this.cooldownCounter > 0) {
      this.cooldownCounter--;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.patience) {
      this.optimizer.paramGroups.forEach((g, i) => {
        const old = g.lr;
        const next = Math.max(old * this.factor, this.minLrs[i]!);
        if (old - next > this.eps) g.lr = next;
      });
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this._lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** The lrs set by the last step, one per parameter group. */
  getLastLr(): number[] {
    return this._lastLr.slice();
  }
}
