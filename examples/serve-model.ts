// Serving a trained model over HTTP with nothing but node:http: train a digits MLP (or reuse the
// weights file if it exists), save it with tg.save (safetensors), load the weights back with
// tg.load + loadStateDict into a fresh model, and answer
//   POST /predict  {"inputs": [[64 pixel values 0–16], ...]}
//   → 200 {"predictions": [digit, ...], "probabilities": [[10 numbers], ...]}
// Malformed requests get a 400 with a message saying what is wrong; nothing a client sends can
// take the server down. A body with content-type application/octet-stream is the pixels as
// little-endian float32, 64 per image (no JSON to parse: for large batches).
//
// Predictions run as compiled steps (tg.jit.trace) replayed with runAsync: the forward pass runs
// on a libuv worker thread, so the event loop keeps answering other requests meanwhile. A
// compiled step has fixed shapes, so there is one per batch size bucket (1, 4, 16, ..., 4096
// rows; a request is padded up to its bucket), traced on first use; requests of one bucket run
// one after another. `--mode sync` predicts with the eager, synchronous forward instead (to
// compare: examples/serve-load-test.ts measures both).
//   GET /health  → {"ok": true}: the cheap endpoint whose latency shows a blocked event loop.
//   GET /stats   → the lateness of a 10 ms timer in this process (p50, p99, max, in ms) since
//                  the last GET /stats?reset=1: the event loop's lag.
//
//   npx tsx examples/serve-model.ts                 (port from $PORT, default 3000)
//   npx tsx examples/serve-model.ts --port 0        (any free port; the chosen one is printed)
//   npx tsx examples/serve-model.ts --model my.safetensors [--mode sync]
//   curl -s localhost:3000/predict -d '{"inputs": [[0,0,5,13,9,1,0,0,0,0,13,15,10,15,5,0,0,3,15,2,0,11,8,0,0,4,12,0,0,8,8,0,0,5,8,0,0,9,8,0,0,4,11,0,1,12,7,0,0,2,14,5,10,12,0,0,0,0,6,13,10,0,0,0]]}'
//
// Inside the repo this imports ../src/index.js; in your own project write
// `import * as tg from 'tensorgrad'` and nothing else changes.
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tg from '../src/index.js';
import { digits, QUICK } from './datasets.js';

const { nn, optim, data } = tg;
const FEATURES = 64;
const MAX_BODY_BYTES = 1 << 20; // 1 MiB: about 5,000 images; more is refused, not buffered
const MAX_ROWS = 1000;  // per JSON request
const MAX_BINARY_ROWS = MAX_BODY_BYTES / (4 * FEATURES);  // 4096
/** Batch sizes with a compiled step; a request is padded to the smallest one that holds it. */
const BUCKETS = [1, 4, 16, 64, 256, 1024, MAX_BINARY_ROWS];

/** The architecture; a saved state dict only holds weights, so loading rebuilds this first. */
export const createModel = () => new nn.Sequential(new nn.Linear(FEATURES, 64), new nn.ReLU(), new nn.Linear(64, 10));

/** Trains a digits MLP on all 1797 images and saves its state dict to `path`, unless the file
 *  exists already. Returns whether it trained. */
export function ensureModel(path: string, opts: { epochs?: number } = {}): boolean {
  if (existsSync(path)) return false;
  tg.manualSeed(0);
  const all = digits();
  const x = tg.tensor(all.x.map((r) => r.map((v) => v / 16))); // the server applies the same /16
  const y = tg.tensor(Int32Array.from(all.y));
  const model = createModel();
  const lossFn = new nn.CrossEntropyLoss();
  const opt = new optim.Adam(model.parameters(), { lr: 3e-3 });
  const loader = new data.DataLoader(new data.TensorDataset(x, y), { batchSize: 32, shuffle: true });
  for (let epoch = 0; epoch < (opts.epochs ?? 15); epoch++) {
    for (const [xb, yb] of loader) {
      opt.zeroGrad();
      lossFn.forward(model.forward(xb!), yb!).backward();
      opt.step();
    }
  }
  model.eval();
  const acc = tg.noGrad(() => model.forward(x).argmax(1).eq(y).to('float32').mean().item() as number);
  tg.save(model.stateDict(), path, { accuracy: acc.toFixed(4) });
  console.log(`trained: accuracy ${(acc * 100).toFixed(1)}% on the ${all.x.length} images, saved to ${path}`);
  return true;
}

/** The client's mistake (400 unless told), reported back instead of thrown. */
class BadRequest extends Error {
  constructor(message: string, readonly status = 400) {
    super(message);
  }
}

