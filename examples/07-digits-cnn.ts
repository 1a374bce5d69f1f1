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
export class Net extends nn.Module {
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

/** All 1797 digits as images [N, 1, 8, 8] (pixels 0–16 scaled to 0–1, then normalized with
 *  their mean and std, as the original does) and int32 labels [N]. */
export function digitImages(): { x: tg.Tensor; y: tg.Tensor } {
  const all = digits();
  const pixels = tg.tensor(all.x.map((r) => r.map((v) => v / 16)));
  const x = pixels.sub(pixels.mean()).div(pixels.std()).reshape(-1, 1, 8, 8);
  return { x, y: tg.tensor(Int32Array.from(all.y)) };
}

/** One optimizer step on a batch (images [B, 1, 8, 8], labels [B]); returns the batch's loss. */
export function trainStep(model: Net, opt: tg.optim.Optimizer<{ lr: number }>, xb: tg.Tensor, yb: tg.Tensor): number {
  opt.zeroGrad();
  const loss = F.nllLoss(model.forward(xb), yb);
  loss.backward();
  opt.step();
  return loss.item();
}

/** The example's optimizer and schedule: Adadelta(lr 1.0), the lr times 0.7 after every epoch. */
export function optimizerFor(model: Net) {
  const opt = new optim.Adadelta(model.parameters(), { lr: 1.0 });
  return { opt, scheduler: new optim.lrScheduler.StepLR(opt, 1, { gamma: 0.7 }) };
}

/** Trains the CNN; returns train/test accuracy and the per-epoch loss and accuracies. */
export function run({ log = console.log, tick }: RunHooks = {}) {
  const t0 = performance.now();
  tg.manualSeed(1);
  const { x, y } = digitImages();
  const ds = new data.TensorDataset(x, y);
  const [train, test] = data.randomSplit(ds, [0.8, 0.2]) as [tg.data.Subset, tg.data.Subset];
  const rowsOf = (s: tg.data.Subset) => ds.getBatch(tg.tensor(Int32Array.from(s.indices)));
  const [xTrain, yTrain] = rowsOf(train) as [tg.Tensor, tg.Tensor];
  const [xTest, yTest] = rowsOf(test) as [tg.Tensor, tg.Tensor];

  const model = new Net();
  const { opt, scheduler } = optimizerFor(model);
  const loader = new data.DataLoader(train, { batchSize: 64, shuffle: true });
  const accuracy = (xs: tg.Tensor, ys: tg.Tensor) => {
    model.eval();
    return tg.noGrad(() => model.forward(xs).argmax(1).eq(ys).to('float32').mean().item());
  };

  const epochs = QUICK ? 4 : 8;
  const curve: { epoch: number; loss: number; trainAcc: number; testAcc: number }[] = [];
  for (let epoch = 1; epoch <= epochs; epoch++) {
    model.train();
    let sum = 0, batches = 0;
    for (const [xb, yb] of loader) {
      sum += trainStep(model, opt, xb!, yb!);
      batches++;
      tick?.((epoch - 1) * loader.length + batches, epochs * loader.length);
    }
    scheduler.step();
    const testAcc = accuracy(xTest, yTest);
    curve.push({ epoch, loss: sum / batches, trainAcc: accuracy(xTrain, yTrain), testAcc });
    log(`epoch ${epoch}: mean batch loss ${(sum / batches).toFixed(4)}, test accuracy ${(testAcc * 100).toFixed(1)}%`);
  }
  const trainAcc = accuracy(xTrain, yTrain), testAcc = accuracy(xTest, yTest);
  log(`train accuracy ${(trainAcc * 100).toFixed(1)}%, test accuracy ${(testAcc * 100).toFixed(1)}% (${train.length} / ${test.length} images, ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  return { trainAcc, testAcc, curve };
}

if (isMain(import.meta.url) && run().testAcc < 0.9) process.exitCode = 1;
