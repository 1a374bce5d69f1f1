// Shared by the training tests: loads test/fixtures/training/*.json (written by
// scripts/gen_training_fixtures.py with PyTorch 1.13) and compares tensors with tolerances,
// keeping the largest relative error seen so each test file can print it.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tg from '../../src/index.js';
import { type TensorData, makeTensor, decodeNum, REL_FLOOR } from './fixtures.js';

export { makeTensor, type TensorData };

export function loadTrainingFixture<T>(name: string): T {
  return JSON.parse(readFileSync(fileURLToPath(new URL(`../fixtures/training/${name}`, import.meta.url)), 'utf8')) as T;
}

export interface Stats {
  maxRel: number;
  maxAbs: number;
  where: string;
}

export const newStats = (): Stats => ({ maxRel: 0, maxAbs: 0, where: '' });

/**
 * Elementwise |got - want| <= atol + rtol |want| over flat values; returns problems (empty if
 * all match) and records the largest relative error (over |want| >= REL_FLOOR) in stats.
 */
export function compareValues(what: string, got: ArrayLike<number>, want: ArrayLike<number>, tol: { rtol: number; atol: number }, stats: Stats): string[] {
  if (got.length !== want.length) return [`${what}: ${got.length} values, expected ${want.length}`];
  const out: string[] = [];
  for (let i = 0; i < want.length; i++) {
    const a = got[i]!, e = want[i]!;
    if (Number.isNaN(e) ? !Number.isNaN(a) : !(Math.abs(a - e) <= tol.atol + tol.rtol * Math.abs(e))) {
      if (out.length < 4) out.push(`${what}[${i}]: got ${a}, expected ${e}`);
    }
    if (Number.isFinite(e)) {
      const abs = Math.abs(a - e);
      stats.maxAbs = Math.max(stats.maxAbs, abs);
      if (Math.abs(e) >= REL_FLOOR && abs / Math.abs(e) > stats.maxRel) {
        stats.maxRel = abs / Math.abs(e);
        stats.where = what;
      }
    }
  }
  return out;
}

export function compareTensorData(what: string, got: tg.Tensor, want: TensorData, tol: { rtol: number; atol: number }, stats: Stats): string[] {
  if (JSON.stringify(got.shape) !== JSON.stringify(want.shape)) return [`${what}: shape ${JSON.stringify(got.shape)}, expected ${JSON.stringify(want.shape)}`];
  const w = want.data.map((v) => Math.fround(decodeNum(v)));
  return compareValues(what, Array.from(got.toTypedArray() as Float32Array), w, tol, stats);
}
