// Learning-rate schedulers with PyTorch 1.13's semantics. Like PyTorch, step() without an
// epoch uses each scheduler's chainable form (the new lr computed from the group's current lr),
// and the constructor performs the initial step (lastEpoch -1 -> 0), recording each group's
// 'initialLr' (PyTorch's 'initial_lr'). getLastLr() returns the lrs set by the last step.
// OneCycleLR also sets each group's momentum (or Adam's betas[0]) at every step, as PyTorch's.
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
    if (sd === null || typeof sd !== 'object' || Array.isArray(sd))
      throw typeError(`${this.constructor.name}.loadStateDict`, `expected the object stateDict() returned, got ${describe(sd)}`);
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

/** A numeric option: its default when undefined, else it must be a number (a bigint or a string would poison the lrs). */
function numOpt(op: string, what: string, v: unknown, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number') throw typeError(op, `${what} must be a number, got ${describe(v)}`);
  return v;
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
    this.gamma = numOpt('StepLR', 'gamma', opts?.gamma, 0.1);
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
    for (const m of milestones) {
      if (typeof m !== 'number') throw typeError('MultiStepLR', `milestones must be numbers, got ${describe(m)}`);
      this.milestones.set(m, (this.milestones.get(m) ?? 0) + 1);
    }
    this.gamma = numOpt('MultiStepLR', 'gamma', opts?.gamma, 0.1);
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
    this.etaMin = numOpt('CosineAnnealingLR', 'etaMin', opts?.etaMin, 0);
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
      lrLambda.forEach((f, i) => {
        if (typeof f !== 'function') throw typeError('LambdaLR', `lrLambda[${i}] must be a function, got ${describe(f)}`);
      });
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
    this.factor = numOpt('ReduceLROnPlateau', 'factor', opts.factor, 0.1);
    if (!(this.factor < 1)) throw rangeError('ReduceLROnPlateau', 'Factor should be < 1.0.');
    this.mode = opts.mode ?? 'min';
    this.thresholdMode = opts.thresholdMode ?? 'rel';
    if (this.mode !== 'min' && this.mode !== 'max') throw rangeError('ReduceLROnPlateau', `mode ${describe(this.mode)} is unknown!`);
    if (this.thresholdMode !== 'rel' && this.thresholdMode !== 'abs')
      throw rangeError('ReduceLROnPlateau', `threshold mode ${describe(this.thresholdMode)} is unknown!`);
    this.patience = numOpt('ReduceLROnPlateau', 'patience', opts.patience, 10);
    this.threshold = numOpt('ReduceLROnPlateau', 'threshold', opts.threshold, 1e-4);
    this.cooldown = numOpt('ReduceLROnPlateau', 'cooldown', opts.cooldown, 0);
    this.eps = numOpt('ReduceLROnPlateau', 'eps', opts.eps, 1e-8);
    const n = optimizer.paramGroups.length;
    const minLr = opts.minLr ?? 0;
    if (Array.isArray(minLr)) {
      if (minLr.length !== n) throw rangeError('ReduceLROnPlateau', `expected ${n} min_lrs, got ${minLr.length}`);
      this.minLrs = minLr.map((v, i) => numOpt('ReduceLROnPlateau', `minLr[${i}]`, v, 0));
    } else {
      const v = numOpt('ReduceLROnPlateau', 'minLr', minLr, 0);
      this.minLrs = Array.from({ length: n }, () => v);
    }
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

/** Options of LinearLR (PyTorch's defaults). */
export interface LinearLROptions {
  /** Factor the lr is multiplied by at epoch 0, in (0, 1] (default 1/3). */
  startFactor?: number;
  /** Factor reached after totalIters epochs, in [0, 1] (default 1). */
  endFactor?: number;
  /** Epochs over which the factor goes linearly from startFactor to endFactor (default 5). */
  totalIters?: number;
  /** Index of the last epoch when resuming (default −1: start). */
  lastEpoch?: number;
}

/**
 * Scales each group's lr by a factor going linearly from startFactor to endFactor over
 * totalIters epochs (a warm-up), then leaves it there; PyTorch's chainable form. Unlike PyTorch
 * 1.13, startFactor 0 is refused (its chainable form divides by zero at epoch 1; PyTorch ≥ 2.0
 * refuses it too).
 */
export class LinearLR extends LRScheduler {
  /** Factor at epoch 0. */
  readonly startFactor: number;
  /** Factor from epoch totalIters on. */
  readonly endFactor: number;
  /** Epochs of the linear ramp. */
  readonly totalIters: number;
  constructor(optimizer: AnyOptimizer, opts: LinearLROptions = {}) {
    super(optimizer, lastEpochOf(new.target.name, opts));
    const startFactor = opts.startFactor ?? 1 / 3, endFactor = opts.endFactor ?? 1, totalIters = opts.totalIters ?? 5;
    if (typeof startFactor !== 'number' || !(startFactor > 0 && startFactor <= 1))
      throw rangeError('LinearLR', `Starting multiplicative factor expected to be greater than 0 and less or equal to 1, got ${describe(startFactor)}`);
    if (typeof endFactor !== 'number' || !(endFactor >= 0 && endFactor <= 1))
      throw rangeError('LinearLR', `Ending multiplicative factor expected to be between 0 and 1, got ${describe(endFactor)}`);
    if (typeof totalIters !== 'number' || !Number.isInteger(totalIters) || totalIters < 0)
      throw rangeError('LinearLR', `total_iters must be a non-negative integer, got ${describe(totalIters)}`);
    this.startFactor = startFactor;
    this.endFactor = endFactor;
    this.totalIters = totalIters;
    this.initialStep();
  }
  getLr(): number[] {
    const e = this.lastEpoch, s = this.startFactor, d = this.endFactor - this.startFactor;
    if (e === 0) return this.groupLrs().map((lr) => lr * s);
    if (e > this.totalIters) return this.groupLrs();
    return this.groupLrs().map((lr) => lr * (1 + d / (this.totalIters * s + (e - 1) * d)));
  }
}

/** Options of OneCycleLR (PyTorch's defaults); give totalSteps, or epochs and stepsPerEpoch. */
export interface OneCycleLROptions {
  /** The peak lr, for all groups or one per group (required). */
  maxLr: number | number[];
  /** Number of steps in the cycle (or epochs × stepsPerEpoch). */
  totalSteps?: number;
  /** Number of epochs, with stepsPerEpoch, when totalSteps is not given. */
  epochs?: number;
  /** Steps per epoch, with epochs, when totalSteps is not given. */
  stepsPerEpoch?: number;
  /** Fraction of the cycle spent increasing the lr (default 0.3). */
  pctStart?: number;
  /** 'cos' (default) or 'linear' annealing between the phase end points. */
  annealStrategy?: 'cos' | 'linear';
  /** Cycle the momentum (SGD's, RMSprop's) or beta1 (Adam's) inversely to the lr (default true). */
  cycleMomentum?: boolean;
  /** The momentum at the peak lr, for all groups or one per group (default 0.85). */
  baseMomentum?: number | number[];
  /** The momentum at the start and end of the cycle, for all groups or one per group (default 0.95). */
  maxMomentum?: number | number[];
  /** The initial lr is maxLr / divFactor (default 25). */
  divFactor?: number;
  /** The final lr is the initial lr / finalDivFactor (default 1e4). */
  finalDivFactor?: number;
  /** Three phases (up, back down to the initial lr, then to the final lr) instead of two (default false). */
  threePhase?: boolean;
  /** Index of the last step when resuming (default −1: start). */
  lastEpoch?: number;
}

/** One phase of OneCycleLR's schedule: the step it ends at and the group fields it anneals between. */
export interface OneCyclePhase {
  /** The (possibly fractional) step at which the phase ends. */
  endStep: number;
  /** Group field the lr starts from. */
  startLr: 'initialLr' | 'maxLr';
  /** Group field the lr ends at. */
  endLr: 'initialLr' | 'maxLr' | 'minLr';
  /** Group field the momentum starts from. */
  startMomentum: 'maxMomentum' | 'baseMomentum';
  /** Group field the momentum ends at. */
  endMomentum: 'maxMomentum' | 'baseMomentum';
}

function perGroup(op: string, name: string, v: unknown, n: number): number[] {
  if (Array.isArray(v)) {
    if (v.length !== n) throw rangeError(op, `expected ${n} values for ${name}, got ${v.length}`);
    v.forEach((x, i) => {
      if (typeof x !== 'number' || !Number.isFinite(x)) throw typeError(op, `${name}[${i}] must be a finite number, got ${describe(x)}`);
    });
    return v.slice();
  }
  if (typeof v !== 'number' || !Number.isFinite(v)) throw typeError(op, `${name} must be a finite number or an array of them, got ${describe(v)}`);
  return Array.from({ length: n }, () => v);
}

/** OneCycleLR's checks and its writes to the groups, before LRScheduler's constructor reads initialLr. */
function prepareOneCycle(optimizer: unknown, opts: OneCycleLROptions) {
  const op = 'OneCycleLR';
  const opt = checkOptimizer(op, optimizer);
  if (opts === null || typeof opts !== 'object' || Array.isArray(opts)) throw typeError(op, `options must be an object with maxLr, got ${describe(opts)}`);
  const positive = (what: string, v: unknown): number => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw rangeError(op, `Expected positive integer ${what}, but got ${describe(v)}`);
    return v;
  };
  let totalSteps: number;
  if (opts.totalSteps === undefined && opts.epochs === undefined && opts.stepsPerEpoch === undefined)
    throw rangeError(op, 'You must define either totalSteps OR (epochs AND stepsPerEpoch)');
  else if (opts.totalSteps !== undefined) totalSteps = positive('total_steps', opts.totalSteps);
  else totalSteps = positive('epochs', opts.epochs) * positive('steps_per_epoch', opts.stepsPerEpoch);
  const pct = opts.pctStart ?? 0.3;
  if (typeof pct !== 'number' || !(pct >= 0 && pct <= 1)) throw rangeError(op, `Expected float between 0 and 1 pct_start, but got ${describe(pct)}`);
  const anneal = opts.annealStrategy ?? 'cos';
  if (anneal !== 'cos' && anneal !== 'linear') throw rangeError(op, `anneal_strategy must by one of 'cos' or 'linear', instead got ${describe(anneal)}`);
  const divFactor = opts.divFactor ?? 25, finalDivFactor = opts.finalDivFactor ?? 1e4;
  for (const [what, v] of [['divFactor', divFactor], ['finalDivFactor', finalDivFactor]] as const)
    if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) throw rangeError(op, `${what} must be a positive number, got ${describe(v)}`);
  const threePhase = opts.threePhase ?? false, cycleMomentum = opts.cycleMomentum ?? true;
  if (typeof threePhase !== 'boolean') throw typeError(op, `threePhase must be a boolean, got ${describe(threePhase)}`);
  if (typeof cycleMomentum !== 'boolean') throw typeError(op, `cycleMomentum must be a boolean, got ${describe(cycleMomentum)}`);
  const phases: OneCyclePhase[] = threePhase
    ? [
        { endStep: pct * totalSteps - 1, startLr: 'initialLr', endLr: 'maxLr', startMomentum: 'maxMomentum', endMomentum: 'baseMomentum' },
        { endStep: 2 * pct * totalSteps - 2, startLr: 'maxLr', endLr: 'initialLr', startMomentum: 'baseMomentum', endMomentum: 'maxMomentum' },
        { endStep: totalSteps - 1, startLr: 'initialLr', endLr: 'minLr', startMomentum: 'maxMomentum', endMomentum: 'maxMomentum' },
      ]
    : [
        { endStep: pct * totalSteps - 1, startLr: 'initialLr', endLr: 'maxLr', startMomentum: 'maxMomentum', endMomentum: 'baseMomentum' },
        { endStep: totalSteps - 1, startLr: 'maxLr', endLr: 'minLr', startMomentum: 'baseMomentum', endMomentum: 'maxMomentum' },
      ];
  const groups = opt.paramGroups, n = groups.length;
  const lastEpoch = opts.lastEpoch ?? -1;
  const maxLrs = perGroup(op, 'max_lr', opts.maxLr, n);
  if (lastEpoch === -1)
    groups.forEach((g, i) => {
      g.initialLr = maxLrs[i]! / divFactor;
      g.maxLr = maxLrs[i]!;
      g.minLr = (g.initialLr as number) / finalDivFactor;
    });
  let useBeta1 = false;
  if (cycleMomentum) {
    if (!('momentum' in opt.defaults) && !('betas' in opt.defaults))
      throw rangeError(op, 'optimizer must support momentum with `cycleMomentum` option enabled');
    useBeta1 = 'betas' in opt.defaults;
    const maxM = perGroup(op, 'max_momentum', opts.maxMomentum ?? 0.95, n);
    const baseM = perGroup(op, 'base_momentum', opts.baseMomentum ?? 0.85, n);
    if (lastEpoch === -1)
      groups.forEach((g, i) => {
        // A new array: the groups may share their betas with the optimizer's defaults.
        if (useBeta1) g.betas = [maxM[i]!, ...(g.betas as number[]).slice(1)];
        else g.momentum = maxM[i]!;
        g.maxMomentum = maxM[i]!;
        g.baseMomentum = baseM[i]!;
      });
  }
  return { opt, totalSteps, phases, anneal, cycleMomentum, useBeta1, lastEpoch };
}

