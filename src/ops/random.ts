// Random creation and fills. The generator state (Philox key and counter) lives here in a
// Uint32Array, one per JS environment; the native kernels advance it in place.
import { describe, rangeError, typeError } from '../errors.js';
import { encodeRandom, meta } from '../call.js';
import { native } from '../native.js';
import { Tensor } from '../tensor.js';
import { empty } from './base.js';
import { castKernel } from './elementwise_kernels.js';
import { overwrite_ } from './inplace.js';
import { isContiguousTensor } from './views.js';

/** PyTorch's default CPU seed: draws are reproducible even without manualSeed. */
const DEFAULT_SEED = 67280421310721;
const state = new Uint32Array(4);
/** How many times the generator was seeded (src/jit/trace.ts: a reseed inside a traced function is refused). */
let seedings = 0;
let initialSeed = DEFAULT_SEED;
seedState(DEFAULT_SEED);

/** @internal The number of seedings so far. */
export function seedCount(): number {
  return seedings;
}

function seedState(seed: number | bigint): void {
  seedings++;
  const s = BigInt.asUintN(64, BigInt(seed));
  state[0] = Number(s & 0xffffffffn);
  state[1] = Number(s >> 32n);
  state[2] = 0;
  state[3] = 0;
}

/** Seeds every random draw that follows (creation, init, dropout, shuffling). */
export function manualSeed(seed: number | bigint): void {
  if (typeof seed === 'number') {
    if (!Number.isSafeInteger(seed)) throw rangeError('manualSeed', `seed must be an integer, got ${seed}`);
  } else if (typeof seed !== 'bigint') throw typeError('manualSeed', `seed must be a number, got ${describe(seed)}`);
  initialSeed = Number(seed);
  seedState(seed);
}

/** The seed last given to manualSeed() (exported as `tg.initialSeed`). */
export function getInitialSeed(): number {
  return initialSeed;
}

/** @internal The live generator words, so a private stream (DataLoader's generatorSeed) can save and restore them. */
export function generatorState(): Uint32Array {
  return state;
}

/** @internal Restores what initialSeed() reports after such a private stream. */
export function setInitialSeed(seed: number): void {
  initialSeed = seed;
}

/** Fills a fresh float32 tensor of `shape` with a kernel, then converts to `dtype`. */
export function uniform(shape: number[], low: number, high: number): Tensor {
  const t = empty(shape, 'float32');
  encodeRandom(t.numel(), low, high);
  native.randomUniform(meta, state, t._data as Float32Array);
  return t;
}

/** Dropout's mask for keep probability `keep`: 1/keep where rand(shape) < keep, else 0, in one native pass. */
export function dropoutMask(shape: number[], keep: number): Tensor {
  const t = empty(shape, 'float32');
  encodeRandom(t.numel(), keep, Math.fround(1 / Math.fround(keep)));
  native.randomDropoutMask(meta, state, t._data as Float32Array);
  return t;
}

export function normal(shape: number[], mean: number, std: number): Tensor {
  const t = empty(shape, 'float32');
  encodeRandom(t.numel(), mean, std);
  native.randomNormal(meta, state, t._data as Float32Array);
  return t;
}

export function randint(low: number, high: number, shape: number[]): Tensor {
  for (const [v, what] of [[low, 'low'], [high, 'high']] as const)
    if (typeof v !== 'number' || !Number.isInteger(v)) throw typeError('randint', `${what} must be an integer, got ${describe(v)}`);
  if (low >= high) throw rangeError('randint', `random_ expects 'from' to be less than 'to', but got from=${low} >= to=${high}`);
  if (low < -(2 ** 31) || high > 2 ** 31) throw rangeError('randint', `bounds [${low}, ${high}) exceed int32`);
  const t = empty(shape, 'int32');
  encodeRandom(t.numel(), low, high);
  native.randomInt(meta, state, t._data as Int32Array);
  return t;
}

export function randperm(n: number): Tensor {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 2 ** 31 - 1)
    throw rangeError('randperm', `n must be a non-negative integer, got ${describe(n)}`);
  const t = empty([n], 'int32');
  encodeRandom(n, 0, 0);
  native.randomPermutation(meta, state, t._data as Int32Array);
  return t;
}

function fillFrom(self: Tensor, fresh: Tensor): void {
  castKernel(fresh, self.dtype, self);
}

export function uniform_<T extends Tensor>(self: T, low = 0, high = 1): T {
  if (typeof low !== 'number' || typeof high !== 'number') throw typeError('uniform_', 'bounds must be numbers');
  if (self.dtype !== 'float32') throw typeError('uniform_', `expected a float32 tensor, got ${self.dtype}`);
  return overwrite_(self, 'uniform_', () => {
    if (isContiguousTensor(self) && self._offset === 0) {
      encodeRandom(self.numel(), low, high);
      native.randomUniform(meta, state, self._data as Float32Array);
    } else fillFrom(self, uniform(self._shape.slice(), low, high));
  });
}

export function normal_<T extends Tensor>(self: T, mean = 0, std = 1): T {
  if (typeof mean !== 'number' || typeof std !== 'number') throw typeError('normal_', 'mean and std must be numbers');
  if (std < 0) throw rangeError('normal_', `normal expects std >= 0.0, but found std ${std}`);
  if (self.dtype !== 'float32') throw typeError('normal_', `expected a float32 tensor, got ${self.dtype}`);
  return overwrite_(self, 'normal_', () => fillFrom(self, normal(self._shape.slice(), mean, std)));
}
