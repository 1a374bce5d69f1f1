// Layers: each a Module whose forward calls nn.functional (Linear: the op F.linear wraps, which
// also fuses a following ReLU); extraRepr gives PyTorch's print.
import { describe, rangeError, typeError } from '../errors.js';
import { empty } from '../ops/creation.js';
import { expectTensor } from '../ops/base.js';
import * as L from '../ops/linalg.js';
import * as V from '../ops/views.js';
import type { Tensor } from '../tensor.js';
import * as F from './functional.js';
import * as init from './init.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';
import { optionsOf } from '../options.js';

const pyBool = (b: boolean): string => (b ? 'True' : 'False');

/** A size argument: a non-negative integer, or a TypeError naming the op and the argument. */
export function positiveInt(op: string, v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw typeError(op, `${what} must be a non-negative integer, got ${describe(v)}`);
  return v;
}

/** A dim argument (any integer; checked against the input's rank at forward), or a TypeError naming the layer. */
function intArg(op: string, v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw typeError(op, `${what} must be an integer, got ${describe(v)}`);
  return v;
}

/** y = x Wᵀ + b; weight [out, in] and bias [out] drawn as PyTorch's reset_parameters does. */
export class Linear extends Module {
  /** Size of each input sample. */
  readonly inFeatures: number;
  /** Size of each output sample. */
  readonly outFeatures: number;
  /** The learnable weight, shape [outFeatures, inFeatures]. */
  weight: Parameter;
  /** The learnable bias, shape [outFeatures]; null when built with `bias: false`. */
  bias: Parameter | null = null;

  constructor(inFeatures: number, outFeatures: number, opts: { bias?: boolean } = {}) {
    super();
    this.inFeatures = positiveInt('Linear', inFeatures, 'in_features');
    this.outFeatures = positiveInt('Linear', outFeatures, 'out_features');
    this.weight = new Parameter(empty([outFeatures, inFeatures]));
    if (optionsOf('Linear', opts).bias ?? true) this.bias = new Parameter(empty([outFeatures]));
    else this.registerParameter('bias', null);
    this.resetParameters();
  }

