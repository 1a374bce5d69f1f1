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
export type { ElementOf, NestedArray, TensorJSON, ValuesIndices } from './tensor.js';
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
/** a + alpha·b with broadcasting; either side may be a number. Same as `Tensor.add`. */
export const add = (a: Scalar, b: Scalar, opts?: { alpha?: number }): Tensor =>
  typeof a === 'number' ? E.add(opts?.alpha === undefined ? (b as Tensor) : E.mul(b as Tensor, opts.alpha), a) : E.add(a, b, opts);
/** a − alpha·b with broadcasting; either side may be a number. Same as `Tensor.sub`. */
export const sub = (a: Scalar, b: Scalar, opts?: { alpha?: number }): Tensor =>
  typeof a === 'number' ? E.rsub(E.mul(b as Tensor, opts?.alpha ?? 1), a) : E.sub(a, b, opts);
/** Elementwise a·b with broadcasting; either side may be a number. */
export const mul = (a: Scalar, b: Scalar): Tensor => (typeof a === 'number' ? E.mul(b as Tensor, a) : E.mul(a, b));
/** Elementwise a / b with broadcasting; either side may be a number. */
export const div = (a: Scalar, b: Scalar): Tensor => (typeof a === 'number' ? E.rdiv(b as Tensor, a) : E.div(a, b));
/** Elementwise a to the power b with broadcasting; either side may be a number. */
export const pow = (a: Scalar, b: Scalar): Tensor => (typeof a === 'number' ? E.rpow(b as Tensor, a) : E.pow(a, b));
/** Elementwise larger of a and b (broadcast). */
export const maximum = (a: Tensor, b: Scalar): Tensor => E.maximum(a, b);
/** Elementwise smaller of a and b (broadcast). */
export const minimum = (a: Tensor, b: Scalar): Tensor => E.minimum(a, b);
/** Elementwise math, the free-function forms of the Tensor methods of the same name. */
export const neg = E.neg, abs = E.abs, exp = E.exp, log = E.log, sqrt = E.sqrt, rsqrt = E.rsqrt;
/** Elementwise math, the free-function forms of the Tensor methods of the same name. */
export const square = E.square, reciprocal = E.reciprocal, sin = E.sin, cos = E.cos, tanh = E.tanh;
/** Activation functions, elementwise; the free-function forms of the Tensor methods of the same name. */
export const sigmoid = E.sigmoid, relu = E.relu, leakyRelu = E.leakyRelu, gelu = E.gelu, softplus = E.softplus;
/** sign(x), clamp(x, min, max) and where(cond, a, b): the free-function forms of the Tensor methods. */
export const sign = E.sign, clamp = E.clamp, where = E.where;
// The ops return a plain Tensor; these are always 'bool', which the types then say.
type Comparison = (a: Tensor, b: Scalar) => Tensor<'bool'>;
/** Elementwise comparisons with broadcasting; the result is a 'bool' tensor. */
export const eq = E.eq as Comparison, ne = E.ne as Comparison, lt = E.lt as Comparison, le = E.le as Comparison, gt = E.gt as Comparison, ge = E.ge as Comparison;
/** Sum over `dim` (all elements when omitted), keeping reduced dims as size 1 if `keepdim`. */
export const sum = (x: Tensor, dim?: number | number[] | null, keepdim = false) => R.sum(x, dim, keepdim);
/** Mean over `dim` (all elements when omitted), keeping reduced dims as size 1 if `keepdim`. */
export const mean = (x: Tensor, dim?: number | number[] | null, keepdim = false) => R.mean(x, dim, keepdim);
/** Index of the largest element along `dim` (of the flattened tensor when omitted). */
export const argmax = (x: Tensor, dim?: number | null, keepdim = false) => R.argExtreme(x, dim, keepdim, true);
/** Index of the smallest element along `dim` (of the flattened tensor when omitted). */
export const argmin = (x: Tensor, dim?: number | null, keepdim = false) => R.argExtreme(x, dim, keepdim, false);
/** Product over `dim` (all elements when omitted), keeping reduced dims as size 1 if `keepdim`. */
export const prod = (x: Tensor, dim?: number | number[] | null, keepdim = false) => R.prod(x, dim, keepdim);
/** Variance over `dim` (all elements when omitted); `opts.unbiased` / `opts.correction` as in PyTorch (Bessel's correction by default). Also exported as `var`. */
export const variance = (x: Tensor, dim?: number | number[] | null, keepdim = false, opts?: R.VarOptions) => R.variance(x, dim, keepdim, opts);
export { variance as var };
/** Standard deviation over `dim` (all elements when omitted); `opts` as for {@link variance}. */
export const std = (x: Tensor, dim?: number | number[] | null, keepdim = false, opts?: R.VarOptions) => R.std(x, dim, keepdim, opts);
/** log(sum(exp(x))) along `dim`, computed stably. */
export const logsumexp = R.logsumexp;
/** The largest element of the whole tensor, as a 0-d tensor. */
export const max = (x: Tensor) => R.amaxAll(x, true);
/** The smallest element of the whole tensor, as a 0-d tensor. */
export const min = (x: Tensor) => R.amaxAll(x, false);
/** softmax and log-softmax along a dim; the free-function forms of the Tensor methods. */
export const softmax = S.softmax, logSoftmax = S.logSoftmax;
/** Join tensors (cat along an existing dim, stack along a new one) or split one into pieces. */
export const cat = J.cat, stack = J.stack, split = J.split, chunk = J.chunk;
/** gather(x, dim, index) picks values along `dim`; oneHot(indices, numClasses) encodes class indices. */
export const gather = Ix.gather, oneHot = Ix.oneHot;
export type { VarOptions } from './ops/reduce.js';
/** Matrix products: matmul (broadcasting), mm (2-D), bmm (batched 3-D), dot and outer (1-D). */
export const matmul = L.matmul, mm = L.mm, bmm = L.bmm, dot = L.dot, outer = L.outer;
/** The same data in a new shape (a view when the strides allow, a copy otherwise). */
export const reshape = (x: Tensor, ...shape: (number | number[])[]) => V.reshape(x, shape);
/** Views and selections: the free-function forms of the Tensor methods of the same name. */
export const transpose = V.transpose, narrow = V.narrow, indexSelect = V.indexSelect, select = V.select, slice = V.slice;
/** Shape views: the free-function forms of the Tensor methods of the same name. */
export const squeeze = V.squeeze, unsqueeze = V.unsqueeze, flatten = V.flatten, t = V.t;
/** A broadcast view of `x` to `shape` (size-1 dims repeat without copying). */
export const expand = (x: Tensor, ...shape: (number | number[])[]) => V.expand(x, shape);
/** A view of `x` with a new shape; throws if the strides do not allow one (use reshape). */
export const view = (x: Tensor, ...shape: (number | number[])[]) => V.view(x, shape);
/** clone copies the data (recorded by autograd); contiguous copies only if the layout is not already contiguous. */
export const clone = V.clone, contiguous = V.contiguous;
/** A view of `x` with its dims reordered. */
export const permute = (x: Tensor, ...dims: (number | number[])[]) => V.permute(x, dims);

