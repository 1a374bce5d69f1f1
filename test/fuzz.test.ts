// Bounded fuzzing of the whole public API (fixed seeds); `npm run fuzz` runs it longer.
import { describe, expect, it } from 'vitest';
import { fuzzApi } from './fuzz/api-fuzz.js';

describe('API fuzz', () => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: every call returns or throws a clear TypeError/RangeError naming the op`, () => {
      const { calls, findings } = fuzzApi(seed, 4000);
      expect(calls).toBeGreaterThan(1000);
      expect(findings.slice(0, 20)).toEqual([]);
    });
  }
});
