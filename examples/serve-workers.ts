// CPU-parallel serving with worker_threads: the main thread owns the HTTP server and only parses
// and dispatches; `--workers` workers (default: the CPU count) each load the weights, trace their
// own compiled steps (one per batch bucket, as examples/serve-model.ts) and predict with run() on
// their own thread. The images go to a worker as a transferred ArrayBuffer (no copy), the
// predictions come back the same way. The addon is context-aware: each worker loads it with its
// own state (thread pool settings, generator, compiled steps). The weights are loaded once, by
// the main thread, into SharedArrayBuffers; each worker's parameters are views of them
// (tg.frombuffer), not copies: N workers hold one copy of the model. (17 KB here, where it hardly
// matters; for a model of hundreds of MB it is the difference between fitting and not.) Nothing
// writes them while serving: a shared weight written by one thread while another computes with
// it would give torn values, as any shared memory.
//
//   POST /predict  octet-stream: 64 little-endian float32 pixels (0–16) per image
//                  → {"predictions": [digit, ...]}
//   GET /health, GET /stats   as examples/serve-model.ts
//
//   npx tsx examples/serve-workers.ts --model digits-mlp.safetensors [--port 0] [--workers 2]
import { availableParallelism } from 'node:os';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import * as tg from '../src/index.js';
import { createModel, ensureModel, lagMonitor } from './serve-model.js';

const FEATURES = 64;
const BUCKETS = [1, 4, 16, 64, 256, 1024, 4096];

interface Job {
  id: number;
  pixels: Float32Array;
}

/** Each parameter of a state dict in a SharedArrayBuffer of its own, with its shape. */
type SharedWeights = Record<string, { buffer: SharedArrayBuffer; shape: number[] }>;

/** Copies the weights at `modelPath` into shared memory once, for every worker to view. */
export function loadShared(modelPath: string): SharedWeights {
  const shared: SharedWeights = {};
  for (const [name, t] of Object.entries(tg.load(modelPath))) {
    const buffer = new SharedArrayBuffer(t.numel() * 4);
    new Float32Array(buffer).set(t.toTypedArray() as Float32Array);
    shared[name] = { buffer, shape: t.shape };
  }
  return shared;
}

/** Makes each of `model`'s parameters a view of its shared buffer (no copy), as
 *  `module.weight = nn.Parameter(torch.frombuffer(...))` does in PyTorch. */
export function adoptShared(model: tg.nn.Module, shared: SharedWeights): void {
  const own = new Map(model.namedParameters());
  for (const [name, { buffer, shape }] of Object.entries(shared)) {
    const p = own.get(name);
    if (!p || p.shape.join() !== shape.join()) throw new Error(`shared weights: ${name} [${shape}] does not fit the model`);
    const path = name.split('.');
    const field = path.pop()!;
    const owner = path.reduce((m, k) => (m as unknown as Record<string, tg.nn.Module>)[k]!, model);
    (owner as unknown as Record<string, tg.nn.Parameter>)[field] = new tg.nn.Parameter(tg.frombuffer(buffer).view(shape), false);
  }
}

/** A worker: the model over the shared weights, its compiled steps, and a loop over the jobs the main thread posts. */
function workerMain(shared: SharedWeights): void {
  const model = createModel();
  adoptShared(model, shared);
  model.eval();
  const steps = new Map<number, tg.Compiled>();
  parentPort!.on('message', ({ id, pixels }: Job) => {
    try {
      const n = pixels.length / FEATURES;
      const rows = BUCKETS.find((b) => b >= n)!;
      let step = steps.get(rows);
      if (!step) steps.set(rows, (step = tg.noGrad(() => tg.jit.trace((v) => model.forward(v.div(16)).argmax(1).to('int32'), [tg.zeros([rows, FEATURES])]))));
      let input = pixels;
      if (n !== rows) (input = new Float32Array(rows * FEATURES)).set(pixels);
      const out = (step.run(tg.frombuffer(input).view(rows, FEATURES)) as tg.Tensor).toTypedArray() as Int32Array;
      const predictions = out.slice(0, n);
      parentPort!.postMessage({ id, predictions }, [predictions.buffer as ArrayBuffer]);
    } catch (e) {
      parentPort!.postMessage({ id, error: (e as Error).message });
    }
  });
}

