// Convolution and pooling layers: parameters, PyTorch's initialisation (kaiming_uniform_(a=√5)
// on the weight, U(±1/√fan_in) on the bias) and state-dict keys, and printing as PyTorch's.
import { describe, typeError } from '../errors.js';
import { empty } from '../ops/creation.js';
import type { ConvOptions, PoolOptions } from '../ops/conv.js';
import type { Tensor } from '../tensor.js';
import { optionsOf } from '../options.js';
import * as F from './functional.js';
import * as init from './init.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';

type Pair = number | [number, number];

/** A size given as one integer >= min or n of them (the constructors check what forward would). */
function sizes(op: string, v: unknown, n: number, what: string, min = 1): number[] {
  const p = typeof v === 'number' ? Array<number>(n).fill(v) : v;
  if (!Array.isArray(p) || p.length !== n || !p.every((e) => Number.isInteger(e) && e >= min))
    throw typeError(op, `${what} must be an integer >= ${min}${n === 1 ? '' : ` or ${n} of them`}, got ${describe(v)}`);
  return p.slice();
}
const pairOf = (op: string, v: unknown, what: string): Pair => {
  const [a, b] = sizes(op, v, 2, what);
  return typeof v === 'number' ? v : [a!, b!];
};
const tuple = (p: readonly number[]): string => `(${p.join(', ')}${p.length === 1 ? ',' : ''})`;

function channels(op: string, v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw typeError(op, `${what} must be a positive integer, got ${describe(v)}`);
  return v;
}

/** Options of Conv1d / Conv2d: ConvOptions plus whether there is a bias (default true). */
export interface ConvLayerOptions extends ConvOptions {
  /** Learn a bias per output channel (default true). */
  bias?: boolean;
}

abstract class ConvNd extends Module {
  /** Input channels. */
  readonly inChannels: number;
  /** Output channels. */
  readonly outChannels: number;
  /** The kernel's size per spatial dim. */
  readonly kernelSize: number[];
  /** The forward's convolution options. */
  readonly options: ConvOptions;
  /** The learnable kernels, [out, in / groups, ...kernelSize]. */
  weight: Parameter;
  /** The learnable bias [out]; null when built with `bias: false`. */
  bias: Parameter | null = null;

  constructor(name: string, inChannels: number, outChannels: number, kernelSize: number[], opts: ConvLayerOptions) {
    super();
    const o = optionsOf(name, opts);
    this.inChannels = channels(name, inChannels, 'in_channels');
    this.outChannels = channels(name, outChannels, 'out_channels');
    const groups = o.groups ?? 1;
    if (!Number.isInteger(groups) || groups < 1 || inChannels % groups || outChannels % groups)
      throw typeError(name, `in_channels (${inChannels}) and out_channels (${outChannels}) must be divisible by groups (${describe(groups)})`);
    this.kernelSize = kernelSize;
    // Checked here as forward would, so that a bad value fails at construction, not in printing.
    const n = kernelSize.length;
    const stride = o.stride === undefined ? undefined : sizes(name, o.stride, n, 'stride');
    const padding = o.padding === undefined || o.padding === 'valid' || o.padding === 'same' ? o.padding : sizes(name, o.padding, n, 'padding', 0);
    const dilation = o.dilation === undefined ? undefined : sizes(name, o.dilation, n, 'dilation');
    const asPair = (v: number[] | undefined): Pair | undefined => (v === undefined ? v : n === 1 ? v[0]! : [v[0]!, v[1]!]);
    this.options = { stride: asPair(stride), padding: typeof padding === 'string' ? padding : asPair(padding), dilation: asPair(dilation), groups };
    this.weight = new Parameter(empty([outChannels, inChannels / groups, ...kernelSize]));
    if (o.bias ?? true) this.bias = new Parameter(empty([outChannels]));
    else this.registerParameter('bias', null);
    this.resetParameters();
  }

