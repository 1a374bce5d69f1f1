// nn.BatchNorm1d / BatchNorm2d against PyTorch 1.13 (test/fixtures/batchnorm.json, written by
// scripts/gen_norm_fixtures.py): three training steps (outputs, gradients, running statistics,
// num_batches_tracked) and an eval forward, from PyTorch's state dict loaded under its keys.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as tg from '../src/index.js';
import { compareTensor, makeTensor, type TensorData } from './helpers/fixtures.js';

interface Step {
  x: TensorData;
  G: TensorData;
  out: TensorData;
  xGrad: TensorData;
  paramGrads: Record<string, TensorData>;
  buffers: Record<string, TensorData>;
}
interface BatchNormCase {
  name: string;
  cls: 'BatchNorm1d' | 'BatchNorm2d';
  C: number;
  opts: { eps: number; momentum: number | null; affine: boolean; trackRunningStats: boolean };
  state: Record<string, TensorData>;
  steps: Step[];
  evalX: TensorData;
  evalOut: TensorData;
}

const fixtures = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'batchnorm.json'), 'utf8')) as { cases: BatchNormCase[] };
const TOL = { rtol: 1e-5, atol: 1e-5 };

describe('nn.BatchNorm vs PyTorch 1.13', () => {
  it.each(fixtures.cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const m = new tg.nn[c.cls](c.C, c.opts);
    const state = Object.fromEntries(Object.entries(c.state).map(([k, v]) => [k, makeTensor(v)]));
    expect(Object.keys(m.stateDict())).toEqual(Object.keys(state));
    m.loadStateDict(state);
    const problems: string[] = [];
    c.steps.forEach((s, i) => {
      const x = makeTensor(s.x, true);
      const out = m.forward(x);
      problems.push(...compareTensor(`step ${i} out`, out, s.out, TOL));
      out.mul(makeTensor(s.G)).sum().backward();
      problems.push(...compareTensor(`step ${i} x grad`, x.grad!, s.xGrad, TOL));
      for (const [n, p] of m.namedParameters()) problems.push(...compareTensor(`step ${i} ${n} grad`, p.grad!, s.paramGrads[n]!, TOL));
      for (const [n, b] of m.namedBuffers()) problems.push(...compareTensor(`step ${i} ${n}`, b, s.buffers[n]!, TOL));
      m.zeroGrad();
    });
    m.eval();
    problems.push(...compareTensor('eval out', m.forward(makeTensor(c.evalX)), c.evalOut, TOL));
    expect(problems).toEqual([]);
  });

  it('prints as PyTorch, and rejects inputs of the wrong rank', () => {
    expect(String(new tg.nn.BatchNorm2d(3))).toBe('BatchNorm2d(3, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)');
    expect(() => new tg.nn.BatchNorm2d(3).forward(tg.ones(2, 3))).toThrow(/BatchNorm2d: expected 4D input/);
    expect(() => new tg.nn.BatchNorm1d(3).forward(tg.ones(1, 3))).toThrow(/Expected more than 1 value per channel when training/);
    expect(() => new tg.nn.BatchNorm1d(3).forward(tg.ones(4, 2))).toThrow(/batchNorm: runningMean must be \[2\]|must be \[2\]/);
  });
});
