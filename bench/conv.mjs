// conv2d through the raw binding (binding/conv.cc, no tensor layer): forward, and forward +
// backward, for the MNIST example's two conv layers at batch 64, on 1 and 2 threads; PyTorch's
// F.conv2d beside it (bench/conv_torch.py) when /usr/bin/python3 can import torch.
//
//   node bench/conv.mjs [--reps 15] [--threads 1,2] [--no-torch] [build/Release/tensorgrad.node]
//
// Medians (and the fastest repetition) in ms. Backward computes what autograd asks for in the net: conv1's input is the
// image (no grad_input; grad_weight and grad_bias only), conv2's all three.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { reps: { type: 'string', default: '15' }, threads: { type: 'string', default: '1,2' }, 'no-torch': { type: 'boolean' } },
});
const require = createRequire(import.meta.url);
const tg = require(path.resolve(positionals[0] ?? 'build/Release/tensorgrad.node'));
const reps = Number(values.reps);
const threads = values.threads.split(',').map(Number);

const layers = [
  { name: 'conv1 1->32 3x3 28x28', n: 64, c: 1, h: 28, w: 28, o: 32, k: 3, gradInput: false },
  { name: 'conv2 32->64 3x3 26x26', n: 64, c: 32, h: 26, w: 26, o: 64, k: 3, gradInput: true },
];

const rand = (n) => {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.random() * 2 - 1;
  return a;
};

function medianMs(fn) {
  for (let i = 0; i < 3; i++) fn();
  const t = [];
  for (let i = 0; i < reps; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    t.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  t.sort((a, b) => a - b);
  return { med: t[t.length >> 1], min: t[0] };
}

// Meta (binding/conv.cc): [N, C, H, W, O, Ho, Wo, kh, kw, sh, sw, ph, pw, dh, dw, groups, offsets...].
function setup(l) {
  const ho = l.h - l.k + 1, wo = l.w - l.k + 1;
  const meta = new Float64Array([l.n, l.c, l.h, l.w, l.o, ho, wo, l.k, l.k, 1, 1, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
  const x = rand(l.n * l.c * l.h * l.w), w = rand(l.o * l.c * l.k * l.k), b = rand(l.o);
  const y = new Float32Array(l.n * l.o * ho * wo), g = rand(y.length);
  const gx = l.gradInput ? new Float32Array(x.length) : undefined;
  const gw = new Float32Array(w.length), gb = new Float32Array(l.o);
  const macs = l.n * l.o * l.c * l.k * l.k * ho * wo;
  return {
    macs,
    fwd: () => tg.conv2d(meta, x, w, b, y),
    fwdbwd: () => {
      tg.conv2d(meta, x, w, b, y);
      tg.conv2dBackward(meta, g, x, w, gx, gw, gb);
    },
  };
}

const ours = {};
for (const t of threads) {
  tg.setNumThreads(t);
  for (const l of layers) {
    const s = setup(l);
    ours[`${l.name}|${t}`] = { fwd: medianMs(s.fwd), fwdbwd: medianMs(s.fwdbwd), macs: s.macs };
  }
}

const torch = {};
let torchInfo = null;
if (!values['no-torch'] && spawnSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' }).status === 0) {
  const script = path.join(path.dirname(new URL(import.meta.url).pathname), 'conv_torch.py');
  for (const t of threads) {
    const env = { ...process.env, OMP_NUM_THREADS: String(t), MKL_NUM_THREADS: String(t), OPENBLAS_NUM_THREADS: String(t) };
    const r = spawnSync('/usr/bin/python3', [script, '--threads', String(t), '--reps', String(reps), '--layers', JSON.stringify(layers)], { env, encoding: 'utf8' });
    if (r.status !== 0) {
      console.error(`conv_torch.py failed: ${r.stderr}`);
      break;
    }
    const out = JSON.parse(r.stdout);
    torchInfo = out;
    for (const [name, v] of Object.entries(out.results)) torch[`${name}|${t}`] = v;
  }
}

console.log(`tensorgrad ${tg.simd()}${torchInfo ? ` | torch ${torchInfo.torch} (BLAS_INFO=${torchInfo.blas}, mkldnn ${torchInfo.mkldnn})` : ''}; batch 64, median of ${reps}, ms`);
const head = ['layer', 'threads', 'fwd', '(min)', 'GFLOP/s', 'fwd+bwd', '(min)'];
if (torchInfo) head.push('torch fwd', '(min)', 'torch fwd+bwd', '(min)', 'fwd ratio', 'fwd+bwd ratio');
const rows = [head];
for (const l of layers)
  for (const t of threads) {
    const o = ours[`${l.name}|${t}`], p = torch[`${l.name}|${t}`];
    const row = [l.name, String(t), o.fwd.med.toFixed(2), o.fwd.min.toFixed(2), ((2 * o.macs) / o.fwd.med / 1e6).toFixed(1), o.fwdbwd.med.toFixed(2), o.fwdbwd.min.toFixed(2)];
    if (p) row.push(p.fwd.med.toFixed(2), p.fwd.min.toFixed(2), p.fwdbwd.med.toFixed(2), p.fwdbwd.min.toFixed(2), (o.fwd.med / p.fwd.med).toFixed(2), (o.fwdbwd.med / p.fwdbwd.med).toFixed(2));
    rows.push(row);
  }
const width = head.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
for (const r of rows) console.log(r.map((c, i) => (i === 0 ? c.padEnd(width[i]) : c.padStart(width[i]))).join('  '));
console.log(`medians, (min) the fastest repetition; GFLOP/s of the forward's median${torchInfo ? '; ratio: tensorgrad median / torch median (below 1: tensorgrad faster)' : ''}`);
