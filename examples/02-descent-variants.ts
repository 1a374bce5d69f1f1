// Batch, stochastic and mini-batch gradient descent side by side (the notes' 002_*.txt, 003_*.txt
// and 004_*.txt) on the notes' y = 3x + 0.8 data. All three start from the same w, b and see the
// data the same number of times (epochs); they differ in how many points each update looks at:
//   batch       all 100 points per update: 1 smooth update per epoch
//   stochastic  1 point per update: 100 noisy updates per epoch
//   mini-batch  10 points per update: 10 updates per epoch, the usual compromise
//
//   npx tsx examples/02-descent-variants.ts
//
// Inside the repo this imports ../src/index.js; in your own project write
// `import * as tg from 'tensorgrad'` and nothing else changes.
import * as tg from '../src/index.js';
import { isMain, QUICK, type RunHooks } from './datasets.js';

tg.manualSeed(0); // same data, same initial w and b, same shuffles on every run

const n = 100;
const x = tg.rand([n, 1]);
// A little noise (sd 0.1) so the difference shows: on noisy data a single point's gradient keeps
// pointing somewhere else, and stochastic descent jitters around the best fit instead of settling.
const y = x.mul(3).add(0.8).add(tg.randn([n, 1]).mul(0.1));
const w0 = tg.rand([1]);
const b0 = tg.rand([1]);
const lr = 0.1;
const epochs = QUICK ? 20 : 60;
const every = QUICK ? 5 : 10;

// Full-data MSE: the same yardstick for all three, whatever batch each one updates on.
const fullLoss = (w: tg.Tensor, b: tg.Tensor) =>
  tg.noGrad(() => x.mul(w).add(b).sub(y).pow(2).mean().item() as number);

function descend(batchSize: number, onEpoch?: (epoch: number) => void) {
  const w = w0.clone().requiresGrad_();
  const b = b0.clone().requiresGrad_();
  // A fixed generatorSeed gives every run the same order of points; shuffling each epoch is what
  // makes stochastic and mini-batch descent unbiased estimates of the full gradient.
  const loader = new tg.data.DataLoader(new tg.data.TensorDataset(x, y), { batchSize, shuffle: true, generatorSeed: 1 });
  const curve: number[] = [fullLoss(w, b)];
  let updates = 0;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    for (const [xb, yb] of loader) {
      const loss = xb!.mul(w).add(b).sub(yb!).pow(2).mean();
      loss.backward();
      w.data.sub_(w.grad!.mul(lr)); // outside the graph, as the notes' w.data -= lr * w.grad
      b.data.sub_(b.grad!.mul(lr));
      w.grad!.zero_();
      b.grad!.zero_();
      updates++;
    }
    curve.push(fullLoss(w, b));
    onEpoch?.(epoch);
  }
  return { curve, updates, w: w.item() as number, b: b.item() as number };
}

/** The three descents from the same start; returns each one's full-data MSE per epoch (index 0 =
 *  before training), its update count and fitted w, b, and the data they were fitted on. */
export function run({ log = console.log, tick }: RunHooks = {}) {
  const runs = [
    { name: 'batch', ...descend(n, (e) => tick?.(e, 3 * epochs)) },
    { name: 'stochastic', ...descend(1, (e) => tick?.(epochs + e, 3 * epochs)) },
    { name: 'mini-batch', ...descend(10, (e) => tick?.(2 * epochs + e, 3 * epochs)) },
  ];

  log(`full-data MSE after each epoch (lr ${lr}, ${n} points)`);
  log(`epoch ${runs.map((r) => r.name.padStart(12)).join('')}`);
  for (let e = 0; e <= epochs; e += every) {
    log(`${String(e).padStart(5)} ${runs.map((r) => r.curve[e]!.toExponential(3).padStart(12)).join('')}`);
  }
  for (const r of runs) {
    log(`${r.name.padEnd(10)}: ${String(r.updates).padStart(4)} updates, w = ${r.w.toFixed(3)}, b = ${r.b.toFixed(3)}  (data made with w = 3, b = 0.8)`);
  }
  const points = Array.from(x.toTypedArray(), (xv, i) => ({ x: xv, y: y.toTypedArray()[i]! }));
  return { runs, points, epochs, lr };
}

if (isMain(import.meta.url)) run();
