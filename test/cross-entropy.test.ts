// The fused cross-entropy (src/ops/loss.ts, cpp/kernels/loss.cpp) against the composed form it
// replaces for [N, C] logits with class indices: values and gradients for every reduction, with
// and without ignored targets, on every SIMD path; finite differences; double backward (which
// runs the composed gradient); and the raw binding's checks. PyTorch's own values are in
// test/fixtures/training/losses.json (ce_*, compared in nn.test.ts).
import { afterAll, describe, expect, it } from 'vitest';
import * as tg from '../src/index.js';
import { native as loadedAddon } from '../src/native.js';
import { simdPaths } from './helpers/simd.js';

interface Native {
  crossEntropyForward(meta: Float64Array, logits: Float32Array, target: Int32Array, probs: Float32Array, out: Float32Array): void;
  crossEntropyBackward(meta: Float64Array, probs: Float32Array, target: Int32Array, grad: Float32Array, dx: Float32Array): void;
  simd(): string;
  selectSimd(name: string): boolean;
}
const native = loadedAddon as unknown as Native;
const ORIGINAL = native.simd();
const PATHS = simdPaths();
afterAll(() => { native.selectSimd(ORIGINAL); });

const F = tg.F;
type Red = 'mean' | 'sum' | 'none';
const REDS: Red[] = ['mean', 'sum', 'none'];

function close(got: tg.Tensor, want: tg.Tensor, what: string, tol = 2e-6): void {
  expect(got.shape, what).toEqual(want.shape);
  const g = got.toTypedArray() as Float32Array, w = want.toTypedArray() as Float32Array;
  for (let i = 0; i < g.length; i++) {
    if (Object.is(g[i], w[i]) || (Number.isNaN(w[i]!) && Number.isNaN(g[i]!))) continue;
    if (!(Math.abs(g[i]! - w[i]!) <= tol * (1 + Math.abs(w[i]!)))) throw new Error(`${what} at ${i}: got ${g[i]}, want ${w[i]}`);
  }
}

/** Loss and input gradient through the fused path, and through the composed one (a weight of ones forces it). */
function both(x: tg.Tensor, t: tg.Tensor, red: Red, ignoreIndex = -100) {
  const run = (weight: tg.Tensor | null) => {
    const xi = x.detach().requiresGrad_();
    const loss = F.crossEntropy(xi, t, { reduction: red, ignoreIndex, weight });
    loss.sum().backward();
    return { loss, grad: xi.grad!, name: loss.gradFn?.name };
  };
  return { fused: run(null), composed: run(tg.ones([x.shape[1]!])) };
}

function labels(n: number, c: number, seed: number, ignoreEvery = 0, ignoreIndex = -100): tg.Tensor {
  const t = new Int32Array(n);
  for (let i = 0; i < n; i++) t[i] = ignoreEvery && i % ignoreEvery === 1 ? ignoreIndex : (i * 7 + seed) % c;
  return tg.tensor(t);
}

