// multinomial (which cannot match PyTorch's random stream: reproducibility, distribution and
// argument checks here), and the argument errors and types of cumsum / sort / argsort / topk;
// their values and gradients against PyTorch are in the fixtures (test/fixtures/ops.json).
import { describe, expect, it } from 'vitest';
import * as tg from '../src/index.js';

describe('multinomial', () => {
  it('repeats its draws after the same manualSeed', () => {
    const p = tg.tensor([[0.1, 0.2, 0.3, 0.4], [0.4, 0.3, 0.2, 0.1]]);
    tg.manualSeed(1234);
    const a = tg.multinomial(p, 50, { replacement: true }).toArray();
    const b = p.multinomial(3).toArray();
    tg.manualSeed(1234);
    expect(tg.multinomial(p, 50, { replacement: true }).toArray()).toEqual(a);
    expect(p.multinomial(3).toArray()).toEqual(b);
    tg.manualSeed(99);
    expect(tg.multinomial(p, 50, { replacement: true }).toArray()).not.toEqual(a);
  });

  it('draws with replacement in proportion to the weights (within 5 standard deviations)', () => {
    tg.manualSeed(7);
    const w = [1, 2, 3, 4, 0];  // unnormalised; the last category is never drawn
    const n = 20000;
    const draws = tg.multinomial(tg.tensor(w), n, { replacement: true });
    expect(draws.dtype).toBe('int32');
    expect(draws.shape).toEqual([n]);
    const counts = new Array<number>(w.length).fill(0);
    for (const d of draws.toTypedArray()) counts[d]!++;
    const total = w.reduce((s, v) => s + v, 0);
    w.forEach((wi, i) => {
      const p = wi / total;
      expect(Math.abs(counts[i]! - n * p)).toBeLessThanOrEqual(5 * Math.sqrt(n * p * (1 - p)) + 1e-9);
    });
    expect(counts[4]).toBe(0);
  });

  it('draws the first sample of each row in proportion to the weights, without replacement too', () => {
    tg.manualSeed(8);
    const rows = 20000;
    const p = tg.tensor([0.5, 0.25, 0.25]).unsqueeze(0).expand(rows, 3);
    const draws = tg.multinomial(p, 2);
    expect(draws.shape).toEqual([rows, 2]);
    const first = draws.select(1, 0).toTypedArray();
    const counts = [0, 0, 0];
    for (const d of first) counts[d]!++;
    [0.5, 0.25, 0.25].forEach((q, i) => expect(Math.abs(counts[i]! - rows * q)).toBeLessThanOrEqual(5 * Math.sqrt(rows * q * (1 - q))));
  });

  it('gives distinct categories per row without replacement', () => {
    tg.manualSeed(3);
    const k = 10;
    const p = tg.rand(50, k).add(0.01);
    const draws = tg.multinomial(p, k).toArray() as number[][];
    for (const row of draws) expect([...row].sort((a, b) => a - b)).toEqual([...Array(k).keys()]);
    // Zero-weight categories are never drawn.
    const some = tg.multinomial(tg.tensor([[0, 1, 0, 1, 1]]), 3).toArray() as number[][];
    expect([...some[0]!].sort()).toEqual([1, 3, 4]);
  });

  it('rejects bad arguments with errors naming the op', () => {
    const p = tg.tensor([0.2, 0.8]);
    expect(() => tg.multinomial(p, 0)).toThrow(RangeError);
    expect(() => tg.multinomial(p, 0)).toThrow(/^multinomial: cannot sample n_sample <= 0/);
    expect(() => tg.multinomial(p, 3)).toThrow(/^multinomial: .*without replacement/);
    expect(() => tg.multinomial(p, 1.5)).toThrow(TypeError);
    expect(() => tg.multinomial(p, 1, { replacement: 1 as unknown as boolean })).toThrow(/^multinomial: replacement must be a boolean/);
    expect(() => tg.multinomial(tg.zeros(2, 2, 2), 1)).toThrow(/^multinomial: prob_dist must be 1 or 2 dim/);
    expect(() => tg.multinomial(tg.tensor([1, 2], { dtype: 'int32' }), 1)).toThrow(TypeError);
    expect(() => tg.multinomial(tg.tensor([0.5, -0.5]), 1)).toThrow(/^multinomial: .*element < 0/);
    expect(() => tg.multinomial(tg.tensor([0, 0]), 1, { replacement: true })).toThrow(/^multinomial: .*sum of probabilities <= 0/);
    expect(() => tg.multinomial(tg.tensor([NaN, 1]), 1, { replacement: true })).toThrow(RangeError);
    expect(() => tg.multinomial([0.5, 0.5] as unknown as tg.Tensor, 1)).toThrow(/^multinomial: expected a Tensor/);
  });
});

describe('cumsum / sort / argsort / topk arguments and types', () => {
  it('rejects bad arguments with errors naming the op', () => {
    const x = tg.randn(3, 4);
    expect(() => tg.cumsum(x, undefined as unknown as number)).toThrow(/^cumsum: dim must be a number/);
    expect(() => x.cumsum(2)).toThrow(RangeError);
    expect(() => x.sort(1, 'yes' as unknown as boolean)).toThrow(/^sort: descending must be a boolean/);
    expect(() => x.argsort(-3)).toThrow(/^argsort: Dimension out of range/);
    expect(() => x.topk(5)).toThrow(/^topk: selected index k out of range/);
    expect(() => x.topk(-1)).toThrow(RangeError);
    expect(() => x.topk(1.5)).toThrow(TypeError);
    expect(() => x.topk(1, -1, 0 as unknown as boolean)).toThrow(/^topk: largest must be a boolean/);
    expect(() => tg.tensor([true, false]).topk(1)).toThrow(TypeError);
  });

  it('keeps the dtype of the values and gives int32 indices', () => {
    const x = tg.tensor([3, 1, 2], { dtype: 'int32' });
    const s = x.sort();
    const sv: tg.Tensor<'int32'> = s.values;
    expect(sv.dtype).toBe('int32');
    expect(s.indices.dtype).toBe('int32');
    const t = tg.tensor([1, 5, 2], { dtype: 'float32' }).topk(2);
    const tv: tg.Tensor<'float32'> = t.values;
    expect(tv.toArray()).toEqual([5, 2]);
    expect(tg.cumsum(tg.tensor([true, true]), 0).dtype).toBe('int32');
  });

  it('differentiates its gradients again (the backward is made of ops)', () => {
    const x = tg.tensor([0.3, -1.2, 2.5, 0.7], { requiresGrad: true });
    const y = x.sort(0, true).values.square().cumsum(0).sum();
    const [g] = tg.autograd.grad([y], [x], { createGraph: true });
    // d/dx_i of sum_j (n - j) v_j^2 with v sorted: 2 (n - rank_i) x_i; the second derivative is 2 (n - rank_i).
    expect(Array.from(g!.toTypedArray()).map((v) => +v.toFixed(5))).toEqual([0.3 * 2 * 2, -1.2 * 2 * 1, 2.5 * 2 * 4, 0.7 * 2 * 3].map((v) => +v.toFixed(5)));
    const [h] = tg.autograd.grad([g!.sum()], [x]);
    expect(h!.toArray()).toEqual([4, 2, 8, 6]);
  });
});
