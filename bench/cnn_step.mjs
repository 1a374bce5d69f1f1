// One training step of pytorch/examples' MNIST network (conv1 1->32, relu, conv2 32->64, relu,
// max_pool2d(2), dropout(0.25), flatten, fc1 9216->128, relu, dropout(0.5), fc2 128->10,
// log_softmax, nll_loss; Adadelta lr=1) on a batch of 64 1x28x28 images, in tensorgrad and in
// PyTorch 1.13 (bench/cnn_step_torch.py) side by side, on 1 and 2 threads.
//
//   npm run build:ts && node bench/cnn_step.mjs [--reps 11] [--threads 1,2] [--no-torch] [--impl dist/index.mjs] [--clock cpu]
//
// --clock cpu times with the process's CPU time (both sides) instead of the wall clock: on a
// shared machine a descheduled repetition then costs nothing, but on more than one thread the
// pool's spinning workers count too, so it is for 1-thread comparisons.
//
// Three tables, medians (ms) over the repetitions, each after a warm-up:
//   step      the whole step (zero_grad, forward, loss, backward, optimizer step), and its phases
//             timed inside the same repetitions (forward + loss, backward, optimizer step);
//   forward   each op of the forward on its own (grad mode on, as in training);
//   fwd+bwd   each layer's forward + backward in isolation, from an input that requires grad
//             (conv1's does not: it is the image), backpropagating a fixed gradient; minus the
//             forward above this is roughly the op's share of the step's backward.
// Ratio: tensorgrad / PyTorch (below 1: tensorgrad faster). PyTorch runs in its own process
// after ours, never at the same time.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    reps: { type: 'string', default: '11' },
    threads: { type: 'string', default: '1,2' },
    'no-torch': { type: 'boolean' },
    impl: { type: 'string', default: 'dist/index.mjs' },
    clock: { type: 'string', default: 'wall' },
  },
});
const reps = Number(values.reps);
const threads = values.threads.split(',').map(Number);
const tg = await import(pathToFileURL(path.resolve(values.impl)).href);
const { nn, F, optim } = tg;

class Net extends nn.Module {
  conv1 = new nn.Conv2d(1, 32, 3);
  conv2 = new nn.Conv2d(32, 64, 3);
  fc1 = new nn.Linear(9216, 128);
  fc2 = new nn.Linear(128, 10);
  forward(x) {
    let h = this.conv2.forward(this.conv1.forward(x).relu()).relu();
    h = F.dropout(F.maxPool2d(h, 2), 0.25, this.training).flatten(1);
    h = F.dropout(this.fc1.forward(h).relu(), 0.5, this.training);
    return this.fc2.forward(h).logSoftmax(1);
  }
}

const median = (t) => [...t].sort((a, b) => a - b)[t.length >> 1];
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e3;
};
const now = values.clock === 'cpu' ? cpuMs : () => performance.now();

function timeIt(fn) {
  for (let i = 0; i < 3; i++) fn();
  const t = [];
  for (let i = 0; i < reps; i++) {
    const t0 = now();
    fn();
    t.push(now() - t0);
  }
  return median(t);
}

