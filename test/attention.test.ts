// nn.MultiheadAttention and F.scaledDotProductAttention against PyTorch 1.13
// (test/fixtures/attention.json, written by scripts/gen_attention_fixtures.py): PyTorch's state
// dict loads into ours under the same keys, and the output, the attention weights and every
// gradient match. Then the fused attention kernel on its own (below).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as tg from '../src/index.js';
import { native } from '../src/native.js';
import { compareTensor, makeTensor, type TensorData } from './helpers/fixtures.js';
import { simdPaths } from './helpers/simd.js';

interface AttentionCase {
  name: string;
  embedDim: number;
  numHeads: number;
  batchFirst: boolean;
  bias: boolean;
  selfAttn: boolean;
  needWeights: boolean;
  averageAttnWeights: boolean;
  state: Record<string, TensorData>;
  inputs: TensorData[];
  attnMask: TensorData | null;
  keyPaddingMask: TensorData | null;
  out: TensorData;
  weights: TensorData | null;
  G: TensorData;
  Gw: TensorData | null;
  inputGrads: TensorData[];
  paramGrads: Record<string, TensorData>;
}

const fixtures = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'attention.json'), 'utf8')) as { cases: AttentionCase[] };
const TOL = { rtol: 1e-4, atol: 1e-5 };
const tensorOf = (d: TensorData, requiresGrad = false) =>
  makeTensor({ ...d, data: d.data.map((v) => (typeof v === 'boolean' ? Number(v) : v)) }, requiresGrad);

describe('nn.MultiheadAttention vs PyTorch 1.13', () => {
  it.each(fixtures.cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const m = new tg.nn.MultiheadAttention(c.embedDim, c.numHeads, { batchFirst: c.batchFirst, bias: c.bias });
    const state = Object.fromEntries(Object.entries(c.state).map(([k, v]) => [k, tensorOf(v)]));
    expect(Object.keys(m.stateDict()).sort()).toEqual(Object.keys(state).sort());
    m.loadStateDict(state);
    const ins = c.inputs.map((d) => tensorOf(d, true));
    const [q, k, v] = c.selfAttn ? [ins[0]!, ins[0]!, ins[0]!] : ins;
    const [out, weights] = m.forward(q!, k!, v!, {
      attnMask: c.attnMask ? tensorOf(c.attnMask) : null,
      keyPaddingMask: c.keyPaddingMask ? tensorOf(c.keyPaddingMask) : null,
      needWeights: c.needWeights,
      averageAttnWeights: c.averageAttnWeights,
    });
    const problems = compareTensor('out', out, c.out, TOL);
    let loss = out.mul(tensorOf(c.G)).sum();
    if (c.weights) {
      problems.push(...compareTensor('weights', weights!, c.weights, TOL));
      loss = loss.add(weights!.mul(tensorOf(c.Gw!)).sum());
    } else expect(weights).toBeNull();
    loss.backward();
    c.inputGrads.forEach((g, i) => problems.push(...compareTensor(`input ${i} grad`, ins[i]!.grad!, g, TOL)));
    for (const [name, p] of m.namedParameters()) problems.push(...compareTensor(`${name} grad`, p.grad!, c.paramGrads[name]!, TOL));
    expect(problems).toEqual([]);
  });

  it('names PyTorch keys and camelCase accessors, and rejects bad shapes', () => {
    const m = new tg.nn.MultiheadAttention(4, 2);
    expect(Object.keys(m.stateDict())).toEqual(['in_proj_weight', 'in_proj_bias', 'out_proj.weight', 'out_proj.bias']);
    expect(m.inProjWeight.shape).toEqual([12, 4]);
    expect(m.outProj).toBeInstanceOf(tg.nn.Linear);
    expect(() => new tg.nn.MultiheadAttention(5, 2)).toThrow(/embed_dim must be divisible by num_heads/);
    expect(() => m.forward(tg.ones(3, 2, 5), tg.ones(3, 2, 5), tg.ones(3, 2, 5))).toThrow(/MultiheadAttention: query must be 3-D with embed_dim 4/);
  });
});

// ---- F.scaledDotProductAttention: the fused kernel (cpp/kernels/attention.cpp) against
// PyTorch 1.13's composed attention (fixtures' "sdpa" cases), finite differences, the composed
// path, every SIMD table, 1 vs 2 threads, and its memory.

interface SdpaCase {
  name: string;
  isCausal: boolean;
  scale: number | null;
  headsLast: boolean;
  inputs: TensorData[];
  attnMask: TensorData | null;
  out: TensorData;
  G: TensorData;
  grads: TensorData[];
}

