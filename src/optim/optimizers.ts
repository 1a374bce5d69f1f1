// SGD, Adam, AdamW, RMSprop, Adagrad and Adadelta with PyTorch 1.13's defaults, checks and state
// names (camelCase). Each update but Adadelta's makes one native call per parameter
// (native_steps.ts); Adadelta's is composed from tensor ops, under step()'s noGrad.
import { describe, rangeError, typeError } from '../errors.js';
import * as E from '../ops/elementwise.js';
import type { Tensor } from '../tensor.js';
import * as N from './native_steps.js';
import { optionsOf } from '../options.js';
import { Optimizer, type ParamGroup, type ParamState, type Params } from './optimizer.js';

function nonNegative(op: string, what: string, v: unknown): void {
  if (typeof v !== 'number' || !(v >= 0)) throw rangeError(op, `Invalid ${what} value: ${describe(v)}`);
}

/** Hyper-parameters of SGD (PyTorch's, camelCase). */
export interface SGDOptions {
  /** Learning rate. */
  lr: number;
  /** Momentum factor (default 0: none). */
  momentum: number;
  /** Dampening of the momentum (default 0). */
  dampening: number;
  /** L2 penalty added to the gradient (default 0; AdamW: decoupled, default 0.01). */
  weightDecay: number;
  /** Use Nesterov momentum (default false). */
  nesterov: boolean;
  /** Maximise the objective instead of minimising it (default false). */
  maximize: boolean;
}

/** Stochastic gradient descent with optional momentum (PyTorch's formulation), Nesterov momentum and weight decay. */
export class SGD extends Optimizer<SGDOptions> {
  constructor(params: Params<SGDOptions>, opts: Partial<SGDOptions> & { lr: number }) {
    opts = optionsOf('SGD', opts) as SGDOptions;
    if (typeof opts.lr !== 'number') throw typeError('SGD', `lr is required (a number), got ${describe(opts?.lr)}`);
    super('SGD', params, { momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false, ...opts });
  }
  protected override validate(g: ParamGroup<SGDOptions>): void {
    super.validate(g);
    nonNegative('SGD', 'momentum', g.momentum);
    nonNegative('SGD', 'weight_decay', g.weightDecay);
    if (g.nesterov && (g.momentum <= 0 || g.dampening !== 0)) throw rangeError('SGD', 'Nesterov momentum requires a momentum and zero dampening');
  }
  protected update(p: Tensor, grad: Tensor, st: ParamState, g: ParamGroup<SGDOptions>): void {
    // PyTorch's buffer rule: the first step stores the (decayed) gradient itself.
    const firstStep = g.momentum !== 0 && st.momentumBuffer === undefined;
    if (firstStep) st.momentumBuffer = N.stateLike(p);
    N.withFlat('SGD.step', p, grad, (pp, gg) =>
      N.sgdStep(pp, gg, g.momentum !== 0 ? (st.momentumBuffer as Tensor) : undefined, g, firstStep),
    );
  }
}

/** Hyper-parameters of Adam and AdamW. */
export interface AdamOptions {
  /** Learning rate. */
  lr: number;
  /** Decay rates of the running averages of the gradient and its square (default [0.9, 0.999]). */
  betas: [number, number];
  /** Term added to the denominator for numerical stability. */
  eps: number;
  /** L2 penalty added to the gradient (default 0; AdamW: decoupled, default 0.01). */
  weightDecay: number;
  /** Use the AMSGrad variant (the maximum of past squared-gradient averages; default false). */
  amsgrad: boolean;
  /** Maximise the objective instead of minimising it (default false). */
  maximize: boolean;
}

function validateAdam(op: string, g: ParamGroup<AdamOptions>): void {
  nonNegative(op, 'epsilon', g.eps);
  if (!Array.isArray(g.betas) || g.betas.length !== 2) throw typeError(op, `betas must be a pair of numbers, got ${describe(g.betas)}`);
  g.betas.forEach((b, i) => {
    if (typeof b !== 'number' || !(b >= 0 && b < 1)) throw rangeError(op, `Invalid beta parameter at index ${i}: ${describe(b)}`);
  });
  nonNegative(op, 'weight_decay', g.weightDecay);
}

