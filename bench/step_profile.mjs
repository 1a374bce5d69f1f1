// Where an MLP training step's time goes (the mlp_train workload of bench/workloads.json:
// 784-256-128-10, SGD momentum, batch 64): every native call is timed by wrapping the addon's
// exports, so the step splits into time per native function and the rest (JS ops and autograd,
// tensor allocation, GC: what no thread can share). 1 and 2 threads are interleaved rep by rep
// in one process, so a busy machine slows both alike; each cell is a median over the reps, and
// "min" (the least disturbed rep) is printed beside the step time.
//
//   node bench/step_profile.mjs [--reps 15] [--steps 100] [--impl bench/.cache/index.mjs]
//
// --impl is the bundle `npm run bench` builds (bench/.cache/index.mjs; run it once first) or
// dist/index.mjs. TG_SIMD=avx2 forces the AVX2 table as `npm run bench -- --isa avx2` does.
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    reps: { type: 'string', default: '15' },
    steps: { type: 'string', default: '100' },
    impl: { type: 'string', default: 'bench/.cache/index.mjs' },
  },
});
const root = path.resolve(import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname), '..');
// The addon object the library loads (node-gyp-build's require cache): wrapping its functions
// here, before the import below, times every call the library makes.
const native = createRequire(path.join(root, 'package.json'))('node-gyp-build')(root);
const now = () => Number(process.hrtime.bigint());
let timing = null;  // Map name -> ns of the rep being timed, or null between reps
for (const name of Object.keys(native)) {
  const f = native[name];
  if (typeof f !== 'function') continue;
  native[name] = function (...args) {
    if (timing === null) return f.apply(this, args);
    const t0 = now();
    try {
      return f.apply(this, args);
    } finally {
      timing.set(name, (timing.get(name) ?? 0) + now() - t0);
    }
  };
}
const tg = await import(pathToFileURL(path.resolve(values.impl)).href);

const nn = tg.nn;
const model = new nn.Sequential(new nn.Linear(784, 256), new nn.ReLU(), new nn.Linear(256, 128), new nn.ReLU(), new nn.Linear(128, 10));
const batches = Array.from({ length: 16 }, () => [tg.rand([64, 784]), tg.randint(0, 10, [64])]);
const lossFn = new nn.CrossEntropyLoss();
const opt = new tg.optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
let i = 0;
const step = () => {
  const [x, y] = batches[i++ % batches.length];
  opt.zeroGrad();
  lossFn.forward(model.forward(x), y).backward();
  opt.step();
};

const steps = Number(values.steps), reps = Number(values.reps);
const threads = [1, 2];
const results = new Map(threads.map((t) => [t, { total: [], parts: new Map() }]));
for (const t of threads) {
  tg.setNumThreads(t);
  for (let k = 0; k < 300; k++) step();
}
for (let r = 0; r < reps; r++)
  for (const t of threads) {
    tg.setNumThreads(t);
    for (let k = 0; k < 10; k++) step();
    timing = new Map();
    const t0 = now();
    for (let k = 0; k < steps; k++) step();
    const total = (now() - t0) / steps;
    const res = results.get(t);
    res.total.push(total);
    let nativeNs = 0;
    for (const [name, ns] of timing) {
      nativeNs += ns;
      if (!res.parts.has(name)) res.parts.set(name, []);
      res.parts.get(name).push(ns / steps);
    }
    if (!res.parts.has('(outside native calls)')) res.parts.set('(outside native calls)', []);
    res.parts.get('(outside native calls)').push(total - nativeNs / steps);
    timing = null;
  }

const median = (v) => v.slice().sort((a, b) => a - b)[v.length >> 1];
const us = (ns) => (ns / 1e3).toFixed(1).padStart(8);
console.log(`MLP train step, batch 64, ${tg.backendInfo().simd}, ${steps} steps x ${reps} reps; us per step (median)`);
console.log(`${'part'.padEnd(26)}${threads.map((t) => `${t}T`.padStart(8)).join('')}`);
const s1 = results.get(1), s2 = results.get(2);
console.log(`${'step'.padEnd(26)}${us(median(s1.total))}${us(median(s2.total))}   min ${us(Math.min(...s1.total))}${us(Math.min(...s2.total))}   2T speedup ${(median(s1.total) / median(s2.total)).toFixed(2)}x`);
const names = [...s1.parts.keys()].sort((a, b) => median(s1.parts.get(b)) - median(s1.parts.get(a)));
for (const name of names) {
  const a = median(s1.parts.get(name)), b = s2.parts.has(name) ? median(s2.parts.get(name)) : 0;
  if (a < 1000 && b < 1000) continue;
  console.log(`${name.padEnd(26)}${us(a)}${us(b)}`);
}
