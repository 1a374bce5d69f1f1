// The notes' first fit (002_*.txt, 004_*.txt): y = w·x through x = [1, 2, 3], y = [2, 4, 6], so
// w = 2. First with the hand-written cost() and gradient() (no autograd, plain JS doubles), then
// with autograd, checking that loss.backward() gives the gradient the calculus gives.
//
//   npx tsx examples/01-gradient-by-hand.ts
//
// Inside the repo this imports ../src/index.js; in your own project write
// `import * as tg from 'tensorgrad'` and nothing else changes.
import * as tg from '../src/index.js';
import { isMain, type RunHooks } from './datasets.js';

const xData = [1, 2, 3];
const yData = [2, 4, 6];
const lr = 0.01;
const epochs = 100; // the notes' schedule: 100 full-batch steps from w = 1

// cost(w) = mean((x·w − y)²); its derivative by hand: d cost / dw = mean(2·x·(x·w − y)).
const cost = (w: number) => xData.reduce((s, x, i) => s + (x * w - yData[i]!) ** 2, 0) / xData.length;
const gradient = (w: number) => xData.reduce((s, x, i) => s + 2 * x * (x * w - yData[i]!), 0) / xData.length;

// The same cost as a tensor expression; backward() fills w.grad with d cost / dw.
const x = tg.tensor(xData);
const y = tg.tensor(yData);
function autogradGradient(wValue: number): number {
  const w = tg.tensor([wValue], { requiresGrad: true });
  x.mul(w).sub(y).pow(2).mean().backward();
  return w.grad!.item() as number;
}

/** Both descents; returns the largest gradient disagreement and the two fitted w. */
export function run({ log = console.log, tick }: RunHooks = {}) {
  // 1. Compare the two gradients along the hand-written descent's own path of w values.
  let wHand = 1;
  let maxDiff = 0;
  log('epoch       w    cost(w)  gradient()   autograd');
  for (let epoch = 0; epoch < epochs; epoch++) {
    const g = gradient(wHand);
    const ga = autogradGradient(wHand);
    // Autograd runs in float32, the hand version in float64: they agree to float32 rounding.
    maxDiff = Math.max(maxDiff, Math.abs(g - ga));
    if (epoch % 20 === 0) {
      log(`${String(epoch).padStart(5)} ${wHand.toFixed(4).padStart(7)} ${cost(wHand).toFixed(6).padStart(10)} ${g.toFixed(6).padStart(11)} ${ga.toFixed(6).padStart(10)}`);
    }
    wHand -= lr * g;
    tick?.(epoch + 1, 2 * epochs);
  }
  log(`max |gradient() - autograd| over ${epochs} epochs: ${maxDiff.toExponential(2)}`);

  // 2. The same descent driven by autograd: one leaf w, the update through .data so it is not
  // recorded, and the gradient zeroed each step because backward() accumulates into .grad.
  const w = tg.tensor([1], { requiresGrad: true });
  for (let epoch = 0; epoch < epochs; epoch++) {
    const loss = x.mul(w).sub(y).pow(2).mean();
    loss.backward();
    w.data.sub_(w.grad!.mul(lr));
    w.grad!.zero_();
    tick?.(epochs + epoch + 1, 2 * epochs);
  }
  const wAuto = w.item() as number;
  log(`fitted w: by hand ${wHand.toFixed(6)}, autograd ${wAuto.toFixed(6)}  (exact: 2)`);
  log(`predict x = 4: by hand ${(4 * wHand).toFixed(4)}, autograd ${(4 * wAuto).toFixed(4)}`);
  return { maxDiff, wHand, wAuto };
}

if (isMain(import.meta.url)) {
  const { maxDiff, wHand, wAuto } = run();
  if (maxDiff > 1e-4 || Math.abs(wHand - wAuto) > 1e-4) {
    console.error('hand-written and autograd gradients disagree');
    process.exitCode = 1;
  }
}
