// tg.frombuffer: a tensor over the caller's memory without a copy (torch.frombuffer), over
// ArrayBuffers, typed-array views and SharedArrayBuffers (weights shared between workers); the
// argument checks follow PyTorch's, and the buffer stays the caller's through dispose().
import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import * as tg from '../src/index.js';

const dist = resolve(__dirname, '../dist/index.cjs');

describe('frombuffer', () => {
  it('shares memory with the buffer both ways', () => {
    const buf = new ArrayBuffer(6 * 4);
    const f = new Float32Array(buf);
    f.set([1, 2, 3, 4, 5, 6]);
    const t = tg.frombuffer(buf);
    expect(t.shape).toEqual([6]);
    expect(t.dtype).toBe('float32');
    expect(t.view(2, 3).sum(1).toArray()).toEqual([6, 15]);
    f[0] = 10;
    expect(t.toArray()).toEqual([10, 2, 3, 4, 5, 6]);
    t.mul_(2);
    expect(Array.from(f)).toEqual([20, 4, 6, 8, 10, 12]);
  });

  it('reads a typed array as the bytes it views; offset and count as PyTorch (offset in bytes, count in elements)', () => {
    const buf = new ArrayBuffer(64);
    new Int32Array(buf).forEach((_, i, a) => (a[i] = i));
    const view = new Uint8Array(buf, 8, 40); // int32 elements 2 .. 11
    expect(tg.frombuffer(view, { dtype: 'int32' }).toArray()).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(tg.frombuffer(view, { dtype: 'int32', offset: 8, count: 3 }).toArray()).toEqual([4, 5, 6]);
    expect(tg.frombuffer(new DataView(buf, 60), { dtype: 'int32' }).toArray()).toEqual([15]);
    const bools = tg.frombuffer(new Uint8Array([1, 0, 1]), { dtype: 'bool' });
    expect(bools.toArray()).toEqual([true, false, true]);
  });

  it('refuses what PyTorch refuses, and what a typed array cannot view, with the op named', () => {
    const buf = new ArrayBuffer(16);
    expect(() => tg.frombuffer(buf, { count: 0 })).toThrow(/frombuffer: count must be -1/);
    expect(() => tg.frombuffer(buf, { offset: 16 })).toThrow(/frombuffer: offset must be an integer in \[0, 15\]/);
    expect(() => tg.frombuffer(buf, { offset: -4 })).toThrow(/frombuffer: offset/);
    expect(() => tg.frombuffer(buf, { count: 5 })).toThrow(/requested 5 elements of float32 \(20 bytes\) but the buffer has 16 bytes/);
    expect(() => tg.frombuffer(new ArrayBuffer(14))).toThrow(/must be a multiple of 4 bytes/);
    expect(() => tg.frombuffer(buf, { offset: 2, count: 1 })).toThrow(/offset 2 is not a multiple of 4 bytes/);
    expect(() => tg.frombuffer(new Uint8Array(buf, 1, 8), { count: 1 })).toThrow(/the view starts at byte 1/);
    expect(() => tg.frombuffer(new ArrayBuffer(0))).toThrow(/the buffer is empty/);
    expect(() => tg.frombuffer([1, 2] as never)).toThrow(/frombuffer: expected an ArrayBuffer/);
    expect(() => tg.frombuffer(buf, { count: 1.5 })).toThrow(/count/);
    expect(() => tg.frombuffer(buf, { dtype: 'float64' as never })).toThrow(/unknown dtype/);
    const resizable = new (ArrayBuffer as unknown as new (n: number, o: object) => ArrayBuffer)(8, { maxByteLength: 64 });
    expect(() => tg.frombuffer(resizable)).toThrow(/resizable or growable/);
    expect(() => tg.frombuffer(new Uint8Array(buf), { dtype: 'int32', requiresGrad: true })).toThrow(/only float32/);
  });

  it('dispose() drops the tensor and leaves the buffer whole', () => {
    const buf = new ArrayBuffer(1 << 16);
    new Float32Array(buf).fill(2);
    const t = tg.frombuffer(buf);
    t.dispose();
    expect(t.isDisposed).toBe(true);
    expect(buf.byteLength).toBe(1 << 16);
    expect(new Float32Array(buf)[100]).toBe(2);
  });

  it('a buffer the caller transfers away afterwards gives a clear error, not a crash', () => {
    const buf = new ArrayBuffer(4 * 4096);
    const t = tg.frombuffer(buf).view(64, 64);
    structuredClone(buf, { transfer: [buf] });
    expect(() => t.exp()).toThrow(/no storage/);
    expect(() => t.matmul(tg.ones(64, 2))).toThrow(/no storage/);
  });

  it('takes part in autograd as any leaf', () => {
    const w = tg.frombuffer(new Float32Array([1, 2, 3]), { requiresGrad: true });
    w.square().sum().backward();
    expect(w.grad!.toArray()).toEqual([2, 4, 6]);
  });

  it('a compiled step reads a captured frombuffer tensor live on every run', () => {
    const weights = new Float32Array(64 * 8).fill(0.5);
    const w = tg.frombuffer(weights).view(64, 8);
    const step = tg.jit.trace((x: tg.Tensor) => x.matmul(w), [tg.ones(4, 64)]);
    expect((step.run(tg.ones(4, 64)) as tg.Tensor).toTypedArray()[0]).toBe(32);
    weights.fill(1);
    expect((step.run(tg.ones(4, 64)) as tg.Tensor).toTypedArray()[0]).toBe(64);
  });

  it('shares weights between worker_threads through a SharedArrayBuffer', async () => {
    // The main thread fills a SharedArrayBuffer once; each worker wraps it as a Parameter of its
    // model (no copy) and predicts; a write in the main thread shows in the workers' next answer.
    const [IN, OUT] = [32, 4];
    const shared = new SharedArrayBuffer(IN * OUT * 4);
    const w = new Float32Array(shared);
    for (let i = 0; i < w.length; i++) w[i] = ((i * 37) % 11) / 11 - 0.5;
    const x = tg.randn(3, IN);
    const expected = (weights: Float32Array) => x.matmul(tg.tensor(weights, { shape: [OUT, IN] }).t()).toArray() as number[][];
    const workerCode = `
      const { parentPort, workerData } = require('node:worker_threads');
      const tg = require(workerData.dist);
      const lin = new tg.nn.Linear(${IN}, ${OUT}, { bias: false });
      lin.weight = new tg.nn.Parameter(tg.frombuffer(workerData.shared).view(${OUT}, ${IN}), false);
      const x = tg.tensor(workerData.x, { shape: [3, ${IN}] });
      parentPort.on('message', () => parentPort.postMessage(tg.noGrad(() => lin.forward(x).toArray())));
    `;
    const workers = [0, 1].map(() => new Worker(workerCode, { eval: true, workerData: { dist, shared, x: x.toTypedArray() } }));
    const ask = (wk: Worker) => new Promise<number[][]>((ok, fail) => {
      wk.once('message', ok);
      wk.once('error', fail);
      wk.postMessage(0);
    });
    try {
      for (const got of await Promise.all(workers.map(ask))) expectClose(got, expected(w));
      w.fill(0.25);
      for (const got of await Promise.all(workers.map(ask))) expectClose(got, expected(w));
    } finally {
      await Promise.all(workers.map((wk) => wk.terminate()));
    }
  });
});

function expectClose(got: number[][], want: number[][]): void {
  expect(got.length).toBe(want.length);
  got.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(want[i]![j]!, 5)));
}
