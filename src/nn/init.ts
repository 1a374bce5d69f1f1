// nn.init: PyTorch's initializers (torch/nn/init.py). Each fills the tensor in place under
// noGrad (so it works on parameters that require grad) and returns it. Draws come from the
// global generator, so tg.manualSeed makes them reproducible.
import { noGrad } from '../autograd/grad_mode.js';
import { describe, fmtShape, rangeError, typeError } from '../errors.js';
import { expectTensor } from '../ops/base.js';
import type { Tensor } from '../tensor.js';
import { optionsOf } from '../options.js';

/** Names calculateGain() knows, in PyTorch's spelling (plus 'leakyRelu'). */
export type Nonlinearity =
  | 'linear' | 'conv1d' | 'conv2d' | 'conv3d' | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu' | 'leakyRelu' | 'selu'
  | 'conv_transpose1d' | 'conv_transpose2d' | 'conv_transpose3d';

/** Which fan the Kaiming initialisers scale by: inputs (preserves the forward variance) or outputs (the backward one). */
export type FanMode = 'fanIn' | 'fanOut' | 'fan_in' | 'fan_out';

/** The recommended gain for a nonlinearity (param: leaky_relu's negative slope, default 0.01). */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear': case 'conv1d': case 'conv2d': case 'conv3d': case 'sigmoid':
    case 'conv_transpose1d': case 'conv_transpose2d': case 'conv_transpose3d':
      return 1;
    case 'tanh': return 5 / 3;
    case 'relu': return Math.sqrt(2);
    case 'leaky_relu': case 'leakyRelu': {
      const slope = param ?? 0.01;
      if (typeof slope !== 'number' || !Number.isFinite(slope)) throw typeError('calculateGain', `negative_slope ${describe(slope)} not a valid number`);
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu': return 3 / 4;
    default: throw rangeError('calculateGain', `Unsupported nonlinearity ${describe(nonlinearity)}`);
  }
}

function num(op: string, what: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw typeError(op, `${what} must be a finite number, got ${describe(v)}`);
  return v;
}

function target(op: string, t: Tensor): Tensor {
  t = expectTensor(op, t, 'tensor');
  if (t.dtype !== 'float32') throw typeError(op, `expected a float32 tensor, got ${t.dtype}`);
  return t;
}

/** [fanIn, fanOut] of a weight [out, in, *receptive]. */
export function calculateFanInAndFanOut(t: Tensor): [number, number] {
  t = expectTensor('calculateFanInAndFanOut', t, 'tensor');
  if (t.dim() < 2)
    throw rangeError('init', `Fan in and fan out can not be computed for tensor with fewer than 2 dimensions (shape ${fmtShape(t._shape)})`);
  const receptive = t._shape.slice(2).reduce((a, b) => a * b, 1);
  return [t._shape[1]! * receptive, t._shape[0]! * receptive];
}

function fanOf(t: Tensor, mode: FanMode): number {
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  if (mode === 'fanIn' || mode === 'fan_in') return fanIn;
  if (mode === 'fanOut' || mode === 'fan_out') return fanOut;
  throw rangeError('init', `Mode ${describe(mode)} not supported, please use one of 'fanIn', 'fanOut'`);
}

/** Fills `t` in place with samples from U[a, b) and returns it. */
export function uniform_(t: Tensor, a = 0, b = 1): Tensor {
  const x = target('uniform_', t);
  num('uniform_', 'a', a);
  num('uniform_', 'b', b);
  if (a > b) throw rangeError('uniform_', `uniform_ expects to return a [from, to) range, but found from=${a} > to=${b}`);
  return noGrad(() => x.uniform_(a, b));
}

/** Fills `t` in place with samples from N(mean, std²) and returns it. */
export function normal_(t: Tensor, mean = 0, std = 1): Tensor {
  const x = target('normal_', t);
  num('normal_', 'mean', mean);
  num('normal_', 'std', std);
  return noGrad(() => x.normal_(mean, std));
}

/** Fills `t` in place with `value` and returns it. */
export function constant_(t: Tensor, value: number): Tensor {
  const x = target('constant_', t);
  num('constant_', 'value', value);
  return noGrad(() => x.fill_(value));
}

/** Fills `t` in place with 0 and returns it. */
export const zeros_ = (t: Tensor): Tensor => constant_(t, 0);
/** Fills `t` in place with 1 and returns it. */
export const ones_ = (t: Tensor): Tensor => constant_(t, 1);

/** U(−a, a) with a = gain · √(6 / (fanIn + fanOut)) (Glorot & Bengio, 2010). */
export function xavierUniform_(t: Tensor, gain = 1): Tensor {
  const x = target('xavierUniform_', t);
  num('xavierUniform_', 'gain', gain);
  const [fanIn, fanOut] = calculateFanInAndFanOut(x);
  const a = Math.sqrt(3) * gain * Math.sqrt(2 / (fanIn + fanOut));
  return uniform_(x, -a, a);
}

/** N(0, std²) with std = gain · √(2 / (fanIn + fanOut)) (Glorot & Bengio, 2010). */
export function xavierNormal_(t: Tensor, gain = 1): Tensor {
  const x = target('xavierNormal_', t);
  num('xavierNormal_', 'gain', gain);
  const [fanIn, fanOut] = calculateFanInAndFanOut(x);
  return normal_(x, 0, gain * Math.sqrt(2 / (fanIn + fanOut)));
}

/** Options of kaimingUniform_() and kaimingNormal_(). */
export interface KaimingOptions {
  /** Negative slope of the leaky ReLU that follows (default 0). */
  a?: number;
  /** Scale by fanIn (default) or fanOut. */
  mode?: FanMode;
  /** The nonlinearity that follows, for its gain (default 'leaky_relu'). */
  nonlinearity?: Nonlinearity;
}

/** U(−b, b) with b = √3 · gain / √fan (He et al., 2015); defaults a = 0, 'fanIn', 'leaky_relu'. */
export function kaimingUniform_(t: Tensor, opts: KaimingOptions = {}): Tensor {
  opts = optionsOf('kaimingUniform_', opts);
  const x = target('kaimingUniform_', t);
  if (opts.a !== undefined) num('kaimingUniform_', 'a', opts.a);
  if (x.numel() === 0) return x;  // PyTorch warns and leaves an empty tensor alone
  const std = calculateGain(opts.nonlinearity ?? 'leaky_relu', opts.a ?? 0) / Math.sqrt(fanOf(x, opts.mode ?? 'fanIn'));
  const bound = Math.sqrt(3) * std;
  return uniform_(x, -bound, bound);
}

/** N(0, std²) with std = gain / √fan (He et al., 2015); defaults as for kaimingUniform_. */
export function kaimingNormal_(t: Tensor, opts: KaimingOptions = {}): Tensor {
  opts = optionsOf('kaimingNormal_', opts);
  const x = target('kaimingNormal_', t);
  if (opts.a !== undefined) num('kaimingNormal_', 'a', opts.a);
  if (x.numel() === 0) return x;
  const std = calculateGain(opts.nonlinearity ?? 'leaky_relu', opts.a ?? 0) / Math.sqrt(fanOf(x, opts.mode ?? 'fanIn'));
  return normal_(x, 0, std);
}