const sdpaFixtures = (fixtures as unknown as { sdpa: SdpaCase[] }).sdpa;
const F = tg.nn.functional;
const FUSED = 'ScaledDotProductAttentionBackward0';

describe('F.scaledDotProductAttention (fused) vs PyTorch 1.13', () => {
  it.each(sdpaFixtures.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const leaves = c.inputs.map((d) => tensorOf(d, true));
    const [q, k, v] = leaves.map((t) => (c.headsLast ? t.transpose(1, 2) : t));
    const out = F.scaledDotProductAttention(q!, k!, v!, { isCausal: c.isCausal, scale: c.scale, attnMask: c.attnMask ? tensorOf(c.attnMask) : null });
    // The fused kernel ran (the composed path's last node is a matmul's).
    expect(out.gradFn?.name).toBe(FUSED);
    const problems = compareTensor('out', out, c.out, TOL);
    out.mul(tensorOf(c.G)).sum().backward();
    c.grads.forEach((g, i) => problems.push(...compareTensor(`input ${i} grad`, leaves[i]!.grad!, g, TOL)));
    expect(problems).toEqual([]);
  });
});

/** The attention composed from the ops (what the fused kernel replaces), for comparisons. */
function composedAttention(q: tg.Tensor, k: tg.Tensor, v: tg.Tensor, o: { isCausal?: boolean; attnMask?: tg.Tensor | null; scale?: number } = {}): tg.Tensor {
  const Lq = q.shape[q.dim() - 2]!, Sk = k.shape[k.dim() - 2]!;
  let s = q.matmul(k.transpose(-2, -1)).mul(o.scale ?? 1 / Math.sqrt(q.shape[q.dim() - 1]!));
  if (o.isCausal) s = tg.where(tg.tril(tg.ones([Lq, Sk])).bool(), s, -Infinity);
  if (o.attnMask) s = o.attnMask.dtype === 'bool' ? tg.where(o.attnMask, s, -Infinity) : s.add(o.attnMask);
  return s.softmax(-1).matmul(v);
}

function maxAbsDiff(a: tg.Tensor, b: tg.Tensor): number {
  return a.sub(b).abs().max().item() as number;
}

/** Output and q, k, v gradients (for a fixed random output gradient) of fn. */
function run(fn: (q: tg.Tensor, k: tg.Tensor, v: tg.Tensor) => tg.Tensor, q: tg.Tensor, k: tg.Tensor, v: tg.Tensor, g: tg.Tensor): Float32Array[] {
  const [qq, kk, vv] = [q, k, v].map((t) => t.detach().requiresGrad_(true));
  const out = fn(qq!, kk!, vv!);
  const grads = tg.autograd.grad(out, [qq!, kk!, vv!], { gradOutputs: g });
  return [out, ...grads].map((t) => t!.toTypedArray() as Float32Array);
}

