// `npm run bench`: tensorgrad against PyTorch 1.13 on the workloads of bench/workloads.json.
//
//   npm run bench [-- --impl src|dist|file.mjs] [--reps N] [--only id,id] [--threads 1,2]
//                    [--no-torch] [--python /usr/bin/python3] [--out bench/results/latest.json]
//                    [--isa avx2]
//
// --isa avx2 times both sides on their AVX2 code, whatever the CPU has beyond it: tensorgrad
// with TG_SIMD=avx2, PyTorch with ATEN_CPU_CAPABILITY=avx2 (its own kernels) and
// OPENBLAS_CORETYPE=Haswell (OpenBLAS's AVX2 kernels); the results go to
// bench/results/latest-avx2.json unless --out says otherwise. Without it each side runs the best
// path it finds on this CPU.
//
// tensorgrad runs in this process; PyTorch in a subprocess (bench/torch_bench.py --serve), one
// per thread count. Each workload is timed on our side, then at once on PyTorch's: never at the
// same time (two busy processes on a 2-core machine would time each other), and seconds apart,
// so a build starting on a shared machine is likely to hit both sides. Repetitions are not
// interleaved one by one: every turn of the event loop while PyTorch ran would let V8 and glibc
// hand freed tensor storage back to the OS, and the next allocations page-fault (measured: exp
// on 1M floats 0.6 ms in a tight loop, 1.2 ms with a 30 ms idle before each repetition), which
// no training loop pays. Every number is the median over `reps` repetitions of (repetition
// time / iters), after a warm-up. Ratio = PyTorch time / ours: > 1 means tensorgrad is faster.
//
// GC is part of the measurement: the loops never dispose(), as a user's loop wouldn't, so the
// V8 collections that reclaim tensor storage land inside the timed repetitions (PyTorch frees by
// refcount, inside its timed loop as well). Between workloads gc() runs (scripts/bench.js starts
// node with --expose-gc) so one workload's garbage is not collected on the next one's clock.
//
// Which tensorgrad is timed: scripts/bench.js bundles src/ into bench/.cache/index.mjs (as the
// package build does) and passes --impl <that file>; see there why a bundle and not src/
// through tsx, which costs ~2x per op. --impl src times src/ through tsx; --impl dist the
// shipped dist/index.mjs; --impl <file.mjs> any other build, e.g. to compare before/after.
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

type TG = typeof import('../src/index.js');
type Tensor = import('../src/index.js').Tensor;

interface Workload {
  id: string;
  label: string;
  params: Record<string, number>;
  iters: number;
  warmup: number;
  threads: number[];
  report: 'us' | 'ms' | 'GB/s' | 'samples';
}
interface Config {
  reps: number;
  warmup_s: number;
  workloads: Workload[];
}
interface Timing {
  median_ns: number;
  samples_ns: number[];
}
interface TorchInfo {
  torch: string;
  python: string;
  threads: number;
  blas: string[];
}

const ROOT = path.resolve(__dirname, '..');
const BENCH = path.join(ROOT, 'bench');

// ---- workloads: each returns a closure doing one timed iteration (mirrors torch_bench.py) ----

/** The notes' linear regression step (raw tensors, updates through .data); returns its loss. */
function linregStep(tg: TG, p: Record<string, number>): () => Tensor {
  const x = tg.rand([p.n!]);
  const y = x.mul(3).add(0.8);
  const w = tg.rand([1], { requiresGrad: true });
  const b = tg.rand([1], { requiresGrad: true });
  const lr = p.lr!;
  return () => {
    const loss = x.mul(w).add(b).sub(y).pow(2).mean();
    w.grad?.zero_();
    b.grad?.zero_();
    loss.backward();
    w.data.sub_(w.grad!.mul(lr));
    b.data.sub_(b.grad!.mul(lr));
    return loss;
  };
}

