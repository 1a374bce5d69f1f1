// Per-call timing for the kernel benches (bench/softmax.mjs, layernorm.mjs, attention.mjs).

/** Seconds now on the wall clock. */
export const wallClock = () => Number(process.hrtime.bigint()) / 1e9;

/** Seconds of CPU time this process has used (every thread): steadier than the wall on a shared machine. */
export const cpuClock = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/**
 * Times `f`: `reps` samples, each of as many calls as fill `budget` seconds (at most
 * `maxCalls`), after a warm-up. Returns { median, min } seconds per call.
 */
export function timePerCall(f, { reps, budget = 2e-3, maxCalls = 10000, warmup = 3, clock = wallClock }) {
  for (let i = 0; i < warmup; i++) f();
  let t0 = clock();
  f();
  const once = clock() - t0;
  const calls = Math.max(1, Math.min(maxCalls, Math.round(budget / Math.max(once, 1e-7))));
  const samples = [];
  for (let r = 0; r < reps; r++) {
    t0 = clock();
    for (let i = 0; i < calls; i++) f();
    samples.push((clock() - t0) / calls);
  }
  samples.sort((a, b) => a - b);
  return { median: samples[samples.length >> 1], min: samples[0] };
}
