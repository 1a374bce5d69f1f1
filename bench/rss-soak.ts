// `npm run bench:rss`: does a long training loop that never calls dispose() hold its memory
// steady? Runs the notes' linear-regression step (the API example's loop) — or, with
// `--model mlp`, an MLP step with Adam and cross-entropy — in ONE synchronous
// loop — no await, so nothing that needs the event loop (FinalizationRegistry callbacks,
// setImmediate cleanup) ever gets to run; only what the GC reclaims on its own is reclaimed —
// and samples process.memoryUsage() every `--every` steps.
//
//   npm run bench:rss                         200,000 steps (the full soak, ~10 s)
//   npm run bench:rss -- 20000                a short run for CI
//   npm run bench:rss -- 200000 --every 10000 --bound-mib 64
//   npm run bench:rss -- 50000 --model mlp     MLP 64-64-10, batch 32, Adam
//
// The first sample (after `--every` steps) is the warm-up baseline: by then the JIT has
// compiled the loop and the heap has grown to its working size. Exits 1 if RSS later rises
// more than --bound-mib above that baseline, 2 on bad arguments. Not a test (timing and RSS
// depend on the machine); a leak check to run by hand or in CI.
import { parseArgs } from 'node:util';
import * as tg from '../src/index.js';

const MiB = 1024 * 1024;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    every: { type: 'string', default: '10000' },
    'bound-mib': { type: 'string', default: '64' },
    threads: { type: 'string', default: '1' },
    model: { type: 'string', default: 'linear' },
  },
});
const steps = Number(positionals[0] ?? 200_000);
const every = Number(values.every);
const boundMiB = Number(values['bound-mib']);
if (!Number.isInteger(steps) || !Number.isInteger(every) || every <= 0 || steps < 2 * every || !(boundMiB > 0)) {
  console.error(
    `rss-soak: need integer steps >= 2 * every (a warm-up sample and at least one after it) and a positive bound; ` +
      `got steps=${positionals[0]}, every=${values.every}, bound-mib=${values['bound-mib']}`,
  );
  process.exit(2);
}
tg.setNumThreads(Number(values.threads));

tg.manualSeed(0);

/** One training step of the chosen model; returns its loss tensor. */
function linearStep(): { step: () => tg.Tensor; summary: () => string } {
  const x = tg.rand([50]);
  const y = x.mul(3).add(0.8);
  const w = tg.rand([1], { requiresGrad: true });
  const b = tg.rand([1], { requiresGrad: true });
  return {
    step: () => {
      const loss = x.mul(w).add(b).sub(y).pow(2).mean();
      w.grad?.zero_();
      b.grad?.zero_();
      loss.backward();
      w.data.sub_(w.grad!.mul(0.01));
      b.data.sub_(b.grad!.mul(0.01));
      return loss;
    },
    summary: () => `w = ${(w.item() as number).toFixed(4)}, b = ${(b.item() as number).toFixed(4)}`,
  };
}

function mlpStep(): { step: () => tg.Tensor; summary: () => string } {
  const model = new tg.nn.Sequential(new tg.nn.Linear(64, 64), new tg.nn.ReLU(), new tg.nn.Linear(64, 10));
  const opt = new tg.optim.Adam(model.parameters(), { lr: 1e-3 });
  const lossFn = new tg.nn.CrossEntropyLoss();
  const x = tg.randn(32, 64);
  const labels = tg.randint(0, 10, [32]);
  return {
    step: () => {
      opt.zeroGrad();
      const loss = lossFn.forward(model.forward(x), labels);
      loss.backward();
      opt.step();
      return loss;
    },
    summary: () => `${model.parameters().length} parameters, Adam`,
  };
}

if (values.model !== 'linear' && values.model !== 'mlp') {
  console.error(`rss-soak: --model must be linear or mlp, got ${values.model}`);
  process.exit(2);
}
const run = values.model === 'mlp' ? mlpStep() : linearStep();

const mib = (n: number) => (n / MiB).toFixed(1).padStart(7);
const startRss = process.memoryUsage().rss;
console.log(`${values.model === 'mlp' ? 'MLP 64-64-10 + Adam' : 'linear regression'}, ${steps} steps, no dispose(), RSS sampled every ${every} steps`);
console.log(`start: rss ${mib(startRss)} MiB`);
console.log('   step   rss MiB  heapUsed  external  arrayBuf   µs/step');

let warmRss = 0;
let peakRss = 0;
let lastLoss = NaN;
let tPrev = process.hrtime.bigint();
for (let i = 1; i <= steps; i++) {
  const loss = run.step();
  if (i % every === 0) {
    const now = process.hrtime.bigint();
    const m = process.memoryUsage();
    lastLoss = loss.item() as number;
    if (warmRss === 0) warmRss = m.rss;
    peakRss = Math.max(peakRss, m.rss);
    console.log(
      `${String(i).padStart(7)}  ${mib(m.rss)}   ${mib(m.heapUsed)}   ${mib(m.external)}   ${mib(m.arrayBuffers)}` +
        `   ${(Number(now - tPrev) / every / 1000).toFixed(2).padStart(7)}`,
    );
    tPrev = now;
  }
}

const growth = peakRss - warmRss;
console.log(
  `warm-up rss (after ${every} steps) ${mib(warmRss).trim()} MiB, peak ${mib(peakRss).trim()} MiB, ` +
    `growth ${(growth / MiB).toFixed(1)} MiB (bound ${boundMiB} MiB); ` +
    `${run.summary()}, loss ${lastLoss.toExponential(2)}`,
);
if (growth > boundMiB * MiB) {
  console.error(`rss-soak: FAIL: RSS grew ${(growth / MiB).toFixed(1)} MiB after warm-up, more than ${boundMiB} MiB`);
  process.exit(1);
}
console.log('rss-soak: ok');
