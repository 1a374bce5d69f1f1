// The SIMD kernel tables this CPU can run, for tests that repeat themselves on each.
import { readFileSync } from 'node:fs';
import { native } from '../../src/native.js';

const TABLE_ORDER = ['scalar', 'avx512', 'avx2', 'neon'];

/** 'scalar' and every SIMD path the CPU has, in that order; the loaded path stays selected. */
export function simdPaths(): string[] {
  const loaded = native.simd();
  return TABLE_ORDER.filter((name) => {
    const ok = native.selectSimd(name);
    native.selectSimd(loaded);
    return ok;
  });
}

/**
 * The tables the addon should offer on this CPU, in simdPaths()'s order, told independently of
 * the addon: on x86-64 Linux from the kernel's CPU flags (/proc/cpuinfo), with the features
 * cpp/kernels/dispatch.cpp requires (avx512: avx512f and fma; avx2: avx2 and fma); on arm64
 * NEON, which is baseline there. Null where this cannot be told (x86-64 off Linux).
 */
export function tablesOfThisCpu(): string[] | null {
  if (process.arch === 'arm64') return ['scalar', 'neon'];
  if (process.arch !== 'x64') return ['scalar'];
  if (process.platform !== 'linux') return null;
  const line = /^flags\s*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
  if (!line) return null;
  const flags = new Set(line[1]!.trim().split(/\s+/));
  const has = { avx512: flags.has('avx512f') && flags.has('fma'), avx2: flags.has('avx2') && flags.has('fma') };
  return TABLE_ORDER.filter((name) => name === 'scalar' || has[name as keyof typeof has]);
}
