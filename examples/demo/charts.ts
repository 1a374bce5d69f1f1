// The demo's figures as Vega-Lite specs: plain data in, a spec out; render.ts draws them.
import type { TopLevelSpec } from 'vega-lite';

type Run = { name: string; curve: number[]; w: number; b: number };
type Epoch = { epoch: number; loss: number; trainAcc: number; testAcc: number };

/** The noisy y = 3x + 0.8 points and the line each descent variant fitted to them. */
export function fittedLine(points: { x: number; y: number }[], runs: Run[]): TopLevelSpec {
  const lines = runs.flatMap((r) => [0, 1].map((x) => ({ x, y: r.w * x + r.b, fit: `${r.name}: y = ${r.w.toFixed(2)}x + ${r.b.toFixed(2)}` })));
  return {
    title: 'y = 3x + 0.8 + noise: the data and the fitted lines',
    width: 420, height: 300,
    layer: [
      { data: { values: points }, mark: { type: 'point', filled: true, color: '#888', opacity: 0.7 },
        encoding: { x: { field: 'x', type: 'quantitative', title: 'x' }, y: { field: 'y', type: 'quantitative', title: 'y' } } },
      { data: { values: lines }, mark: { type: 'line', strokeWidth: 2 },
        encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' },
          color: { field: 'fit', type: 'nominal', title: 'fitted line', legend: { orient: 'bottom', direction: 'vertical', labelLimit: 400 } } } },
    ],
  };
}

/** Full-data MSE after each epoch for the three variants; log scale, they span decades. */
export function descentLoss(runs: Run[]): TopLevelSpec {
  const values = runs.flatMap((r) => r.curve.map((loss, epoch) => ({ epoch, loss, variant: r.name })));
  return {
    title: 'Batch, stochastic and mini-batch descent: full-data MSE per epoch',
    width: 420, height: 280, data: { values }, mark: { type: 'line', point: false, strokeWidth: 2 },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', title: 'epoch (one pass over the 100 points)' },
      y: { field: 'loss', type: 'quantitative', scale: { type: 'log' }, title: 'MSE on all points (log scale)' },
      color: { field: 'variant', type: 'nominal', sort: runs.map((r) => r.name), legend: { orient: 'top-right' } },
    },
  };
}

/** Training loss and train/test accuracy per epoch, side by side. */
export function trainingCurves(title: string, curve: Epoch[], epochTitle: string): TopLevelSpec {
  const acc = curve.flatMap((c) => [
    { epoch: c.epoch, accuracy: c.trainAcc, split: 'train' },
    { epoch: c.epoch, accuracy: c.testAcc, split: 'test' },
  ]);
  const x = { field: 'epoch', type: 'quantitative', title: epochTitle } as const;
  return {
    title,
    // Each legend stays beside its own panel (by default a concat hoists it to the left edge,
    // where the train/test key would sit next to the loss curve it does not describe).
    resolve: { legend: { color: 'independent' } },
    hconcat: [
      { width: 300, height: 220, data: { values: curve }, mark: { type: 'line', color: '#d62728' },
        title: 'training loss (cross-entropy)',
        encoding: { x, y: { field: 'loss', type: 'quantitative', title: 'loss' } } },
      { width: 300, height: 220, data: { values: acc }, mark: 'line', title: 'accuracy',
        encoding: { x, y: { field: 'accuracy', type: 'quantitative', title: 'accuracy', axis: { format: '.0%' }, scale: { zero: false } },
          color: { field: 'split', type: 'nominal', sort: ['train', 'test'], legend: { orient: 'bottom-right' } } } },
    ],
  };
}

/** Counts of (true digit, predicted digit) over the test set, with the count in each cell. */
export function confusionMatrix(actual: number[], predicted: number[]): TopLevelSpec {
  const counts = new Map<string, number>();
  actual.forEach((a, i) => counts.set(`${a},${predicted[i]}`, (counts.get(`${a},${predicted[i]}`) ?? 0) + 1));
  const values = [];
  for (let a = 0; a < 10; a++) for (let p = 0; p < 10; p++) values.push({ actual: a, predicted: p, count: counts.get(`${a},${p}`) ?? 0 });
  const correct = actual.filter((a, i) => a === predicted[i]).length;
  const axis = (title: string) => ({ field: title, type: 'ordinal', title: `${title} digit`, axis: { labelAngle: 0 } }) as const;
  return {
    title: `Digits MLP: confusion matrix on the ${actual.length} test images (${((100 * correct) / actual.length).toFixed(1)}% correct)`,
    width: 360, height: 360, data: { values },
    encoding: { x: axis('predicted'), y: axis('actual') },
    layer: [
      // White for 0 and a square-root ramp in RGB (the default HCL one tints the zeros cyan), so
      // the single mistakes stand out next to the diagonal.
      { mark: { type: 'rect', stroke: '#eee' }, encoding: { color: { field: 'count', type: 'quantitative', scale: { range: ['#ffffff', '#08519c'], interpolate: 'rgb', domainMin: 0, type: 'sqrt' }, legend: null } } },
      { mark: { type: 'text', fontSize: 12 }, transform: [{ filter: 'datum.count > 0' }],
        encoding: { text: { field: 'count', type: 'quantitative' },
          color: { condition: { test: 'datum.count > 20', value: 'white' }, value: 'black' } } },
    ],
  };
}

/** The loss of every training step (thin) with its centred moving average over up to `window`
 *  steps (bold; a trailing one would lag behind the steep start), against the loss of a uniform guess
 *  over the vocabulary (ln vocab, dashed). */
export function stepLoss(title: string, losses: number[], vocab: number, window = 20): TopLevelSpec {
  const values = losses.map((loss, i) => {
    // Symmetric around i, narrower near the ends, so that it starts and ends on a real loss.
    const half = Math.min(window >> 1, i, losses.length - 1 - i);
    const part = losses.slice(i - half, i + half + 1);
    const mean = part.reduce((a, b) => a + b, 0) / part.length;
    return { step: i + 1, loss, mean };
  });
  const x = { field: 'step', type: 'quantitative', title: 'training step (16 windows of 32 characters)' } as const;
  const raw = 'loss of the step', smooth = `centred mean over ${window} steps`;
  // One shared colour scale for the two lines gives them a legend (the empty lower left).
  const color = { scale: { domain: [raw, smooth], range: ['#9ecae1', '#08519c'] }, legend: { orient: 'bottom-left', title: null, labelLimit: 300 } } as const;
  return {
    title,
    width: 480, height: 280,
    layer: [
      { data: { values }, mark: { type: 'line', strokeWidth: 1 },
        encoding: { x, y: { field: 'loss', type: 'quantitative', title: 'cross-entropy, next character (nats)', scale: { zero: false } }, color: { datum: raw, ...color } } },
      { data: { values }, mark: { type: 'line', strokeWidth: 2.5 },
        encoding: { x, y: { field: 'mean', type: 'quantitative' }, color: { datum: smooth, ...color } } },
      { data: { values: [{ y: Math.log(vocab), label: `uniform guess: ln ${vocab} = ${Math.log(vocab).toFixed(2)}` }] },
        layer: [
          { mark: { type: 'rule', strokeDash: [4, 4], color: '#888' }, encoding: { y: { field: 'y', type: 'quantitative' } } },
          { mark: { type: 'text', align: 'right', baseline: 'bottom', dy: -3, x: 'width', color: '#555' },
            encoding: { y: { field: 'y', type: 'quantitative' }, text: { field: 'label' } } },
        ] },
    ],
  };
}
