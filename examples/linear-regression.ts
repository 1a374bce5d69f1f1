// The linear regression from the notes (000_*.txt) through the public API: fit y = 3x + 0.8 on
// 50 points drawn from U[0, 1) with plain gradient descent, lr 0.01, 3000 steps, updating the
// parameters through `.data` so the update is not recorded, exactly as the notes do in PyTorch.
//
//   npm run demo            (= tsx examples/linear-regression.ts; runs the sources, no build)
//
// Inside the repo this imports ../src/index.js; a user of the package writes
// `import * as tg from 'tensorgrad'` and nothing else changes.
import * as tg from '../src/index.js';

// Same seed → same x, w and b on every run, so the printed losses can be compared across runs.
// With seed 0, the notes' lr 0.01 and 3000 steps land within ±0.02 of w = 3, b = 0.8. That is
// not true of every seed: the slow direction of this problem is set by the spread of the 50 x
// values, and over seeds 0..29 seven end 0.05–0.09 short on w after 3000 steps (PyTorch, same
// loop, seed 0: w = 2.96, b = 0.82). The problem is kept as the notes state it.
tg.manualSeed(0);

// Step 1: data y = 3x + 0.8, and the parameters, randomly initialised as in the notes.
const x = tg.rand([50]);
const y = x.mul(3).add(0.8);
const w = tg.rand([1], { requiresGrad: true });
const b = tg.rand([1], { requiresGrad: true });

const lr = 0.01;
const steps = 3000;

const t0 = process.hrtime.bigint();
for (let i = 0; i < steps; i++) {
  // Step 2: prediction. Step 3: MSE loss; zero the grads before backward, since they accumulate.
  const yPredict = x.mul(w).add(b);
  const loss = yPredict.sub(y).pow(2).mean();
  w.grad?.zero_();
  b.grad?.zero_();
  loss.backward();
  // Step 4: gradient step through .data, which shares storage but is not tracked by autograd.
  w.data.sub_(w.grad!.mul(lr));
  b.data.sub_(b.grad!.mul(lr));
  if (i % 500 === 0) console.log(i, (loss.item() as number).toFixed(6));
}
const elapsedNs = Number(process.hrtime.bigint() - t0);

const wFit = w.item() as number;
const bFit = b.item() as number;
console.log(`w = ${wFit.toFixed(2)}, b = ${bFit.toFixed(2)}   (true: w = 3.00, b = 0.80)`);
// Includes the six console.log calls, JIT warm-up, and tsx running src/ file by file (about 2x
// slower per op than the bundled package); `npm run bench` times the bundled step alone.
console.log(`${(elapsedNs / steps / 1000).toFixed(1)} µs per step (${steps} steps, ${tg.getNumThreads()} threads)`);

// The demo doubles as a smoke check of the whole stack (creation, autograd, in-place updates):
// a wrong gradient anywhere shows up as a fit that is off.
if (Math.abs(wFit - 3) > 0.05 || Math.abs(bFit - 0.8) > 0.05) {
  console.error('did not converge to w = 3.00 ± 0.05, b = 0.80 ± 0.05');
  process.exitCode = 1;
}