/** Checks the request body and turns it into a [n, 64] tensor of pixels 0–16 (unscaled). */
function parseInputs(body: string): tg.Tensor {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (e) {
    throw new BadRequest(`body is not valid JSON: ${(e as Error).message}`);
  }
  const inputs = (json as { inputs?: unknown } | null)?.inputs;
  if (!Array.isArray(inputs) || inputs.length === 0) throw new BadRequest('expected {"inputs": [[64 numbers], ...]} with at least one row');
  if (inputs.length > MAX_ROWS) throw new BadRequest(`at most ${MAX_ROWS} rows per request, got ${inputs.length}`);
  const flat = new Float32Array(inputs.length * FEATURES);
  inputs.forEach((row: unknown, i) => {
    if (!Array.isArray(row) || row.length !== FEATURES) {
      throw new BadRequest(`inputs[${i}]: expected an array of ${FEATURES} numbers (8×8 pixels, 0–16), got ${Array.isArray(row) ? `${row.length} items` : typeof row}`);
    }
    row.forEach((v: unknown, j) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new BadRequest(`inputs[${i}][${j}]: expected a finite number, got ${JSON.stringify(v)}`);
      flat[i * FEATURES + j] = v;
    });
  });
  return tg.tensor(flat, { shape: [inputs.length, FEATURES] });
}

/** The octet-stream body: whole images of 64 little-endian float32 pixels (0–16), unscaled (the
 *  model's input step divides by 16), read straight into `pixels` (one of BODIES): no per-value
 *  parsing, and no copy (tg.frombuffer: the tensor is a view of the pooled body, which goes back
 *  to the pool only once the prediction is done). */
function parseBinary(pixels: Float32Array, bytes: number): tg.Tensor {
  const rows = bytes / (4 * FEATURES);
  if (!Number.isInteger(rows) || rows === 0) throw new BadRequest(`binary body: expected a whole number of images of ${FEATURES} float32 (${4 * FEATURES} bytes), got ${bytes} bytes`);
  const flat = pixels.subarray(0, rows * FEATURES);
  for (let i = 0; i < flat.length; i++) if (!Number.isFinite(flat[i]!)) throw new BadRequest(`binary body: pixel ${i} is not a finite number`);
  return tg.frombuffer(flat).view(rows, FEATURES);
}

// Reused bodies for octet-stream requests, one per request being read. Every fresh ArrayBuffer a
// request allocates counts towards the external memory at which V8 starts a full (mark-compact)
// GC, whose pause is the event loop's: a 4096-image request used to allocate its 1 MiB three
// times over (the chunks joined, copied to a Float32Array, copied into the tensor) besides the
// socket's chunks; now none (the tensor views the pooled body).
const BODIES: Float32Array[] = [];

/** Reads an octet-stream body into a pooled buffer; resolves with it and the byte count (release it with BODIES.push). */
function readBinaryBody(req: IncomingMessage): Promise<{ pixels: Float32Array; bytes: number }> {
  return new Promise((resolveBody, reject) => {
    const pixels = BODIES.pop() ?? new Float32Array(MAX_BODY_BYTES / 4);
    const bytesView = new Uint8Array(pixels.buffer);
    let size = 0, failed = false;
    req.on('data', (c: Buffer) => {
      if (failed) return;
      if (size + c.length > MAX_BODY_BYTES) {
        failed = true;
        BODIES.push(pixels);
        reject(new BadRequest(`body larger than ${MAX_BODY_BYTES} bytes`, 413));
        return;
      }
      bytesView.set(c, size);
      size += c.length;
    });
    req.on('end', () => { if (!failed) resolveBody({ pixels, bytes: size }); });
    req.on('error', (e) => {
      if (!failed) BODIES.push(pixels);
      failed = true;
      reject(e);
    });
  });
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      // Past the limit: answer 413 now and drop the rest unbuffered (the socket stays usable for
      // the reply, which destroying the request would prevent).
      if (size > MAX_BODY_BYTES) reject(new BadRequest(`body larger than ${MAX_BODY_BYTES} bytes`, 413));
      else chunks.push(c);
    });
    req.on('end', () => resolveBody(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** The lateness of a 10 ms interval timer: how long the event loop made it wait, per tick. */
export function lagMonitor() {
  const PERIOD = 10;
  let samples: number[] = [];
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    samples.push(Math.max(0, now - last - PERIOD));
    last = now;
    if (samples.length > 100_000) samples = samples.slice(-50_000);
  }, PERIOD);
  timer.unref();
  return {
    stop: () => clearInterval(timer),
    report(reset: boolean) {
      const sorted = samples.slice().sort((x, y) => x - y);
      const q = (f: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(f * sorted.length))]! : 0);
      const r = { samples: sorted.length, p50: q(0.5), p99: q(0.99), max: sorted.length ? sorted[sorted.length - 1]! : 0 };
      if (reset) samples = [];
      return r;
    },
  };
}