  /** kaiming_uniform_(a=√5) on the weight, i.e. U(±1/√in); bias U(±1/√in). */
  resetParameters(): void {
    init.kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias) {
      const bound = this.inFeatures > 0 ? 1 / Math.sqrt(this.inFeatures) : 0;
      init.uniform_(this.bias, -bound, bound);
    }
  }

  override forward(x: Tensor): Tensor {
    return this.run(x, false);
  }

  /** @internal relu(forward(x)) in one native call, for Sequential's Linear + ReLU. */
  forwardRelu(x: Tensor): Tensor {
    return this.run(x, true);
  }

  private run(x: Tensor, relu: boolean): Tensor {
    x = expectTensor('Linear', x, 'input');
    if (x.dim() === 0 || x._shape[x.dim() - 1] !== this.inFeatures)
      throw rangeError('Linear', `input of shape [${x._shape.join(', ')}] does not end in in_features=${this.inFeatures}`);
    return L.linear(x, this.weight, this.bias, relu);
  }

  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${pyBool(this.bias !== null)}`;
  }
}

/**
 * Children run in order. `new Sequential(a, b, c)` names them '0', '1', '2' (PyTorch's keys);
 * `new Sequential({ fc: a, act: b })` keeps the given names (PyTorch's OrderedDict form).
 */
export class Sequential extends Module {
  constructor(...modules: Module[] | [Record<string, Module>]) {
    super();
    if (modules.length === 1 && !(modules[0] instanceof Module) && modules[0] !== null && typeof modules[0] === 'object') {
      for (const [name, m] of Object.entries(modules[0] as Record<string, Module>)) this.addModule(name, m);
    } else {
      (modules as Module[]).forEach((m, i) => {
        if (!(m instanceof Module)) throw typeError('Sequential', `argument ${i} is ${describe(m)}, not a Module`);
        this.addModule(String(i), m);
      });
    }
  }

  /** Number of child modules. */
  get length(): number {
    return [...this.children()].length;
  }

  /** The i-th child (negative counts from the end). */
  at(i: number): Module {
    const cs = [...this.children()];
    const k = i < 0 ? i + cs.length : i;
    if (!Number.isInteger(k) || k < 0 || k >= cs.length) throw rangeError('Sequential', `index ${i} is out of range for ${cs.length} modules`);
    return cs[k]!;
  }

  override forward(x: Tensor): Tensor {
    const cs = [...this.children()];
    for (let i = 0; i < cs.length; i++) {
      const m = cs[i]!, next = cs[i + 1];
      // Linear then ReLU, neither with its forward replaced: the same values and gradients as
      // running them in turn (relu(x W^T + b) is computed in the same order), in one pass over y.
      if (m instanceof Linear && m.forward === Linear.prototype.forward && next instanceof ReLU && next.forward === ReLU.prototype.forward) {
        x = m.forwardRelu(x);
        i++;
      } else {
        x = m.forward(x);
      }
    }
    return x;
  }
}

/** Returns its input unchanged (a placeholder in a Sequential). */
export class Identity extends Module {
  override forward(x: Tensor): Tensor {
    return x;
  }
}

/** Elementwise max(x, 0). */
export class ReLU extends Module {
  override forward(x: Tensor): Tensor {
    return F.relu(x);
  }
}

/** Elementwise x for x > 0, negativeSlope·x otherwise. */
export class LeakyReLU extends Module {
  /**
   * @param negativeSlope Slope for x < 0.
   */
  constructor(readonly negativeSlope = 0.01) {
    super();
    if (typeof negativeSlope !== 'number') throw typeError('LeakyReLU', `negative_slope must be a number, got ${describe(negativeSlope)}`);
  }
  override forward(x: Tensor): Tensor {
    return F.leakyRelu(x, this.negativeSlope);
  }
  override extraRepr(): string {
    return `negative_slope=${this.negativeSlope}`;
  }
}

/** Elementwise 1 / (1 + e⁻ˣ). */
export class Sigmoid extends Module {
  override forward(x: Tensor): Tensor {
    return F.sigmoid(x);
  }
}

/** Elementwise hyperbolic tangent. */
export class Tanh extends Module {
  override forward(x: Tensor): Tensor {
    return F.tanh(x);
  }
}

/** The exact (erf) GELU; PyTorch prints its approximate='none'. */
export class GELU extends Module {
  override forward(x: Tensor): Tensor {
    return F.gelu(x);
  }
  override extraRepr(): string {
    return "approximate='none'";
  }
}

/** softmax along `dim`. */
export class Softmax extends Module {
  /**
   * @param dim The dim along which the values sum to 1.
   */
  constructor(readonly dim: number) {
    super();
    intArg('Softmax', dim, 'dim');
  }
  override forward(x: Tensor): Tensor {
    return F.softmax(x, this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/** log-softmax along `dim`. */
export class LogSoftmax extends Module {
  /**
   * @param dim The dim along which log-softmax is taken (its exp sums to 1 there).
   */
  constructor(readonly dim: number) {
    super();
    intArg('LogSoftmax', dim, 'dim');
  }
  override forward(x: Tensor): Tensor {
    return F.logSoftmax(x, this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/** Merges dims startDim..endDim (by default all but the batch dim) into one. */
export class Flatten extends Module {
  /**
   * @param startDim First dim merged.
   * @param endDim Last dim merged (inclusive).
   */
  constructor(readonly startDim = 1, readonly endDim = -1) {
    super();
    intArg('Flatten', startDim, 'start_dim');
    intArg('Flatten', endDim, 'end_dim');
  }
  override forward(x: Tensor): Tensor {
    return V.flatten(x, this.startDim, this.endDim);
  }
  override extraRepr(): string {
    return `start_dim=${this.startDim}, end_dim=${this.endDim}`;
  }
}

/** Drops with probability p in train mode (scaling kept values by 1/(1-p)); identity in eval. */
export class Dropout extends Module {
  /**
   * @param p Probability of zeroing each element.
   */
  constructor(readonly p = 0.5) {
    super();
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw rangeError('Dropout', `dropout probability has to be between 0 and 1, but got ${describe(p)}`);
  }
  override forward(x: Tensor): Tensor {
    return F.dropout(x, this.p, this.training);
  }
  override extraRepr(): string {
    return `p=${this.p}, inplace=False`;
  }
}
