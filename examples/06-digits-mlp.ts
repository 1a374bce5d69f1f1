// A small MLP (64-64-10, ReLU) on 8×8 handwritten digits (1797 images): nn.Sequential, Adam,
// mini-batches from a shuffling DataLoader, an 80/20 split with data.randomSplit, and accuracy
// on the held-out 20%.
//
//   npx tsx examples/06-digits-mlp.ts
//
// Inside the repo this imports ../src/index.js; in your own project write
// `import * as tg from 'tensorgrad'` and nothing else changes.
import * as tg from '../src/index.js';
import { digits, isMain, QUICK, type RunHooks } from './datasets.js';

const { nn, optim, data } = tg;
/** Trains the MLP; returns train/test accuracy, per-epoch loss and accuracies, and the test
 *  set's predicted and true labels. */
export function run({ log = console.log, tick }: RunHooks = {}) {
  const t0 = performance.now();
  tg.manualSeed(42); // the split, the initial weights and the shuffles

  const all = digits();
  const x = tg.tensor(all.x.map((r) => r.map((v) => v / 16))); // pixels 0–16 → 0–1
  const y = tg.tensor(Int32Array.from(all.y)); // class indices as 'int32'
  const ds = new data.TensorDataset(x, y);
  const [train, test] = data.randomSplit(ds, [0.8, 0.2]) as [tg.data.Subset, tg.data.Subset];
  // Whole splits as two tensors each, for measuring accuracy in one forward pass.
  const rowsOf = (s: tg.data.Subset) => ds.getBatch(tg.tensor(Int32Array.from(s.indices)));
  const [xTrain, yTrain] = rowsOf(train) as [tg.Tensor, tg.Tensor];
  const [xTest, yTest] = rowsOf(test) as [tg.Tensor, tg.Tensor];

  const model = new nn.Sequential(new nn.Linear(64, 64), new nn.ReLU(), new nn.Linear(64, 10));
  const lossFn = new nn.CrossEntropyLoss();
  const opt = new optim.Adam(model.parameters(), { lr: 3e-3 });
  const loader = new data.DataLoader(train, { batchSize: 32, shuffle: true });

  const accuracy = (xs: tg.Tensor, ys: tg.Tensor) =>
    tg.noGrad(() => model.forward(xs).argmax(1).eq(ys).to('float32').mean().item() as number);

  const epochs = QUICK ? 6 : 15;
  const curve: { epoch: number; loss: number; trainAcc: number; testAcc: number }[] = [];
  for (let epoch = 1; epoch <= epochs; epoch++) {
    model.train(); // no Dropout here, but the habit matters once there is
    let sum = 0, batches = 0;
    for (const [xb, yb] of loader) {
      opt.zeroGrad();
      const loss = lossFn.forward(model.forward(xb!), yb!);
      loss.backward();
      opt.step();
      sum += loss.item() as number;
      batches++;
      tick?.((epoch - 1) * loader.length + batches, epochs * loader.length);
    }
    model.eval();
    curve.push({ epoch, loss: sum / batches, trainAcc: accuracy(xTrain, yTrain), testAcc: accuracy(xTest, yTest) });
    if (epoch % 3 === 0 || epoch === epochs) {
      log(`epoch ${epoch}: mean batch loss ${(sum / batches).toFixed(4)}, test accuracy ${(accuracy(xTest, yTest) * 100).toFixed(1)}%`);
    }
  }

  const trainAcc = accuracy(xTrain, yTrain), testAcc = accuracy(xTest, yTest);
  log(`train accuracy ${(trainAcc * 100).toFixed(1)}%, test accuracy ${(testAcc * 100).toFixed(1)}% (${train.length} / ${test.length} images, ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  // Predicted and true class of every test image, for the demo's confusion matrix.
  const predicted = Array.from(tg.noGrad(() => model.forward(xTest).argmax(1)).toTypedArray(), Number);
  const actual = Array.from(yTest.toTypedArray(), Number);
  return { trainAcc, testAcc, curve, predicted, actual };
}

if (isMain(import.meta.url) && run().testAcc < 0.9) process.exitCode = 1;
