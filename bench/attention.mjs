// Scaled dot-product attention, forward and forward + backward, through the tensor layer (dist/:
// run `npm run build:ts` first): tensorgrad's fused kernel (F.scaledDotProductAttention), the
// same attention composed from tensorgrad's ops (q @ kᵀ · scale, where(mask, s, -inf),
// softmax, @ v: what the fused path replaced, and still runs with dropout), and PyTorch 1.13
// (which has no fused SDPA) composed the way its users write it: (q @ k.transpose(-2, -1) *
// scale).masked_fill(~mask, -inf).softmax(-1) @ v, when /usr/bin/python3 has torch.
//
//   node bench/attention.mjs [--reps 15] [--threads 1,2] [--no-torch] [--cpu]
//
// The backward is autograd.grad of the output against a fixed random gradient, for q, k and v
// (torch.autograd.grad likewise). Each cell is the median over reps of the time per call (a rep
// runs enough calls for ~20 ms). Each PyTorch cell is timed right after ours (a server process
// answering one request a line), so a busy machine slows both alike. --cpu times the process's
// CPU time instead of the wall clock (both sides): on a machine shared with other work, the
// one-thread columns then measure the work itself, not the share of a core it got.
import { parseArgs } from 'node:util';
import * as tg from '../dist/index.mjs';
import { cpuClock, timePerCall, wallClock } from './lib/timing.mjs';
import { torchLineServer } from './lib/torch-line-server.mjs';

const { values } = parseArgs({
  options: {
    reps: { type: 'string', default: '15' },
    threads: { type: 'string', default: '1,2' },
    'no-torch': { type: 'boolean', default: false },
    cpu: { type: 'boolean', default: false },
  },
});
const reps = Number(values.reps);
const threads = values.threads.split(',').map(Number);
const F = tg.nn.functional;

// [batch, heads, T, d, causal]
const cases = [
  [4, 4, 256, 64, true],
  [4, 4, 256, 64, false],
  [1, 4, 1024, 64, true],
];
const ops = ['fwd', 'fwd+bwd'];

// Median seconds per call (~20 ms a sample), on the wall clock or with --cpu the process's CPU time.
const time = (f) =>
  timePerCall(f, { reps, budget: 2e-2, maxCalls: 1000, warmup: 2, clock: values.cpu ? cpuClock : wallClock }).median;

function oursFor([B, H, T, d, causal]) {
  const q = tg.randn([B, H, T, d], { requiresGrad: true });
  const k = tg.randn([B, H, T, d], { requiresGrad: true });
  const v = tg.randn([B, H, T, d], { requiresGrad: true });
  const g = tg.randn([B, H, T, d]);
  const scale = 1 / Math.sqrt(d);
  const mask = tg.tril(tg.ones([T, T])).bool();
  const fused = () => F.scaledDotProductAttention(q, k, v, { isCausal: causal });
  const composed = () => {
    let s = q.matmul(k.transpose(-2, -1)).mul(scale);
    if (causal) s = tg.where(mask, s, -Infinity);
    return s.softmax(-1).matmul(v);
  };
  const fwd = (f) => () => tg.noGrad(f).dispose();
  const both = (f) => () => {
    const y = f();
    for (const t of tg.autograd.grad(y, [q, k, v], { gradOutputs: g })) t.dispose();
    y.dispose();
  };
  return {
    fused: { fwd: fwd(fused), 'fwd+bwd': both(fused) },
    composed: { fwd: fwd(composed), 'fwd+bwd': both(composed) },
  };
}

// PyTorch's side: reads one JSON request a line ([case, threads, op]), answers with the median
// seconds per call.
const TORCH = String.raw`
import json, math, statistics, sys, time, torch
reps = int(sys.argv[1])
clock = time.process_time if sys.argv[2] == 'cpu' else time.perf_counter
def timeit(f):
    for _ in range(2): f()
    t0 = clock(); f(); once = clock() - t0
    calls = max(1, min(1000, round(2e-2 / max(once, 1e-7))))
    s = []
    for _ in range(reps):
        t0 = clock()
        for _ in range(calls): f()
        s.append((clock() - t0) / calls)
    return statistics.median(s)
data = {}
print(json.dumps(torch.__version__), flush=True)
for line in sys.stdin:
    (B, H, T, d, causal), threads, op = json.loads(line)
    torch.set_num_threads(threads)
    key = json.dumps([B, H, T, d])
    if key not in data:
        q, k, v = (torch.randn(B, H, T, d, requires_grad=True) for _ in range(3))
        data[key] = (q, k, v, torch.randn(B, H, T, d), torch.ones(T, T).tril().bool())
    q, k, v, g, mask = data[key]
    scale = 1 / math.sqrt(d)
    def attn():
        s = q @ k.transpose(-2, -1) * scale
        if causal: s = s.masked_fill(~mask, float('-inf'))
        return s.softmax(-1) @ v
    def fwd():
        with torch.no_grad(): attn()
    def both():
        torch.autograd.grad(attn(), [q, k, v], g)
    print(json.dumps(timeit(fwd if op == 'fwd' else both)), flush=True)
`;

function torchServer() {
  const server = torchLineServer('attention bench', TORCH, [String(reps), values.cpu ? 'cpu' : 'wall'], threads);
  return server && { version: server.version, time: (c, t, op) => server.request([c, t, op]), close: server.close };
}
const torch = values['no-torch'] ? null : torchServer();

const ms = (s) => (s * 1e3).toFixed(2);
console.log(`simd ${tg.backendInfo().simd}${torch ? `, torch ${torch.version}` : ''}; milliseconds${values.cpu ? ' of CPU time' : ''} per call, median of ${reps}`);
const cols = threads.flatMap((t) => [`fused ${t}t`, `comp. ${t}t`, ...(torch ? [`torch ${t}t`, `vs torch`] : [])]);
console.log('case'.padEnd(28) + 'op'.padEnd(9) + cols.map((h) => h.padStart(10)).join(''));
for (const c of cases) {
  const fs_ = oursFor(c);
  for (const op of ops) {
    let line = `[${c.slice(0, 4).join(',')}]${c[4] ? ' causal' : ''}`.padEnd(28) + op.padEnd(9);
    for (const t of threads) {
      tg.setNumThreads(t);
      const f = time(fs_.fused[op]);
      line += ms(f).padStart(10) + ms(time(fs_.composed[op])).padStart(10);
      if (torch) {
        const p = torch.time(c, t, op);
        line += ms(p).padStart(10) + `${(p / f).toFixed(2)}x`.padStart(10);
      }
    }
    console.log(line);
  }
}
torch?.close();
