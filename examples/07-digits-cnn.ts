// pytorch/examples' MNIST network on the 8×8 handwritten digits (1797 images): two Conv2d
// (3×3) with ReLU, max pooling, Dropout, two Linear layers, log-softmax and NLL loss, trained
// with Adadelta and StepLR as that example does; accuracy on a held-out 20%.
//
//   npx tsx examples/07-digits-cnn.ts
//
// The images are 8×8 rather than 28×28, so after conv(3) → conv(3) → pool(2) a feature map is
// 2×2 and the first Linear takes 64·2·2 inputs (9216 in the original). Inside the repo this
// imports ../src/index.js; in your own project write `import * as tg from 'tensorgrad'`.
import * as tg from '../src/index.js';
import { digits, isMain, QUICK, type RunHooks } from './datasets.js';

const { nn, optim, data, F } = tg;

/** The network of pytorch/examples/mnist, sized for 8×8 inputs. */
class Net extends nn.Module {
  conv1 = new nn.Conv2d(1, 32, 3);
  conv2 = new nn.Conv2d(32, 64, 3);
  dropout1 = new nn.Dropout(0.25);
  dropout2 = new nn.Dropout(0.5);
  fc1 = new nn.Linear(64 * 2 * 2, 128);
  fc2 = new nn.Linear(128, 10);

  override forward(x: tg.Tensor): tg.Tensor {
    let h = this.conv2.forward(this.conv1.forward(x).relu()).relu();
    h = this.dropout1.forward(F.maxPool2d(h, 2)).flatten(1);
    h = this.dropout2.forward(this.fc1.forward(h).relu());
    return this.fc2.forward(h).logSoftmax(1);
  }
}

/** Trains the CNN; returns train/test accuracy and the per-epoch loss. */
export function run({ log = console.log }: RunHooks = {}) {
  const t0 = performance.now();
  tg.manualSeed(1);
  const all = digits();
  // [N, 1, 8, 8], pixels 0–16 scaled to 0–1 and normalized as the original does (mean, std).
  const pixels = tg.tensor(all.x.map((r) => r.map((v) => v / 16)));
  const x = pixels.sub(pixels.mean()).div(pixels.std()).reshape(-1, 1, 8, 8);
  const y = tg.tensor(Int32Array.from(all.y));
  const ds = new data.TensorDataset(x, y);
  const [train, test] = data.randomSplit(ds, [0.8, 0.2]) as [tg.data.Subset, tg.data.Subset];
  const rowsOf = (s: tg.data.Subset) => ds.getBatch(tg.tensor(Int32Array.from(s.indices)));
  const [xTrain, yTrain] = rowsOf(train) as [tg.Tensor, tg.Tensor];
  const [xTest, yTest] = rowsOf(test) as [tg.Tensor, tg.Tensor];

  const model = new Net();
  const opt = new optim.Adadelta(model.parameters(), { lr: 1.0 });
  const scheduler = new optim.lrScheduler.StepLR(opt, 1, { gamma: 0.7 });
  const loader = new data.DataLoader(train, { batchSize: 64, shuffle: true });
  const accuracy = (xs: tg.Tensor, ys: tg.Tensor) => {
    model.eval();
    return tg.noGrad(() => model.forward(xs).argmax(1).eq(ys).to('float32').mean().item());
  };

  const epochs = QUICK ? 4 : 8;
  const curve: { epoch: number; loss: number; testAcc: number }[] = [];
  for (let epoch = 1; epoch <= epochs; epoch++) {
    model.train();
    let sum = 0, batches = 0;
    for (const [xb, yb] of loader) {
      opt.zeroGrad();
      const loss = F.nllLoss(model.forward(xb!), yb!);
      loss.backward();
      opt.step();
      sum += loss.item();
      batches++;
    }
    scheduler.step();
    const testAcc = accuracy(xTest, yTest);
    curve.push({ epoch, loss: sum / batches, testAcc });
    log(`epoch ${epoch}: mean batch loss ${(sum / batches).toFixed(4)}, test accuracy ${(testAcc * 100).toFixed(1)}%`);
  }
  const trainAcc = accuracy(xTrain, yTrain), testAcc = accuracy(xTest, yTest);
  log(`train accuracy ${(trainAcc * 100).toFixed(1)}%, test accuracy ${(testAcc * 100).toFixed(1)}% (${train.length} / ${test.length} images, ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  return { trainAcc, testAcc, curve };
}

if (isMain(import.meta.url) && run().testAcc < 0.9) process.exitCode = 1;
