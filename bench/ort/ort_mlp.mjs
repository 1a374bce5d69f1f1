// MLP 784-256-128-10 inference, batch 1 and 64, one thread: tensorgrad eager, compiled run(),
// compiled runAsync(), against onnxruntime-node's session.run() (a Promise, as runAsync).
// onnxruntime-node is not a dependency; to run this (outside the repo's package.json):
//   mkdir /tmp/ort && cd /tmp/ort && npm init -y && ONNXRUNTIME_NODE_INSTALL_CUDA=skip npm install onnxruntime-node@1.20.1
//   (its CPU binary ships in the package; the postinstall script, which only fetches the CUDA
//   provider, need not run), then from the repo: npm run build:ts &&
//   /usr/bin/python3 bench/ort/export_mlp.py && NODE_PATH=/tmp/ort/node_modules node bench/ort/ort_mlp.mjs
// Prints the median µs per call over 7 repetitions.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const require = createRequire(import.meta.url);
const ort = require(require.resolve('onnxruntime-node', { paths: (process.env.NODE_PATH ?? '').split(':').filter(Boolean) }));
const tg = await import(here('../../dist/index.mjs'));
tg.setNumThreads(1);
const sess = await ort.InferenceSession.create(here('mlp.onnx'), { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential' });
const model = new tg.nn.Sequential(new tg.nn.Linear(784, 256), new tg.nn.ReLU(), new tg.nn.Linear(256, 128), new tg.nn.ReLU(), new tg.nn.Linear(128, 10));
model.eval();

async function time(iters, f) {
  for (let i = 0; i < iters / 2; i++) await f();
  const reps = [];
  for (let r = 0; r < 7; r++) {
    const t = performance.now();
    for (let i = 0; i < iters; i++) await f();
    reps.push(((performance.now() - t) / iters) * 1000);
  }
  return reps.sort((a, b) => a - b)[3];
}

for (const b of [1, 64]) {
  const iters = b === 1 ? 2000 : 300;
  const x = tg.rand([b, 784]);
  const feeds = { x: new ort.Tensor('float32', Float32Array.from(x.toTypedArray()), [b, 784]) };
  const compiled = tg.noGrad(() => tg.jit.trace((v) => model.forward(v), [x]));
  const rows = {
    'tensorgrad eager': await time(iters, () => tg.noGrad(() => model.forward(x))),
    'tensorgrad compiled run()': await time(iters, () => compiled.run(x)),
    'tensorgrad compiled await runAsync()': await time(iters, () => compiled.runAsync(x)),
    'onnxruntime-node await session.run()': await time(iters, () => sess.run(feeds)),
  };
  for (const [k, v] of Object.entries(rows)) console.log(`batch ${b}: ${k}: ${v.toFixed(1)} µs`);
}
