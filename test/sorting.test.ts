// multinomial (which cannot match PyTorch's random stream: reproducibility, distribution and
// argument checks here), and the argument errors and types of cumsum / sort / argsort / topk;
// their values and gradients against PyTorch are in the fixtures (test/fixtures/ops.json).
import { describe, expect, it } from 'vitest';
import * as tg from '../src/index.js';
import { native } from '../src/native.js';

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

describe('cumprod', () => {
  /** d(sum(cumprod(x) * g)) / dx in float64 straight from its definition (O(n^2) per line). */
  function reference(x: number[], g: number[]): number[] {
    return x.map((_, k) => {
      let s = 0;
      for (let j = k; j < x.length; j++) {
        let p = 1;
        for (let i = 0; i <= j; i++) if (i !== k) p *= x[i]!;
        s += g[j]! * p;
      }
      return s;
    });
  }

  it('has the exact gradient where the input has zeros, one or several, on long lines', () => {
    tg.manualSeed(3);
    for (const n of [1, 2, 7, 17, 64]) {
      const base = Array.from(tg.rand([n]).mul(1.5).add(0.25).toTypedArray());
      for (const zeros of [[], [0], [n - 1], [Math.floor(n / 2)], [1, n - 2]]) {
        const xs = base.slice();
        for (const z of zeros) if (z >= 0 && z < n) xs[z] = 0;
        const g = Array.from(tg.randn([n]).toTypedArray());
        const x = tg.tensor(xs).requiresGrad_();
        x.cumprod(0).backward(tg.tensor(g));
        const want = reference(Array.from(Float32Array.from(xs)), Array.from(Float32Array.from(g)));
        const got = Array.from(x.grad!.toTypedArray());
        got.forEach((v, i) => expect(Math.abs(v - want[i]!), `n=${n} zeros=${zeros} at ${i}`).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(want[i]!))));
      }
    }
  });

  it('under createGraph gives the same gradient, and a second derivative', () => {
    const x = tg.tensor([[1.5, 0, -2, 3], [0, 0.5, 0, 4], [0.7, 1.1, -0.9, 1.3]]).requiresGrad_();
    const g = tg.randn([3, 4]);
    const [plain] = tg.autograd.grad(x.cumprod(1), x, { gradOutputs: g });
    const [graph] = tg.autograd.grad(x.cumprod(1), x, { gradOutputs: g, createGraph: true });
    expect(graph!.requiresGrad).toBe(true);
    const a = plain!.toTypedArray(), b = graph!.toTypedArray();
    a.forEach((v, i) => expect(Math.abs(v - b[i]!)).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(v))));
    expect(tg.autograd.gradcheck((t) => t.cumprod(1).mul(t).sum(), [x.detach().add(0.1).requiresGrad_()], { eps: 1e-3, atol: 1e-2, rtol: 1e-2 })).toBe(true);
  });

  it('is bitwise the same on 1 and 2 threads, over lines and inner blocks', () => {
    const threads = tg.getNumThreads();
    const run = (shape: number[], dim: number) => {
      tg.manualSeed(5);
      const x = tg.rand(shape).add(0.5).requiresGrad_();
      const y = x.cumprod(dim);
      y.backward(tg.randn(shape));
      return [Array.from(y.toTypedArray()), Array.from(x.grad!.toTypedArray())];
    };
    try {
      for (const [shape, dim] of [[[300, 200], 1], [[40, 30, 300], 1], [[5000, 3], 0]] as const) {
        tg.setNumThreads(1);
        const one = run(shape as unknown as number[], dim);
        tg.setNumThreads(2);
        expect(run(shape as unknown as number[], dim)).toEqual(one);
      }
    } finally {
      tg.setNumThreads(threads);
    }
  });

  it('rejects bad arguments, and its raw backward binding checks its operands', () => {
    expect(() => tg.cumprod(tg.ones([2, 3]), 2)).toThrow(/^cumprod: /);
    expect(() => tg.ones([2]).cumprod(0.5)).toThrow(/^cumprod: /);
    expect(tg.tensor([true, true, false]).cumprod(0).dtype).toBe('int32');
    const m = new Float64Array([2, 3, 1, 0, 0, 0, 0, 0, 0]);
    const f = (n: number) => new Float32Array(n);
    expect(() => native.cumprodBackward(m, f(6), f(6), f(5))).toThrow(/cumprod.backward.*grad/);
    expect(() => native.cumprodBackward(m, f(5), f(6), f(6))).toThrow(/cumprod.backward.*input/);
    expect(() => native.cumprodBackward(m, f(6), f(6), new Int32Array(6) as unknown as Float32Array)).toThrow(TypeError);
    const shared = f(6);
    expect(() => native.cumprodBackward(m, f(6), shared, shared)).toThrow(/must not overlap/);
    expect(() => native.cumprodBackward(new Float64Array([-1, 3, 1, 0, 0, 0, 0, 0, 0]), f(6), f(6), f(6))).toThrow(RangeError);
  });
});