function makers(tg: TG): Record<string, (p: Record<string, number>) => () => unknown> {
  return {
    // The notes' linear regression, one step exactly as in the API example.
    linreg_step: (p) => compiledOr(tg, false, linregStep(tg, p)),
    // The same step traced once (tg.jit.trace) and replayed: one native call per step.
    linreg_step_jit: (p) => compiledOr(tg, true, linregStep(tg, p)),
    // Pure per-op overhead: no grad, one float each.
    add_1elem: () => {
      const a = tg.rand([1]);
      const b = tg.rand([1]);
      return () => a.add(b);
    },
    // Graph build + backward overhead; grads accumulate on both sides.
    affine_1elem: () => {
      const x = tg.rand([1]);
      const w = tg.rand([1], { requiresGrad: true });
      const b = tg.rand([1], { requiresGrad: true });
      return () => {
        const y = x.mul(w).add(b);
        y.backward();
      };
    },
    // Three GEMMs: C = A@B, dA = G@B^T, dB = A^T@G. Grads reset so no accumulation is timed.
    matmul_fwd_bwd: (p) => {
      const a = tg.randn([p.m!, p.k!], { requiresGrad: true });
      const b = tg.randn([p.k!, p.n!], { requiresGrad: true });
      const g = tg.ones([p.m!, p.n!]);
      return () => {
        a.grad = null;
        b.grad = null;
        const c = a.matmul(b);
        c.backward(g);
      };
    },
    // Out-of-place: a fresh 64 MiB output per call.
    add_16m: (p) => {
      const a = tg.rand([p.n!]);
      const b = tg.rand([p.n!]);
      return () => a.add(b);
    },
    exp_1m: (p) => {
      const a = tg.rand([p.n!]);
      return () => a.exp();
    },
    // A fresh 4 MiB output per call, the size of a layer's activations.
    relu_1m: (p) => {
      const a = tg.randn([p.n!]);
      return () => a.relu();
    },
    add_1m: (p) => {
      const a = tg.rand([p.n!]);
      const b = tg.rand([p.n!]);
      return () => a.add(b);
    },
    sgemm_1024: (p) => sgemm(tg, p),
    sgemm_mlp: (p) => sgemm(tg, p),
    sgemm_head: (p) => sgemm(tg, p),
    add_16m_inplace: (p) => {
      const a = tg.rand([p.n!]);
      const b = tg.rand([p.n!]);
      return () => a.add_(b);
    },
    // The notes' nn.Linear(1, 1) + MSELoss(size_average=False) + SGD(lr=0.01) on x=[1,2,3], y=[2,4,6].
    linear_sgd_epoch: (p) => compiledOr(tg, false, linearSgdEpoch(tg, p)),
    linear_sgd_epoch_jit: (p) => compiledOr(tg, true, linearSgdEpoch(tg, p)),
    mlp_train_jit: (p) => mlpTrain(tg, p, true),
    mlp_infer_b1: (p) => makers(tg).mlp_infer!(p),
    mlp_infer_b64: (p) => makers(tg).mlp_infer!(p),
    mlp_infer_b1_jit: (p) => mlpInferCompiled(tg, p),
    mlp_infer_b64_jit: (p) => mlpInferCompiled(tg, p),
    mlp_train: (p) => mlpTrain(tg, p, false),
    mlp_infer: (p) => {
      const { model, batches } = mlp(tg, p);
      model.eval();
      let i = 0;
      return () => tg.noGrad(() => model.forward(batches[i++ % batches.length]![0]));
    },
    // One conv layer of the MNIST net, forward + backward; grads reset so no accumulation is timed.
    conv1_fwd_bwd: (p) => convLayer(tg, p),
    conv2_fwd_bwd: (p) => convLayer(tg, p),
    cnn_train: (p) => cnnTrain(tg, p, false),
    cnn_train_jit: (p) => cnnTrain(tg, p, true),
    layernorm_fwd_bwd: (p) => {
      const x = tg.randn([p.rows!, p.d!], { requiresGrad: true });
      const w = tg.randn([p.d!], { requiresGrad: true });
      const b = tg.randn([p.d!], { requiresGrad: true });
      const g = tg.randn([p.rows!, p.d!]);
      return () => {
        x.grad = w.grad = b.grad = null;
        tg.nn.functional.layerNorm(x, [p.d!], w, b).backward(g);
      };
    },
    softmax_4096x32: (p) => softmaxRows(tg, p),
    softmax_64x1000: (p) => softmaxRows(tg, p),
    softmax_1024x84: (p) => softmaxRows(tg, p),
    ce_4096x32: (p) => crossEntropyRows(tg, p),
    ce_64x1000: (p) => crossEntropyRows(tg, p),
    ce_1024x84: (p) => crossEntropyRows(tg, p),
    attention_fwd_bwd: (p) => {
      const shape = [p.batch!, p.heads!, p.t!, p.d!];
      const [q, k, v] = [0, 1, 2].map(() => tg.randn(shape, { requiresGrad: true })) as [Tensor, Tensor, Tensor];
      const g = tg.randn(shape);
      return () => {
        q.grad = k.grad = v.grad = null;
        tg.nn.functional.scaledDotProductAttention(q, k, v, { isCausal: true }).backward(g);
      };
    },
    gpt_train: (p) => gptTrain(tg, p, false),
    gpt_train_jit: (p) => gptTrain(tg, p, true),
  };
}