describe('F.scaledDotProductAttention, fused kernel', () => {
  const opts = { isCausal: true };
  const q = tg.randn([2, 3, 150, 24]), k = tg.randn([2, 3, 150, 24]), v = tg.randn([2, 3, 150, 40]), g = tg.randn([2, 3, 150, 40]);
  const fused = (a: tg.Tensor, b: tg.Tensor, c: tg.Tensor) => F.scaledDotProductAttention(a, b, c, opts);

  it('matches the composed ops on multi-block shapes, causal or masked', () => {
    for (const [Lq, Sk, E, Ev, o] of [
      [150, 150, 24, 40, { isCausal: true }],
      [200, 70, 64, 64, { isCausal: true }],
      [70, 200, 33, 1, {}],
      [129, 257, 16, 16, { attnMask: tg.rand([129, 257]).lt(0.8) }],
      [66, 130, 8, 8, { attnMask: tg.randn([3, 66, 130]) }],
    ] as const) {
      const a = tg.randn([2, 3, Lq, E]), b = tg.randn([2, 3, Sk, E]), c = tg.randn([2, 3, Sk, Ev]), gg = tg.randn([2, 3, Lq, Ev]);
      const want = run((x, y, z) => composedAttention(x, y, z, o), a, b, c, gg);
      const got = run((x, y, z) => F.scaledDotProductAttention(x, y, z, o), a, b, c, gg);
      got.forEach((t, i) => {
        const w = want[i]!;
        let err = 0;
        for (let j = 0; j < t.length; j++) err = Math.max(err, Math.abs(t[j]! - w[j]!) / (1e-3 + Math.abs(w[j]!)));
        expect(err, `${Lq}x${Sk}, E ${E}, Ev ${Ev}, output ${i}`).toBeLessThan(1e-3);
      });
    }
  });

  it('passes gradcheck (causal, bool mask, float mask, broadcast batch)', () => {
    const GC = { eps: 1e-3, atol: 1e-2, rtol: 1e-2 };
    const a = tg.randn([2, 1, 5, 3], { requiresGrad: true }), b = tg.randn([1, 2, 6, 3], { requiresGrad: true }), c = tg.randn([2, 2, 6, 4], { requiresGrad: true });
    const bm = tg.tensor([[1, 1, 0, 1, 0, 0], [1, 0, 0, 0, 0, 1], [1, 1, 1, 1, 1, 1], [0, 0, 1, 0, 0, 0], [0, 1, 0, 1, 0, 1]]).bool();
    const fm = tg.randn([5, 6]);
    expect(F.scaledDotProductAttention(a, b, c).gradFn?.name).toBe(FUSED);
    expect(tg.autograd.gradcheck((x, y, z) => F.scaledDotProductAttention(x, y, z, { isCausal: true }), [a, b, c], GC)).toBe(true);
    expect(tg.autograd.gradcheck((x, y, z) => F.scaledDotProductAttention(x, y, z, { attnMask: bm, scale: 0.7 }), [a, b, c], GC)).toBe(true);
    expect(tg.autograd.gradcheck((x, y, z) => F.scaledDotProductAttention(x, y, z, { attnMask: fm }), [a, b, c], GC)).toBe(true);
  });

  it('gives the same bits on 1 and 2 threads', () => {
    const before = tg.getNumThreads();
    try {
      tg.setNumThreads(1);
      const one = run(fused, q, k, v, g);
      tg.setNumThreads(2);
      const two = run(fused, q, k, v, g);
      one.forEach((t, i) => expect(Buffer.from(two[i]!.buffer).equals(Buffer.from(t.buffer)), `output ${i}`).toBe(true));
    } finally {
      tg.setNumThreads(before);
    }
  });

  it('agrees on every SIMD table with the scalar one', () => {
    const loaded = native.simd();
    const results: Record<string, Float32Array[]> = {};
    const m = tg.rand([150, 150]).lt(0.5);
    try {
      for (const path of simdPaths()) {
        native.selectSimd(path);
        results[path] = run(fused, q, k, v, g);
        results[path].push(...run((a, b, c) => F.scaledDotProductAttention(a, b, c, { attnMask: m }), q, k, v, g));
      }
    } finally {
      native.selectSimd(loaded);
    }
    // Each table rounds its sums and exps its own way (FMA or not, polynomial or libm exp): within
    // 1e-4 relative, or 1e-5 of the tensor's largest magnitude for the elements near 0.
    const ref = results.scalar!;
    for (const [path, outs] of Object.entries(results))
      outs.forEach((t, i) => {
        const r = ref[i]!;
        const big = r.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
        let bad = 0;
        for (let j = 0; j < t.length; j++) if (!(Math.abs(t[j]! - r[j]!) <= 1e-5 * big + 1e-4 * Math.abs(r[j]!))) bad++;
        expect(bad, `${path} output ${i}`).toBe(0);
      });
  });

  it('differentiates its backward under createGraph like the composed ops', () => {
    const [a, b, c] = [q, k, v].map((t) => t.narrow(2, 0, 20).detach().requiresGrad_(true));
    const gg = g.narrow(2, 0, 20);
    const hvp = (fn: typeof fused) => {
      const out = fn(a!, b!, c!);
      const grads = tg.autograd.grad(out, [a!, b!, c!], { gradOutputs: gg, createGraph: true });
      const s = grads.reduce((acc: tg.Tensor, t) => acc.add(t!.square().sum()), tg.tensor(0));
      return tg.autograd.grad(s, [a!, b!, c!]).map((t) => t!);
    };
    const got = hvp(fused), want = hvp((x, y, z) => composedAttention(x, y, z, opts));
    got.forEach((t, i) => expect(maxAbsDiff(t, want[i]!), `input ${i}`).toBeLessThan(1e-3));
  });

  it('falls back to the composed ops for dropout, other dtypes and a mask that requires grad', () => {
    const a = tg.randn([2, 4, 8], { requiresGrad: true });
    expect(F.scaledDotProductAttention(a, a, a, { dropoutP: 0.5 }).gradFn?.name).not.toBe(FUSED);
    const m = tg.randn([4, 4], { requiresGrad: true });
    const out = F.scaledDotProductAttention(a, a, a, { attnMask: m });
    expect(out.gradFn?.name).not.toBe(FUSED);
    out.sum().backward();
    expect(m.grad).not.toBeNull();
    expect(F.scaledDotProductAttention(a, a, a, { attnMask: m.detach() }).gradFn?.name).toBe(FUSED);
  });

  it('handles empty sizes as the composed ops do', () => {
    for (const [Lq, Sk, E, Ev] of [[0, 4, 3, 2], [4, 0, 3, 2], [4, 5, 0, 2], [4, 5, 3, 0]]) {
      const a = tg.randn([2, Lq!, E!]), b = tg.randn([2, Sk!, E!]), c = tg.randn([2, Sk!, Ev!]), gg = tg.randn([2, Lq!, Ev!]);
      const got = run(F.scaledDotProductAttention, a, b, c, gg), want = run(composedAttention, a, b, c, gg);
      got.forEach((t, i) => expect(Array.from(t), `${[Lq, Sk, E, Ev]} output ${i}`).toEqual(Array.from(want[i]!)));
    }
  });

  it('keeps no [L, S] buffer: L = S = 2048, E = 64, one head', () => {
    // JS side: the forward allocates only its output [L, E] and logsumexp [L] (the composed
    // path: scores and weights, 16 MiB each), measured on the live ArrayBuffers.
    const Lq = 2048, E = 64;
    const a = tg.randn([1, 1, Lq, E]), b = tg.randn([1, 1, Lq, E]), c = tg.randn([1, 1, Lq, E]);
    const grown = (fn: () => tg.Tensor) => {
      const before = process.memoryUsage().arrayBuffers;
      const out = tg.noGrad(fn);
      const d = process.memoryUsage().arrayBuffers - before;
      out.dispose();
      return d;
    };
    const fusedBytes = grown(() => F.scaledDotProductAttention(a, b, c, opts));
    const composedBytes = grown(() => composedAttention(a, b, c, opts));
    expect(fusedBytes).toBeLessThan(Lq * E * 4 + Lq * 4 + 65536);
    expect(composedBytes).toBeGreaterThan(2 * Lq * Lq * 4);
    // Native side: the peak resident size of a fresh process across one fused forward, beside a
    // control that does write an [L, S] float buffer (the scores, by matmul): the kernel's
    // scratch is a few blocks of 64 x 64 per thread.
    // Under QEMU (scripts/test-emulated.js) the translator's own memory lands in the child's
    // RSS, so the native half is measured on real CPUs only.
    if (process.env.TG_EMULATOR_WRAPPER) return;
    // TG_MALLOC_TUNING=0: with the addon's malloc thresholds a freed buffer stays resident and the
    // control's scores can land in memory that is already counted, so growth would not show.
    const env = { ...process.env, TG_MALLOC_TUNING: '0' };
    const r = spawnSync(process.execPath, ['-e', MEMORY_CHILD, addonPath(), String(Lq), String(E)], { encoding: 'utf8', env });
    expect(r.status, r.stderr).toBe(0);
    const { fusedKiB, controlKiB } = JSON.parse(r.stdout) as { fusedKiB: number; controlKiB: number };
    console.log(`peak RSS growth, L = S = ${Lq}: fused forward ${fusedKiB} KiB, [L, S] scores control ${controlKiB} KiB`);
    expect(controlKiB).toBeGreaterThan((Lq * Lq * 4) / 1024 / 2);
    expect(fusedKiB).toBeLessThan(2048);
  });

  it('rejects bad raw calls without touching memory out of bounds', () => {
    const Lq = 4, Sk = 5, E = 3, Ev = 2;
    const mk = (n: number) => new Float32Array(n).fill(0.5);
    const meta = (qOff = 0, rs = E, extra: number[] = []) => new Float64Array([Lq, Sk, E, Ev, 0, 0, 0, 1, 0, qOff, rs, 0, E, 0, Ev, ...extra]);
    const call = (m: Float64Array, q = mk(Lq * E), out = mk(Lq * Ev), lse = mk(Lq)) => native.attention(m, q, mk(Sk * E), mk(Sk * Ev), undefined, out, lse);
    expect(() => call(meta())).not.toThrow();
    expect(() => call(meta(1))).toThrow(RangeError);
    expect(() => call(meta(0, E + 1))).toThrow(/query view of shape .* reaches outside/);
    expect(() => call(meta(), mk(Lq * E), mk(Lq * Ev - 1))).toThrow(/output/);
    expect(() => call(meta(), mk(Lq * E), mk(Lq * Ev), mk(Lq - 1))).toThrow(/logsumexp/);
    expect(() => call(meta(0, E, []).subarray(0, 12))).toThrow(/truncated/);
    expect(() => call(meta(0, -1))).toThrow(RangeError);
    expect(() => native.attention(meta(), new Int32Array(Lq * E) as unknown as Float32Array, mk(Sk * E), mk(Sk * Ev), undefined, mk(Lq * Ev), mk(Lq))).toThrow(TypeError);
    const masked = new Float64Array([Lq, Sk, E, Ev, 0, 0, 1, 1, 0, 0, E, 0, E, 0, Ev, 0, Sk, 1]);
    expect(() => native.attention(masked, mk(Lq * E), mk(Sk * E), mk(Sk * Ev), new Uint8Array(Lq * Sk), mk(Lq * Ev), mk(Lq))).not.toThrow();
    expect(() => native.attention(masked, mk(Lq * E), mk(Sk * E), mk(Sk * Ev), new Uint8Array(Lq * Sk - 1), mk(Lq * Ev), mk(Lq))).toThrow(/attnMask/);
    expect(() => native.attention(masked, mk(Lq * E), mk(Sk * E), mk(Sk * Ev), undefined, mk(Lq * Ev), mk(Lq))).toThrow(TypeError);
    const causalMasked = masked.slice();
    causalMasked[5] = 1;
    expect(() => native.attention(causalMasked, mk(Lq * E), mk(Sk * E), mk(Sk * Ev), new Uint8Array(Lq * Sk), mk(Lq * Ev), mk(Lq))).toThrow(/cannot both/);
    // The backward's extra operands: grad viewed like q, out and lse offsets, three outputs.
    const bmeta = (gOff = 0, outOff = 0) => new Float64Array([...meta(), gOff, Ev, outOff, 0]);
    const back = (m: Float64Array, dk = mk(Sk * E)) => native.attentionBackward(m, mk(Lq * E), mk(Sk * E), mk(Sk * Ev), undefined, mk(Lq * Ev), mk(Lq * Ev), mk(Lq), mk(Lq * E), dk, mk(Sk * Ev));
    expect(() => back(bmeta())).not.toThrow();
    expect(() => back(bmeta(1))).toThrow(/grad view/);
    expect(() => back(bmeta(0, 1))).toThrow(/output/);
    expect(() => back(bmeta(), mk(Sk * E - 1))).toThrow(/grad_key/);
  });
});