function measure() {
  tg.manualSeed(0);
  const model = new Net();
  model.train();
  const opt = new optim.Adadelta(model.parameters(), { lr: 1.0 });
  const x = tg.randn([64, 1, 28, 28]);
  const y = tg.randint(0, 10, [64]);

  // The step, with its phases.
  const phases = { step: [], forward: [], backward: [], optimizer: [] };
  for (let i = 0; i < reps + 3; i++) {
    const t0 = now();
    opt.zeroGrad();
    const loss = F.nllLoss(model.forward(x), y);
    const t1 = now();
    loss.backward();
    const t2 = now();
    opt.step();
    loss.item();
    const t3 = now();
    if (i < 3) continue;
    phases.step.push(t3 - t0), phases.forward.push(t1 - t0), phases.backward.push(t2 - t1), phases.optimizer.push(t3 - t2);
  }
  const step = Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, median(v)]));

  // The forward's ops one by one, on the activations of one forward pass.
  const m = model;
  const a1 = m.conv1.forward(x), r1 = a1.relu(), a2 = m.conv2.forward(r1), r2 = a2.relu();
  const p = F.maxPool2d(r2, 2), d1 = F.dropout(p, 0.25, true), f = d1.flatten(1);
  const h1 = m.fc1.forward(f), r3 = h1.relu(), d2 = F.dropout(r3, 0.5, true), o = m.fc2.forward(d2), ls = o.logSoftmax(1);
  const forward = {
    conv1: timeIt(() => m.conv1.forward(x)),
    relu1: timeIt(() => a1.relu()),
    conv2: timeIt(() => m.conv2.forward(r1)),
    relu2: timeIt(() => a2.relu()),
    maxpool: timeIt(() => F.maxPool2d(r2, 2)),
    dropout1: timeIt(() => F.dropout(p, 0.25, true)),
    flatten: timeIt(() => d1.flatten(1)),
    fc1: timeIt(() => m.fc1.forward(f)),
    relu3: timeIt(() => h1.relu()),
    dropout2: timeIt(() => F.dropout(r3, 0.5, true)),
    fc2: timeIt(() => m.fc2.forward(d2)),
    log_softmax: timeIt(() => o.logSoftmax(1)),
    nll_loss: timeIt(() => F.nllLoss(ls, y)),
  };

  // Each layer's forward + backward alone, from a leaf copy of its input.
  const leaf = (t) => t.detach().requiresGrad_();
  const fb = (inp, fn, grad = true) => {
    const g = tg.randn(fn(inp).shape);
    return timeIt(() => {
      const xi = grad ? leaf(inp) : inp;
      fn(xi).backward(g);
    });
  };
  for (const prm of model.parameters()) prm.grad = null;
  const fwdbwd = {
    conv1: fb(x, (t) => m.conv1.forward(t), false),
    relu1: fb(a1, (t) => t.relu()),
    conv2: fb(r1, (t) => m.conv2.forward(t)),
    relu2: fb(a2, (t) => t.relu()),
    maxpool: fb(r2, (t) => F.maxPool2d(t, 2)),
    dropout1: fb(p, (t) => F.dropout(t, 0.25, true)),
    fc1: fb(f, (t) => m.fc1.forward(t)),
    relu3: fb(h1, (t) => t.relu()),
    dropout2: fb(r3, (t) => F.dropout(t, 0.5, true)),
    fc2: fb(d2, (t) => m.fc2.forward(t)),
    log_softmax_nll: timeIt(() => F.nllLoss(leaf(o).logSoftmax(1), y).backward()),
  };
  // The optimizer step alone (grads as the step left them).
  opt.zeroGrad();
  F.nllLoss(model.forward(x), y).backward();
  fwdbwd.adadelta = timeIt(() => opt.step());
  return { step, forward, fwdbwd };
}

const ours = {};
for (const t of threads) {
  tg.setNumThreads(t);
  ours[t] = measure();
}

const torch = {};
let torchVersion = null;
if (!values['no-torch'] && spawnSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' }).status === 0) {
  const script = path.join(path.dirname(new URL(import.meta.url).pathname), 'cnn_step_torch.py');
  for (const t of threads) {
    const env = { ...process.env, OMP_NUM_THREADS: String(t), MKL_NUM_THREADS: String(t) };
    const r = spawnSync('/usr/bin/python3', [script, '--threads', String(t), '--reps', String(reps), '--clock', values.clock], { env, encoding: 'utf8' });
    if (r.status !== 0) {
      console.error(`cnn_step_torch.py failed: ${r.stderr}`);
      break;
    }
    const out = JSON.parse(r.stdout);
    torchVersion = out.torch;
    torch[t] = out;
  }
}

console.log(`tensorgrad ${tg.backendInfo().simd}${torchVersion ? ` | torch ${torchVersion}` : ''}; MNIST net, batch 64, median of ${reps}, ms (${values.clock} clock)`);
for (const table of ['step', 'forward', 'fwdbwd']) {
  const head = [table === 'fwdbwd' ? 'fwd+bwd' : table];
  for (const t of threads) head.push(`tg ${t}T`, ...(torch[t] ? [`torch ${t}T`, 'ratio'] : []));
  const rows = [head];
  for (const key of Object.keys(ours[threads[0]][table])) {
    const row = [key];
    for (const t of threads) {
      const a = ours[t][table][key], b = torch[t]?.[table]?.[key];
      row.push(a.toFixed(2));
      if (torch[t]) row.push(b === undefined ? '-' : b.toFixed(2), b === undefined ? '-' : (a / b).toFixed(2));
    }
    rows.push(row);
  }
  const width = head.map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  console.log('');
  for (const r of rows) console.log(r.map((c, i) => (i === 0 ? c.padEnd(width[i]) : c.padStart(width[i]))).join('  '));
}
console.log('\nratio: tensorgrad median / PyTorch median (below 1: tensorgrad faster)');