/**
 * The 1cycle policy (Smith & Topal): the lr rises from maxLr / divFactor to maxLr over the
 * first pctStart of totalSteps, then falls to initialLr / finalDivFactor (with threePhase: back
 * to the initial lr first, then to the final one), and the momentum (or Adam's beta1) moves
 * the opposite way. Call step() after every batch, not every epoch. Writes `initialLr`,
 * `maxLr`, `minLr`, `maxMomentum` and `baseMomentum` into each group, as PyTorch does
 * (`initial_lr`, ...). Stepping past totalSteps is a RangeError, as PyTorch's ValueError.
 */
export class OneCycleLR extends LRScheduler {
  /** Number of steps in the cycle. */
  readonly totalSteps: number;
  /** 'cos' or 'linear' annealing. */
  readonly annealStrategy: 'cos' | 'linear';
  /** Whether momentum (or beta1) is cycled. */
  readonly cycleMomentum: boolean;
  /** Whether the cycled momentum is Adam's beta1 (the optimizer has betas) rather than momentum. */
  readonly useBeta1: boolean;
  /** The phases of the schedule, in order (PyTorch's _schedule_phases). */
  readonly schedulePhases: OneCyclePhase[];
  constructor(optimizer: AnyOptimizer, opts: OneCycleLROptions) {
    const prep = prepareOneCycle(optimizer, opts);
    super(prep.opt, prep.lastEpoch);
    this.totalSteps = prep.totalSteps;
    this.annealStrategy = prep.anneal;
    this.cycleMomentum = prep.cycleMomentum;
    this.useBeta1 = prep.useBeta1;
    this.schedulePhases = prep.phases;
    this.initialStep();
  }

