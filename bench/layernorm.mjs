// layerNorm through the tensor layer (dist/), forward and forward + backward with weight and
// bias, beside PyTorch's torch.nn.functional.layer_norm (when /usr/bin/python3 has torch) and,
// with --old, another checkout's layerNorm (e.g. one from before the fused kernel, where it was
// ~8 composed kernel calls forward and ~10 backward), on 1 and 2 threads.
//
//   npm run build:ts && node bench/layernorm.mjs [--reps 15] [--threads 1,2] [--no-torch]
//       [--old /path/to/other/checkout] [--shapes 4096x256,64x1024]
//
// Each cell is the median over reps of the time per call (a rep runs enough calls for ~2 ms),
// then the fastest rep: on a shared machine the median moves with the load, the minimum much less.
// forward: inputs that need no gradient. fwd+bwd: x, weight and bias require grad, y.backward(g)
// with a given g, and the three .grad reset to null after each step, on both sides. Each
// PyTorch cell is timed right after ours (a server process answering one request a line), so a
// busy machine slows both alike.
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { timePerCall } from './lib/timing.mjs';
import { torchLineServer } from './lib/torch-line-server.mjs';

const { values } = parseArgs({
  options: {
    reps: { type: 'string', default: '15' },
    threads: { type: 'string', default: '1,2' },
    'no-torch': { type: 'boolean', default: false },
    old: { type: 'string' },
    shapes: { type: 'string', default: '4096x256,64x1024,16384x64,256x4096' },
  },
});
const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const trees = [['tg', require(path.join(root, 'dist/index.cjs'))]];
if (values.old) trees.push(['old', require(path.resolve(values.old, 'dist/index.cjs'))]);
const reps = Number(values.reps);
const threads = values.threads.split(',').map(Number);
const shapes = values.shapes.split(',').map((s) => s.split('x').map(Number));
const ops = ['forward', 'fwd+bwd'];
const time = (f) => timePerCall(f, { reps });


function oursFor(tg, [rows, d]) {
  const F = tg.nn.functional;
  const x = tg.randn([rows, d]), w = tg.randn([d]), b = tg.randn([d]), g = tg.randn([rows, d]);
  const xg = x.clone().requiresGrad_(), wg = w.clone().requiresGrad_(), bg = b.clone().requiresGrad_();
  return {
    forward: () => F.layerNorm(x, [d], w, b).dispose(),
    'fwd+bwd': () => {
      const y = F.layerNorm(xg, [d], wg, bg);
      y.backward(g);
      for (const t of [xg, wg, bg]) {
        t.grad.dispose();
        t.grad = null;
      }
      y.dispose();
    },
  };
}

const TORCH = String.raw`
import json, statistics, sys, time, torch
import torch.nn.functional as F
reps = int(sys.argv[1])
def timeit(f):
    for _ in range(3): f()
    t0 = time.perf_counter(); f(); once = time.perf_counter() - t0
    calls = max(1, min(10000, round(2e-3 / max(once, 1e-7))))
    s = []
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(calls): f()
        s.append((time.perf_counter() - t0) / calls)
    return [statistics.median(s), min(s)]
data = {}
print(json.dumps(torch.__version__), flush=True)
for line in sys.stdin:
    shape, threads, op = json.loads(line)
    torch.set_num_threads(threads)
    key = json.dumps(shape)
    if key not in data:
        d = shape[-1]
        data[key] = (torch.randn(shape), torch.randn(d), torch.randn(d), torch.randn(shape))
    x, w, b, g = data[key]
    d = shape[-1]
    if op == 'forward':
        def f():
            with torch.no_grad():
                F.layer_norm(x, [d], w, b)
    else:
        xg, wg, bg = (t.clone().requires_grad_() for t in (x, w, b))
        def f():
            F.layer_norm(xg, [d], wg, bg).backward(g)
            xg.grad = wg.grad = bg.grad = None
    print(json.dumps(timeit(f)), flush=True)
`;

function torchServer() {
  const server = torchLineServer('layernorm bench', TORCH, [String(reps)], threads);
  return server && { version: server.version, time: (shape, t, op) => server.request([shape, t, op]), close: server.close };
}
const torch = values['no-torch'] ? null : torchServer();

const us = ({ median: med, min }) => `${(med * 1e6).toFixed(0)}/${(min * 1e6).toFixed(0)}`;
const cols = threads.flatMap((t) => [...trees.map(([name]) => `${name} ${t}t`), ...(torch ? [`torch ${t}t`] : [])]);
console.log(`simd ${trees[0][1].backendInfo().simd}${torch ? `, torch ${torch.version}` : ''}; microseconds per call, median/min of ${reps}`);
console.log('shape'.padEnd(12) + 'op'.padEnd(10) + cols.map((h) => h.padStart(13)).join(''));
for (const shape of shapes) {
  const fns = trees.map(([, tg]) => oursFor(tg, shape));
  for (const op of ops) {
    let line = shape.join('x').padEnd(12) + op.padEnd(10);
    for (const t of threads) {
      for (let k = 0; k < trees.length; k++) {
        trees[k][1].setNumThreads(t);
        line += us(time(fns[k][op])).padStart(13);
      }
      if (torch) line += us(torch.time(shape, t, op)).padStart(13);
    }
    console.log(line);
  }
}
torch?.close();