/** A step over a pool of (x, y) batches (none: a step of no inputs), eager or traced once and replayed (the _jit rows). */
function compiledOr(tg: TG, compiled: boolean, step: (...xy: Tensor[]) => Tensor, batches: readonly (readonly Tensor[])[] = [[]]): () => unknown {
  const traced = compiled ? tg.jit.trace(step, [...batches[0]!]) : null;
  const run = traced ? (...xy: Tensor[]) => traced.run(...xy) : step;
  let i = 0;
  return () => run(...batches[i++ % batches.length]!);
}

/** examples/03-nn-linear.ts's epoch: nn.Linear(1, 1) + MSE(sum) + SGD on the notes' three points. */
function linearSgdEpoch(tg: TG, p: Record<string, number>): () => Tensor {
  const x = tg.tensor([[1], [2], [3]]);
  const y = tg.tensor([[2], [4], [6]]);
  const model = new tg.nn.Linear(1, 1);
  const lossFn = new tg.nn.MSELoss({ reduction: 'sum' });
  const opt = new tg.optim.SGD(model.parameters(), { lr: p.lr! });
  return () => {
    const loss = lossFn.forward(model.forward(x), y);
    opt.zeroGrad();
    loss.backward();
    opt.step();
    return loss;
  };
}

function mlpTrain(tg: TG, p: Record<string, number>, compiled: boolean): () => unknown {
  const { model, batches } = mlp(tg, p);
  const lossFn = new tg.nn.CrossEntropyLoss();
  const opt = new tg.optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
  return compiledOr(tg, compiled, (x, y) => {
    opt.zeroGrad();
    const l = lossFn.forward(model.forward(x!), y!);
    l.backward();
    opt.step();
    return l;
  }, batches);
}

function cnnTrain(tg: TG, p: Record<string, number>, compiled: boolean): () => unknown {
  const model = mnistNet(tg);
  const opt = new tg.optim.Adadelta(model.parameters(), { lr: 1.0 });
  const batches = Array.from({ length: p.pool! }, () => [tg.randn([p.batch!, 1, 28, 28]), tg.randint(0, 10, [p.batch!])] as const);
  return compiledOr(tg, compiled, (x, y) => {
    opt.zeroGrad();
    const l = tg.nn.functional.nllLoss(model.forward(x!), y!);
    l.backward();
    opt.step();
    return l;
  }, batches);
}

