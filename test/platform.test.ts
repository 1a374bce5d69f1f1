// The kernel path chosen at load is the best one the CPU can run, and the CPU features it was
// chosen from agree with what the OS reports. Under scripts/test-emulated.js (TG_EXPECT_*
// set) this file also proves the run is the emulated one: the expected architecture and
// table, and the addon loaded from the packed prebuild.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as tg from '../src/index.js';

const info = tg.backendInfo();

// The flags line of /proc/cpuinfo, where there is one (Linux).
function procCpuFlags(): Set<string> | null {
  try {
    const text = readFileSync('/proc/cpuinfo', 'utf8');
    const line = text.split('\n').find((l) => /^(flags|Features)\s*:/.test(l));
    return line ? new Set(line.split(':')[1].trim().split(/\s+/)) : null;
  } catch {
    return null;
  }
}

describe('kernel path chosen at load', () => {
  it('runs a path the CPU supports, and the best one unless TG_SIMD forces another', () => {
    expect(info.simdSupported).toContain(info.simd);
    expect(info.simdSupported[info.simdSupported.length - 1]).toBe('scalar');
    const forced = process.env.TG_SIMD;
    if (forced && info.simdSupported.includes(forced as never)) expect(info.simd).toBe(forced);
    else expect(info.simd).toBe(info.simdSupported[0]);
  });

  it('offers exactly the tables the detected features allow', () => {
    const f = new Set(info.cpuFeatures);
    const expected: string[] = [];
    if (process.arch === 'x64') {
      expect(f.has('sse2')).toBe(true); // baseline of x86-64
      if (f.has('avx512f') && f.has('avx2') && f.has('fma')) expected.push('avx512');
      if (f.has('avx2') && f.has('fma')) expected.push('avx2');
      expected.push('sse2');
    } else if (process.arch === 'arm64') {
      expect(f.has('neon')).toBe(true); // Advanced SIMD is mandatory on AArch64
      expected.push('neon');
    }
    expected.push('scalar');
    expect(info.simdSupported).toEqual(expected);
  });

  it('reports the features the OS reports (Linux /proc/cpuinfo)', () => {
    const flags = procCpuFlags();
    // Not Linux: nothing independent to compare with. Emulated: QEMU user mode shows the host's
    // /proc/cpuinfo, not the emulated CPU's.
    if (!flags || process.env.TG_EXPECT_SIMD) return;
    const os: Record<string, string> =
      process.arch === 'arm64' ? { neon: 'asimd' } : { sse2: 'sse2', avx: 'avx', fma: 'fma', avx2: 'avx2', avx512f: 'avx512f' };
    for (const [feature, flag] of Object.entries(os)) expect([feature, info.cpuFeatures.includes(feature)]).toEqual([feature, flags.has(flag)]);
  });
});

// Not under emulation: the children would run the host's node, not the emulated one.
describe.runIf(!process.env.TG_EXPECT_SIMD)('thread pool size', () => {
  // The default is the CPUs the process may run on (its affinity mask, as Node's
  // os.availableParallelism()), not every CPU of the machine: a process pinned to one CPU runs
  // one thread. Checked in children, so this process's setNumThreads calls do not count.
  const root = resolve(__dirname, '..');
  const probe = `const n = require(process.env.TG_ADDON_PATH || require('node-gyp-build').path(${JSON.stringify(root)}));
    console.log(JSON.stringify([n.getNumThreads(), require('node:os').availableParallelism()]));`;
  const threads = (prefix: string[]) => {
    const r = spawnSync(prefix[0] ?? process.execPath, [...prefix.slice(1), ...(prefix.length ? [process.execPath] : []), '-e', probe], { cwd: root, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    return JSON.parse(r.stdout) as [number, number];
  };
  it('defaults to the CPUs the process may run on', () => {
    const [ours, node] = threads([]);
    expect(ours).toBe(Math.min(node, 256));
  });
  const taskset = process.platform === 'linux' && spawnSync('taskset', ['-c', '0', 'true']).status === 0;
  it.runIf(taskset && availableParallelism() > 1)('is 1 in a process pinned to one CPU (taskset -c 0)', () => {
    expect(threads(['taskset', '-c', '0'])).toEqual([1, 1]);
  });
});

describe.runIf(process.env.TG_EXPECT_SIMD)('emulated run (scripts/test-emulated.js)', () => {
  it('runs on the emulated architecture and table', () => {
    expect(process.arch).toBe(process.env.TG_EXPECT_ARCH);
    expect(info.simd).toBe(process.env.TG_EXPECT_SIMD);
  });

  it('loaded the addon from the packed prebuild', () => {
    expect(process.env.TG_ADDON_PATH).toMatch(/\/prebuilds\/linux-(x64|arm64)\/tensorgrad\.napi\.glibc\.node$/);
  });
});
