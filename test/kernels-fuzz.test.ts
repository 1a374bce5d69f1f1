// Bounded differential fuzz of the conv / pool / softmax / sort / topk / cumsum / multinomial /
// indexing kernels against naive references (test/fuzz/kernel-fuzz.ts), on every SIMD table this
// CPU has and through both the small-operand JS path and the core; `npm run fuzz` runs it longer.
import { describe, expect, it } from 'vitest';
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