  /** kaiming_uniform_(a=√5) on the weight, U(±1/√fan_in) on the bias, as PyTorch's reset_parameters. */
  resetParameters(): void {
    init.kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias) {
      const fanIn = (this.inChannels / (this.options.groups ?? 1)) * this.kernelSize.reduce((p, k) => p * k, 1);
      const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
      init.uniform_(this.bias, -bound, bound);
    }
  }

  override extraRepr(): string {
    const n = this.kernelSize.length;
    const asTuple = (v: unknown, dflt: number) => tuple(typeof v === 'number' ? Array(n).fill(v) : ((v as number[] | undefined) ?? Array(n).fill(dflt)));
    const { stride, padding, dilation, groups = 1 } = this.options;
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=${tuple(this.kernelSize)}, stride=${asTuple(stride, 1)}`;
    if (typeof padding === 'string') s += `, padding=${padding}`;
    else if (padding !== undefined && asTuple(padding, 0) !== asTuple(0, 0)) s += `, padding=${asTuple(padding, 0)}`;
    if (dilation !== undefined && asTuple(dilation, 1) !== asTuple(1, 1)) s += `, dilation=${asTuple(dilation, 1)}`;
    if (groups !== 1) s += `, groups=${groups}`;
    if (!this.bias) s += ', bias=False';
    return s;
  }
}

/** 2-D convolution layer over [N, C, H, W] inputs (weight [out, in / groups, kh, kw]). */
export class Conv2d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: Pair, opts: ConvLayerOptions = {}) {
    super('Conv2d', inChannels, outChannels, sizes('Conv2d', kernelSize, 2, 'kernel_size'), opts);
  }

  override forward(x: Tensor): Tensor {
    return F.conv2d(x, this.weight, this.bias, this.options);
  }
}

/** 1-D convolution layer over [N, C, L] inputs (weight [out, in / groups, k]). */
export class Conv1d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number, opts: ConvLayerOptions = {}) {
    super('Conv1d', inChannels, outChannels, sizes('Conv1d', kernelSize, 1, 'kernel_size'), opts);
  }

  override forward(x: Tensor): Tensor {
    return F.conv1d(x, this.weight, this.bias, this.options);
  }
}

/** Max pooling over [N, C, H, W] inputs. */
export class MaxPool2d extends Module {
  /** Window size. */
  readonly kernelSize: Pair;
  /** Stride, padding, dilation, ceilMode. */
  readonly options: PoolOptions;

  constructor(kernelSize: Pair, opts: PoolOptions = {}) {
    super();
    this.kernelSize = pairOf('MaxPool2d', kernelSize, 'kernel_size');
    this.options = { ...optionsOf('MaxPool2d', opts) };
  }

  override forward(x: Tensor): Tensor {
    return F.maxPool2d(x, this.kernelSize, this.options);
  }

  override extraRepr(): string {
    const o = this.options;
    return `kernel_size=${this.kernelSize}, stride=${o.stride ?? this.kernelSize}, padding=${o.padding ?? 0}, dilation=${o.dilation ?? 1}, ceil_mode=${o.ceilMode ? 'True' : 'False'}`;
  }
}

/** Average pooling over [N, C, H, W] inputs. */
export class AvgPool2d extends Module {
  /** Window size. */
  readonly kernelSize: Pair;
  /** Stride, padding, ceilMode, countIncludePad, divisorOverride. */
  readonly options: PoolOptions;

  constructor(kernelSize: Pair, opts: PoolOptions = {}) {
    super();
    this.kernelSize = pairOf('AvgPool2d', kernelSize, 'kernel_size');
    this.options = { ...optionsOf('AvgPool2d', opts) };
  }

  override forward(x: Tensor): Tensor {
    return F.avgPool2d(x, this.kernelSize, this.options);
  }

  override extraRepr(): string {
    const o = this.options;
    return `kernel_size=${this.kernelSize}, stride=${o.stride ?? this.kernelSize}, padding=${o.padding ?? 0}`;
  }
}

/** Adaptive average pooling to a fixed [outH, outW] per plane. */
export class AdaptiveAvgPool2d extends Module {
  /** The output's height and width. */
  readonly outputSize: Pair;

  constructor(outputSize: Pair) {
    super();
    this.outputSize = pairOf('AdaptiveAvgPool2d', outputSize, 'output_size');
  }

  override forward(x: Tensor): Tensor {
    return F.adaptiveAvgPool2d(x, this.outputSize);
  }

  override extraRepr(): string {
    return `output_size=${typeof this.outputSize === 'number' ? this.outputSize : tuple(this.outputSize)}`;
  }
}