function gptTrain(tg: TG, p: Record<string, number>, compiled: boolean): () => unknown {
  const model = charGpt(tg, p);
  const opt = new tg.optim.AdamW(model.parameters(), { lr: 1e-3, weightDecay: 0.01 });
  const batches = Array.from({ length: 4 }, () => [tg.randint(0, p.vocab!, [p.batch!, p.block!]), tg.randint(0, p.vocab!, [p.batch! * p.block!])] as const);
  return compiledOr(tg, compiled, (x, y) => {
    const loss = tg.nn.functional.crossEntropy(model.forward(x!).reshape(-1, p.vocab!), y!);
    opt.zeroGrad();
    loss.backward();
    opt.step();
    return loss;
  }, batches);
}

/** The MLP's inference traced once (noGrad) and replayed over the pool of batches. */
function mlpInferCompiled(tg: TG, p: Record<string, number>): () => unknown {
  const { model, batches } = mlp(tg, p);
  model.eval();
  const infer = tg.noGrad(() => tg.jit.trace((x) => model.forward(x), [batches[0]![0]]));
  let i = 0;
  return () => infer.run(batches[i++ % batches.length]![0]);
}

function sgemm(tg: TG, p: Record<string, number>): () => unknown {
  const a = tg.randn([p.m!, p.k!]);
  const b = tg.randn([p.k!, p.n!]);
  return () => a.matmul(b);
}

/** The 784-256-128-10 MLP of the speed issue, with a pool of random Fashion-MNIST-sized batches. */
function mlp(tg: TG, p: Record<string, number>) {
  const { nn } = tg;
  const model = new nn.Sequential(new nn.Linear(784, 256), new nn.ReLU(), new nn.Linear(256, 128), new nn.ReLU(), new nn.Linear(128, 10));
  const batches = Array.from({ length: p.pool! }, () => [tg.rand([p.batch!, 784]), tg.randint(0, 10, [p.batch!])] as const);
  return { model, batches };
}

function convLayer(tg: TG, p: Record<string, number>): () => unknown {
  const x = tg.randn([p.batch!, p.cin!, p.hw!, p.hw!], { requiresGrad: p.inputGrad === 1 });
  const w = tg.randn([p.cout!, p.cin!, p.k!, p.k!], { requiresGrad: true });
  const b = tg.randn([p.cout!], { requiresGrad: true });
  const out = p.hw! - p.k! + 1;
  const g = tg.randn([p.batch!, p.cout!, out, out]);
  return () => {
    x.grad = w.grad = b.grad = null;
    tg.nn.functional.conv2d(x, w, b).backward(g);
  };
}

function softmaxRows(tg: TG, p: Record<string, number>): () => unknown {
  const x = tg.randn([p.n!, p.c!], { requiresGrad: true });
  const g = tg.randn([p.n!, p.c!]);
  return () => {
    x.grad = null;
    x.softmax(-1).backward(g);
  };
}

function crossEntropyRows(tg: TG, p: Record<string, number>): () => unknown {
  const x = tg.randn([p.n!, p.c!], { requiresGrad: true });
  const y = tg.randint(0, p.c!, [p.n!]);
  return () => {
    x.grad = null;
    tg.nn.functional.crossEntropy(x, y).backward();
  };
}

/** pytorch/examples' MNIST network (28×28 inputs), as bench/torch_bench.py's MnistNet. */
function mnistNet(tg: TG) {
  const { nn, F } = tg;
  class Net extends nn.Module {
    conv1 = new nn.Conv2d(1, 32, 3);
    conv2 = new nn.Conv2d(32, 64, 3);
    dropout1 = new nn.Dropout(0.25);
    dropout2 = new nn.Dropout(0.5);
    fc1 = new nn.Linear(9216, 128);
    fc2 = new nn.Linear(128, 10);
    override forward(x: Tensor): Tensor {
      let h = this.conv2.forward(this.conv1.forward(x).relu()).relu();
      h = this.dropout1.forward(F.maxPool2d(h, 2) as Tensor).flatten(1);
      h = this.dropout2.forward(this.fc1.forward(h).relu());
      return F.logSoftmax(this.fc2.forward(h), 1);
    }
  }
  return new Net();
}