/** Class probabilities [n, 10] for pixels [n, 64] in 0–16 (scaled as in training). */
const probabilities = (model: tg.nn.Module, pixels: tg.Tensor) => model.forward(pixels.div(16)).softmax(1);

/**
 * Probabilities [n, 10] for images x [n, 64] with compiled steps replayed off the JS thread: one
 * per bucket of batch sizes, traced on first use; requests of a bucket queue behind each other
 * (a compiled step runs one replay at a time).
 */
function asyncPredictor(model: tg.nn.Module) {
  const steps = new Map<number, { step: tg.Compiled; queue: Promise<unknown> }>();
  return (x: tg.Tensor): Promise<tg.Tensor> => {
    const n = x.shape[0]!;
    const rows = BUCKETS.find((b) => b >= n)!;
    let entry = steps.get(rows);
    if (!entry) {
      const step = tg.noGrad(() => tg.jit.trace((v) => probabilities(model, v), [tg.zeros([rows, FEATURES])]));
      steps.set(rows, (entry = { step, queue: Promise.resolve() }));
    }
    const padded = n === rows ? x : tg.cat([x, tg.zeros([rows - n, FEATURES])]);
    const e = entry;
    const run = e.queue.then(() => e.step.runAsync(padded) as Promise<tg.Tensor>);
    e.queue = run.catch(() => undefined);
    return run.then((p) => (n === rows ? p : p.narrow(0, 0, n)));
  };
}

/** Loads the weights at `modelPath` and listens on `port` (0: any free port) on `host`.
 *  `mode`: 'async' (default) predicts with compiled steps off the JS thread, 'sync' with the
 *  eager forward on it. Resolves once listening, with the port actually bound. */
export async function startServer(opts: { modelPath: string; port?: number; host?: string; mode?: 'async' | 'sync' }): Promise<{ server: Server; port: number }> {
  const model = createModel();
  model.loadStateDict(tg.load(opts.modelPath)); // strict: a file for another architecture is an error here, at start
  model.eval();
  const predictAsync = asyncPredictor(model);
  const predict = opts.mode === 'sync' ? async (x: tg.Tensor) => tg.noGrad(() => probabilities(model, x)) : predictAsync;
  const lag = lagMonitor();
  const server = createServer(async (req, res) => {
    let body: Float32Array | null = null; // a pooled octet-stream body, in use until the answer is sent
    try {
      if (req.method === 'GET' && req.url === '/health') return send(res, 200, { ok: true });
      if (req.method === 'GET' && (req.url === '/stats' || req.url === '/stats?reset=1')) return send(res, 200, { timerLatenessMs: lag.report(req.url.endsWith('reset=1')) });
      if (req.url !== '/predict') return send(res, 404, { error: `no route ${req.url}; use POST /predict` });
      if (req.method !== 'POST') return send(res, 405, { error: 'use POST' });
      const binary = req.headers['content-type'] === 'application/octet-stream';
      let x: tg.Tensor;
      if (binary) {
        const { pixels, bytes } = await readBinaryBody(req);
        body = pixels;
        x = parseBinary(pixels, bytes);
      } else x = parseInputs((await readBody(req)).toString('utf8'));
      if (x.shape[0]! > MAX_BINARY_ROWS) throw new BadRequest(`at most ${MAX_BINARY_ROWS} images per request`);
      const probs = await predict(x);
      send(res, 200, {
        predictions: Array.from(probs.argmax(1).toTypedArray()),
        probabilities: binary ? undefined : (probs.toArray() as number[][]),
      });
    } catch (e) {
      // Anything else is our bug: answer 500 and keep serving.
      if (e instanceof BadRequest) send(res, e.status, { error: e.message });
      else send(res, 500, { error: `internal error: ${(e as Error).message}` });
    } finally {
      if (body) BODIES.push(body);
    }
  });
  server.on('close', () => lag.stop());
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(opts.port ?? 3000, opts.host ?? '127.0.0.1', () => ok());
  });
  return { server, port: (server.address() as AddressInfo).port };
}

// Run as a program (not when imported by a test).
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? process.argv[i + 1] : undefined;
  };
  const port = Number(arg('--port') ?? process.env.PORT ?? 3000);
  const modelPath = resolve(arg('--model') ?? 'digits-mlp.safetensors');
  const mode = arg('--mode') ?? 'async';
  if (mode !== 'async' && mode !== 'sync') {
    console.error(`bad --mode ${mode}: async or sync`);
    process.exit(2);
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`bad port: ${arg('--port') ?? process.env.PORT}`);
    process.exit(2);
  }
  ensureModel(modelPath, { epochs: QUICK ? 5 : 15 });
  startServer({ modelPath, port, mode }).then(({ port: bound }) => {
    console.log(`serving ${modelPath} on http://127.0.0.1:${bound}/predict (${mode})`);
  });
}
