// The long fuzz run: `npm run fuzz [-- runsPerSeed seeds]` (defaults 20000 x 10 seeds).
// Prints each distinct finding once (op and error), and exits 1 if there was any.
import { fuzzApi } from '../test/fuzz/api-fuzz.js';

const runs = Number(process.argv[2] ?? 20000);
const seeds = Number(process.argv[3] ?? 10);
const distinct = new Map<string, string>();
let calls = 0;
const t0 = Date.now();
for (let seed = 1000; seed < 1000 + seeds; seed++) {
  const r = fuzzApi(seed, runs);
  calls += r.calls;
  for (const f of r.findings) {
    const key = `${f.call.replace(/\(.*$/s, '').replace(/^Tensor<[^>]*>/, 'Tensor')} :: ${f.error.slice(0, 100)}`;
    if (!distinct.has(key)) distinct.set(key, f.call.slice(0, 200));
  }
}
for (const [key, example] of distinct) console.log(`${key}\n    e.g. ${example}`);
console.log(`${calls} calls over ${seeds} seeds in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${distinct.size} distinct findings`);
process.exit(distinct.size ? 1 : 0);