  private anneal(start: number, end: number, pct: number): number {
    if (this.annealStrategy === 'cos') return end + ((start - end) / 2.0) * (Math.cos(Math.PI * pct) + 1);
    return (end - start) * pct + start;
  }

  getLr(): number[] {
    const stepNum = this.lastEpoch;
    if (stepNum > this.totalSteps)
      throw rangeError('OneCycleLR', `Tried to step ${stepNum + 1} times. The specified number of total steps is ${this.totalSteps}`);
    const phases = this.schedulePhases;
    return this.optimizer.paramGroups.map((group) => {
      let start = 0;
      for (let i = 0; i < phases.length; i++) {
        const ph = phases[i]!;
        if (stepNum <= ph.endStep || i === phases.length - 1) {
          // PyTorch divides by zero here (a ZeroDivisionError) when a phase has no length.
          if (ph.endStep === start)
            throw rangeError('OneCycleLR', `phase ${i} of the schedule starts and ends at step ${start}, so step ${stepNum} has no position in it (change pctStart or totalSteps)`);
          const pct = (stepNum - start) / (ph.endStep - start);
          const lr = this.anneal(group[ph.startLr] as number, group[ph.endLr] as number, pct);
          if (this.cycleMomentum) {
            const m = this.anneal(group[ph.startMomentum] as number, group[ph.endMomentum] as number, pct);
            if (this.useBeta1) group.betas = [m, ...(group.betas as number[]).slice(1)];
            else group.momentum = m;
          }
          return lr;
        }
        start = ph.endStep;
      }
      throw new Error('OneCycleLR: unreachable');
    });
  }
}
