// The Optimizer base: parameter groups, per-parameter state, zeroGrad, and PyTorch-structured
// stateDict / loadStateDict. Subclasses implement the update of one parameter (`update`),
// which makes one native call (src/optim/native_steps.ts) — no per-element JS arithmetic.
//
// stateDict() structure (PyTorch's, keys in camelCase):
//   { state: { [index]: { step?: number, momentumBuffer?: Tensor, expAvg?: Tensor, ... } },
//     paramGroups: [{ lr, ...hyper-parameters, params: [index, ...] }] }
// Parameters are numbered across groups in order, as PyTorch does; state tensors are the
// optimizer's own buffers (clone them to keep a snapshot), loadStateDict copies them.
import { enableGrad, noGrad } from '../autograd/grad_mode.js';
import { describe, rangeError, typeError } from '../errors.js';
import { optionsOf } from '../options.js';
import { Tensor } from '../tensor.js';

/** An optimizer's state for one parameter (e.g. Adam's moment estimates and step count). */
export type ParamState = Record<string, Tensor | number>;

/** A parameter group: the tensors plus the hyper-parameters that apply to them. */
export type ParamGroup<H> = H & {
  /** The group's parameters. */
  params: Tensor[];
} & Record<string, unknown>;

/** What the constructors take: a list of tensors, or groups with per-group overrides. */
export type Params<H> = Iterable<Tensor> | (Partial<H> & {
  /** The group's parameters. */
  params: Iterable<Tensor>;
})[];

/** What stateDict() returns and loadStateDict() takes, structured as PyTorch's. */
export interface OptimizerStateDict {
  /** Per-parameter state, keyed by the parameter's position across all groups. */
  state: Record<number, ParamState>;
  /** Each group's hyper-parameters, with `params` as those positions. */
  paramGroups: Record<string, unknown>[];
}

/**
 * Base class of the optimizers: parameter groups with their hyper-parameters, zeroGrad(), step()
 * and state dicts.
 *
 * Subclassing: pass a name, the params and the defaults to `super`, and implement `update(p,
 * grad, state, group)`, which updates one parameter in place. step() calls it for every
 * parameter that has a gradient, without recording the graph (as PyTorch's `@torch.no_grad()`
 * step), so tensor ops and in-place ops on `p` are free to use there; `state` is the
 * parameter's own object (empty on its first update) and is what stateDict() saves.
 * Override `validate(group)` (calling `super.validate`) to check hyper-parameters.
 *
 * @example
 * ```ts
 * interface SignSGDOptions { lr: number }
 * class SignSGD extends optim.Optimizer<SignSGDOptions> {
 *   constructor(params: optim.Params<SignSGDOptions>, opts: Partial<SignSGDOptions> = {}) {
 *     super('SignSGD', params, { lr: 0.01, ...opts });
 *   }
 *   protected update(p: Tensor, grad: Tensor, state: optim.ParamState, group: optim.ParamGroup<SignSGDOptions>): void {
 *     state.step = ((state.step as number | undefined) ?? 0) + 1;
 *     p.sub_(grad.sign().mul(group.lr)); // not recorded: step() runs update() under noGrad
 *   }
 * }
 * ```
 */
