// The SIMD kernel tables this CPU can run, for tests that repeat themselves on each.
import { native } from '../../src/native.js';

const TABLE_ORDER = ['scalar', 'avx512', 'avx2', 'sse2', 'neon'];

/** 'scalar' and every SIMD path the CPU has, in that order; the loaded path stays selected. */
export function simdPaths(): string[] {
  const loaded = native.simd();
  return TABLE_ORDER.filter((name) => {
    const ok = native.selectSimd(name);
    native.selectSimd(loaded);
    return ok;
  });
}

