// scatter / scatter_, F.unfold / F.fold (nn.Unfold / nn.Fold) and F.pad's non-constant modes:
// what the PyTorch fixtures (test/fixtures/ops.json) cannot show: in-place behaviour and
// autograd rules, thread-count independence, module printing, and the raw bindings' checks.
import { describe, expect, it } from 'vitest';
import * as tg from '../src/index.js';
import { native } from '../src/native.js';

const F = tg.F;
const idx = (v: number[][]) => tg.tensor(v, { dtype: 'int32' });

describe('scatter / scatter_', () => {
  it('scatter_ writes in place, refuses a leaf that requires grad, and records on a non-leaf', () => {
    const x = tg.zeros([3, 4]);
    const r = x.scatter_(0, idx([[0, 1, 2, 0]]), tg.tensor([[1, 2, 3, 4]]));
    expect(r).toBe(x);
    expect(x.toArray()).toEqual([[1, 0, 0, 4], [0, 2, 0, 0], [0, 0, 3, 0]]);
    const leaf = tg.zeros([3, 4], { requiresGrad: true });
    expect(() => leaf.scatter_(0, idx([[0, 1, 2, 0]]), 1)).toThrow(/leaf Variable that requires grad/);
    const a = tg.randn([3, 4], { requiresGrad: true });
    const src = tg.randn([1, 4], { requiresGrad: true });
    const y = a.mul(2).scatter_(0, idx([[2, 0, 1, 2]]), src);
    y.backward(tg.ones([3, 4]));
    // The written positions get no gradient through a; src gets g gathered there.
    expect(a.grad!.toArray()).toEqual([[2, 0, 2, 2], [2, 2, 0, 2], [0, 2, 2, 0]]);
    expect(src.grad!.toArray()).toEqual([[1, 1, 1, 1]]);
  });

  it('scatter_ on a view writes its base; a source aliasing self is read before the writes', () => {
    const base = tg.zeros([2, 6]);
    base.slice(1, 0, null, 2).scatter_(1, idx([[2, 0], [1, 1]]), tg.tensor([[5, 6], [7, 8]]));
    expect(base.toArray()).toEqual([[6, 0, 0, 0, 5, 0], [0, 0, 8, 0, 0, 0]]);
    const x = tg.tensor([1, 2, 3, 4]);
    x.scatter_(0, tg.tensor([1, 2, 3, 0], { dtype: 'int32' }), x);
    expect(x.toArray()).toEqual([4, 1, 2, 3]);
  });

  it('with reduce, the forward works and the backward is refused as in PyTorch 1.13', () => {
    const x = tg.ones([2, 3], { requiresGrad: true });
    const y = x.scatter(1, idx([[0, 0], [2, 1]]), tg.tensor([[2, 3], [4, 5]]), { reduce: 'multiply' });
    expect(y.toArray()).toEqual([[6, 1, 1], [1, 5, 4]]);
    expect(() => y.sum().backward()).toThrow(/derivative for aten::scatter is not implemented/);
    expect(() => x.scatter(0, idx([[0]]), 1, { reduce: 'sum' as 'add' })).toThrow(/^scatter: reduce argument must be either add or multiply/);
  });

  it('gives a src larger than the index the gradient of its used part (zeros elsewhere)', () => {
    const src = tg.randn([3, 4], { requiresGrad: true });
    tg.zeros([2, 5]).scatter(1, idx([[0, 2], [3, 1]]), src).backward(tg.arange(10).float().reshape(2, 5));
    expect(src.grad!.toArray()).toEqual([[0, 2, 0, 0], [8, 6, 0, 0], [0, 0, 0, 0]]);
  });

  it('the raw binding checks mode, shapes, dtypes and indices', () => {
    const m = (mode: number) => new Float64Array([0, 1, mode, 0, 0, 2, 3, 0, 1, 0, 1, 0, 1]);
    const out = new Float32Array(3), i = Int32Array.from([0, 2]), s = new Float32Array(2);
    native.scatter(m(0), out, i, Float32Array.from([7, 8]));
    expect(Array.from(out)).toEqual([7, 0, 8]);
    expect(() => native.scatter(m(3), out, i, s)).toThrow(/reduce argument/);
    expect(() => native.scatter(m(0), out, Int32Array.from([0, 3]), s)).toThrow(/index 3 is out of bounds/);
    expect(() => native.scatter(m(0), out, i, new Int32Array(2))).toThrow(TypeError);
    expect(() => native.scatter(m(0), new Float32Array(2), i, s)).toThrow(/output/);
    expect(() => native.scatter(m(1), new Uint8Array(3), i, new Uint8Array(2))).toThrow(/bool/);
  });
});

