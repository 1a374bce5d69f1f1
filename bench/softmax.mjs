// The fused softmax kernels alone, through the raw binding (no tensor layer), beside PyTorch's
// when /usr/bin/python3 has torch: forward and forward + backward of softmax and logSoftmax
// for a few shapes (last dim, and dim 1 of a 3-d tensor, inner > 1), on 1 and 2 threads.
//
//   node bench/softmax.mjs [--reps 15] [--threads 1,2] [--no-torch] [--ce-only] [--tensors] [build/Release/tensorgrad.node]
//
// Each cell is the median over reps of the time per call (a rep runs enough calls for ~2 ms).
// Ours writes into preallocated outputs; PyTorch's torch.softmax / log_softmax allocate theirs,
// and its backward is the kernel without autograd (torch._softmax_backward_data /
// _log_softmax_backward_data). Each PyTorch cell is timed right after ours (a server process
// answering one request a line), so a busy machine slows both alike.
//
// crossEntropy+bwd: the fused cross-entropy (binding/loss.cc: forward, mean reduction, and its
// backward) against PyTorch's kernels for F.cross_entropy without autograd: log_softmax,
// nll_loss_forward, nll_loss_backward, _log_softmax_backward_data (class dim 1; a 4-d case is
// the K-dimensional loss, [N, C, d1, d2] logits against [N, d1, d2] targets). With --tensors,
// the rows "crossEntropy tensors" time the whole user call instead, forward and backward through
// the tensor layer and autograd on both sides: tg.F.crossEntropy(x, t).backward() (dist/, run
// npm run build:ts first) against F.cross_entropy(x, t).backward().
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { timePerCall } from './lib/timing.mjs';
import { torchLineServer } from './lib/torch-line-server.mjs';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    reps: { type: 'string', default: '15' },
    threads: { type: 'string', default: '1,2' },
    'no-torch': { type: 'boolean', default: false },
    'ce-only': { type: 'boolean', default: false },
    tensors: { type: 'boolean', default: false },
  },
});
const require = createRequire(import.meta.url);
const native = require(path.resolve(positionals[0] ?? 'build/Release/tensorgrad.node'));
const reps = Number(values.reps);
const time = (f) => timePerCall(f, { reps }).median;
const threads = values.threads.split(',').map(Number);

// [shape, dim]
const cases = [
  [[4096, 32], 1],
  [[64, 1000], 1],
  [[1024, 84], 1],
  [[256, 4096], 1],
  [[64, 128, 64], 1],
  [[32, 1000, 16], 1],
];
const ops = ['softmax', 'logSoftmax', 'softmax+bwd', 'logSoftmax+bwd'];
const ceCases = [[[4096, 32], 1], [[64, 1000], 1], [[1024, 84], 1], [[32, 10, 16, 16], 1]];

function split(shape, dim) {
  const outer = shape.slice(0, dim).reduce((a, b) => a * b, 1);
  const inner = shape.slice(dim + 1).reduce((a, b) => a * b, 1);
  return [outer, shape[dim], inner];
}


function oursFor(shape, dim) {
  const [outer, n, inner] = split(shape, dim);
  const N = outer * n * inner;
  const x = new Float32Array(N), g = new Float32Array(N), y = new Float32Array(N), dx = new Float32Array(N);
  for (let i = 0; i < N; i++) {
    x[i] = Math.sin(i * 12.9898) * 4;
    g[i] = Math.cos(i * 78.233);
  }
  const meta = new Float64Array([outer, n, inner, 0, 0]);
  return {
    softmax: () => native.softmax(meta, x, y),
    logSoftmax: () => native.logSoftmax(meta, x, y),
    'softmax+bwd': () => {
      native.softmax(meta, x, y);
      native.softmaxBackward(meta, g, y, dx);
    },
    'logSoftmax+bwd': () => {
      native.logSoftmax(meta, x, y);
      native.logSoftmaxBackward(meta, g, y, dx);
    },
  };
}

function ceFor(shape) {
  const [outer, n, inner] = split(shape, 1);
  const N = outer * n * inner, rows = outer * inner;
  const x = new Float32Array(N), p = new Float32Array(N), dx = new Float32Array(N);
  const t = new Int32Array(rows), out = new Float32Array(1), g = new Float32Array([1]);
  for (let i = 0; i < N; i++) x[i] = Math.sin(i * 12.9898) * 4;
  for (let r = 0; r < rows; r++) t[r] = (r * 7919) % n;
  // [n, c, ignoreIndex, reduction (mean), offset, target offset, grad stride, inner]
  const meta = new Float64Array([outer, n, -100, 2, 0, 0, 1, inner]);
  return () => {
    native.crossEntropyForward(meta, x, t, p, out);
    native.crossEntropyBackward(meta, p, t, g, dx);
  };
}

