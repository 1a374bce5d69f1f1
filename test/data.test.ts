// data: TensorDataset, DataLoader (batching, dropLast, reproducible shuffling under
// tg.manualSeed and generatorSeed, the generic stacking path) and randomSplit.
import { describe, expect, it } from 'vitest';
import * as tg from '../src/index.js';

const { data } = tg;

const ints = (n: number) => tg.tensor(Int32Array.from({ length: n }, (_, i) => i));

function epochOrder(loader: tg.data.DataLoader): number[] {
  const out: number[] = [];
  for (const [, y] of loader) out.push(...(y!.toTypedArray() as Int32Array));
  return out;
}

describe('TensorDataset', () => {
  it('indexes every tensor along dim 0 and checks lengths', () => {
    const x = tg.arange(12).reshape(6, 2), y = ints(6);
    const ds = new data.TensorDataset(x, y);
    expect(ds.length).toBe(6);
    const [xi, yi] = ds.get(4);
    expect(xi!.toArray()).toEqual([8, 9]);
    expect(yi!.item()).toBe(4);
    expect(ds.get(-1)[1]!.item()).toBe(5);
    expect(() => ds.get(6)).toThrow(RangeError);
    expect(() => new data.TensorDataset(x, ints(5))).toThrow(
      'TensorDataset: Size mismatch between tensors: tensor 0 has shape [6, 2], tensor 1 has shape [5] (first dims must be equal)',
    );
  });
});

describe('DataLoader', () => {
  const x = tg.arange(20).reshape(10, 2), y = ints(10);
  const ds = new data.TensorDataset(x, y);

  it('yields batches in order, with a short last batch unless dropLast', () => {
    const loader = new data.DataLoader(ds, { batchSize: 4 });
    const batches = [...loader];
    expect(loader.length).toBe(3);
    expect(batches.map(([xb]) => xb!.shape)).toEqual([[4, 2], [4, 2], [2, 2]]);
    expect(batches[1]![0]!.toArray()).toEqual([[8, 9], [10, 11], [12, 13], [14, 15]]);
    expect(batches[2]![1]!.dtype).toBe('int32');
    const dropped = new data.DataLoader(ds, { batchSize: 4, dropLast: true });
    expect(dropped.length).toBe(2);
    expect([...dropped].length).toBe(2);
    expect(() => new data.DataLoader(ds, { batchSize: 0 })).toThrow(/batch_size should be a positive integer/);
  });

  it('shuffles each epoch differently, reproducibly under manualSeed', () => {
    const loader = new data.DataLoader(ds, { batchSize: 3, shuffle: true });
    tg.manualSeed(11);
    const e1 = epochOrder(loader), e2 = epochOrder(loader);
    expect([...e1].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(e1).not.toEqual(e2);
    tg.manualSeed(11);
    expect(epochOrder(new data.DataLoader(ds, { batchSize: 3, shuffle: true }))).toEqual(e1);
    // rows stay paired across tensors
    for (const [xb, yb] of loader) {
      const yv = yb!.toTypedArray() as Int32Array;
      expect(xb!.toArray()).toEqual(Array.from(yv, (i) => [2 * i, 2 * i + 1]));
    }
  });

  it('generatorSeed gives its own reproducible stream and leaves the global one untouched', () => {
    tg.manualSeed(5);
    const ref = tg.rand([3]).toArray();
    tg.manualSeed(5);
    const a = epochOrder(new data.DataLoader(ds, { batchSize: 4, shuffle: true, generatorSeed: 123 }));
    expect(tg.rand([3]).toArray()).toEqual(ref);
    expect(tg.initialSeed()).toBe(5);
    tg.manualSeed(99);
    const b = epochOrder(new data.DataLoader(ds, { batchSize: 4, shuffle: true, generatorSeed: 123 }));
    expect(b).toEqual(a);
  });

  it('batches a Subset of a TensorDataset through the parent (same rows as get)', () => {
    tg.manualSeed(3);
    const [a] = data.randomSplit(ds, [6, 4]);
    const ys = [...new data.DataLoader(a!, { batchSize: 4 })].flatMap(([, yb]) => Array.from(yb!.toTypedArray() as Int32Array));
    expect(ys).toEqual(a!.indices);
    const [xb] = [...new data.DataLoader(a!, { batchSize: 2 })][0]!;
    expect(xb!.toArray()).toEqual([a!.get(0)[0]!.toArray(), a!.get(1)[0]!.toArray()]);
  });

  it('stacks items of a generic dataset', () => {
    const generic: tg.data.Dataset<[tg.Tensor, number]> = { length: 5, get: (i) => [tg.full([2], i), i * 10] };
    const batches = [...new data.DataLoader(generic, { batchSize: 2 })];
    expect(batches.length).toBe(3);
    expect(batches[0]![0]!.toArray()).toEqual([[0, 0], [1, 1]]);
    expect(batches[2]![1]!.toArray()).toEqual([40]);
  });
});

describe('randomSplit', () => {
  const ds = new data.TensorDataset(ints(10));

  it('splits by lengths into disjoint subsets covering the dataset', () => {
    tg.manualSeed(0);
    const [a, b] = data.randomSplit(ds, [7, 3]);
    expect([a!.length, b!.length]).toEqual([7, 3]);
    expect([...a!.indices, ...b!.indices].sort((p, q) => p - q)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(b!.get(0)[0]!.item()).toBe(b!.indices[0]);
    tg.manualSeed(0);
    expect(data.randomSplit(ds, [7, 3])[0]!.indices).toEqual(a!.indices);
  });

  it('accepts fractions summing to 1, handing the remainder out from the first subset', () => {
    expect(data.randomSplit(ds, [0.33, 0.33, 0.34]).map((s) => s.length)).toEqual([4, 3, 3]);
    expect(data.randomSplit(ds, [0.5, 0.5]).map((s) => s.length)).toEqual([5, 5]);
    expect(() => data.randomSplit(ds, [5, 4])).toThrow(/Sum of input lengths \(9\) does not equal the length of the input dataset \(10\)/);
    expect(() => data.randomSplit(ds, [0.5, 0.2])).toThrow(RangeError);
  });
});
