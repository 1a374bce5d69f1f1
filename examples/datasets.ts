// Loaders for the small real data sets in examples/data/ (attribution: examples/data/README.md),
// shared by the examples. Plain JS on purpose: parsing a CSV is not what the examples teach.
// Copy this file along with an example that imports it.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

// Resolved from this file, not the working directory, so `npx tsx examples/x.ts` works from anywhere.
const DATA_DIR = fileURLToPath(new URL('./data/', import.meta.url));

/** EXAMPLES_QUICK=1 (set by test/examples.test.ts) shortens training so the test stays fast. */
export const QUICK = process.env.EXAMPLES_QUICK === '1';

/** What the demo (examples/demo/) passes to an example's run(): where its lines go (a progress
 *  bar owns the terminal there) and a callback per training step or epoch. Run standalone, an
 *  example prints to the console and has no progress callback. */
export interface RunHooks {
  log?: (line: string) => void;
  tick?: (done: number, total: number) => void;
}

/** True when the module at `url` is the program being run (`npx tsx examples/x.ts`), false when
 *  the demo imports it: the examples run their CLI part only in the first case. */
export function isMain(url: string): boolean {
  return process.argv[1] !== undefined && fileURLToPath(url) === resolve(process.argv[1]);
}

function rows(name: string, sep: RegExp): number[][] {
  const buf = readFileSync(join(DATA_DIR, name));
  const text = (name.endsWith('.gz') ? gunzipSync(buf) : buf).toString('utf8');
  return text.trim().split('\n').map((l) => l.trim().split(sep).map(Number));
}

/** 150 × 4 features, labels 0–2. The first line is a header (counts and class names). */
export function iris(): { x: number[][]; y: number[] } {
  const all = rows('iris.csv', /,/).slice(1);
  return { x: all.map((r) => r.slice(0, 4)), y: all.map((r) => r[4]!) };
}

/** 1797 × 64 pixels in 0–16 (8×8 images), labels 0–9. */
export function digits(): { x: number[][]; y: number[] } {
  const all = rows('digits.csv.gz', /,/);
  return { x: all.map((r) => r.slice(0, 64)), y: all.map((r) => r[64]!) };
}

/** 442 × 10 raw features (age, sex, bmi, bp, s1–s6), target: disease progression after one year. */
export function diabetes(): { x: number[][]; y: number[] } {
  return {
    x: rows('diabetes_data_raw.csv.gz', /\s+/),
    y: rows('diabetes_target.csv.gz', /\s+/).map((r) => r[0]!),
  };
}

/** Per-column mean and (population) std of `fit`, applied to each of `sets`: the test set is
 *  scaled with the training set's statistics, so nothing about it leaks into training. */
export function standardize(fit: number[][], ...sets: number[][][]): number[][][] {
  const d = fit[0]!.length, n = fit.length;
  const mean = Array.from({ length: d }, (_, j) => fit.reduce((s, r) => s + r[j]!, 0) / n);
  const sd = Array.from({ length: d }, (_, j) => Math.sqrt(fit.reduce((s, r) => s + (r[j]! - mean[j]!) ** 2, 0) / n));
  return sets.map((x) => x.map((r) => r.map((v, j) => (v - mean[j]!) / sd[j]!)));
}
