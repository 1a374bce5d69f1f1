// nn.utils against PyTorch 1.13 (test/fixtures/nn.json, written by scripts/gen_nn_fixtures.py):
// clipGradNorm_ (norm types 2, 1, inf, 3, 0.5; clipping and not, one tensor or several, a
// parameter without grad) and clipGradValue_, comparing the returned norm and the scaled
// gradients; parametersToVector / vectorToParameters; and the argument errors.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import * as tg from '../src/index.js';
import { decodeNum, makeTensor, type Num } from './helpers/fixtures.js';
import { compareTensorData, compareValues, newStats, type TensorData } from './helpers/training.js';

const { nn } = tg;

interface ClipCase {
  name: string;
  fn: 'clipGradNorm_' | 'clipGradValue_';
  arg: number;
  single: boolean;
  normType?: number | 'inf';
  grads: TensorData[];
  out: TensorData[];
  total?: Num;
}
const fix = JSON.parse(readFileSync(fileURLToPath(new URL('./fixtures/nn.json', import.meta.url)), 'utf8')) as { clip: ClipCase[] };

const clipStats = newStats();
afterAll(() => {
  console.log(`nn.utils clipping: ${fix.clip.length} cases vs PyTorch; max relative error ${clipStats.maxRel.toExponential(2)} (${clipStats.where})`);
});

function withGrads(grads: TensorData[]): tg.nn.Parameter[] {
  return grads.map((g) => {
    const p = new nn.Parameter(tg.zeros(g.shape));
    p.grad = makeTensor(g);
    return p;
  });
}

describe('nn.utils.clipGradNorm_ / clipGradValue_ (vs PyTorch)', () => {
  // Float32 sums in a different order than PyTorch's: a few ulps.
  const TOL = { rtol: 2e-6, atol: 1e-7 };
  for (const c of fix.clip)
    it(c.name, () => {
      const ps = withGrads(c.grads);
      const noGrad = new nn.Parameter(tg.zeros([2]));
      const problems: string[] = [];
      if (c.fn === 'clipGradNorm_') {
        const normType = c.normType === 'inf' ? Infinity : c.normType!;
        const total = nn.utils.clipGradNorm_(c.single ? ps[0]! : [...ps, noGrad], c.arg, normType);
        expect(total.shape).toEqual([]);
        problems.push(...compareValues(`${c.name} total`, [total.item() as number], [Math.fround(decodeNum(c.total!))], TOL, clipStats));
      } else {
        expect(nn.utils.clipGradValue_([...ps, noGrad], c.arg)).toBeUndefined();
      }
      ps.forEach((p, i) => problems.push(...compareTensorData(`${c.name} grad ${i}`, p.grad!, c.out[i]!, TOL, clipStats)));
      expect(noGrad.grad).toBeNull();
      expect(problems).toEqual([]);
    });

  it('no gradients: returns a 0-d zero and changes nothing; the scaling is not recorded', () => {
    const p = new nn.Parameter(tg.ones([3]));
    const total = nn.utils.clipGradNorm_([p], 1);
    expect(total.shape).toEqual([]);
    expect(total.item()).toBe(0);
    p.grad = tg.full([3], 3);
    expect(nn.utils.clipGradNorm_(p, 1, 'inf').item()).toBe(3);
    expect(Array.from(p.grad!.toTypedArray()).every((v) => Math.abs(v - (1 / (3 + 1e-6)) * 3) < 1e-6)).toBe(true);
    expect(p.grad!.gradFn).toBeNull();
    // the returned norm is a value, not a graph
    expect(total.requiresGrad).toBe(false);
  });

  it('errorIfNonfinite refuses a NaN or infinite total; without it the gradients are scaled by it', () => {
    const p = new nn.Parameter(tg.ones([2]));
    p.grad = tg.tensor([Infinity, 1]);
    expect(() => nn.utils.clipGradNorm_([p], 1, 2, { errorIfNonfinite: true })).toThrow(
      /clipGradNorm_: The total norm of order 2 for gradients from `parameters` is non-finite/,
    );
    expect(p.grad!.toArray()).toEqual([Infinity, 1]); // unchanged by the refused call
    expect(nn.utils.clipGradNorm_([p], 1).item()).toBe(Infinity);
    expect(p.grad!.toArray()).toEqual([NaN, 0]); // inf * 0 and 1 * 0, as PyTorch
  });

  it('bad arguments are TypeErrors or RangeErrors naming the op', () => {
    const p = new nn.Parameter(tg.ones([2]));
    p.grad = tg.ones([2]);
    expect(() => nn.utils.clipGradNorm_([p], '1' as never)).toThrow(new TypeError('clipGradNorm_: maxNorm must be a number, got the string "1"'));
    expect(() => nn.utils.clipGradNorm_([p], -1)).toThrow(new RangeError('clipGradNorm_: maxNorm must be non-negative, got -1'));
    expect(() => nn.utils.clipGradNorm_([p], 1, 0)).toThrow(new RangeError('clipGradNorm_: normType must be a positive number or Infinity, got 0'));
    expect(() => nn.utils.clipGradNorm_([p], 1, 'two' as never)).toThrow(RangeError);
    expect(() => nn.utils.clipGradNorm_(5 as never, 1)).toThrow(new TypeError('clipGradNorm_: parameters must be a Tensor or an iterable of Tensors, got 5'));
    expect(() => nn.utils.clipGradNorm_([p, 3] as never, 1)).toThrow(new TypeError('clipGradNorm_: parameters[1] is 3, not a Tensor'));
    expect(() => nn.utils.clipGradNorm_([p], 1, 2, null as never)).toThrow(TypeError);
    expect(() => nn.utils.clipGradValue_([p], NaN)).toThrow(new TypeError('clipGradValue_: clipValue must be a number, got NaN'));
    expect(() => nn.utils.clipGradValue_([p], -0.5)).toThrow(RangeError);
    expect(p.grad!.toArray()).toEqual([1, 1]);
  });
});

