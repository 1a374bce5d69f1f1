// The notes' y = 3x + 0.8 fit (50 points from U[0, 1), lr 0.01, plain gradient descent) with the
// gradient written out by hand next to the one autograd computes, checked at every step.
import * as tg from '../../src/index.js';
import type { RunHooks } from '../datasets.js';

/** Descends on w, b with the hand-written gradient; returns the largest difference from
 *  autograd's gradient along the way and the fitted w, b. */
export function run({ tick }: RunHooks = {}) {
  tg.manualSeed(0); // the same x, w and b as examples/linear-regression.ts
  const x = tg.rand([50]);
  const y = x.mul(3).add(0.8);
  const xs = Array.from(x.toTypedArray());
  const ys = Array.from(y.toTypedArray());
  let w = tg.rand([1]).item() as number;
  let b = tg.rand([1]).item() as number;
  const lr = 0.01;
  const steps = 3000; // the notes' schedule; about 0.3 s, so EXAMPLES_QUICK leaves it as is
  let maxDiff = 0;
  for (let i = 0; i < steps; i++) {
    // loss = mean((w·x + b − y)²)  ⇒  dL/dw = mean(2·x·(w·x + b − y)),  dL/db = mean(2·(w·x + b − y))
    let gw = 0, gb = 0;
    for (let k = 0; k < xs.length; k++) {
      const r = w * xs[k]! + b - ys[k]!;
      gw += (2 * xs[k]! * r) / xs.length;
      gb += (2 * r) / xs.length;
    }
    const wt = tg.tensor([w], { requiresGrad: true });
    const bt = tg.tensor([b], { requiresGrad: true });
    x.mul(wt).add(bt).sub(y).pow(2).mean().backward();
    // Autograd works in float32 and the hand version in float64: they agree to float32 rounding.
    maxDiff = Math.max(maxDiff, Math.abs(gw - (wt.grad!.item() as number)), Math.abs(gb - (bt.grad!.item() as number)));
    w -= lr * gw;
    b -= lr * gb;
    tick?.(i + 1, steps);
  }
  return { maxDiff, w, b, steps };
}