/** nanoGPT's architecture, small (as bench/torch_bench.py's CharGPT): pre-LN blocks, causal attention, GELU MLP, tied output layer. */
function charGpt(tg: TG, p: Record<string, number>) {
  const { nn, F } = tg;
  const E = p.embed!, H = p.heads!;
  class Attention extends nn.Module {
    qkv = new nn.Linear(E, 3 * E);
    proj = new nn.Linear(E, E);
    override forward(x: Tensor): Tensor {
      const [B, T] = x.shape as [number, number, number];
      const [q, k, v] = this.qkv.forward(x).split(E, 2).map((t) => t.reshape(B, T, H, E / H).transpose(1, 2));
      return this.proj.forward(F.scaledDotProductAttention(q!, k!, v!, { isCausal: true }).transpose(1, 2).reshape(B, T, E));
    }
  }
  class Block extends nn.Module {
    ln1 = new nn.LayerNorm(E);
    attn = new Attention();
    ln2 = new nn.LayerNorm(E);
    mlp = new nn.Sequential(new nn.Linear(E, 4 * E), new nn.GELU(), new nn.Linear(4 * E, E));
    override forward(x: Tensor): Tensor {
      x = x.add(this.attn.forward(this.ln1.forward(x)));
      return x.add(this.mlp.forward(this.ln2.forward(x)));
    }
  }
  class GPT extends nn.Module {
    wte = new nn.Embedding(p.vocab!, E);
    wpe = new nn.Embedding(p.block!, E);
    blocks = new nn.ModuleList(Array.from({ length: p.layers! }, () => new Block()));
    lnF = new nn.LayerNorm(E);
    lmHead = new nn.Linear(E, p.vocab!, { bias: false });
    constructor() {
      super();
      this.lmHead.weight = this.wte.weight;
    }
    override forward(idx: Tensor): Tensor {
      let x = this.wte.forward(idx).add(this.wpe.forward(tg.arange(idx.shape[1]!, { dtype: 'int32' })));
      for (const block of this.blocks) x = (block as Block).forward(x);
      return this.lmHead.forward(this.lnF.forward(x));
    }
  }
  return new GPT();
}

/** Work per call, for throughput columns: FLOPs for matmul, bytes moved for elementwise. */
function throughput(w: Workload, ns: number): string {
  const p = w.params;
  if (w.id === 'matmul_fwd_bwd') return `${((6 * p.m! * p.k! * p.n!) / ns).toFixed(1)} GFLOP/s`;
  if (w.id.startsWith('sgemm_')) return `${((2 * p.m! * p.k! * p.n!) / ns).toFixed(1)} GFLOP/s`;
  if (w.id === 'add_16m_inplace') return `${((12 * p.n!) / ns).toFixed(2)} GB/s`;
  if (w.report === 'samples') {
    const perSecond = (p.batch! * 1e9) / ns;
    return perSecond >= 10_000 ? `${Math.round(perSecond / 1000)}k samples/s` : `${Math.round(perSecond)} samples/s`;
  }
  if (w.id === 'add_16m' || w.id === 'add_1m') return `${((12 * p.n!) / ns).toFixed(2)} GB/s`;
  if (w.id === 'exp_1m' || w.id === 'relu_1m') return `${((8 * p.n!) / ns).toFixed(2)} GB/s`;
  return '';
}

function formatCell(w: Workload, t: Timing | undefined): string {
  if (!t) return '-';
  const ns = t.median_ns;
  if (w.report === 'us') return `${(ns / 1e3).toFixed(2)} µs`;
  if (w.report === 'ms') return [`${(ns / 1e6).toFixed(2)} ms`, throughput(w, ns)].filter(Boolean).join(', ');
  if (w.report === 'samples') return throughput(w, ns);
  return `${throughput(w, ns)} (${(ns / 1e6).toFixed(2)} ms)`;
}

/** `warmup` calls, then more until `seconds` have passed (same rule as torch_bench.py). */
function warmUp(fn: () => unknown, warmup: number, seconds: number): void {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < warmup; i++) fn();
  while (Number(process.hrtime.bigint() - t0) < seconds * 1e9) fn();
}