describe('F.unfold / F.fold', () => {
  it('fold(unfold(x)) is x times the number of blocks covering each pixel', () => {
    const x = tg.randn([2, 3, 5, 6]);
    const opts = { padding: 1, stride: 1, dilation: 1 };
    const back = F.fold(F.unfold(x, 3, opts), [5, 6], 3, opts);
    const count = F.fold(F.unfold(tg.onesLike(x), 3, opts), [5, 6], 3, opts);
    const diff = back.sub(x.mul(count)).abs().max().item() as number;
    expect(diff).toBeLessThan(1e-5);
  });

  it('is bitwise the same on 1 and 2 threads', () => {
    const threads = tg.getNumThreads();
    const run = () => {
      tg.manualSeed(9);
      const x = tg.randn([8, 16, 20, 20], { requiresGrad: true });
      const u = F.unfold(x, 3, { padding: 1, stride: 2 });
      u.backward(tg.randn(u.shape));
      return [Array.from(u.toTypedArray()), Array.from(x.grad!.toTypedArray())];
    };
    try {
      tg.setNumThreads(1);
      const one = run();
      tg.setNumThreads(2);
      expect(run()).toEqual(one);
    } finally {
      tg.setNumThreads(threads);
    }
  });

  it('nn.Unfold and nn.Fold wrap them and print as PyTorch', () => {
    const u = new tg.nn.Unfold([2, 3], { padding: 1, stride: 2 });
    const f = new tg.nn.Fold(4, 2);
    expect(u.toString()).toBe('Unfold(kernel_size=(2, 3), dilation=1, padding=1, stride=2)');
    expect(f.toString()).toBe('Fold(output_size=4, kernel_size=2, dilation=1, padding=0, stride=1)');
    const x = tg.randn([1, 2, 4, 4]);
    expect(u.forward(x).shape).toEqual([1, 12, 6]);
    expect(f.forward(F.unfold(x, 2)).shape).toEqual([1, 2, 4, 4]);
    expect(() => new tg.nn.Unfold(2, null as never)).toThrow(/^Unfold: /);
  });

  it('the raw bindings check the window, the block counts and the buffers', () => {
    // [N, C, H, W, lh, lw, kh, kw, sh, sw, ph, pw, dh, dw, offsets]
    const m = (lh: number, k = 2) => new Float64Array([1, 1, 3, 3, lh, 2, k, 2, 1, 1, 0, 0, 1, 1, 0, 0]);
    native.unfold(m(2), new Float32Array(9), new Float32Array(16));
    expect(() => native.unfold(m(3), new Float32Array(9), new Float32Array(16))).toThrow(/unfold: .*blocks/);
    expect(() => native.unfold(m(2, 0), new Float32Array(9), new Float32Array(16))).toThrow(/kernel size/);
    expect(() => native.unfold(m(2), new Float32Array(8), new Float32Array(16))).toThrow(/input/);
    expect(() => native.fold(m(2), new Float32Array(15), new Float32Array(9))).toThrow(/fold: .*input/);
    expect(() => native.fold(m(2), new Float32Array(16), new Float32Array(8))).toThrow(/output/);
  });
});

describe("F.pad's reflect / replicate / circular", () => {
  it('has the gradient of every source element summed (indexAdd)', () => {
    const x = tg.tensor([[[1, 2, 3]]], { requiresGrad: true });
    F.pad(x, [2, 2], 'reflect').sum().backward();
    expect(x.grad!.toArray()).toEqual([[[2, 3, 2]]]);
    x.grad = null;
    F.pad(x, [2, 1], 'replicate').sum().backward();
    expect(x.grad!.toArray()).toEqual([[[3, 1, 2]]]);
    x.grad = null;
    F.pad(x, [3, 3], 'circular').sum().backward();
    expect(x.grad!.toArray()).toEqual([[[3, 3, 3]]]);
  });

  it('returns a new tensor when nothing is padded, and accepts value 0 with any mode', () => {
    const x = tg.ones([1, 2, 3]);
    const y = F.pad(x, [0, 0], 'replicate', 0);
    expect(y).not.toBe(x);
    y.fill_(5);
    expect(x.sum().item()).toBe(6);
  });
});