// PyTorch's side: reads one JSON request a line ([shape, dim, threads, op]), answers with the
// median seconds per call.
const TORCH = String.raw`
import json, statistics, sys, time, torch
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
    return statistics.median(s)
data = {}
print(json.dumps(torch.__version__), flush=True)
for line in sys.stdin:
    shape, dim, threads, op = json.loads(line)
    torch.set_num_threads(threads)
    key = json.dumps(shape)
    if key not in data:
        data[key] = (torch.randn(shape) * 4, torch.randn(shape))
    x, g = data[key]
    if op == 'crossEntropy tensors':
        xr = x.detach().requires_grad_()
        t = torch.randint(0, shape[1], [shape[0]] + shape[2:])
        def ce_tensors():
            xr.grad = None
            torch.nn.functional.cross_entropy(xr, t).backward()
        print(json.dumps(timeit(ce_tensors)), flush=True)
        continue
    if op == 'crossEntropy+bwd':
        n = shape[1]
        t = torch.randint(0, n, [shape[0]] + shape[2:])
        go = torch.tensor(1.0)
        def ce():
            lp = torch.log_softmax(x, 1)
            l, tw = (torch.ops.aten.nll_loss_forward if len(shape) == 2 else torch.ops.aten.nll_loss2d_forward)(lp, t, None, 1, -100)
            gl = (torch.ops.aten.nll_loss_backward if len(shape) == 2 else torch.ops.aten.nll_loss2d_backward)(go, lp, t, None, 1, -100, tw)
            return torch._log_softmax_backward_data(gl, lp, 1, x.dtype)
        print(json.dumps(timeit(ce)), flush=True)
        continue
    f = {
        'softmax': lambda: torch.softmax(x, dim),
        'logSoftmax': lambda: torch.log_softmax(x, dim),
        'softmax+bwd': lambda: torch._softmax_backward_data(g, torch.softmax(x, dim), dim, x.dtype),
        'logSoftmax+bwd': lambda: torch._log_softmax_backward_data(g, torch.log_softmax(x, dim), dim, x.dtype),
    }[op]
    print(json.dumps(timeit(f)), flush=True)
`;

function torchServer() {
  const server = torchLineServer('softmax bench', TORCH, [String(reps)], threads);
  return server && { version: server.version, time: (shape, dim, t, op) => server.request([shape, dim, t, op]), close: server.close };
}
const torch = values['no-torch'] ? null : torchServer();

const us = (s) => (s * 1e6).toFixed(1).padStart(8);
console.log(`simd ${native.simd()}${torch ? `, torch ${torch.version}` : ''}; microseconds per call, median of ${reps}`);
const head = ['shape (dim)', 'op', ...threads.flatMap((t) => (torch ? [`tg ${t}t`, `torch ${t}t`] : [`tg ${t}t`]))];
console.log(head[0].padEnd(20) + head[1].padEnd(16) + head.slice(2).map((h) => h.padStart(10)).join(''));
for (const [shape, dim] of values['ce-only'] ? [] : cases) {
  const fs = oursFor(shape, dim);
  for (const op of ops) {
    let line = `${JSON.stringify(shape)} (${dim})`.padEnd(20) + op.padEnd(16);
    for (const t of threads) {
      native.setNumThreads(t);
      line += us(time(fs[op])).padStart(10);
      if (torch) line += us(torch.time(shape, dim, t, op)).padStart(10);
    }
    console.log(line);
  }
}
for (const [shape, dim] of ceCases) {
  const f = ceFor(shape);
  let line = `${JSON.stringify(shape)} (${dim})`.padEnd(20) + 'crossEntropy+bwd'.padEnd(16);
  for (const t of threads) {
    native.setNumThreads(t);
    line += us(time(f)).padStart(10);
    if (torch) line += us(torch.time(shape, dim, t, 'crossEntropy+bwd')).padStart(10);
  }
  console.log(line);
}
if (values.tensors) {
  const tg = await import(path.resolve('dist/index.mjs'));
  for (const [shape, dim] of ceCases) {
    const x = tg.randn(shape).mul(4).requiresGrad_();
    const t = tg.randint(0, shape[1], [shape[0], ...shape.slice(2)]);
    const f = () => {
      x.grad = null;
      tg.F.crossEntropy(x, t).backward();
    };
    let line = `${JSON.stringify(shape)} (${dim})`.padEnd(20) + 'ce tensors'.padEnd(16);
    for (const th of threads) {
      tg.setNumThreads(th);
      line += us(time(f)).padStart(10);
      if (torch) line += us(torch.time(shape, dim, th, 'crossEntropy tensors')).padStart(10);
    }
    console.log(line);
  }
}
torch?.close();
