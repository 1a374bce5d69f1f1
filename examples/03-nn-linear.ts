// The notes' PyTorch version of the [1, 2, 3] → [2, 4, 6] fit (002_*.txt): a model class around
// nn.Linear(1, 1), MSELoss(size_average=False) — here { reduction: 'sum' } — and SGD(lr=0.01),
// then predicting x = 4 (the answer is 8).
//
//   npx tsx examples/03-nn-linear.ts
//
// Inside the repo this imports ../src/index.js; in your own project write
// `import * as tg from 'tensorgrad'` and nothing else changes.
import * as tg from '../src/index.js';
import { isMain, QUICK, type RunHooks } from './datasets.js';

const { nn, optim } = tg;

// Fields assigned in the constructor are registered like PyTorch attributes, so parameters()
// finds linear.weight and linear.bias and stateDict() names them 'linear.weight', 'linear.bias'.
class LinearModel extends nn.Module {
  linear = new nn.Linear(1, 1);
  override forward(x: tg.Tensor): tg.Tensor {
    return this.linear.forward(x);
  }
}

/** Trains the model; returns the prediction for x = 4 before and after, and the fitted w, b. */
export function run({ log = console.log, tick }: RunHooks = {}) {
  tg.manualSeed(0); // nn.Linear starts from a random weight and bias
  const xData = tg.tensor([[1], [2], [3]]); // shape [3, 1]: 3 samples of 1 feature
  const yData = tg.tensor([[2], [4], [6]]);

  const model = new LinearModel();
  const criterion = new nn.MSELoss({ reduction: 'sum' });
  const optimizer = new optim.SGD(model.parameters(), { lr: 0.01 });

  const predict = (v: number) => tg.noGrad(() => model.forward(tg.tensor([[v]])).item() as number);
  const before = predict(4);
  log(`predict (before training) 4 -> ${before.toFixed(4)}`);

  // The notes train 100 epochs, which leaves the bias still drifting; 1000 settle w = 2, b = 0.
  const epochs = QUICK ? 500 : 1000;
  for (let epoch = 0; epoch < epochs; epoch++) {
    const loss = criterion.forward(model.forward(xData), yData); // modules are not callable: .forward
    if (epoch % (epochs / 5) === 0) log(`epoch ${epoch}: loss ${(loss.item() as number).toFixed(6)}`);
    optimizer.zeroGrad();
    loss.backward();
    optimizer.step();
    tick?.(epoch + 1, epochs);
  }

  log(`w = ${(model.linear.weight.item() as number).toFixed(4)}, b = ${(model.linear.bias!.item() as number).toFixed(4)}`);
  const y4 = predict(4);
  log(`predict (after training) 4 -> ${y4.toFixed(4)}`);
  return { before, w: model.linear.weight.item() as number, b: model.linear.bias!.item() as number, y4 };
}

if (isMain(import.meta.url) && Math.abs(run().y4 - 8) > 0.1) {
  console.error('prediction for x = 4 is not close to 8');
  process.exitCode = 1;
}
