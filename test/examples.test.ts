// Runs every program in examples/ the way a user does (`npx tsx examples/<name>.ts`), with
// EXAMPLES_QUICK=1 so they train for less, and checks the exit code and the line that shows the
// example did its job. Then starts the serve-model HTTP server in-process on an ephemeral port.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureModel, startServer } from '../examples/serve-model.js';
import { startWorkersServer } from '../examples/serve-workers.js';

const root = fileURLToPath(new URL('..', import.meta.url));

function run(name: string): string {
  const r = spawnSync('npx', ['tsx', `examples/${name}.ts`], {
    cwd: root,
    env: { ...process.env, EXAMPLES_QUICK: '1' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(r.error, `${name}: ${r.error}`).toBeUndefined();
  expect(r.status, `${name} exited with ${r.status}:\n${r.stdout}\n${r.stderr}`).toBe(0);
  return r.stdout;
}

/** The first number after `label` in the output. */
function num(out: string, label: RegExp): number {
  const m = out.match(new RegExp(label.source + String.raw`\s*(-?[\d.]+(?:e[-+]?\d+)?)`));
  expect(m, `no ${label} in:\n${out}`).not.toBeNull();
  return Number(m![1]);
}

describe('examples', { timeout: 60_000 }, () => {
  it('01-gradient-by-hand: hand-written and autograd gradients agree, w ≈ 2', () => {
    const out = run('01-gradient-by-hand');
    expect(num(out, /max \|gradient\(\) - autograd\| over \d+ epochs:/)).toBeLessThan(1e-4);
    expect(num(out, /fitted w: by hand/)).toBeCloseTo(2, 3);
    expect(num(out, /fitted w: by hand [\d.]+, autograd/)).toBeCloseTo(2, 3);
  });

  it('02-descent-variants: mini-batch and stochastic descent reach w ≈ 3, b ≈ 0.8', () => {
    const out = run('02-descent-variants');
    for (const v of ['stochastic', 'mini-batch']) {
      expect(Math.abs(num(out, new RegExp(`${v}\\s*:\\s*\\d+ updates, w =`)) - 3)).toBeLessThan(0.15);
      expect(Math.abs(num(out, new RegExp(`${v}\\s*:.*b =`)) - 0.8)).toBeLessThan(0.15);
    }
  });

  it('03-nn-linear: predicts ≈ 8 for x = 4', () => {
    expect(Math.abs(num(run('03-nn-linear'), /predict \(after training\) 4 ->/) - 8)).toBeLessThan(0.1);
  });

  it('04-diabetes-regression: reaches the closed-form R²', () => {
    const out = run('04-diabetes-regression');
    const closed = num(out, /closed-form R²/);
    expect(closed).toBeGreaterThan(0.5);
    expect(Math.abs(num(out, /trained R²/) - closed)).toBeLessThan(0.01);
  });

  it('05-iris-softmax: >= 90% test accuracy', () => {
    expect(num(run('05-iris-softmax'), /test accuracy/)).toBeGreaterThanOrEqual(90);
  });

  it('06-digits-mlp: >= 90% test accuracy', () => {
    expect(num(run('06-digits-mlp'), /\d%, test accuracy/)).toBeGreaterThanOrEqual(90);
  });

  it('08-char-gpt: the loss falls from ln(vocab) by more than 1.2 nats and samples print', () => {
    const out = run('08-char-gpt');
    const [first, last] = [...out.matchAll(/loss (\d+\.\d+) -> (\d+\.\d+)/g)][0]!.slice(1).map(Number) as [number, number];
    expect(first).toBeGreaterThan(3.9);
    expect(first - last).toBeGreaterThan(1.2);
    expect(out).toMatch(/sample: And God said.{100,}/);
  });

  it('07-digits-cnn: the pytorch/examples MNIST net (Conv2d, maxPool2d, Dropout, Adadelta, StepLR), >= 90% test accuracy', () => {
    expect(num(run('07-digits-cnn'), /\d%, test accuracy/)).toBeGreaterThanOrEqual(90);
  });
});

describe('serve-model', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tg-serve-'));
  let server: Awaited<ReturnType<typeof startServer>>['server'];
  let url = '';

  beforeAll(async () => {
    const modelPath = join(dir, 'digits.safetensors');
    expect(ensureModel(modelPath, { epochs: 3 })).toBe(true); // trains and saves
    expect(ensureModel(modelPath)).toBe(false); // reuses the file
    const started = await startServer({ modelPath, port: 0 });
    server = started.server;
    url = `http://127.0.0.1:${started.port}/predict`;
  }, 60_000);

  afterAll(() => {
    server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const post = async (body: string) => {
    const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };

  it('answers a valid request with predictions and probabilities', async () => {
    // A 0 from digits.csv (its first row) and a blank image.
    const zero = [0,0,5,13,9,1,0,0,0,0,13,15,10,15,5,0,0,3,15,2,0,11,8,0,0,4,12,0,0,8,8,0,0,5,8,0,0,9,8,0,0,4,11,0,1,12,7,0,0,2,14,5,10,12,0,0,0,0,6,13,10,0,0,0]; // prettier-ignore
    const { status, json } = await post(JSON.stringify({ inputs: [zero, new Array(64).fill(0)] }));
    expect(status).toBe(200);
    const preds = json.predictions as number[], probs = json.probabilities as number[][];
    expect(preds).toHaveLength(2);
    expect(preds[0]).toBe(0);
    expect(probs).toHaveLength(2);
    for (const p of probs) {
      expect(p).toHaveLength(10);
      expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    }
  });

  it('predicts from an octet-stream body (float32 pixels) as from JSON, and answers /health and /stats', async () => {
    const rows = Array.from({ length: 5 }, (_, i) => Array.from({ length: 64 }, (_, j) => (i * 31 + j * 7) % 17));
    const json = await post(JSON.stringify({ inputs: rows }));
    const res = await fetch(url, { method: 'POST', body: Buffer.from(Float32Array.from(rows.flat()).buffer), headers: { 'content-type': 'application/octet-stream' } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { predictions: number[] }).predictions).toEqual(json.json.predictions);
    const bad = await fetch(url, { method: 'POST', body: Buffer.alloc(10), headers: { 'content-type': 'application/octet-stream' } });
    expect(bad.status).toBe(400);
    const base = url.replace('/predict', '');
    expect(await (await fetch(`${base}/health`)).json()).toEqual({ ok: true });
    const stats = (await (await fetch(`${base}/stats`)).json()) as { timerLatenessMs: { p99: number } };
    expect(stats.timerLatenessMs.p99).toBeGreaterThanOrEqual(0);
  });

  it('compiled runAsync predictions (the default) equal the eager ones (--mode sync)', async () => {
    const rows = Array.from({ length: 20 }, (_, i) => Array.from({ length: 64 }, (_, j) => (i * 11 + j * 3) % 17));
    const want = await post(JSON.stringify({ inputs: rows }));
    const eager = await startServer({ modelPath: join(dir, 'digits.safetensors'), port: 0, mode: 'sync' });
    try {
      const res = await fetch(`http://127.0.0.1:${eager.port}/predict`, { method: 'POST', body: JSON.stringify({ inputs: rows }) });
      const got = (await res.json()) as Record<string, unknown>;
      expect(got.predictions).toEqual(want.json.predictions);
      (got.probabilities as number[][]).forEach((p, i) => p.forEach((v, j) => expect(v).toBeCloseTo((want.json.probabilities as number[][])[i]![j]!, 5)));
    } finally {
      eager.server.close();
    }
  });

  it('serve-workers: worker_threads workers predict what the server predicts', async () => {
    const rows = Array.from({ length: 7 }, (_, i) => Array.from({ length: 64 }, (_, j) => (i * 13 + j * 5) % 17));
    const want = (await post(JSON.stringify({ inputs: rows }))).json.predictions;
    const w = await startWorkersServer({ modelPath: join(dir, 'digits.safetensors'), port: 0, workers: 2 });
    try {
      for (let k = 0; k < 3; k++) {
        const res = await fetch(`http://127.0.0.1:${w.port}/predict`, { method: 'POST', body: Buffer.from(Float32Array.from(rows.flat()).buffer), headers: { 'content-type': 'application/octet-stream' } });
        expect(res.status).toBe(200);
        expect(((await res.json()) as { predictions: number[] }).predictions).toEqual(want);
      }
    } finally {
      await w.stop();
    }
  }, 30_000);

  it('answers malformed requests with 400 and a message, and keeps serving', async () => {
    const bad = await post('{"inputs": [[1, 2, 3]]}');
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatch(/inputs\[0\]: expected an array of 64 numbers/);
    const notJson = await post('{oops');
    expect(notJson.status).toBe(400);
    expect(notJson.json.error).toMatch(/not valid JSON/);
    expect((await post(JSON.stringify({ inputs: [new Array(64).fill('x')] }))).status).toBe(400);
    expect((await post('null')).status).toBe(400);
    expect((await post(JSON.stringify({ inputs: [] }))).status).toBe(400);
    expect((await post(' '.repeat(2 << 20))).status).toBe(413); // over the 1 MiB body limit
    expect((await post(JSON.stringify({ inputs: [new Array(64).fill(1)] }))).status).toBe(200);
  });
});
