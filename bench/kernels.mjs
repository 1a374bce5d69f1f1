// The elementwise kernels alone, through the raw binding (no tensor layer): in-place add of
// 16M floats, exp of 1M floats into a reused output / in place / a fresh output, add of 16M
// into a fresh output; the fresh outputs either at malloc's address with the interior hint
// (adviseHugePages) or, as src/dtype.ts does, 2 MiB-aligned (alignHugePages). Several addon
// builds can be timed side by side in one process (each kernel is timed on every build in
// turn, per repetition), so a busy machine hits all alike:
//
//   node bench/kernels.mjs [--reps 9] [--threads 1,2] [--only add_,exp] build/Release/tensorgrad.node /tmp/base.node
//
// GB/s counts 12 bytes per element for add (two reads, one write) and 8 for exp; medians.
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { reps: { type: 'string', default: '9' }, threads: { type: 'string', default: '1,2' }, only: { type: 'string' } },
});
const require = createRequire(import.meta.url);
const addons = (positionals.length ? positionals : ['build/Release/tensorgrad.node']).map((p) => ({
  name: p,
  tg: require(path.resolve(p)),
}));
const reps = Number(values.reps);
const threads = values.threads.split(',').map(Number);

const meta = new Float64Array(64);
// meta for a contiguous 1-D op over n elements with `operands` operands at offset 0.
function header(op, n, operands) {
  meta.fill(0);
  meta[0] = op;
  meta[1] = 1;
  meta[5] = n;
  for (let k = 0; k < operands; k++) {
    meta[6 + 2 * k] = 0;
    meta[7 + 2 * k] = 1;
  }
}
const EXP = 1, ADD = 0;
const M16 = 1 << 24, M1 = 1 << 20;
const rand = (n) => {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.random();
  return a;
};
const a16 = rand(M16), b16 = rand(M16), x1 = rand(M1), y1 = new Float32Array(M1);
const fresh = (n) => {
  const b = Buffer.allocUnsafeSlow(n * 4);
  return new Float32Array(b.buffer, b.byteOffset, n);
};

// As src/dtype.ts places storage of 4 MiB and more: at a 2 MiB boundary of a larger buffer.
// A build without alignHugePages gets the old placement (interior hint), like src/dtype.ts.
const freshAligned = (tg, n) => {
  if (!tg.hugePageBytes) {
    const o = fresh(n);
    tg.adviseHugePages(o);
    return o;
  }
  const b = Buffer.allocUnsafeSlow(n * 4 + tg.hugePageBytes);
  return new Float32Array(b.buffer, b.byteOffset + tg.alignHugePages(b, n * 4), n);
};

const cases = {
  add_: { bytes: 12 * M16, iters: 5, run: (tg) => { header(ADD, M16, 3); tg.binary(meta, a16, a16, b16); } },
  add_fresh: { bytes: 12 * M16, iters: 5, run: (tg) => { header(ADD, M16, 3); const o = fresh(M16); tg.adviseHugePages(o); tg.binary(meta, o, a16, b16); } },
  add_fresh_aligned: { bytes: 12 * M16, iters: 5, run: (tg) => { header(ADD, M16, 3); tg.binary(meta, freshAligned(tg, M16), a16, b16); } },
  exp_reused: { bytes: 8 * M1, iters: 50, run: (tg) => { header(EXP, M1, 2); tg.unary(meta, y1, x1); } },
  exp_inplace: { bytes: 8 * M1, iters: 50, run: (tg) => { header(EXP, M1, 2); tg.unary(meta, y1, y1); } },
  exp_fresh: { bytes: 8 * M1, iters: 50, run: (tg) => { header(EXP, M1, 2); const o = fresh(M1); tg.adviseHugePages(o); tg.unary(meta, o, x1); } },
  exp_fresh_aligned: { bytes: 8 * M1, iters: 50, run: (tg) => { header(EXP, M1, 2); tg.unary(meta, freshAligned(tg, M1), x1); } },
};
const only = values.only ? values.only.split(',') : Object.keys(cases);

const median = (xs) => [...xs].sort((p, q) => p - q)[xs.length >> 1];
for (const t of threads) {
  for (const name of only) {
    const c = cases[name];
    const times = addons.map(() => []);
    for (const { tg } of addons) {
      tg.setNumThreads(t);
      for (let i = 0; i < 3; i++) c.run(tg);
    }
    for (let r = 0; r < reps; r++) {
      addons.forEach(({ tg }, k) => {
        tg.setNumThreads(t);
        c.run(tg);
        const t0 = process.hrtime.bigint();
        for (let i = 0; i < c.iters; i++) c.run(tg);
        times[k].push(Number(process.hrtime.bigint() - t0) / c.iters);
      });
    }
    const cells = times.map((ts) => {
      const m = median(ts);
      return `${(c.bytes / m).toFixed(1)} GB/s (${(m / 1e6).toFixed(3)} ms)`;
    });
    console.log(`${name.padEnd(12)} x${t}  ${cells.join('  |  ')}`);
  }
}
console.log(`builds: ${addons.map((a) => a.name).join(' | ')}`);
