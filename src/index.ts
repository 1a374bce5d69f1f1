// tensorgrad: PyTorch-style tensors, autograd and training for Node.js on a native core.
import { backward as engineBackward, grad } from './autograd/engine.js';
import { gradcheck } from './autograd/gradcheck.js';
import { enableGrad, isGradEnabled, noGrad, setGradEnabled } from './autograd/grad_mode.js';
import { native } from './native.js';
import { typeError, describe } from './errors.js';
import * as E from './ops/elementwise.js';
import * as Ix from './ops/indexing.js';
import * as J from './ops/join.js';
import * as L from './ops/linalg.js';
import * as R from './ops/reduce.js';
import * as S from './ops/softmax.js';
import * as V from './ops/views.js';
import { Tensor } from './tensor.js';
import { VERSION } from './version.js';

export { Tensor } from './tensor.js';
export type { DType } from './dtype.js';
export type { Node as GradFn } from './autograd/node.js';
export type { TensorOptions } from './ops/creation.js';
export {
  tensor, zeros, ones, full, empty, rand, randn, randint, randperm, arange, linspace, eye,
  zerosLike, onesLike, emptyLike, fullLike, randLike, randnLike,
} from './ops/creation.js';
export { manualSeed, getInitialSeed as initialSeed } from './ops/random.js';
export { noGrad, enableGrad, isGradEnabled, setGradEnabled };

type Scalar = Tensor | number;

// ---- free-function forms of the tensor methods --------------------------------------------
export const add = (a: Scalar, b: Scalar, opts?: { alpha?: number }): Tensor =>
  typeof a === 'number' ? E.add(opts?.alpha === undefined ? (b as Tensor) : E.mul(b as Tensor, opts.alpha), a) : E.add(a, b, opts);
export const sub = (a: Scalar, b: Scalar, opts?: { alpha?: number }): Tensor =>
  typeof a === 'number' ? E.rsub(E.mul(b as Tensor, opts?.alpha ?? 1), a) : E.sub(a, b, opts);
export const mul = (a: Scalar, b: Scalar): Tensor => (typeof a === 'number' ? E.mul(b as Tensor, a) : E.mul(a, b));
export const div = (a: Scalar, b: Scalar): Tensor => (typeof a === 'number' ? E.rdiv(b as Tensor, a) : E.div(a, b));
export const pow = (a: Scalar, b: Scalar): Tensor => (typeof a === 'number' ? E.rpow(b as Tensor, a) : E.pow(a, b));
export const maximum = (a: Tensor, b: Scalar): Tensor => E.maximum(a, b);
export const minimum = (a: Tensor, b: Scalar): Tensor => E.minimum(a, b);
export const neg = E.neg, abs = E.abs, exp = E.exp, log = E.log, sqrt = E.sqrt, rsqrt = E.rsqrt;
export const square = E.square, reciprocal = E.reciprocal, sin = E.sin, cos = E.cos, tanh = E.tanh;
export const sigmoid = E.sigmoid, relu = E.relu, leakyRelu = E.leakyRelu, gelu = E.gelu, softplus = E.softplus;
export const sign = E.sign, clamp = E.clamp, where = E.where;
export const eq = E.eq, ne = E.ne, lt = E.lt, le = E.le, gt = E.gt, ge = E.ge;
export const sum = (x: Tensor, dim?: number | number[] | null, keepdim = false) => R.sum(x, dim, keepdim);
export const mean = (x: Tensor, dim?: number | number[] | null, keepdim = false) => R.mean(x, dim, keepdim);
export const argmax = (x: Tensor, dim?: number | null, keepdim = false) => R.argExtreme(x, dim, keepdim, true);
export const argmin = (x: Tensor, dim?: number | null, keepdim = false) => R.argExtreme(x, dim, keepdim, false);
export const prod = (x: Tensor, dim?: number | number[] | null, keepdim = false) => R.prod(x, dim, keepdim);
export const variance = (x: Tensor, dim?: number | number[] | null, keepdim = false, opts?: R.VarOptions) => R.variance(x, dim, keepdim, opts);
export { variance as var };
export const std = (x: Tensor, dim?: number | number[] | null, keepdim = false, opts?: R.VarOptions) => R.std(x, dim, keepdim, opts);
export const logsumexp = R.logsumexp;
export const max = (x: Tensor) => R.amaxAll(x, true);
export const min = (x: Tensor) => R.amaxAll(x, false);
export const softmax = S.softmax, logSoftmax = S.logSoftmax;
export const cat = J.cat, stack = J.stack, split = J.split, chunk = J.chunk;
export const gather = Ix.gather, oneHot = Ix.oneHot;
export type { VarOptions } from './ops/reduce.js';
export const matmul = L.matmul, mm = L.mm, bmm = L.bmm, dot = L.dot, outer = L.outer;
export const reshape = (x: Tensor, ...shape: (number | number[])[]) => V.reshape(x, shape);
export const transpose = V.transpose, narrow = V.narrow, indexSelect = V.indexSelect, select = V.select, slice = V.slice;
export const squeeze = V.squeeze, unsqueeze = V.unsqueeze, flatten = V.flatten, t = V.t;
export const expand = (x: Tensor, ...shape: (number | number[])[]) => V.expand(x, shape);
export const view = (x: Tensor, ...shape: (number | number[])[]) => V.view(x, shape);
export const clone = V.clone, contiguous = V.contiguous;
export const permute = (x: Tensor, ...dims: (number | number[])[]) => V.permute(x, dims);

// ---- autograd ---------------------------------------------------------------------------
export const autograd = {
  grad,
  gradcheck,
  backward: (tensors: Tensor | Tensor[], gradTensors?: Tensor | Tensor[] | null, opts?: { retainGraph?: boolean; createGraph?: boolean }) => {
    const ts = Array.isArray(tensors) ? tensors : [tensors];
    const gs = gradTensors == null ? [] : Array.isArray(gradTensors) ? gradTensors : [gradTensors];
    ts.forEach((x, i) => engineBackward(x, gs[i] ?? null, opts));
  },
};

// ---- runtime ----------------------------------------------------------------------------
export function setNumThreads(n: number): void {
  if (typeof n !== 'number') throw typeError('setNumThreads', `expected a number, got ${describe(n)}`);
  native.setNumThreads(n);
}

export function getNumThreads(): number {
  return native.getNumThreads();
}

export interface BackendInfo {
  version: string;
  simd: 'avx512' | 'avx2' | 'neon' | 'scalar';
  threads: number;
  napiVersion: number;
}

export function backendInfo(): BackendInfo {
  return { version: VERSION, simd: native.simd(), threads: native.getNumThreads(), napiVersion: native.napiVersion };
}

// ---- saving and loading (safetensors) ----------------------------------------------------
export { save, load, saveToBuffer, loadFromBuffer } from './io/safetensors.js';
export type { Tensors, Metadata, LoadOptions, Loaded } from './io/safetensors.js';

// ---- training: nn, optim, data (nn.functional is also tg.F) -------------------------------
export * as nn from './nn/index.js';
export * as optim from './optim/index.js';
export * as data from './data/index.js';
export * as F from './nn/functional.js';
