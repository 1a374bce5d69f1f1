// Bounded differential fuzz of the conv / pool / softmax / sort / topk / cumsum / multinomial /
// indexing kernels against naive references (test/fuzz/kernel-fuzz.ts), on every SIMD table this
// CPU has and through both the small-operand JS path and the core; `npm run fuzz` runs it longer.
import { describe, expect, it } from 'vitest';
import * as tg from '../src/index.js';
import { fuzzKernels, KNOWN_KERNEL_FINDINGS } from './fuzz/kernel-fuzz.js';
import { simdPaths } from './helpers/simd.js';

const OPS = [
  'F.conv2d', 'F.conv1d', 'F.maxPool2d', 'F.avgPool2d', 'F.adaptiveAvgPool2d', 'F.softmax', 'F.logSoftmax', 'tg.sort', 'tg.topk',
  'tg.cumsum', 'tg.multinomial', 'tg.scatterAdd', 'tg.gather', 'tg.indexSelect', 'tg.indexAdd', 'F.embedding', 'tg.maskedSelect',
];

describe('native kernel differential fuzz', () => {
  const matched = new Map<string, number>();
  const SEEDS = [1, 2, 3], ITERATIONS = 1500;
  const ran = new Set<number>();
  const count = (r: ReturnType<typeof fuzzKernels>) => {
    for (const [op, n] of r.matchedByOp) matched.set(op, (matched.get(op) ?? 0) + n);
  };
  for (const seed of SEEDS) {
    it(`seed ${seed}: valid calls match the reference, invalid ones throw a clear error`, () => {
      const r = fuzzKernels(seed, ITERATIONS, simdPaths());
      ran.add(seed);
      count(r);
      expect(r.findings.slice(0, 10)).toEqual([]);
      // Both kinds must be common, or the generator has drifted into testing nothing.
      expect(r.matched).toBeGreaterThan(700);
      expect(r.rejected).toBeGreaterThan(150);
    });
  }

  it('every op had valid calls checked against its reference', () => {
    for (const seed of SEEDS) if (!ran.has(seed)) count(fuzzKernels(seed, ITERATIONS, simdPaths()));
    for (const op of OPS) expect(matched.get(op) ?? 0, op).toBeGreaterThan(10);
  });

  it('every known finding still reproduces (delete its entry once it is fixed)', () => {
    for (const k of KNOWN_KERNEL_FINDINGS) expect(k.stands(), k.why).toBe(true);
  });
});

describe('kernel fuzz findings, fixed', () => {
  const F = tg.nn.functional;
  const i32 = (...v: number[]) => tg.tensor(new Int32Array(v));
  it('indexAdd / embedding / indexSelect gradients read a strided index by its stride', () => {
    const idx = i32(2, 2, 0, 0).slice(0, 0, null, 2);  // [2, 0], stride 2
    expect(tg.indexAdd(tg.zeros(3), 0, idx, tg.tensor([1, 10])).toArray()).toEqual([10, 0, 1]);
    const w = tg.zeros(3, 2).requiresGrad_();
    F.embedding(idx, w).sum().backward();
    expect(w.grad!.toArray()).toEqual([[1, 1], [0, 0], [1, 1]]);
    const x = tg.zeros(3).requiresGrad_();
    tg.indexSelect(x, 0, idx).backward(tg.tensor([1, 10]));
    expect(x.grad!.toArray()).toEqual([10, 0, 1]);
  });
  it('embedding backward with embedding dim 0', () => {
    const w = tg.zeros(2, 0).requiresGrad_();
    F.embedding(i32(0, 1, 1), w).sum().backward();
    expect(w.grad!.shape).toEqual([2, 0]);
  });
  it('indexSelect / indexAdd / embedding reject a negative index (PyTorch: "index out of range in self")', () => {
    expect(() => tg.indexSelect(tg.tensor([1, 2, 3]), 0, i32(-1))).toThrow(/^indexSelect: index -1 is out of bounds for dimension 0 with size 3/);
    expect(() => tg.indexAdd(tg.zeros(3), 0, i32(-3), tg.tensor([1]))).toThrow(/^indexAdd: index -3 is out of bounds/);
    expect(() => F.embedding(i32(0, -1), tg.zeros(3, 2))).toThrow(/^embedding: index out of range in self/);
    expect(() => tg.gather(tg.tensor([1, 2, 3]), 0, i32(-1))).toThrow(/^gather: index -1 is out of bounds/);
  });
  it('conv rejects an empty plane with a batch and channels, as PyTorch 1.13 does', () => {
    expect(() => F.conv2d(tg.zeros(1, 1, 0, 3), tg.zeros(1, 1, 1, 1), null, { padding: 1 })).toThrow(/^conv2d: Only zero batch or zero channel inputs are supported, but got input shape: \[1, 1, 0, 3\]/);
    expect(() => F.conv1d(tg.zeros(1, 1, 0), tg.zeros(1, 1, 1), null, { padding: 1 })).toThrow(/^conv1d: Only zero batch or zero channel inputs are supported, but got input shape: \[1, 1, 1, 0\]/);
    expect(F.conv2d(tg.zeros(0, 1, 0, 3), tg.zeros(1, 1, 1, 1), null, { padding: 1 }).shape).toEqual([0, 1, 2, 5]);
  });
  it("padding 'same' with an even kernel extent pads the extra element on the right", () => {
    // x = [1, 2, 3], k = [1, 10]: padded [1, 2, 3, 0] -> [21, 32, 3].
    const y = F.conv1d(tg.tensor([[[1, 2, 3]]]), tg.tensor([[[1, 10]]]), null, { padding: 'same' });
    expect(y.toArray()).toEqual([[[21, 32, 3]]]);
    const x = tg.randn(1, 2, 4, 5).requiresGrad_();
    const z = F.conv2d(x, tg.randn(3, 2, 2, 4), null, { padding: 'same' });
    expect(z.shape).toEqual([1, 3, 4, 5]);
    z.sum().backward();
    expect(x.grad!.shape).toEqual([1, 2, 4, 5]);
  });
});
