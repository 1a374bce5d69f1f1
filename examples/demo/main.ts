// `npm run demo`: the examples in one walk-through, from the notes' first fit to an MLP and a CNN
// on real digits and a small GPT on Genesis, with a progress bar per training loop and the figures
// written to one folder.
//
//   npm run demo                      (figures in ./demo-output/)
//   DEMO_OUT=/tmp/figs npm run demo   (elsewhere)
//   EXAMPLES_QUICK=1 npm run demo     (shorter training, as the test runs it)
//
// Each section calls an example's run(), so the numbers are the ones `npx tsx examples/<name>.ts`
// prints; only the y = 3x + 0.8 gradient check lives here (gradient-check.ts).
import { mkdirSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import * as tg from '../../src/index.js';
import { run as runNnLinear } from '../03-nn-linear.js';
import { run as runDescent } from '../02-descent-variants.js';
import { run as runDiabetes } from '../04-diabetes-regression.js';
import { run as runIris } from '../05-iris-softmax.js';
import { run as runDigits } from '../06-digits-mlp.js';
import { run as runCnn } from '../07-digits-cnn.js';
import { run as runGpt } from '../08-char-gpt.js';
import { confusionMatrix, descentLoss, fittedLine, stepLoss, trainingCurves } from './charts.js';
import { run as runGradientCheck } from './gradient-check.js';
import { withProgress } from './progress.js';
import { render } from './render.js';

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
const failures: string[] = [];
/** Records a failed sanity check; the demo still finishes, then exits with 1. */
const check = (ok: boolean, what: string) => { if (!ok) failures.push(what); };

async function main() {
  const t0 = performance.now();
  const outDir = resolve(process.env.DEMO_OUT ?? 'demo-output');
  mkdirSync(outDir, { recursive: true });
  console.log(`tensorgrad demo (${tg.backendInfo().simd} kernels, ${tg.getNumThreads()} threads)\n`);

  console.log('1. y = 3x + 0.8: the hand-written gradient next to autograd\'s');
  const g = withProgress('hand vs autograd', runGradientCheck);
  console.log(`   max |hand - autograd| over ${g.steps} steps: ${g.maxDiff.toExponential(2)}; fitted w = ${g.w.toFixed(3)}, b = ${g.b.toFixed(3)}`);
  check(g.maxDiff < 1e-4, 'hand-written and autograd gradients disagree');
  const d = withProgress('batch / stochastic / mini', runDescent);
  for (const r of d.runs) {
    console.log(`   ${r.name.padEnd(10)} ${String(r.updates).padStart(5)} updates: MSE ${r.curve.at(-1)!.toExponential(2)}, w = ${r.w.toFixed(3)}, b = ${r.b.toFixed(3)}`);
  }

  console.log('\n2. nn.Linear(1, 1) + MSELoss(sum) + SGD on x = [1, 2, 3], y = [2, 4, 6]');
  const lin = withProgress('nn.Linear', runNnLinear);
  console.log(`   predict x = 4: ${lin.before.toFixed(3)} before training, ${lin.y4.toFixed(3)} after (exact: 8)`);
  check(Math.abs(lin.y4 - 8) < 0.1, 'nn.Linear prediction for x = 4 is not close to 8');

  console.log('\n3. Diabetes: linear regression trained with Adam vs the closed form');
  const dia = withProgress('diabetes', runDiabetes);
  console.log(`   R²: trained ${dia.r2Trained.toFixed(4)}, closed form ${dia.r2Closed.toFixed(4)}`);
  check(Math.abs(dia.r2Trained - dia.r2Closed) < 0.01, 'diabetes training did not reach the closed-form R²');

  console.log('\n4. Classification: iris softmax regression, digits MLP');
  const iris = withProgress('iris', runIris);
  console.log(`   iris:   train accuracy ${pct(iris.trainAcc)}, test accuracy ${pct(iris.testAcc)}`);
  const dig = withProgress('digits', runDigits);
  console.log(`   digits: train accuracy ${pct(dig.trainAcc)}, test accuracy ${pct(dig.testAcc)}`);
  check(iris.testAcc >= 0.9 && dig.testAcc >= 0.9, 'a classifier is below 90% test accuracy');

  console.log('\n5. Beyond the MLP: pytorch/examples\' MNIST CNN on the digits, a character-level GPT on Genesis 1–11');
  const cnn = withProgress('digits CNN', runCnn);
  console.log(`   CNN (Conv2d ×2, maxPool2d, Dropout, Adadelta + StepLR): train accuracy ${pct(cnn.trainAcc)}, test accuracy ${pct(cnn.testAcc)}`);
  check(cnn.testAcc >= 0.9, 'the digits CNN is below 90% test accuracy');
  const gpt = withProgress('char GPT', runGpt);
  console.log(`   GPT (2 pre-LN blocks, causal attention, tied embedding, AdamW + cosine): loss ${gpt.first.toFixed(3)} -> ${gpt.last.toFixed(3)} in ${gpt.losses.length} steps`);
  console.log(`   sample: ${JSON.stringify(gpt.sample)}`);
  check(gpt.first - gpt.last > 1.2, 'the GPT loss fell by less than 1.2 nats');

  const files = [
    ...(await render(fittedLine(d.points, d.runs), outDir, 'fitted-line')),
    ...(await render(descentLoss(d.runs), outDir, 'descent-loss')),
    ...(await render(trainingCurves('Iris softmax regression (full batch: one step = one epoch)', iris.curve, 'epoch'), outDir, 'iris-training')),
    ...(await render(trainingCurves('Digits MLP 64-64-10', dig.curve, 'epoch'), outDir, 'digits-training')),
    ...(await render(confusionMatrix(dig.actual, dig.predicted), outDir, 'digits-confusion')),
    ...(await render(trainingCurves('Digits CNN (pytorch/examples\' MNIST net), Adadelta + StepLR', cnn.curve, 'epoch'), outDir, 'cnn-training')),
    ...(await render(stepLoss(`Character GPT on Genesis 1–11: training loss per step (${gpt.losses.length} steps)`, gpt.losses, gpt.vocab), outDir, 'gpt-loss')),
  ];

  console.log(`\nSummary (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  console.log(`   gradients: hand-written and autograd agree to ${g.maxDiff.toExponential(1)}`);
  console.log(`   nn.Linear predicts ${lin.y4.toFixed(2)} for x = 4; diabetes R² ${dia.r2Trained.toFixed(3)} (closed form ${dia.r2Closed.toFixed(3)})`);
  console.log(`   test accuracy: iris ${pct(iris.testAcc)}, digits ${pct(dig.testAcc)}, digits CNN ${pct(cnn.testAcc)}`);
  console.log(`   char GPT: loss ${gpt.first.toFixed(3)} -> ${gpt.last.toFixed(3)}`);
  console.log(`   ${files.length} figures in ${outDir}: ${files.map((f) => relative(outDir, f)).join(', ')}`);
  for (const f of failures) console.error(`FAILED: ${f}`);
  if (failures.length > 0) process.exitCode = 1;
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