describe('fused cross-entropy vs the composed form', () => {
  it('values and gradients, every reduction, odd class counts, on every SIMD path', () => {
    for (const path of PATHS) {
      expect(native.selectSimd(path)).toBe(true);
      try {
        for (const [n, c] of [[1, 1], [3, 2], [7, 10], [64, 10], [5, 17], [9, 33], [2, 100]] as const)
          for (const red of REDS)
            for (const ignoreEvery of [0, 3]) {
              tg.manualSeed(n * 100 + c);
              const x = tg.randn([n, c]).mul(4);
              const { fused, composed } = both(x, labels(n, c, 3, ignoreEvery), red);
              const what = `${path} [${n}, ${c}] ${red} ignore=${ignoreEvery}`;
              close(fused.loss, composed.loss, `${what} loss`, 4e-6);
              close(fused.grad, composed.grad, `${what} grad`);
            }
      } finally {
        native.selectSimd(ORIGINAL);
      }
    }
  });

  it('names its node as PyTorch does and takes no graph without grad', () => {
    const x = tg.randn([4, 3], { requiresGrad: true });
    expect(F.crossEntropy(x, labels(4, 3, 0)).gradFn?.name).toBe('NllLossBackward0');
    expect(F.crossEntropy(x.detach(), labels(4, 3, 0)).requiresGrad).toBe(false);
    expect(tg.noGrad(() => F.crossEntropy(x, labels(4, 3, 0))).requiresGrad).toBe(false);
  });

  it('refuses a backward after the targets were changed in place', () => {
    const x = tg.randn([4, 3], { requiresGrad: true });
    const t = labels(4, 3, 0);
    const loss = F.crossEntropy(x, t);
    t.fill_(1);
    expect(() => loss.backward()).toThrow(/modified by an inplace operation/);
  });

  it('a custom ignoreIndex, all targets ignored (mean: NaN, zero gradient), an empty batch', () => {
    const x = tg.randn([6, 4]);
    for (const red of REDS) {
      const { fused, composed } = both(x, labels(6, 4, 1, 2, 2), red, 2);
      close(fused.loss, composed.loss, `ignoreIndex 2 ${red}`);
      close(fused.grad, composed.grad, `ignoreIndex 2 ${red} grad`);
    }
    const all = both(x.slice(0, 0, 2), tg.tensor(new Int32Array([-100, -100])), 'mean');
    expect(all.fused.loss.item()).toBeNaN();
    expect(Array.from(all.fused.grad.toTypedArray())).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    const empty = F.crossEntropy(tg.zeros([0, 3], { requiresGrad: true }), tg.tensor(new Int32Array(0)), { reduction: 'sum' });
    expect(empty.item()).toBe(0);
  });

  it('logits far apart, infinite and NaN behave as in the composed form', () => {
    const x = tg.tensor([[1000, -1000, 0], [-50, 60, 55], [1e4, 1e4, -1e4], [Infinity, 0, 1], [NaN, 0, 1], [-Infinity, 0, 1]]);
    const t = tg.tensor(new Int32Array([1, 2, 0, 1, 2, 0]));
    for (const red of REDS) {
      const { fused, composed } = both(x, t, red);
      close(fused.loss, composed.loss, `far ${red}`);
      close(fused.grad, composed.grad, `far ${red} grad`);
    }
  });

  it('strided logits and targets (copied for the fused path) give the same result', () => {
    const base = tg.randn([5, 8]);
    const x = base.slice(1, 0, null, 2);  // [5, 4], row stride 8, column stride 2
    const t = tg.tensor(new Int32Array([0, 9, 1, 9, 2, 9, 3, 9, 0, 9])).slice(0, 0, null, 2);
    for (const red of REDS) {
      const xi = x.detach().requiresGrad_();
      const loss = F.crossEntropy(xi, t, { reduction: red });
      loss.sum().backward();
      const { fused } = both(x.contiguous(), t.contiguous(), red);
      close(loss, fused.loss, `strided ${red}`);
      close(xi.grad!, fused.grad, `strided ${red} grad`);
    }
  });

  it('checks targets as before', () => {
    expect(() => F.crossEntropy(tg.zeros([2, 3]), tg.tensor(new Int32Array([0, 3])))).toThrow(/Target 3 is out of bounds/);
    expect(() => F.crossEntropy(tg.zeros([2, 3]), tg.tensor(new Int32Array([-1, 0])))).toThrow(/Target -1 is out of bounds/);
  });
});

