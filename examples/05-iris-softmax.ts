// Softmax regression on Fisher's iris (150 flowers, 4 measurements, 3 species): one
// nn.Linear(4, 3) producing logits and CrossEntropyLoss (log-softmax + negative log-likelihood,
// the notes' 001_*.txt), trained full-batch with SGD + momentum on a 120/30 train/test split.
//
//   npx tsx examples/05-iris-softmax.ts
//
// Inside the repo this imports ../src/index.js; in your own project write
// `import * as tg from 'tensorgrad'` and nothing else changes.
import * as tg from '../src/index.js';
import { iris, isMain, QUICK, standardize, type RunHooks } from './datasets.js';

const { nn, optim } = tg;
/** Trains the softmax regression; returns train/test accuracy and per-step loss and accuracies. */
export function run({ log = console.log, tick }: RunHooks = {}) {
  tg.manualSeed(0); // the split and the initial weights

  // A random 120/30 split (the file is sorted by species, so the split must be shuffled).
  const all = iris();
  const perm = Array.from(tg.randperm(all.x.length).toTypedArray());
  const trainIdx = perm.slice(0, 120), testIdx = perm.slice(120);
  const pick = <T>(a: T[], idx: number[]) => idx.map((i) => a[i]!);
  // Scaled with the training rows' mean and std only, so the test rows stay unseen.
  const [xTrainRows, xTestRows] = standardize(pick(all.x, trainIdx), pick(all.x, trainIdx), pick(all.x, testIdx)) as [number[][], number[][]];
  const xTrain = tg.tensor(xTrainRows), xTest = tg.tensor(xTestRows);
  // Class indices are 'int32' (PyTorch uses int64 / torch.long).
  const yTrain = tg.tensor(Int32Array.from(pick(all.y, trainIdx)));
  const yTest = tg.tensor(Int32Array.from(pick(all.y, testIdx)));

  const model = new nn.Linear(4, 3);
  const lossFn = new nn.CrossEntropyLoss(); // takes raw logits: no softmax layer in the model
  const opt = new optim.SGD(model.parameters(), { lr: 0.5, momentum: 0.9 });

  const accuracy = (x: tg.Tensor, y: tg.Tensor) =>
    tg.noGrad(() => model.forward(x).argmax(1).eq(y).to('float32').mean().item() as number);

  const steps = QUICK ? 150 : 300;
  const curve: { epoch: number; loss: number; trainAcc: number; testAcc: number }[] = [];
  for (let i = 0; i < steps; i++) {
    opt.zeroGrad();
    const loss = lossFn.forward(model.forward(xTrain), yTrain);
    loss.backward();
    opt.step();
    // Per-step figures for the demo's training curves (full batch: one step is one epoch).
    curve.push({ epoch: i + 1, loss: loss.item() as number, trainAcc: accuracy(xTrain, yTrain), testAcc: accuracy(xTest, yTest) });
    tick?.(i + 1, steps);
    if (i % (steps / 5) === 0) log(`step ${i}: loss ${(loss.item() as number).toFixed(4)}`);
  }

  // Class probabilities for the first test flower: softmax turns logits into a distribution.
  const probs = tg.noGrad(() => model.forward(xTest.narrow(0, 0, 1)).softmax(1)).toArray() as number[][];
  log(`first test flower: P(setosa, versicolor, virginica) = ${probs[0]!.map((p) => p.toFixed(3)).join(', ')}, label ${yTest.toTypedArray()[0]}`);
  const trainAcc = accuracy(xTrain, yTrain), testAcc = accuracy(xTest, yTest);
  log(`train accuracy ${(trainAcc * 100).toFixed(1)}%, test accuracy ${(testAcc * 100).toFixed(1)}%`);
  return { trainAcc, testAcc, curve };
}

if (isMain(import.meta.url)) {
  const { trainAcc, testAcc } = run();
  if (trainAcc < 0.9 || testAcc < 0.9) process.exitCode = 1;
}