/** One repetition: time for `iters` calls / iters, in ns. */
function timeRep(fn: () => unknown, iters: number): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iters; i++) fn();
  return Number(process.hrtime.bigint() - t0) / iters;
}

function timing(samples: number[]): Timing {
  return { median_ns: median(samples), samples_ns: samples };
}

/**
 * Range of the repetitions without the fastest and the slowest, over the median: large when
 * something else ran for much of the measurement. One outlier repetition (a stray GC, another
 * process's burst) doesn't move the median and doesn't count here either.
 */
function spread(t: Timing | undefined): number {
  if (!t) return 0;
  const s = [...t.samples_ns].sort((a, b) => a - b);
  const inner = s.length > 4 ? s.slice(1, -1) : s;
  return (inner[inner.length - 1]! - inner[0]!) / t.median_ns;
}
const NOISY = 0.15;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * bench/torch_bench.py --serve, one process per thread count (OpenMP and the BLAS read their
 * thread counts from the environment at load time). Requests and replies are JSON lines.
 */
class TorchServer {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly waiting: { resolve: (v: unknown) => void; reject: (e: Error) => void }[] = [];
  private stderr = '';
  private exited: string | null = null;

  constructor(python: string, threads: number, isa: string | undefined) {
    // As the project's instructions for PyTorch timing: OPENBLAS_CORETYPE unset (unless --isa
    // asks for a kernel family), thread counts pinned through the environment.
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.OPENBLAS_CORETYPE;
    if (isa === 'avx2') Object.assign(env, { ATEN_CPU_CAPABILITY: 'avx2', OPENBLAS_CORETYPE: 'Haswell' });
    for (const k of ['OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS']) env[k] = String(threads);
    this.child = spawn(python, [path.join(BENCH, 'torch_bench.py'), '--threads', String(threads), '--serve'], { env });
    // A python that failed to start surfaces through 'error'/'exit' below; without this
    // listener the write to its closed stdin would throw EPIPE as an uncaught error instead.
    this.child.stdin.on('error', () => {});
    this.child.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    createInterface({ input: this.child.stdout }).on('line', (line) => this.waiting.shift()?.resolve(JSON.parse(line)));
    const fail = (why: string) => {
      const last = this.stderr.trim().split('\n').pop() ?? '';
      this.exited = `${python}: ${why}${last ? `: ${last}` : ''}`;
      for (const w of this.waiting.splice(0)) w.reject(new Error(this.exited));
    };
    this.child.on('error', (e) => fail(e.message));
    this.child.on('exit', (code, signal) => fail(`exited ${code ?? signal}`));
  }

  request<T>(req: object): Promise<T> {
    if (this.exited) return Promise.reject(new Error(this.exited));
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ resolve: resolve as (v: unknown) => void, reject });
      this.child.stdin.write(JSON.stringify(req) + '\n');
    });
  }

  close(): void {
    this.child.stdin.end();
  }
}