describe('fused K-dimensional cross-entropy ([N, C, d1, ...] and [C])', () => {
  /** Loss and gradient fused, and composed (a weight of ones forces the composed path). */
  function bothK(x: tg.Tensor, t: tg.Tensor, red: Red, ignoreIndex = -100) {
    const C = x.shape[x.dim() === 1 ? 0 : 1]!;
    const run = (weight: tg.Tensor | null) => {
      const xi = x.detach().requiresGrad_();
      const loss = F.crossEntropy(xi, t, { reduction: red, ignoreIndex, weight });
      loss.sum().backward();
      return { loss, grad: xi.grad!, name: loss.gradFn?.name };
    };
    return { fused: run(null), composed: run(tg.ones([C])) };
  }

  it('values and gradients, every reduction and SIMD path, inner sizes across the column blocks', () => {
    for (const path of PATHS) {
      expect(native.selectSimd(path)).toBe(true);
      try {
        for (const shape of [[2, 5, 3, 4], [1, 3, 1], [3, 7, 17], [2, 4, 65], [2, 3, 2, 3, 2], [1, 1, 5], [2, 33, 70]])
          for (const red of REDS)
            for (const ignore of [false, true]) {
              tg.manualSeed(shape.reduce((a, b) => a * 31 + b, 0));
              const x = tg.randn(shape).mul(3);
              const C = shape[1]!;
              const tshape = [shape[0]!, ...shape.slice(2)];
              let t = tg.randint(0, C, tshape);
              if (ignore) t = t.where(tg.rand(tshape).gt(0.3), -100);
              const { fused, composed } = bothK(x, t, red);
              const what = `${path} [${shape}] ${red} ignore=${ignore}`;
              expect(fused.name, what).toBe('NllLossBackward0');
              close(fused.loss, composed.loss, `${what} loss`, 4e-6);
              close(fused.grad, composed.grad, `${what} grad`);
            }
      } finally {
        native.selectSimd(ORIGINAL);
      }
    }
  });

  it('a 1-D [C] input against a 0-d target', () => {
    const x = tg.randn([6]);
    for (const red of REDS)
      for (const t of [3, -100]) {
        const { fused, composed } = bothK(x, tg.tensor(t, { dtype: 'int32' }), red);
        expect(fused.loss.shape).toEqual([]);
        close(fused.loss, composed.loss, `[C] ${red} t=${t}`);
        // Everything ignored under 'mean': NaN loss and, as PyTorch's nll_loss_backward, a zero gradient.
        if (t === -100 && red === 'mean') expect(Array.from(fused.grad.toTypedArray())).toEqual([0, 0, 0, 0, 0, 0]);
        else close(fused.grad, composed.grad, `[C] ${red} t=${t} grad`);
      }
  });

  it('a strided per-position gradient (reduction none) and strided logits', () => {
    const x = tg.randn([2, 4, 3, 5]).permute(0, 1, 3, 2);  // [2, 4, 5, 3], not contiguous
    const t = tg.randint(0, 4, [2, 5, 3]);
    const g = tg.randn([2, 3, 5]).transpose(1, 2);  // [2, 5, 3], not contiguous
    const grads = [null, tg.ones([4])].map((weight) => {
      const xi = x.detach().requiresGrad_();
      F.crossEntropy(xi, t, { reduction: 'none', weight }).backward(g);
      return xi.grad!;
    });
    close(grads[0]!, grads[1]!, 'strided none grad');
  });

  it('double backward over K dims matches the composed form', () => {
    for (const red of REDS) {
      const x0 = tg.randn([2, 4, 3]);
      const t = tg.tensor(new Int32Array([0, 3, -100, 1, 1, 2])).reshape(2, 3);
      const v = tg.randn([2, 4, 3]);
      const gOut = red === 'none' ? tg.randn([2, 3]).abs() : tg.tensor(1.5);
      const hvp = (weight: tg.Tensor | null) => {
        const x = x0.detach().requiresGrad_();
        const [g] = tg.autograd.grad(F.crossEntropy(x, t, { reduction: red, weight }), x, { gradOutputs: gOut, createGraph: true });
        const [h] = tg.autograd.grad(g!.mul(v).sum(), x);
        return { g: g!, h: h! };
      };
      const fused = hvp(null), composed = hvp(tg.ones([4]));
      close(fused.g, composed.g, `${red} grad`);
      close(fused.h, composed.h, `${red} Hessian-vector product`, 1e-5);
    }
  });

  it('is bitwise the same on 1 and 2 threads (rows and column blocks)', () => {
    const threads = tg.getNumThreads();
    const run = (shape: number[], red: Red) => {
      tg.manualSeed(11);
      const x = tg.randn(shape, { requiresGrad: true });
      const t = tg.randint(0, shape[1]!, [shape[0]!, ...shape.slice(2)]);
      const loss = F.crossEntropy(x, t, { reduction: red });
      loss.sum().backward();
      return [Array.from(loss.toTypedArray()), Array.from(x.grad!.toTypedArray())];
    };
    try {
      for (const [shape, red] of [[[4096, 32], 'mean'], [[64, 1000], 'sum'], [[8, 10, 40, 40], 'mean'], [[4, 7, 3000], 'none']] as const) {
        tg.setNumThreads(1);
        const one = run(shape as unknown as number[], red);
        tg.setNumThreads(2);
        const two = run(shape as unknown as number[], red);
        expect(two[0]).toEqual(one[0]);
        expect(two[1]).toEqual(one[1]);
      }
    } finally {
      tg.setNumThreads(threads);
    }
  });
});