export abstract class Optimizer<H extends {
  /** Learning rate. */
  lr: number;
}> {
  /** The hyper-parameters given to the constructor, used for groups that do not set their own. */
  readonly defaults: H;
  /** The parameter groups, each with its parameters and hyper-parameters. */
  paramGroups: ParamGroup<H>[] = [];
  /** Per-parameter state, created lazily on a parameter's first update. */
  state = new Map<Tensor, ParamState>();
  /** @internal Name used in errors. */
  protected readonly _name: string;

  constructor(name: string, params: Params<H>, defaults: H) {
    this._name = name;
    this.defaults = defaults;
    if (params === null || typeof params !== 'object' || !(Symbol.iterator in Object(params)))
      throw typeError(name, `params argument given to the optimizer should be an iterable of Tensors or param groups, but got ${describe(params)}`);
    if (params instanceof Tensor) throw typeError(name, 'params argument given to the optimizer should be an iterable of Tensors or param groups, but got a Tensor');
    const list = [...(params as Iterable<unknown>)];
    if (list.length === 0) throw rangeError(name, 'optimizer got an empty parameter list');
    const groups = (list[0] instanceof Tensor ? [{ params: list as Tensor[] }] : list) as (Partial<H> & { params: Iterable<Tensor> })[];
    for (const g of groups) this.addParamGroup(g);
  }

  /** Adds a group; missing hyper-parameters come from the defaults. */
  addParamGroup(group: Partial<H> & { params: Iterable<Tensor> }): void {
    if (group === null || typeof group !== 'object' || !('params' in group))
      throw typeError(this._name, `a param group must be an object with a params field, got ${describe(group)}`);
    if (!(group.params instanceof Tensor) && (group.params === null || typeof group.params !== 'object' || !(Symbol.iterator in Object(group.params))))
      throw typeError(this._name, `a param group's params must be a Tensor or an iterable of Tensors, got ${describe(group.params)}`);
    const params = group.params instanceof Tensor ? [group.params] : [...group.params];
    params.forEach((p, i) => {
      if (!(p instanceof Tensor)) throw typeError(this._name, `optimizer can only optimize Tensors, but param ${i} is ${describe(p)}`);
      if (!p.isLeaf) throw rangeError(this._name, "can't optimize a non-leaf Tensor");
      if (p.dtype !== 'float32') throw typeError(this._name, `can only optimize float32 tensors, got ${p.dtype}`);
    });
    const seen = new Set(this.paramGroups.flatMap((g) => g.params));
    if (params.some((p) => seen.has(p)) || new Set(params).size !== params.length)
      throw rangeError(this._name, 'some parameters appear in more than one parameter group');
    const merged = { ...this.defaults, ...group, params } as ParamGroup<H>;
    this.validate(merged);
    this.paramGroups.push(merged);
  }

  /** Checks a group's hyper-parameters (PyTorch's "Invalid ..." errors). */
  protected validate(g: ParamGroup<H>): void {
    if (typeof g.lr !== 'number' || !(g.lr >= 0)) throw rangeError(this._name, `Invalid learning rate: ${describe(g.lr)}`);
  }

  /** Clears the gradients of every parameter: to null (default) or to zeros. */
  zeroGrad(opts: { setToNone?: boolean } = {}): void {
    const setToNone = optionsOf(`${this._name}.zeroGrad`, opts).setToNone ?? true;
    for (const g of this.paramGroups)
      for (const p of g.params) {
        if (p.grad === null) continue;
        if (setToNone) p.grad = null;
        else {
          p.grad.detach_();
          p.grad.zero_();
        }
      }
  }

  /**
   * One update of every parameter that has a gradient (params whose grad is null are
   * skipped). `closure`, if given, re-evaluates the loss (with grad) and its value is returned.
   */
  step(closure?: () => Tensor | number): Tensor | number | undefined {
    if (closure != null && typeof closure !== 'function') throw typeError(`${this._name}.step`, `closure must be a function, got ${describe(closure)}`);
    // As PyTorch: the closure records (enable_grad), the updates do not (no_grad).
    const loss = closure ? enableGrad(closure) : undefined;
    noGrad(() => {
      for (const g of this.paramGroups)
        for (const p of g.params) {
          if (p.grad === null) continue;
          let st = this.state.get(p);
          if (!st) this.state.set(p, (st = {}));
          this.update(p, p.grad, st, g);
        }
    });
    return loss;
  }

  /** Updates one parameter in place from its gradient, reading and writing its state; step() calls it under noGrad. */
  protected abstract update(p: Tensor, grad: Tensor, state: ParamState, group: ParamGroup<H>): void;

  /** The per-parameter state and the groups' hyper-parameters, to save and restore with loadStateDict(). */
  stateDict(): OptimizerStateDict {
    const index = new Map<Tensor, number>();
    const paramGroups = this.paramGroups.map((g) => {
      const { params, ...hyper } = g;
      return { ...hyper, params: params.map((p) => (index.has(p) ? index.get(p)! : (index.set(p, index.size), index.size - 1))) };
    });
    const state: Record<number, ParamState> = {};
    for (const [p, st] of this.state) {
      const i = index.get(p);
      if (i !== undefined) state[i] = { ...st };
    }
    return { state, paramGroups };
  }

  /** Restores hyper-parameters and state (copied) from a stateDict of the same structure. */
  loadStateDict(sd: OptimizerStateDict): void {
    const op = `${this._name}.loadStateDict`;
    if (!sd || typeof sd !== 'object' || !Array.isArray(sd.paramGroups) || typeof sd.state !== 'object')
      throw typeError(op, 'expected { state, paramGroups } as returned by stateDict()');
    if (sd.paramGroups.length !== this.paramGroups.length)
      throw rangeError(op, `loaded state dict has a different number of parameter groups (${sd.paramGroups.length} != ${this.paramGroups.length})`);
    sd.paramGroups.forEach((g, i) => {
      const n = Array.isArray(g.params) ? g.params.length : -1;
      if (n !== this.paramGroups[i]!.params.length)
        throw rangeError(op, `loaded state dict contains a parameter group (${i}) that doesn't match the size of optimizer's group (${n} != ${this.paramGroups[i]!.params.length})`);
    });
    const newState = new Map<Tensor, ParamState>();
    sd.paramGroups.forEach((g, gi) => {
      const group = this.paramGroups[gi]!;
      (g.params as number[]).forEach((idx, k) => {
        const p = group.params[k]!;
        const st = sd.state[idx];
        if (!st) return;
        const copy: ParamState = {};
        for (const [key, v] of Object.entries(st)) {
          if (v instanceof Tensor) {
            if (v.numel() !== p.numel()) throw rangeError(op, `state '${key}' of parameter ${idx} has ${v.numel()} elements, the parameter has ${p.numel()}`);
            copy[key] = v.detach().clone().contiguous();
          } else copy[key] = v;
        }
        newState.set(p, copy);
      });
      const { params: _ignored, ...hyper } = g;
      Object.assign(group, hyper);
    });
    this.state = newState;
  }
}