/** Adam and AdamW share everything but how weight decay applies. */
abstract class AdamBase extends Optimizer<AdamOptions> {
  /** Whether weight decay is applied to the parameters directly (AdamW) rather than added to the gradient. */
  protected abstract readonly decoupled: boolean;
  protected constructor(name: string, params: Params<AdamOptions>, opts: Partial<AdamOptions> | undefined, weightDecay: number) {
    super(name, params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay, amsgrad: false, maximize: false, ...optionsOf(name, opts) });
  }
  protected override validate(g: ParamGroup<AdamOptions>): void {
    super.validate(g);
    validateAdam(this._name, g);
  }
  protected update(p: Tensor, grad: Tensor, st: ParamState, g: ParamGroup<AdamOptions>): void {
    if (st.step === undefined) {
      st.step = 0;
      st.expAvg = N.stateLike(p);
      st.expAvgSq = N.stateLike(p);
      if (g.amsgrad) st.maxExpAvgSq = N.stateLike(p);
    }
    if (g.amsgrad && st.maxExpAvgSq === undefined) st.maxExpAvgSq = N.stateLike(p);
    st.step = (st.step as number) + 1;
    N.withFlat(`${this._name}.step`, p, grad, (pp, gg) =>
      N.adamStep(pp, gg, st.expAvg as Tensor, st.expAvgSq as Tensor, g.amsgrad ? (st.maxExpAvgSq as Tensor) : undefined, {
        lr: g.lr, beta1: g.betas[0], beta2: g.betas[1], eps: g.eps, weightDecay: g.weightDecay,
        step: st.step as number, amsgrad: g.amsgrad, maximize: g.maximize, decoupled: this.decoupled,
      }),
    );
  }
}

/** Adam (Kingma & Ba); weightDecay is an L2 term added to the gradient. */
export class Adam extends AdamBase {
  /** Whether weight decay is applied to the parameters directly (AdamW) rather than added to the gradient. */
  protected readonly decoupled = false;
  constructor(params: Params<AdamOptions>, opts: Partial<AdamOptions> = {}) {
    super('Adam', params, opts, 0);
  }
}

/** AdamW (Loshchilov & Hutter): decoupled weight decay p *= 1 - lr·weightDecay (default 0.01). */
export class AdamW extends AdamBase {
  /** Whether weight decay is applied to the parameters directly (AdamW) rather than added to the gradient. */
  protected readonly decoupled = true;
  constructor(params: Params<AdamOptions>, opts: Partial<AdamOptions> = {}) {
    super('AdamW', params, opts, 1e-2);
  }
}

/** Hyper-parameters of RMSprop. */
export interface RMSpropOptions {
  /** Learning rate. */
  lr: number;
  /** Smoothing constant of the squared-gradient average (default 0.99). */
  alpha: number;
  /** Term added to the denominator for numerical stability. */
  eps: number;
  /** L2 penalty added to the gradient (default 0; AdamW: decoupled, default 0.01). */
  weightDecay: number;
  /** Momentum factor (default 0: none). */
  momentum: number;
  /** Normalise by the estimated variance of the gradient instead of its second moment (default false). */
  centered: boolean;
  /** Maximise the objective instead of minimising it (default false). */
  maximize: boolean;
}

/** RMSprop (Hinton): divides the gradient by a running RMS of past gradients; lr defaults to 0.01. */
export class RMSprop extends Optimizer<RMSpropOptions> {
  constructor(params: Params<RMSpropOptions>, opts: Partial<RMSpropOptions> = {}) {
    super('RMSprop', params, { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false, ...optionsOf('RMSprop', opts) });
  }
  protected override validate(g: ParamGroup<RMSpropOptions>): void {
    super.validate(g);
    nonNegative('RMSprop', 'epsilon', g.eps);
    nonNegative('RMSprop', 'momentum', g.momentum);
    nonNegative('RMSprop', 'weight_decay', g.weightDecay);
    nonNegative('RMSprop', 'alpha', g.alpha);
  }
  protected update(p: Tensor, grad: Tensor, st: ParamState, g: ParamGroup<RMSpropOptions>): void {
    if (st.step === undefined) {
      st.step = 0;
      st.squareAvg = N.stateLike(p);
      if (g.momentum > 0) st.momentumBuffer = N.stateLike(p);
      if (g.centered) st.gradAvg = N.stateLike(p);
    }
    st.step = (st.step as number) + 1;
    N.withFlat('RMSprop.step', p, grad, (pp, gg) =>
      N.rmspropStep(pp, gg, st.squareAvg as Tensor, g.centered ? (st.gradAvg as Tensor) : undefined, g.momentum > 0 ? (st.momentumBuffer as Tensor) : undefined, g),
    );
  }
}