describe('fused cross-entropy derivatives', () => {
  it('gradcheck (finite differences), every reduction, with ignored targets', () => {
    for (const red of REDS) {
      const x = tg.randn([5, 4], { requiresGrad: true });
      const t = labels(5, 4, 2, 3);
      expect(tg.autograd.gradcheck((a) => F.crossEntropy(a, t, { reduction: red }), [x], { eps: 1e-3, atol: 1e-2, rtol: 1e-2 })).toBe(true);
    }
  });

  it('double backward (createGraph) matches the composed form: gradients of the gradient', () => {
    for (const red of REDS) {
      const x0 = tg.randn([4, 5]);
      const t = labels(4, 5, 1, 3);
      const v = tg.randn([4, 5]);
      const hvp = (weight: tg.Tensor | null) => {
        const x = x0.detach().requiresGrad_();
        const gOut = red === 'none' ? tg.randn([4]).abs() : tg.tensor(1.5);
        const loss = F.crossEntropy(x, t, { reduction: red, weight });
        const [g] = tg.autograd.grad(loss, x, { gradOutputs: gOut, createGraph: true });
        expect(g!.requiresGrad).toBe(true);
        const [h] = tg.autograd.grad(g!.mul(v).sum(), x);
        return { g: g!, h: h! };
      };
      tg.manualSeed(7);
      const fused = hvp(null);
      tg.manualSeed(7);
      const composed = hvp(tg.ones([5]));
      close(fused.g, composed.g, `${red} grad`);
      close(fused.h, composed.h, `${red} Hessian-vector product`, 1e-5);
    }
  });
});

