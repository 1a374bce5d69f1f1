#!/usr/bin/env node
// MLP 784-256-128-10 inference, tensorgrad (eager, compiled run, compiled runAsync) beside
// onnxruntime-node (session.run, awaited: its only form) on the same model shape, in one process:
// ours first (each round times every variant once), then onnxruntime's; medians over rounds.
//
//   npm run build:ts && node bench/inference.mjs [--rounds 9] [--threads 1,2] [--batches 1,64,1000]
//
// onnxruntime-node is installed on first use into bench/.cache (bench/lib/ort.mjs says why it is
// not a dependency); the ONNX file is PyTorch's export (bench/export_onnx.py). Both sides run
// `threads` intra-op threads. µs per forward; samples/s in brackets for batches above 1.
import { parseArgs } from 'node:util';
import * as tg from '../dist/index.mjs';
import { exportOnnx, loadOrt, ORT_VERSION, ortSession } from './lib/ort.mjs';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '9' },
    threads: { type: 'string', default: '1,2' },
    batches: { type: 'string', default: '1,64,1000' },
  },
});
const ROUNDS = Number(values.rounds);
const THREADS = values.threads.split(',').map(Number);
const BATCHES = values.batches.split(',').map(Number);
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** µs per call of f (sync or async), over enough calls for ~20 ms, after as many unmeasured (the previous variant's threads and caches settle). */
async function perCall(f) {
  let t0 = process.hrtime.bigint();
  await f();
  const once = Number(process.hrtime.bigint() - t0) / 1e3;
  const n = Math.max(3, Math.min(5000, Math.round(20e3 / Math.max(once, 1))));
  for (let i = 0; i < n; i++) await f();
  t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await f();
  return Number(process.hrtime.bigint() - t0) / 1e3 / n;
}

/** Medians over ROUNDS rounds, each timing every variant once in turn, after a warm-up. */
async function measure(variants) {
  const samples = Object.fromEntries(Object.keys(variants).map((c) => [c, []]));
  for (const f of Object.values(variants)) for (let i = 0; i < 20; i++) await f();
  for (let r = 0; r < ROUNDS; r++) for (const [c, f] of Object.entries(variants)) samples[c].push(await perCall(f));
  return Object.fromEntries(Object.entries(samples).map(([c, v]) => [c, median(v)]));
}

const ort = loadOrt();
const onnx = ort ? exportOnnx('mlp') : null;
tg.manualSeed(0);
const { nn } = tg;
const net = new nn.Sequential(new nn.Linear(784, 256), new nn.ReLU(), new nn.Linear(256, 128), new nn.ReLU(), new nn.Linear(128, 10));
net.eval();

console.log(`tensorgrad ${tg.backendInfo().simd}${ort ? `, onnxruntime-node ${ORT_VERSION}` : ''}; µs per forward, median of ${ROUNDS} rounds`);
const cols = ['eager', 'compiled', 'runAsync', ...(ort ? ['onnxruntime'] : [])];
console.log('batch'.padEnd(7) + 'thr'.padEnd(5) + cols.map((c) => c.padStart(20)).join('') + (ort ? '   compiled/ort' : ''));
const results = [];
for (const threads of THREADS) {
  tg.setNumThreads(threads);
  // Ours first, every batch, then onnxruntime's session, created only then: in one process,
  // measured interleaved, each slowed the other (ORT's spinning intra-op threads; ours, after a
  // block of the other's, ran 2 threads at half speed: compiled batch 64 373 vs 186 µs alone).
  // A Node service runs one of them, so each is timed with the other idle.
  const rows = [];
  for (const batch of BATCHES) {
    const x = tg.randn([batch, 784]);
    const compiled = tg.noGrad(() => tg.jit.trace((v) => net.forward(v), [x]));
    const variants = {
      eager: () => tg.noGrad(() => net.forward(x)),
      compiled: () => compiled.run(x),
      runAsync: () => compiled.runAsync(x),
    };
    const ref = variants.eager().toTypedArray();
    const got = compiled.run(x).toTypedArray();
    if (ref.some((v, i) => v !== got[i])) throw new Error(`compiled forward differs from eager at batch ${batch}`);
    rows.push({ batch, threads, x, ...(await measure(variants)) });
  }
  const session = ort && onnx ? await ortSession(ort, onnx, threads) : null;
  for (const row of rows) {
    if (session) {
      const feeds = { x: new ort.Tensor('float32', row.x.toTypedArray(), [row.batch, 784]) };
      const y = (await session.run(feeds)).y;
      if (y.dims.join() !== `${row.batch},10`) throw new Error(`onnxruntime output shape ${y.dims}`);
      Object.assign(row, await measure({ onnxruntime: () => session.run(feeds) }));
    }
    delete row.x;
    results.push(row);
    const cell = (us) => (row.batch > 1 ? `${us.toFixed(1)} (${((row.batch / us) * 1e3).toFixed(0)}k/s)` : us.toFixed(2)).padStart(20);
    console.log(String(row.batch).padEnd(7) + String(threads).padEnd(5) + cols.map((c) => cell(row[c])).join('') +
      (ort ? `   ${(row.onnxruntime / row.compiled).toFixed(2)}x` : ''));
  }
  await session?.release();
}