describe('nn.utils.parametersToVector / vectorToParameters', () => {
  it('flattens in order, is differentiable, and copies back in place', () => {
    const lin = new nn.Linear(3, 2);
    const ps = lin.parameters();
    const vec = nn.utils.parametersToVector(ps);
    expect(vec.shape).toEqual([8]);
    expect(Array.from(vec.toTypedArray())).toEqual([...Array.from(lin.weight.toTypedArray()), ...Array.from(lin.bias!.toTypedArray())]);
    vec.mul(tg.arange(8)).sum().backward();
    expect(lin.weight.grad!.toArray()).toEqual([[0, 1, 2], [3, 4, 5]]);
    expect(lin.bias!.grad!.toArray()).toEqual([6, 7]);

    const weight = lin.weight;
    nn.utils.vectorToParameters(tg.arange(8).add(1), ps);
    expect(lin.weight).toBe(weight); // the same tensors, now holding the vector's values
    expect(lin.weight.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(lin.bias!.toArray()).toEqual([7, 8]);
    expect(lin.weight.requiresGrad).toBe(true);
    // a non-contiguous parameter
    const t = new nn.Parameter(tg.arange(6).reshape(2, 3).t());
    expect(nn.utils.parametersToVector([t]).toArray()).toEqual([0, 3, 1, 4, 2, 5]);
    nn.utils.vectorToParameters(tg.tensor([9, 8, 7, 6, 5, 4]), [t]);
    expect(t.toArray()).toEqual([[9, 8], [7, 6], [5, 4]]);
  });

  it('bad arguments are TypeErrors or RangeErrors naming the op', () => {
    const p = new nn.Parameter(tg.ones([2, 2]));
    expect(() => nn.utils.parametersToVector([])).toThrow(new RangeError('parametersToVector: expected a non-empty iterable of Tensors'));
    expect(() => nn.utils.parametersToVector([p, {}] as never)).toThrow(/parametersToVector: parameters\[1\] is Object, not a Tensor/);
    expect(() => nn.utils.vectorToParameters([1, 2, 3, 4] as never, [p])).toThrow(new TypeError('vectorToParameters: expected a Tensor, but got an array'));
    expect(() => nn.utils.vectorToParameters(tg.ones([5]), [p])).toThrow(
      new RangeError("vectorToParameters: vector of length 5 does not match the parameters' 4 elements"),
    );
    expect(() => nn.utils.vectorToParameters(tg.ones([2, 2]), [p])).toThrow(/expected a 1-D vector, got shape \[2, 2\]/);
    expect(p.toArray()).toEqual([[1, 1], [1, 1]]);
  });
});