// The child of the memory test: peak RSS growth (KiB) across one fused forward of one head, after
// a small warm-up call (the pool's threads) and with every input page touched; then across a
// matmul writing the [L, L] scores, which shows what an [L, S] buffer would add.
const MEMORY_CHILD = String.raw`
const native = require(process.argv[1]);
const L = Number(process.argv[2]), E = Number(process.argv[3]);
const fill = (n) => { const a = new Float32Array(n); for (let i = 0; i < n; i++) a[i] = Math.sin(i * 0.37); return a; };
const meta = (n) => new Float64Array([n, n, E, E, 0, 0, 0, 1 / Math.sqrt(E), 0, 0, E, 0, E, 0, E]);
const small = fill(64 * E);
native.attention(meta(64), small, small, small, undefined, fill(64 * E), fill(64));
const q = fill(L * E), k = fill(L * E), v = fill(L * E), out = fill(L * E), lse = fill(L);
// Ballast: the resident size is then above whatever the start-up's peak was, so the peak
// follows what the calls below add.
const ballast = new Uint8Array(Math.max(0, process.resourceUsage().maxRSS * 1024 - process.memoryUsage().rss) + (64 << 20)).fill(1);
const peak = () => process.resourceUsage().maxRSS;
let before = peak();
native.attention(meta(L), q, k, v, undefined, out, lse);
const fusedKiB = peak() - before;
const scores = new Float32Array(L * L);
before = peak();
native.matmul(new Float64Array([L, L, E, 0, 0, 0, E, 1, 0, 1, E, 0, 0, 0]), q, k, scores);
const controlKiB = peak() - before;
console.log(JSON.stringify({ fusedKiB, controlKiB, ballast: ballast.length }));
`;

function addonPath(): string {
  if (process.env.TG_ADDON_PATH) return process.env.TG_ADDON_PATH;
  const require = createRequire(import.meta.url);
  return (require('node-gyp-build') as { path(dir: string): string }).path(join(__dirname, '..'));
}