function git(...args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

function pad(s: string, n: number, right = false): string {
  return right ? s.padStart(n) : s.padEnd(n);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      impl: { type: 'string', default: 'src' },
      reps: { type: 'string' },
      only: { type: 'string' },
      threads: { type: 'string' },
      'no-torch': { type: 'boolean', default: false },
      python: { type: 'string', default: process.env.BENCH_PYTHON ?? '/usr/bin/python3' },
      out: { type: 'string' },
      isa: { type: 'string' },
    },
  });
  const config = JSON.parse(fs.readFileSync(path.join(BENCH, 'workloads.json'), 'utf8')) as Config;
  const reps = values.reps ? Number(values.reps) : config.reps;
  const only = new Set((values.only ?? '').split(',').filter(Boolean));
  const unknown = [...only].filter((id) => !config.workloads.some((w) => w.id === id));
  if (unknown.length) throw new Error(`--only: unknown workload ${unknown.join(', ')} (see bench/workloads.json)`);
  const workloads = config.workloads.filter((w) => only.size === 0 || only.has(w.id));
  const threadCounts = values.threads
    ? values.threads.split(',').map(Number)
    : [...new Set(workloads.flatMap((w) => w.threads))].sort((a, b) => a - b);

  if (values.isa !== undefined && values.isa !== 'avx2') throw new Error(`--isa ${values.isa}: only avx2 is known`);
  // The addon reads TG_SIMD when it loads, below.
  if (values.isa) process.env.TG_SIMD = values.isa;
  const out = values.out ?? path.join(BENCH, 'results', values.isa ? `latest-${values.isa}.json` : 'latest.json');

  let tg: TG;
  if (values.impl === 'src') {
    tg = await import('../src/index.js');
  } else {
    const file = values.impl === 'dist' ? path.join(ROOT, 'dist', 'index.mjs') : path.resolve(values.impl!);
    if (!fs.existsSync(file)) throw new Error(`--impl ${values.impl}: ${file} not found (\`npm run build:ts\` builds dist/)`);
    tg = (await import(pathToFileURL(file).href)) as TG;
  }

  // Other work on the machine (a compiler, a test run) skews everything; say so up front. Half
  // the cores: the 1-minute average still carries the previous run's own load for a while.
  const loadAtStart = os.loadavg();
  if (loadAtStart[0]! > os.cpus().length / 2)
    console.warn(`note: load average ${loadAtStart.map((l) => l.toFixed(2)).join(' ')}: the machine is busy, timings will be noisy`);
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) console.warn('note: gc() not exposed (run through `npm run bench`); workloads may pay for earlier garbage');
  const info = tg.backendInfo();
  if (values.isa && info.simd !== values.isa) throw new Error(`--isa ${values.isa}: this CPU runs ${info.simdSupported.join(', ')}`);
  const impl = values.impl === 'src' || values.impl === 'dist' ? values.impl : path.relative(ROOT, path.resolve(values.impl!));
  console.log(
    `tensorgrad ${info.version} (${impl}), simd ${info.simd}, node ${process.version}, ` +
      `${os.cpus()[0]?.model ?? 'cpu'} x${os.cpus().length}; ${reps} reps, median` +
      (values.isa ? `; PyTorch with ATEN_CPU_CAPABILITY=${values.isa}, OPENBLAS_CORETYPE=Haswell` : ''),
  );

  const make = makers(tg);
  const rows: { workload: Workload; threads: number; tensorgrad: Timing; torch?: Timing }[] = [];
  const torchInfo: Record<string, TorchInfo | { error: string }> = {};

  const t0 = Date.now();
  for (const threads of threadCounts) {
    const group = workloads.filter((w) => w.threads.includes(threads));
    if (group.length === 0) continue;
    tg.setNumThreads(threads);
    let torch: TorchServer | null = null;
    if (!values['no-torch']) {
      torch = new TorchServer(values.python!, threads, values.isa);
      try {
        torchInfo[`threads_${threads}`] = await torch.request<TorchInfo>({ op: 'info' });
      } catch (err) {
        const error = (err as Error).message;
        torchInfo[`threads_${threads}`] = { error };
        console.warn(`PyTorch (${threads} threads) unavailable, timing tensorgrad alone: ${error}`);
        torch = null;
      }
    }
    for (const w of group) {
      gc?.();
      // Same data on every run; the timed ops do not depend on the values.
      tg.manualSeed(0);
      const maker = make[w.id];
      if (!maker) throw new Error(`no tensorgrad workload for ${w.id}`);
      // PyTorch's setup first: the await is the only event-loop turn, before our warm-up.
      await torch?.request({ op: 'setup', id: w.id });
      const fn = maker(w.params);
      warmUp(fn, w.warmup, config.warmup_s);
      const ours: number[] = [];
      for (let r = 0; r < reps; r++) ours.push(timeRep(fn, w.iters));
      const theirs = torch ? (await torch.request<{ samples_ns: number[] }>({ op: 'measure', reps })).samples_ns : null;
      const row = { workload: w, threads, tensorgrad: timing(ours), torch: theirs ? timing(theirs) : undefined };
      rows.push(row);
      process.stderr.write(`  ${w.id} x${threads}: ${formatCell(w, row.tensorgrad)} | ${formatCell(w, row.torch)}\n`);
    }
    torch?.close();
  }
  const seconds = (Date.now() - t0) / 1000;

  // ---- table -----------------------------------------------------------------------------
  const header = ['workload', 'thr', 'tensorgrad', 'PyTorch', 'ratio'];
  const cells = rows.map((r) => [
    r.workload.label,
    String(r.threads),
    formatCell(r.workload, r.tensorgrad),
    formatCell(r.workload, r.torch),
    (r.torch ? `${(r.torch.median_ns / r.tensorgrad.median_ns).toFixed(2)}x` : '-') +
      (Math.max(spread(r.tensorgrad), spread(r.torch)) > NOISY ? ' *' : '  '),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((s, i) => pad(s, widths[i]!, i >= 1)).join('  ');
  console.log();
  console.log(line(header));
  console.log(widths.map((n) => '-'.repeat(n)).join('  '));
  for (const c of cells) console.log(line(c));
  console.log('ratio = PyTorch time / tensorgrad time (> 1: tensorgrad is faster)');
  if (cells.some((c) => c[4]!.endsWith('*')))
    console.log(`* repetitions spread over more than ${NOISY * 100}% of the median (outliers aside): rerun on a quiet machine`);
  const someTorch = Object.values(torchInfo).find((r): r is TorchInfo => !('error' in r));
  if (someTorch) {
    console.log(`PyTorch ${someTorch.torch} (python ${someTorch.python}), BLAS: ${someTorch.blas.join(', ') || 'built in'}`);
    // Debian's alternatives put the reference (netlib) BLAS at .../blas/libblas.so.3 unless
    // OpenBLAS or MKL is installed; its GEMM is unblocked Fortran (4.4 GFLOP/s on the 2-core
    // AMD EPYC this was written on, where our kernel ran at ~35 on one thread).
    if (someTorch.blas.some((p) => /\/blas\/libblas\.so/.test(p)))
      console.log('  (reference netlib BLAS: matmul ratios say how we compare with this PyTorch, not with a wheel built on MKL)');
  }
  console.log(`total ${seconds.toFixed(1)} s`);

  // ---- JSON ------------------------------------------------------------------------------
  const result = {
    date: new Date().toISOString(),
    git: { commit: git('rev-parse', 'HEAD'), dirty: git('status', '--porcelain', '--untracked-files=no', '--', '.', ':!bench/results') !== '' },
    machine: { cpu: os.cpus()[0]?.model, cores: os.cpus().length, platform: `${os.platform()}-${os.arch()}` },
    node: process.version,
    isa: values.isa ?? 'best',
    tensorgrad: { ...info, impl },
    torch: torchInfo,
    loadavg: { start: loadAtStart, end: os.loadavg() },
    reps,
    seconds,
    results: rows.map((r) => ({
      id: r.workload.id,
      label: r.workload.label,
      threads: r.threads,
      iters: r.workload.iters,
      params: r.workload.params,
      tensorgrad: { ...r.tensorgrad, display: formatCell(r.workload, r.tensorgrad) },
      torch: r.torch ? { ...r.torch, display: formatCell(r.workload, r.torch) } : null,
      ratio: r.torch ? r.torch.median_ns / r.tensorgrad.median_ns : null,
      spread: { tensorgrad: spread(r.tensorgrad), torch: r.torch ? spread(r.torch) : null },
    })),
  };
  // Write-then-rename so an interrupted run never leaves a truncated latest.json.
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const tmp = `${out}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(result, null, 2) + '\n');
  fs.renameSync(tmp, out);
  console.log(`wrote ${path.relative(process.cwd(), out)}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
