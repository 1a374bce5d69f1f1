// tensorgrad: PyTorch-style tensors, autograd and training for Node.js on a native core.
import { backward as engineBackward, grad } from './autograd/engine.js';
import { gradcheck } from './autograd/gradcheck.js';
import { enableGrad, isGradEnabled, noGrad, setGradEnabled } from './autograd/grad_mode.js';
import { native } from './native.js';
import { typeError, describe } from './errors.js';
import type { Tensor } from './tensor.js';
import { installMethods } from './tensor_methods.js';
import { VERSION } from './version.js';

installMethods();

export { Tensor } from './tensor.js';
export type { ElementOf, NestedArray, TensorJSON, ValuesIndices } from './tensor.js';
export type { DType } from './dtype.js';
export type { Node as GradFn } from './autograd/node.js';
export type { TensorOptions, FrombufferOptions } from './ops/creation.js';
export {
  tensor, frombuffer, zeros, ones, full, empty, rand, randn, randint, randperm, arange, linspace, eye,
  zerosLike, onesLike, emptyLike, fullLike, randLike, randnLike,
} from './ops/creation.js';
export { manualSeed, getInitialSeed as initialSeed } from './ops/random.js';
export { noGrad, enableGrad, isGradEnabled, setGradEnabled };

// ---- the ops: tg.add, tg.exp, tg.matmul, ... (each also a Tensor method unless it says not) --
export * from './ops/public.js';
export type { VarOptions } from './ops/reduce.js';
export type { MultinomialOptions } from './ops/sorting.js';

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

/**
 * The size of the native thread pool: by default the CPUs the process may run on (its affinity
 * mask, as `os.availableParallelism()`: 1 under `taskset -c 0`), at most 256.
 */
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

// ---- compiled steps ---------------------------------------------------------------------
export { jit } from './jit/index.js';
export type { Compiled, CompiledStats, TraceResult } from './jit/index.js';
