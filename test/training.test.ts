// End-to-end training on real data with nn + optim + data:
//   iris     softmax regression (Linear(4, 3) + cross-entropy) on standardized features: >= 95% training accuracy
//   digits   MLP 64-64-10 (ReLU), pixels / 16, 80/20 randomSplit under a fixed seed: >= 95% test accuracy
//   diabetes linear regression on the 10 standardized features: training R² within 0.01 of the
//            closed-form least-squares R² (normal equations solved here in float64)
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import * as tg from '../src/index.js';
import { closedFormFit, r2 } from '../examples/least-squares.js';

const { nn, optim, data } = tg;

function readText(name: string): string {
  const buf = readFileSync(fileURLToPath(new URL(`./data/${name}`, import.meta.url)));
  return (name.endsWith('.gz') ? gunzipSync(buf) : buf).toString('utf8');
}

function rows(text: string, sep: RegExp): number[][] {
  return text.trim().split('\n').map((l) => l.trim().split(sep).map(Number));
}

/** Columns scaled to mean 0 and (population) std 1, in float64. */
function standardize(x: number[][]): number[][] {
  const d = x[0]!.length, n = x.length;
  const mean = Array.from({ length: d }, (_, j) => x.reduce((s, r) => s + r[j]!, 0) / n);
  const sd = Array.from({ length: d }, (_, j) => Math.sqrt(x.reduce((s, r) => s + (r[j]! - mean[j]!) ** 2, 0) / n));
  return x.map((r) => r.map((v, j) => (v - mean[j]!) / sd[j]!));
}

const labels = (ys: number[]) => tg.tensor(Int32Array.from(ys));

function accuracy(model: tg.nn.Module, x: tg.Tensor, y: tg.Tensor): number {
  return tg.noGrad(() => (model.forward(x).argmax(1).eq(y).to('float32').mean().item() as number));
}

describe('training on real data', () => {
  it('iris: softmax regression reaches >= 95% training accuracy', () => {
    const all = rows(readText('iris.csv'), /,/).slice(1);
    const x = tg.tensor(standardize(all.map((r) => r.slice(0, 4))));
    const y = labels(all.map((r) => r[4]!));
    tg.manualSeed(0);
    const model = new nn.Linear(4, 3);
    const lossFn = new nn.CrossEntropyLoss();
    const opt = new optim.SGD(model.parameters(), { lr: 0.5, momentum: 0.9 });
    let loss = 0;
    for (let i = 0; i < 300; i++) {
      opt.zeroGrad();
      const l = lossFn.forward(model.forward(x), y);
      l.backward();
      opt.step();
      loss = l.item() as number;
    }
    const acc = accuracy(model, x, y);
    console.log(`iris: training accuracy ${(acc * 100).toFixed(1)}%, final loss ${loss.toFixed(4)}`);
    expect(acc).toBeGreaterThanOrEqual(0.95);
  });

  it('digits: MLP 64-64-10 reaches >= 95% test accuracy on an 80/20 split', () => {
    const t0 = performance.now();
    const all = rows(readText('digits.csv.gz'), /,/);
    const x = tg.tensor(all.map((r) => r.slice(0, 64).map((v) => v / 16)));
    const y = labels(all.map((r) => r[64]!));
    tg.manualSeed(42);
    const ds = new data.TensorDataset(x, y);
    const [train, test] = data.randomSplit(ds, [0.8, 0.2]);
    expect([train!.length, test!.length]).toEqual([1438, 359]);
    const gather = (s: tg.data.Subset) => ds.getBatch(tg.tensor(Int32Array.from(s.indices)));
    const [xTrain, yTrain] = gather(train!), [xTest, yTest] = gather(test!);
    const model = new nn.Sequential(new nn.Linear(64, 64), new nn.ReLU(), new nn.Linear(64, 10));
    const lossFn = new nn.CrossEntropyLoss();
    const opt = new optim.Adam(model.parameters(), { lr: 3e-3 });
    // The loader batches the Subset straight from the TensorDataset (indexSelect fast path).
    const loader = new data.DataLoader(train!, { batchSize: 32, shuffle: true });
    for (let epoch = 0; epoch < 15; epoch++) {
      model.train();
      for (const [xb, yb] of loader) {
        opt.zeroGrad();
        lossFn.forward(model.forward(xb!), yb!).backward();
        opt.step();
      }
    }
    model.eval();
    const acc = accuracy(model, xTest!, yTest!);
    const secs = (performance.now() - t0) / 1000;
    console.log(`digits: test accuracy ${(acc * 100).toFixed(1)}% (train ${(accuracy(model, xTrain!, yTrain!) * 100).toFixed(1)}%), ${secs.toFixed(2)} s`);
    expect(acc).toBeGreaterThanOrEqual(0.95);
  });

  it('diabetes: linear regression reaches the closed-form R² (within 0.01)', () => {
    const xs = standardize(rows(readText('diabetes_data_raw.csv.gz'), /\s+/));
    const ys = rows(readText('diabetes_target.csv.gz'), /\s+/).map((r) => r[0]!);
    expect([xs.length, xs[0]!.length, ys.length]).toEqual([442, 10, 442]);
    const r2Closed = r2(ys, closedFormFit(xs, ys));

    // Targets standardized for training (the fit is equivalent; R² is scale-free).
    const yMean = ys.reduce((a, b) => a + b, 0) / ys.length;
    const ySd = Math.sqrt(ys.reduce((s, v) => s + (v - yMean) ** 2, 0) / ys.length);
    const x = tg.tensor(xs);
    const y = tg.tensor(ys.map((v) => [(v - yMean) / ySd]));
    tg.manualSeed(1);
    const model = new nn.Linear(10, 1);
    const lossFn = new nn.MSELoss();
    const opt = new optim.Adam(model.parameters(), { lr: 0.05 });
    const sched = new optim.lrScheduler.StepLR(opt, 300, { gamma: 0.3 });
    for (let i = 0; i < 1200; i++) {
      opt.zeroGrad();
      lossFn.forward(model.forward(x), y).backward();
      opt.step();
      sched.step();
    }
    const pred = Array.from(tg.noGrad(() => model.forward(x)).toTypedArray() as Float32Array, (v) => v * ySd + yMean);
    const r2Trained = r2(ys, pred);
    console.log(`diabetes: trained R² ${r2Trained.toFixed(4)}, closed-form R² ${r2Closed.toFixed(4)}`);
    expect(r2Closed).toBeGreaterThan(0.5);
    expect(r2Closed).toBeLessThan(0.53);
    expect(Math.abs(r2Trained - r2Closed)).toBeLessThan(0.01);
  });
});
