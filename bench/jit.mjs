#!/usr/bin/env node
// Compiled steps (tg.jit.trace) against the eager loop, side by side in one process: each row
// alternates eager and compiled rounds and reports the median µs per step over the rounds.
//
//   npm run build:ts && node bench/jit.mjs            # all rows
//   node bench/jit.mjs --rounds 15 --only linreg      # rows whose name contains "linreg"
//
// Rows: the notes' linear regression step (50 points, raw tensors) and nn.Linear(1,1) + MSE + SGD
// epoch (3 samples: examples/03-nn-linear.ts), MLP 784-256-128-10 inference at batch 1 and 64,
// and its training step (MSE on one-hot targets, SGD momentum: the fused cross-entropy is not
// replayable yet). runAsync rows are the same work awaited one at a time (the round trip of a
// libuv work item included).
import * as tg from '../dist/index.mjs';

const { nn, optim } = tg;
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const ROUNDS = Number(arg('--rounds', 9));
const ONLY = arg('--only', '');

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** µs per call of f over n calls. */
function time(f, n) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) f();
  return Number(process.hrtime.bigint() - t0) / n / 1e3;
}

async function timeAsync(f, n) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await f();
  return Number(process.hrtime.bigint() - t0) / n / 1e3;
}

const rows = [];
async function row(name, n, variants) {
  if (ONLY && !name.includes(ONLY)) return;
  const res = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  for (const [k, f] of Object.entries(variants)) for (let i = 0; i < Math.min(n, 200); i++) await f();  // warm up
  for (let r = 0; r < ROUNDS; r++)
    for (const [k, f] of Object.entries(variants)) {
      const probe = f();
      res[k].push(probe instanceof Promise ? (await probe, await timeAsync(f, n)) : time(f, n));
    }
  const med = Object.fromEntries(Object.entries(res).map(([k, v]) => [k, median(v)]));
  rows.push({ name, ...med });
  const base = med.eager;
  console.log(
    name.padEnd(44),
    Object.entries(med).map(([k, v]) => `${k} ${v.toFixed(2)} µs${k === 'eager' ? '' : ` (${(base / v).toFixed(2)}x)`}`).join('   '),
  );
}

function linreg() {
  tg.manualSeed(0);
  const x = tg.rand([50]), y = x.mul(3).add(0.8);
  const w = tg.rand([1], { requiresGrad: true }), b = tg.rand([1], { requiresGrad: true });
  return () => {
    const loss = x.mul(w).add(b).sub(y).pow(2).mean();
    w.grad?.zero_();
    b.grad?.zero_();
    loss.backward();
    w.data.sub_(w.grad.mul(0.01));
    b.data.sub_(b.grad.mul(0.01));
    return loss;
  };
}

function linear11() {
  tg.manualSeed(0);
  const xData = tg.tensor([[1], [2], [3]]), yData = tg.tensor([[2], [4], [6]]);
  const model = new nn.Linear(1, 1), criterion = new nn.MSELoss({ reduction: 'sum' });
  const opt = new optim.SGD(model.parameters(), { lr: 0.01 });
  return () => {
    const loss = criterion.forward(model.forward(xData), yData);
    opt.zeroGrad();
    loss.backward();
    opt.step();
    return loss;
  };
}

function mlp() {
  tg.manualSeed(0);
  return new nn.Sequential(new nn.Linear(784, 256), new nn.ReLU(), new nn.Linear(256, 128), new nn.ReLU(), new nn.Linear(128, 10));
}

console.log(`tensorgrad ${tg.backendInfo().simd}, ${tg.getNumThreads()} threads, ${ROUNDS} rounds (median)`);
{
  const eager = linreg(), comp = linreg();
  comp();  // one eager step first, so grad?.zero_() is part of the trace
  const c = tg.jit.trace(comp, []);
  await row('linear regression step (50 points)', 20000, { eager, compiled: () => c.run() });
}
{
  const eager = linear11(), comp = linear11();
  const c = tg.jit.trace(comp, []);
  await row('nn.Linear(1,1) + MSE + SGD epoch', 20000, { eager, compiled: () => c.run(), runAsync: () => c.runAsync() });
}
for (const batch of [1, 64]) {
  const net = mlp();
  const x = tg.randn([batch, 784]);
  const c = tg.noGrad(() => tg.jit.trace((v) => net.forward(v), [x]));
  const eager = () => tg.noGrad(() => net.forward(x));
  await row(`MLP 784-256-128-10 inference, batch ${batch}`, batch === 1 ? 2000 : 300, { eager, compiled: () => c.run(x), runAsync: () => c.runAsync(x) });
}
{
  const make = () => {
    const net = mlp();
    const opt = new optim.SGD(net.parameters(), { lr: 0.01, momentum: 0.9 });
    const x = tg.randn([64, 784]), y = tg.zeros([64, 10]);
    const lossFn = new nn.MSELoss();
    return () => {
      opt.zeroGrad();
      const l = lossFn.forward(net.forward(x), y);
      l.backward();
      opt.step();
      return l;
    };
  };
  const eager = make(), comp = make();
  const c = tg.jit.trace(comp, []);
  await row('MLP 784-256-128-10 train step, batch 64', 100, { eager, compiled: () => c.run() });
}