/** Hyper-parameters of Adagrad. */
export interface AdagradOptions {
  /** Learning rate. */
  lr: number;
  /** lr decay per step: lr / (1 + (step − 1)·lrDecay) (default 0). */
  lrDecay: number;
  /** L2 penalty added to the gradient (default 0; AdamW: decoupled, default 0.01). */
  weightDecay: number;
  /** Starting value of the squared-gradient sums (default 0). */
  initialAccumulatorValue: number;
  /** Term added to the denominator for numerical stability. */
  eps: number;
  /** Maximise the objective instead of minimising it (default false). */
  maximize: boolean;
}

/** Adagrad (Duchi et al.): per-parameter lrs scaled down by the accumulated squared gradients. */
export class Adagrad extends Optimizer<AdagradOptions> {
  constructor(params: Params<AdagradOptions>, opts: Partial<AdagradOptions> = {}) {
    super('Adagrad', params, { lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10, maximize: false, ...optionsOf('Adagrad', opts) });
    // PyTorch creates Adagrad's state eagerly in the constructor.
    for (const grp of this.paramGroups)
      for (const p of grp.params) this.state.set(p, { step: 0, sum: N.stateLike(p, grp.initialAccumulatorValue) });
  }
  protected override validate(g: ParamGroup<AdagradOptions>): void {
    super.validate(g);
    nonNegative('Adagrad', 'lr_decay', g.lrDecay);
    nonNegative('Adagrad', 'weight_decay', g.weightDecay);
    nonNegative('Adagrad', 'initial_accumulator_value', g.initialAccumulatorValue);
    nonNegative('Adagrad', 'epsilon', g.eps);
  }
  protected update(p: Tensor, grad: Tensor, st: ParamState, g: ParamGroup<AdagradOptions>): void {
    if (st.sum === undefined) {
      st.step = 0;
      st.sum = N.stateLike(p, g.initialAccumulatorValue);
    }
    st.step = (st.step as number) + 1;
    N.withFlat('Adagrad.step', p, grad, (pp, gg) => N.adagradStep(pp, gg, st.sum as Tensor, { ...g, step: st.step as number }));
  }
}

/** Hyper-parameters of Adadelta. */
export interface AdadeltaOptions {
  /** Coefficient that scales the update before it is applied (default 1.0). */
  lr: number;
  /** Decay rate of the running averages of the squared gradient and the squared update (default 0.9). */
  rho: number;
  /** Term added inside both square roots for numerical stability (default 1e-6). */
  eps: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Maximise the objective instead of minimising it (default false). */
  maximize: boolean;
}

/**
 * Adadelta (Zeiler): the update is the gradient scaled by RMS(past updates) / RMS(gradients),
 * PyTorch 1.13's formulation. State per parameter: `step`, `squareAvg` and `accDelta`.
 * Written with tensor ops (step() runs it under noGrad), in PyTorch's order of operations.
 */
export class Adadelta extends Optimizer<AdadeltaOptions> {
  constructor(params: Params<AdadeltaOptions>, opts: Partial<AdadeltaOptions> = {}) {
    super('Adadelta', params, { lr: 1.0, rho: 0.9, eps: 1e-6, weightDecay: 0, maximize: false, ...optionsOf('Adadelta', opts) });
  }
  protected override validate(g: ParamGroup<AdadeltaOptions>): void {
    super.validate(g);
    if (typeof g.rho !== 'number' || !(g.rho >= 0 && g.rho <= 1)) throw rangeError('Adadelta', `Invalid rho value: ${describe(g.rho)}`);
    nonNegative('Adadelta', 'epsilon', g.eps);
    nonNegative('Adadelta', 'weight_decay', g.weightDecay);
    if (typeof g.maximize !== 'boolean') throw typeError('Adadelta', `maximize must be a boolean, got ${describe(g.maximize)}`);
  }
  protected update(p: Tensor, grad: Tensor, st: ParamState, g: ParamGroup<AdadeltaOptions>): void {
    if (st.step === undefined) {
      st.step = 0;
      st.squareAvg = N.stateLike(p);
      st.accDelta = N.stateLike(p);
    }
    st.step = (st.step as number) + 1;
    N.withFlat('Adadelta.step', p, grad, (pp, gg) => N.adadeltaStep(pp, gg, st.squareAvg as Tensor, st.accDelta as Tensor, g));
  }
}

