// The long fuzz run: `npm run fuzz [-- runsPerSeed seeds]` (defaults 20000 x 10 seeds).
// Runs the public-API fuzz (test/fuzz/api-fuzz.ts), the nn / optim fuzz (test/fuzz/nn-fuzz.ts)
// and the native-kernel differential fuzz (test/fuzz/kernel-fuzz.ts). Prints each distinct
// finding once (target and error, with one example call), the nn targets that never returned
// (the generator could not build a valid call for them: improve it), and exits 1 on any finding.
// NN_FUZZ_DEBUG=<target> (e.g. F.conv2d) prints every rejected call of that target.
import { fuzzApi } from '../test/fuzz/api-fuzz.js';
import { fuzzKernels } from '../test/fuzz/kernel-fuzz.js';
import { fuzzNn, targets } from '../test/fuzz/nn-fuzz.js';

const runs = Number(process.argv[2] ?? 20000);
const seeds = Number(process.argv[3] ?? 10);
const distinct = new Map<string, string>();
const note = (call: string, error: string) => {
  const key = `${call.replace(/\(.*$/s, '').replace(/^Tensor<[^>]*>/, 'Tensor')} :: ${error.slice(0, 100)}`;
  if (!distinct.has(key)) distinct.set(key, call.slice(0, 300));
};
let calls = 0;
const t0 = Date.now();
const reached = new Map<string, number>();
for (let seed = 1000; seed < 1000 + seeds; seed++) {
  const a = fuzzApi(seed, runs);
  calls += a.calls;
  for (const f of a.findings) note(f.call, f.error);
  const n = fuzzNn(seed, runs);
  calls += n.calls;
  for (const f of n.findings) note(f.call, f.error);
  for (const [k, v] of n.succeeded) reached.set(k, (reached.get(k) ?? 0) + v);
  const k = fuzzKernels(seed, Math.ceil(runs / 10));
  calls += k.calls;
  for (const f of k.findings) note(f.call, f.error);
}
for (const [key, example] of distinct) console.log(`${key}\n    e.g. ${example}`);
const never = targets().map((t) => t.name).filter((n) => !reached.has(n));
if (never.length) console.log(`nn targets that never returned: ${never.join(' ')}`);
console.log(`${calls} calls over ${seeds} seeds in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${distinct.size} distinct findings`);
process.exit(distinct.size ? 1 : 0);