describe('raw binding checks (binding/loss.cc)', () => {
  const m = (n: number, c: number, ignore = -100, red = 2, off = 0, toff = 0, gs = 1, inner = 1) => new Float64Array([n, c, ignore, red, off, toff, gs, inner]);
  const f = (n: number) => new Float32Array(n);
  const i32 = (...v: number[]) => Int32Array.from(v);
  it('rejects out-of-range targets, short buffers, bad reductions and dtypes with RangeError/TypeError', () => {
    expect(() => native.crossEntropyForward(m(2, 3), f(6), i32(0, 3), f(6), f(1))).toThrow(/crossEntropy.*Target 3 is out of bounds/);
    expect(() => native.crossEntropyForward(m(2, 3), f(5), i32(0, 1), f(6), f(1))).toThrow(RangeError);
    expect(() => native.crossEntropyForward(m(2, 3, -100, 2, 1), f(6), i32(0, 1), f(6), f(1))).toThrow(/logits view of shape \[2, 3, 1\] reaches outside/);
    expect(() => native.crossEntropyForward(m(2, 3), f(6), i32(0), f(6), f(1))).toThrow(/target/);
    expect(() => native.crossEntropyForward(m(2, 3), f(6), i32(0, 1), f(5), f(1))).toThrow(/probs/);
    expect(() => native.crossEntropyForward(m(2, 3, -100, 0), f(6), i32(0, 1), f(6), f(1))).toThrow(/output/);
    expect(() => native.crossEntropyForward(m(2, 3, -100, 3), f(6), i32(0, 1), f(6), f(1))).toThrow(/bad reduction/);
    expect(() => native.crossEntropyForward(m(2, 0, -100, 1), f(0), i32(-100, -100), f(0), f(1))).toThrow(/no classes/);
    expect(() => native.crossEntropyForward(m(-1, 3), f(6), i32(0, 1), f(6), f(1))).toThrow(RangeError);
    expect(() => native.crossEntropyForward(m(2, 3), f(6), new Float32Array(2) as unknown as Int32Array, f(6), f(1))).toThrow(TypeError);
    expect(() => native.crossEntropyForward(m(2, 3), f(6), i32(0, 1), f(6), undefined as unknown as Float32Array)).toThrow(TypeError);
    expect(() => native.crossEntropyBackward(m(2, 3, -100, 0, 0, 0, 1), f(6), i32(0, 1), f(1), f(6))).toThrow(/grad view/);
    expect(() => native.crossEntropyBackward(m(2, 3), f(6), i32(0, 1), f(1), f(5))).toThrow(/dx/);
    expect(() => native.crossEntropyBackward(m(2, 3), f(6), i32(0, 7), f(1), f(6))).toThrow(/Target 7 is out of bounds/);
    // K-dimensional: [n, c, inner] logits and [n * inner] targets.
    expect(() => native.crossEntropyForward(m(2, 3, -100, 2, 0, 0, 1, 2), f(11), i32(0, 1, 2, 0), f(12), f(1))).toThrow(/logits/);
    expect(() => native.crossEntropyForward(m(2, 3, -100, 2, 0, 0, 1, 2), f(12), i32(0, 1, 2), f(12), f(1))).toThrow(/target/);
    expect(() => native.crossEntropyForward(m(2, 3, -100, 0, 0, 0, 1, 2), f(12), i32(0, 1, 2, 0), f(12), f(3))).toThrow(/output/);
    expect(() => native.crossEntropyForward(m(2, 3, -100, 2, 0, 0, 1, -1), f(12), i32(0, 1, 2, 0), f(12), f(1))).toThrow(RangeError);
    expect(() => native.crossEntropyBackward(m(2, 3, -100, 0, 0, 0, 1, 2), f(12), i32(0, 1, 2, 0), f(3), f(12))).toThrow(/grad view/);
    expect(() => native.crossEntropyBackward(new Float64Array([2, 3, -100, 2, 0, 0, 1]), f(6), i32(0, 1), f(1), f(6))).toThrow(RangeError);
    expect(() => native.crossEntropyBackward(new Float64Array([2, 3, 0.5, 2, 0, 0, 1, 1]), f(6), i32(0, 1), f(1), f(6))).toThrow(/integer/);
  });

  it('reads a target and a gradient at an offset, the gradient with a stride', () => {
    const logits = Float32Array.from([9, 0, 0, 0, 0, 0, 0]);  // rows from offset 1: all zeros
    const probs = f(6), out = f(2);
    native.crossEntropyForward(m(2, 3, -100, 0, 1, 1), logits, i32(5, 0, 2), probs, out);
    expect(out[0]).toBeCloseTo(Math.log(3), 6);
    expect(out[1]).toBeCloseTo(Math.log(3), 6);
    const dx = f(6);
    native.crossEntropyBackward(m(2, 3, -100, 0, 1, 1, 2), probs, i32(5, 0, 2), Float32Array.from([0, 3, 0, 6]), dx);
    expect(Array.from(dx).map((v) => Math.round(v * 1e5) / 1e5)).toEqual([-2, 1, 1, 2, 2, -4]);
  });
});
