// The addon is context-aware: several worker_threads load it and train at once beside the
// main thread, and a tensor posted to another environment arrives as plain data, refused by ops.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import * as tg from '../src/index.js';

const dist = resolve(__dirname, '../dist/index.cjs');

const trainInWorker = `
const { parentPort, workerData } = require('node:worker_threads');
const tg = require(workerData.dist);
tg.manualSeed(workerData.seed);
const x = tg.rand([50]);
const y = x.mul(3).add(0.8);
const w = tg.rand([1], { requiresGrad: true });
const b = tg.rand([1], { requiresGrad: true });
for (let i = 0; i < 3000; i++) {
  const loss = x.mul(w).add(b).sub(y).pow(2).mean();
  w.grad?.zero_(); b.grad?.zero_();
  loss.backward();
  w.data.sub_(w.grad.mul(0.05));
  b.data.sub_(b.grad.mul(0.05));
}
const big = tg.randn(256, 256).matmul(tg.randn(256, 256)).sum().item();
parentPort.postMessage({ w: w.item(), b: b.item(), big: Number.isFinite(big), simd: tg.backendInfo().simd });
`;

function run(seed: number): Promise<{ w: number; b: number; big: boolean; simd: string }> {
  return new Promise((res, rej) => {
    const worker = new Worker(trainInWorker, { eval: true, workerData: { dist, seed } });
    worker.once('message', res);
    worker.once('error', rej);
  });
}

describe('worker_threads', () => {
  it('has the built package to load in workers (npm install builds dist/)', () => {
    expect(existsSync(dist), 'dist/index.cjs missing: run `npm run build:ts`').toBe(true);
  });

  it('trains in several workers at once while the main thread trains too', async () => {
    const jobs = [run(1), run(2), run(3)];
    const x = tg.rand([50]);
    const w = tg.rand([1], { requiresGrad: true });
    for (let i = 0; i < 500; i++) {
      const loss = x.mul(w).sub(x.mul(2)).pow(2).mean();
      w.grad?.zero_();
      loss.backward();
      tg.noGrad(() => w.sub_(w.grad!.mul(0.5)));
    }
    const results = await Promise.all(jobs);
    for (const r of results) {
      expect(r.w).toBeCloseTo(3, 1);
      expect(r.b).toBeCloseTo(0.8, 1);
      expect(r.big).toBe(true);
      expect(r.simd).toBe(tg.backendInfo().simd);
    }
    expect(w.item()).toBeCloseTo(2, 2);
  });

  it('survives a worker terminated mid-training', async () => {
    const worker = new Worker(
      `const tg = require(${JSON.stringify(dist)}); for (;;) tg.randn(128, 128).matmul(tg.randn(128, 128));`,
      { eval: true },
    );
    await new Promise((r) => setTimeout(r, 200));
    await worker.terminate();
    expect(tg.ones(2).add(1).toArray()).toEqual([2, 2]);
  });

  it('refuses a tensor that crossed to another environment', async () => {
    const worker = new Worker(
      `const { parentPort } = require('node:worker_threads'); parentPort.once('message', (t) => parentPort.postMessage(t));`,
      { eval: true },
    );
    const back = await new Promise<unknown>((res) => {
      worker.once('message', res);
      worker.postMessage(tg.ones(3));
    });
    await worker.terminate();
    expect(() => tg.ones(3).add(back as tg.Tensor)).toThrow(/add: expected a Tensor as other/);
  });
});
