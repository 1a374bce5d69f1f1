// data: datasets and the DataLoader. A TensorDataset is batched by one indexSelect per tensor
// (the fast path); any other dataset is batched by stacking its items. Shuffling draws a
// permutation with tg.randperm — from the global generator (reproducible under tg.manualSeed)
// or, with generatorSeed, from a seed of its own that leaves the global stream untouched.
import { describe, fmtShape, rangeError, typeError } from '../errors.js';
import { tensor } from '../ops/creation.js';
import { generatorState, getInitialSeed, manualSeed, randperm, setInitialSeed as restoreInitialSeed } from '../ops/random.js';
import { stack } from '../ops/join.js';
import * as V from '../ops/views.js';
import { Tensor } from '../tensor.js';
import { optionsOf } from '../options.js';

/** Anything with a length and items by index (PyTorch's map-style Dataset). */
/** Anything with a length and get(index): what DataLoader, Subset and randomSplit take. */
export interface Dataset<T = Tensor[]> {
  /** Number of samples. */
  length: number;
  /** The sample at `index`. */
  get(index: number): T;
}

export class TensorDataset implements Dataset<Tensor[]> {
  /** The tensors, indexed together along their first dim. */
  readonly tensors: Tensor[];
  constructor(...tensors: Tensor[]) {
    if (tensors.length === 0) throw rangeError('TensorDataset', 'needs at least one tensor');
    tensors.forEach((t, i) => {
      if (!(t instanceof Tensor)) throw typeError('TensorDataset', `argument ${i} is ${describe(t)}, not a Tensor`);
      if (t.dim() === 0) throw rangeError('TensorDataset', `tensor ${i} is 0-d; tensors need a first (sample) dimension`);
    });
    const n = tensors[0]!._shape[0]!;
    const bad = tensors.findIndex((t) => t._shape[0] !== n);
    if (bad >= 0)
      throw rangeError('TensorDataset', `Size mismatch between tensors: tensor 0 has shape ${fmtShape(tensors[0]!._shape)}, tensor ${bad} has shape ${fmtShape(tensors[bad]!._shape)} (first dims must be equal)`);
    this.tensors = tensors;
  }
  /** Number of samples. */
  get length(): number {
    return this.tensors[0]!._shape[0]!;
  }
  /** Sample `index`: row `index` of every tensor (negative counts from the end). */
  get(index: number): Tensor[] {
    const i = checkIndex('TensorDataset', index, this.length);
    return this.tensors.map((t) => V.select(t, 0, i));
  }
  /** The rows at `indices` of every tensor (the DataLoader's fast path). */
  getBatch(indices: Tensor): Tensor[] {
    return this.tensors.map((t) => V.indexSelect(t, 0, indices));
  }
}

function checkIndex(op: string, index: number, n: number): number {
  if (typeof index !== 'number' || !Number.isInteger(index)) throw typeError(op, `index must be an integer, got ${describe(index)}`);
  const i = index < 0 ? index + n : index;
  if (i < 0 || i >= n) throw rangeError(op, `index ${index} is out of range for a dataset of ${n} samples`);
  return i;
}

/** The items of `dataset` at `indices` (what randomSplit returns). */
export class Subset<T = Tensor[]> implements Dataset<T> {
  /**
   * @param dataset The dataset the items come from.
   * @param indices Positions in `dataset` of this subset's items.
   */
  constructor(readonly dataset: Dataset<T>, readonly indices: number[]) {}
  /** Number of samples. */
  get length(): number {
    return this.indices.length;
  }
  /** Item `index` of the subset (negative counts from the end). */
  get(index: number): T {
    return this.dataset.get(this.indices[checkIndex('Subset', index, this.indices.length)]!);
  }
}

/**
 * Splits a dataset into non-overlapping random subsets of the given lengths, or of fractions
 * summing to 1 (floor of each share, the remainder handed out one by one from the first, as
 * PyTorch ≥ 1.13). The permutation comes from tg.randperm (seedable), or from `generatorSeed`.
 */
export function randomSplit<T>(dataset: Dataset<T>, lengths: number[], opts: { generatorSeed?: number } = {}): Subset<T>[] {
  if (!dataset || typeof dataset.length !== 'number' || typeof dataset.get !== 'function')
    throw typeError('randomSplit', `dataset must have a length and get(index), got ${describe(dataset)}`);
  opts = optionsOf('randomSplit', opts);
  const n = dataset.length;
  if (!Array.isArray(lengths) || lengths.some((l) => typeof l !== 'number' || !(l >= 0)))
    throw typeError('randomSplit', `lengths must be an array of non-negative numbers, got ${describe(lengths)}`);
  let sizes = lengths;
  const total = lengths.reduce((a, b) => a + b, 0);
  if (Math.abs(total - 1) < 1e-9 && total !== n) {
    sizes = lengths.map((f) => Math.floor(n * f));
    let rest = n - sizes.reduce((a, b) => a + b, 0);
    for (let i = 0; rest > 0; i = (i + 1) % sizes.length, rest--) sizes[i]!++;
  } else if (lengths.some((l) => !Number.isInteger(l)))
    throw rangeError('randomSplit', `lengths must be integers or fractions summing to 1, got [${lengths.join(', ')}]`);
  if (sizes.reduce((a, b) => a + b, 0) !== n)
    throw rangeError('randomSplit', `Sum of input lengths (${sizes.reduce((a, b) => a + b, 0)}) does not equal the length of the input dataset (${n})!`);
  const perm = Array.from(drawPermutation(n, opts.generatorSeed).toTypedArray());
  let off = 0;
  return sizes.map((len) => new Subset(dataset, perm.slice(off, (off += len))));
}