/** Starts `workers` workers and the HTTP server on `port`; resolves with the bound port and a stop function. */
export async function startWorkersServer(opts: { modelPath: string; port?: number; workers?: number }): Promise<{ port: number; stop: () => Promise<void> }> {
  // Run from TypeScript source (npx tsx, which loads it as CommonJS), a worker registers tsx's
  // require hook before loading this file; built to .js, `new Worker(thisFile, { workerData })`.
  const self = fileURLToPath(import.meta.url);
  const boot = `require('tsx/cjs/api').register(); require(${JSON.stringify(self)});`;
  const workerData = { shared: loadShared(opts.modelPath) };
  const workers = Array.from({ length: opts.workers ?? availableParallelism() }, () =>
    self.endsWith('.ts') ? new Worker(boot, { eval: true, workerData }) : new Worker(self, { workerData }));
  const pending = new Map<number, (r: { predictions?: Int32Array; error?: string }) => void>();
  type Reply = { id: number; predictions?: Int32Array; error?: string };
  for (const w of workers)
    w.on('message', (r: Reply) => {
      pending.get(r.id)?.(r);
      pending.delete(r.id);
    });
  let next = 0, ids = 0;
  const dispatch = (pixels: Float32Array) =>
    new Promise<{ predictions?: Int32Array; error?: string }>((ok) => {
      const id = ids++;
      pending.set(id, ok);
      workers[next++ % workers.length]!.postMessage({ id, pixels }, [pixels.buffer as ArrayBuffer]);
    });
  const lag = lagMonitor();
  const server = createServer((req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'GET' && req.url === '/health') return reply(200, { ok: true });
    if (req.method === 'GET' && (req.url === '/stats' || req.url === '/stats?reset=1')) return reply(200, { timerLatenessMs: lag.report(req.url.endsWith('reset=1')) });
    if (req.method !== 'POST' || req.url !== '/predict') return reply(404, { error: 'use POST /predict (octet-stream float32 pixels)' });
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= 4 * FEATURES * BUCKETS.at(-1)!) chunks.push(c);
    });
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const n = body.length / (4 * FEATURES);
      if (size !== body.length || !Number.isInteger(n) || n === 0) return reply(400, { error: `expected 1 to ${BUCKETS.at(-1)} images of ${FEATURES} float32` });
      const pixels = new Float32Array(n * FEATURES);
      new Uint8Array(pixels.buffer).set(body);
      if (!pixels.every(Number.isFinite)) return reply(400, { error: 'pixels must be finite numbers' });
      const r = await dispatch(pixels);
      if (r.error) reply(500, { error: r.error });
      else reply(200, { predictions: Array.from(r.predictions!) });
    });
  });
  await new Promise<void>((ok) => server.listen(opts.port ?? 3000, '127.0.0.1', ok));
  return {
    port: (server.address() as AddressInfo).port,
    stop: async () => {
      lag.stop();
      server.close();
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

if (!isMainThread) workerMain((workerData as { shared: SharedWeights }).shared);
else if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? process.argv[i + 1] : undefined;
  };
  const modelPath = resolve(arg('--model') ?? 'digits-mlp.safetensors');
  ensureModel(modelPath);
  const workers = arg('--workers') ? Number(arg('--workers')) : undefined;
  startWorkersServer({ modelPath, port: Number(arg('--port') ?? process.env.PORT ?? 3000), workers }).then(({ port }) => {
    console.log(`serving ${modelPath} on http://127.0.0.1:${port}/predict (${workers ?? availableParallelism()} workers)`);
  });
}
