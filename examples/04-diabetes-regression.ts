// Multi-feature linear regression on the diabetes data (442 patients, 10 features, target:
// disease progression after a year): nn.Linear(10, 1) trained with Adam, compared with the exact
// least-squares fit from the normal equations (float64, plain JS). Training has reached the
// optimum when its R² matches the closed form's (≈ 0.518: a linear model explains about half).
//
//   npx tsx examples/04-diabetes-regression.ts
//
// Inside the repo this imports ../src/index.js; in your own project write
// `import * as tg from 'tensorgrad'` and nothing else changes.
import * as tg from '../src/index.js';
import { diabetes, isMain, QUICK, standardize, type RunHooks } from './datasets.js';
import { closedFormFit, r2 } from './least-squares.js';

const { nn, optim } = tg;
const raw = diabetes();
// Features on a common scale, so one learning rate suits every weight.
const [xs] = standardize(raw.x, raw.x) as [number[][]];
const ys = raw.y;

// The target is standardized for training too (targets in the hundreds would need a tiny lr);
// predictions are mapped back before R², which does not depend on the scale anyway.
const yMean = ys.reduce((a, b) => a + b, 0) / ys.length;
const ySd = Math.sqrt(ys.reduce((s, v) => s + (v - yMean) ** 2, 0) / ys.length);
const x = tg.tensor(xs); // [442, 10]
const y = tg.tensor(ys.map((v) => [(v - yMean) / ySd])); // [442, 1], the shape the model outputs

/** Trains nn.Linear(10, 1); returns its R² and the closed-form least-squares R². */
export function run({ log = console.log, tick }: RunHooks = {}) {
  tg.manualSeed(1);
  const model = new nn.Linear(10, 1);
  const lossFn = new nn.MSELoss();
  const opt = new optim.Adam(model.parameters(), { lr: 0.05 });
  // Decaying the lr lets Adam settle on the optimum instead of hovering around it.
  const steps = QUICK ? 600 : 1200;
  const sched = new optim.lrScheduler.StepLR(opt, steps / 4, { gamma: 0.3 });
  for (let i = 0; i < steps; i++) {
    opt.zeroGrad();
    const loss = lossFn.forward(model.forward(x), y);
    loss.backward();
    opt.step();
    sched.step();
    tick?.(i + 1, steps);
    if (i % (steps / 4) === 0) log(`step ${i}: MSE (standardized target) ${(loss.item() as number).toFixed(5)}`);
  }

  const pred = Array.from(tg.noGrad(() => model.forward(x)).toTypedArray(), (v) => v * ySd + yMean);
  const r2Trained = r2(ys, pred);
  const r2Closed = r2(ys, closedFormFit(xs, ys));
  log(`trained R² ${r2Trained.toFixed(4)}, closed-form R² ${r2Closed.toFixed(4)}`);
  return { r2Trained, r2Closed };
}

if (isMain(import.meta.url)) {
  const { r2Trained, r2Closed } = run();
  if (Math.abs(r2Trained - r2Closed) > 0.01) {
    console.error('training did not reach the least-squares optimum');
    process.exitCode = 1;
  }
}