/** A permutation of 0..n-1 from the global generator, or from its own seed when given. */
function drawPermutation(n: number, seed?: number): Tensor {
  if (seed === undefined) return randperm(n);
  if (!Number.isSafeInteger(seed)) throw rangeError('DataLoader', `generatorSeed must be an integer, got ${describe(seed)}`);
  // A private stream: reseed, draw, and restore the global generator exactly as it was.
  return withSeed(seed, () => randperm(n));
}

function withSeed<T>(seed: number, fn: () => T): T {
  const saved = generatorState().slice();
  const savedInitial = getInitialSeed();
  manualSeed(seed);
  try {
    return fn();
  } finally {
    generatorState().set(saved);
    restoreInitialSeed(savedInitial);
  }
}

/** Options of DataLoader. */
export interface DataLoaderOptions {
  /** Samples per batch (default 1). */
  batchSize?: number;
  /** Reshuffle the samples every epoch (default false). */
  shuffle?: boolean;
  /** Drop the last batch if it is smaller than batchSize (default false). */
  dropLast?: boolean;
  /** Seeds the shuffling of each epoch independently of the global generator. */
  generatorSeed?: number;
}

/** Iterates a dataset in batches: `for (const [x, y] of loader)`; each epoch reshuffles. */
export class DataLoader<T = Tensor[]> implements Iterable<Tensor[]> {
  /** Samples per batch. */
  readonly batchSize: number;
  /** Whether each epoch reshuffles. */
  readonly shuffle: boolean;
  /** Whether a smaller last batch is dropped. */
  readonly dropLast: boolean;
  private readonly seed: number | undefined;
  private epoch = 0;

  /**
   * @param dataset What to iterate.
   * @param opts Batch size, shuffling, dropLast and the shuffling seed.
   */
  constructor(readonly dataset: Dataset<T>, opts: DataLoaderOptions = {}) {
    if (!dataset || typeof dataset.length !== 'number' || typeof dataset.get !== 'function')
      throw typeError('DataLoader', `dataset must have a length and get(index), got ${describe(dataset)}`);
    opts = optionsOf('DataLoader', opts);
    this.batchSize = opts.batchSize ?? 1;
    if (!Number.isInteger(this.batchSize) || this.batchSize <= 0)
      throw rangeError('DataLoader', `batch_size should be a positive integer value, but got batch_size=${describe(opts.batchSize)}`);
    this.shuffle = opts.shuffle ?? false;
    this.dropLast = opts.dropLast ?? false;
    this.seed = opts.generatorSeed;
  }

  /** Number of batches per epoch. */
  /** Number of samples. */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** One epoch: each batch is one tensor per field of the samples, stacked along a new first dim. */
  *[Symbol.iterator](): Iterator<Tensor[]> {
    const n = this.dataset.length;
    // With generatorSeed, epoch k draws from seed + k: reproducible, and different per epoch.
    const order = this.shuffle ? drawPermutation(n, this.seed === undefined ? undefined : this.seed + this.epoch) : null;
    this.epoch++;
    const orderArr = order ? (order.toTypedArray() as Int32Array) : null;
    const ds = this.dataset as unknown as Dataset<Tensor[] | Tensor>;
    for (let start = 0; start < n; start += this.batchSize) {
      const end = Math.min(start + this.batchSize, n);
      if (end - start < this.batchSize && this.dropLast) break;
      const idx = orderArr ? orderArr.subarray(start, end) : Int32Array.from({ length: end - start }, (_, k) => start + k);
      if (ds instanceof TensorDataset) yield ds.getBatch(tensor(idx));
      else if (ds instanceof Subset && ds.dataset instanceof TensorDataset) {
        // A split of a TensorDataset keeps the fast path: map through the subset's indices.
        const sub = ds as Subset<Tensor[]>;
        yield (sub.dataset as TensorDataset).getBatch(tensor(Int32Array.from(idx, (i) => sub.indices[i]!)));
      } else yield collate(Array.from(idx, (i) => ds.get(i)));
    }
  }
}

/** Stacks items (a Tensor, a number, or an array of them) into batch tensors. */
function collate(items: (Tensor[] | Tensor | unknown)[]): Tensor[] {
  const first = items[0];
  const asTensor = (v: unknown): Tensor => (v instanceof Tensor ? v : typeof v === 'number' ? tensor(v) : (() => { throw typeError('DataLoader', `cannot batch ${describe(v)} (items must be Tensors, numbers or arrays of them)`); })());
  if (Array.isArray(first)) return first.map((_, k) => stack(items.map((it) => asTensor((it as unknown[])[k]))));
  return [stack(items.map(asTensor))];
}
