// SGD, Adam, AdamW, RMSprop and Adagrad with PyTorch 1.13's defaults, checks and state names
// (camelCase). Each update makes one native call per parameter (native_steps.ts).
import { describe, rangeError, typeError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import * as N from './native_steps.js';
import { optionsOf } from '../options.js';
import { Optimizer, type ParamGroup, type ParamState, type Params } from './optimizer.js';

function nonNegative(op: string, what: string, v: unknown): void {
  if (typeof v !== 'number' || !(v >= 0)) throw rangeError(op, `Invalid ${what} value: ${describe(v)}`);
}

export interface SGDOptions {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  maximize: boolean;
}

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
      N.sgdStep(pp, gg, g.momentum !== 0 ? (st.momentumBuffer as Tensor) : undefined, { ...g, firstStep }),
    );
  }
}

export interface AdamOptions {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
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
  protected readonly decoupled = false;
  constructor(params: Params<AdamOptions>, opts: Partial<AdamOptions> = {}) {
    super('Adam', params, opts, 0);
  }
}

/** AdamW (Loshchilov & Hutter): decoupled weight decay p *= 1 - lr·weightDecay (default 0.01). */
export class AdamW extends AdamBase {
  protected readonly decoupled = true;
  constructor(params: Params<AdamOptions>, opts: Partial<AdamOptions> = {}) {
    super('AdamW', params, opts, 1e-2);
  }
}

export interface RMSpropOptions {
  lr: number;
  alpha: number;
  eps: number;
  weightDecay: number;
  momentum: number;
  centered: boolean;
  maximize: boolean;
}

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

export interface AdagradOptions {
  lr: number;
  lrDecay: number;
  weightDecay: number;
  initialAccumulatorValue: number;
  eps: number;
  maximize: boolean;
}

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
