// A bounded load test of examples/serve-model.ts on 127.0.0.1: starts the server in a child
// process (its own event loop, as in production), then for each mode (compiled steps with
// runAsync, the eager synchronous forward, and examples/serve-workers.ts: compiled steps in
// worker_threads workers) keeps `--concurrency` clients posting batches of
// `--rows` digit images (octet-stream float32) for `--seconds`, while a prober GETs /health every
// 20 ms. Reports predict throughput and latency, /health latency, and the server's own event-loop
// lag (the lateness of a 10 ms timer, from GET /stats).
//
// By default the clients share the machine's cores with the server, so their own work (undici
// sending and parsing megabytes a second) competes with the server's event loop. With --split
// (Linux, 2+ CPUs) the server runs on CPU 0 and this process on the others (taskset), as when the
// clients are other machines: the lag is then the server's own.
//
//   npx tsx examples/serve-load-test.ts [--seconds 10] [--concurrency 4] [--rows 1024] [--mode all|async|sync|workers] [--split]
import { execFileSync, spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureModel } from './serve-model.js';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1]! : dflt;
};
const SECONDS = Math.min(30, Number(arg('--seconds', '10')));
const CONCURRENCY = Number(arg('--concurrency', '4'));
const ROWS = Number(arg('--rows', '1024'));
const MODES = arg('--mode', 'all') === 'all' ? ['async', 'sync', 'workers'] : [arg('--mode', 'all')];
const SPLIT = process.argv.includes('--split');
if (SPLIT && (process.platform !== 'linux' || availableParallelism() < 2)) {
  console.error('--split needs Linux (taskset) and at least 2 CPUs');
  process.exit(2);
}

const quantile = (xs: number[], q: number) => {
  const s = xs.slice().sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))]! : NaN;
};

/** Starts the server in a child process on a free port; resolves with its base URL and the child. */
function startChild(modelPath: string, mode: string): Promise<{ url: string; stop: () => void }> {
  const server = fileURLToPath(new URL(mode === 'workers' ? './serve-workers.ts' : './serve-model.ts', import.meta.url));
  // process.execArgv carries tsx's loader, so the child runs the TypeScript source as this one does.
  const args = [...process.execArgv, server, '--port', '0', '--model', modelPath, ...(mode === 'workers' ? [] : ['--mode', mode])];
  const child = SPLIT
    ? spawn('taskset', ['-c', '0', process.execPath, ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
    : spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((ok, fail) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
      if (m) ok({ url: `http://127.0.0.1:${m[1]}`, stop: () => child.kill() });
    });
    child.on('exit', (code) => fail(new Error(`server exited (${code}) before listening: ${out}`)));
  });
}

async function load(url: string) {
  const body = Buffer.alloc(ROWS * 64 * 4);
  for (let i = 0; i < ROWS * 64; i++) body.writeFloatLE((i * 7919) % 17, 4 * i);
  const post = () => fetch(`${url}/predict`, { method: 'POST', body, headers: { 'content-type': 'application/octet-stream' } }).then(async (r) => {
    if (r.status !== 200) throw new Error(`predict: ${r.status} ${await r.text()}`);
    await r.arrayBuffer();
  });
  await post();  // traces the bucket's compiled step
  await fetch(`${url}/stats?reset=1`).then((r) => r.json());
  const end = performance.now() + SECONDS * 1000;
  const predictMs: number[] = [], healthMs: number[] = [];
  const client = async () => {
    while (performance.now() < end) {
      const t = performance.now();
      await post();
      predictMs.push(performance.now() - t);
    }
  };
  const prober = async () => {
    while (performance.now() < end) {
      const t = performance.now();
      await fetch(`${url}/health`).then((r) => r.json());
      healthMs.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const t0 = performance.now();
  await Promise.all([...Array.from({ length: CONCURRENCY }, client), prober()]);
  const seconds = (performance.now() - t0) / 1000;
  const lag = ((await fetch(`${url}/stats`).then((r) => r.json())) as { timerLatenessMs: { p50: number; p99: number; max: number } }).timerLatenessMs;
  return { requests: predictMs.length, seconds, predictMs, healthMs, lag };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tg-load-'));
  try {
    const modelPath = join(dir, 'digits.safetensors');
    ensureModel(modelPath, { epochs: 3 });
    // Every thread of this process (undici's included) off the server's CPU.
    if (SPLIT) execFileSync('taskset', ['-a', '-cp', `1-${availableParallelism() - 1}`, String(process.pid)], { stdio: 'ignore' });
    console.log(`${SECONDS} s per mode, ${CONCURRENCY} clients, ${ROWS} images per request (octet-stream), /health every 20 ms${SPLIT ? ', server on CPU 0, clients on the others' : ', clients on the same cores as the server'}`);
    console.log('| mode | requests/s | images/s | predict p50 / p99 ms | /health p50 / p99 ms | event-loop lag p50 / p99 / max ms |');
    console.log('|---|---|---|---|---|---|');
    for (const mode of MODES) {
      const { url, stop } = await startChild(modelPath, mode);
      try {
        const r = await load(url);
        const f = (v: number) => v.toFixed(1);
        console.log(`| ${{ async: 'compiled, runAsync', sync: 'eager, sync', workers: 'compiled, 2 worker_threads' }[mode]} | ${f(r.requests / r.seconds)} | ${Math.round((r.requests * ROWS) / r.seconds)} | ${f(quantile(r.predictMs, 0.5))} / ${f(quantile(r.predictMs, 0.99))} | ${f(quantile(r.healthMs, 0.5))} / ${f(quantile(r.healthMs, 0.99))} | ${f(r.lag.p50)} / ${f(r.lag.p99)} / ${f(r.lag.max)} |`);
      } finally {
        stop();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