// ---- autograd ---------------------------------------------------------------------------
/** Functional autograd: `grad` (gradients of outputs w.r.t. inputs, without touching `.grad`),
 *  `backward` (backward from several tensors) and `gradcheck` (finite differences vs autograd). */
export const autograd = {
  /** Gradients of `outputs` with respect to `inputs`, returned rather than accumulated into `.grad`. */
  grad,
  /** Compares autograd's gradients of a function with central finite differences. */
  gradcheck,
  /**
   * Backward from all of `tensors` (each with its gradient from `gradTensors`, if given) in one
   * pass, as torch.autograd.backward: roots may share saved tensors, or repeat, without
   * retainGraph; every root is checked first, so an error accumulates nothing.
   */
  backward: (tensors: Tensor | Tensor[], gradTensors?: Tensor | (Tensor | null)[] | null, opts?: { retainGraph?: boolean; createGraph?: boolean }) => {
    const ts = Array.isArray(tensors) ? tensors : [tensors];
    const gs = gradTensors == null ? [] : Array.isArray(gradTensors) ? gradTensors : [gradTensors];
    engineBackward(ts, gs, opts);
  },
};

// ---- runtime ----------------------------------------------------------------------------
/** Sets the size of the native thread pool used by the kernels. */
export function setNumThreads(n: number): void {
  if (typeof n !== 'number') throw typeError('setNumThreads', `expected a number, got ${describe(n)}`);
  native.setNumThreads(n);
}

/** The size of the native thread pool. */
export function getNumThreads(): number {
  return native.getNumThreads();
}

/** What {@link backendInfo} reports about the loaded native addon. */
export interface BackendInfo {
  /** The package version. */
  version: string;
  /** The kernel path chosen at load (or forced with TG_SIMD). */
  simd: 'avx512' | 'avx2' | 'sse2' | 'neon' | 'scalar';
  /** Every kernel path this CPU can run, best first (`TG_SIMD` may name any of them). */
  simdSupported: Array<'avx512' | 'avx2' | 'sse2' | 'neon' | 'scalar'>;
  /**
   * The instruction sets the choice was made from, as the CPU reports them (cpuid, or HWCAP on
   * ARM64) and only where the OS also enables their registers: `'sse2'`, `'avx'`, `'fma'`,
   * `'avx2'`, `'avx512f'`, `'neon'`.
   */
  cpuFeatures: string[];
  /** The size of the native thread pool. */
  threads: number;
  /** The Node-API version the addon was built for. */
  napiVersion: number;
}

/**
 * The package version, the SIMD kernel path chosen at load (and the paths and CPU features it was
 * chosen from), the thread count and the Node-API version.
 */
export function backendInfo(): BackendInfo {
  return {
    version: VERSION,
    simd: native.simd(),
    simdSupported: native.simdSupported(),
    cpuFeatures: native.cpuFeatures(),
    threads: native.getNumThreads(),
    napiVersion: native.napiVersion,
  };
}

// ---- saving and loading (safetensors) ----------------------------------------------------
export { save, load, saveToBuffer, loadFromBuffer } from './io/safetensors.js';
export type { Tensors, Metadata, LoadOptions, Loaded } from './io/safetensors.js';

// ---- training: nn, optim, data (nn.functional is also tg.F) -------------------------------
export * as nn from './nn/index.js';
export * as optim from './optim/index.js';
export * as data from './data/index.js';
export * as F from './nn/functional.js';
