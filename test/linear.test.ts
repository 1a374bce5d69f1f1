// The fused linear op (src/ops/linalg.ts linear: y = x @ w^T + b, optionally relu, one native
// call with the bias and relu in the GEMM's write-back) against the unfused composition, for
// every way x can be laid out (rows collapsing into one GEMM or not, 1-D, empty), with and
// without a bias, and its gradients by finite differences.
import { describe, expect, it } from 'vitest';
import * as tg from '../src/index.js';
import { linear } from '../src/ops/linalg.js';

const { nn } = tg;
const F = nn.functional;

function close(got: tg.Tensor, want: tg.Tensor, what: string): void {
  expect(got.shape, what).toEqual(want.shape);
  const g = got.toTypedArray() as Float32Array, w = want.toTypedArray() as Float32Array;
  for (let i = 0; i < g.length; i++)
    if (!(Math.abs(g[i]! - w[i]!) <= 1e-5 * (1 + Math.abs(w[i]!)))) throw new Error(`${what} at ${i}: got ${g[i]}, want ${w[i]}`);
}

// x layouts for [..., K]: contiguous ones collapse into one GEMM's rows; a transposed inner
// pair, an expanded batch or a strided slice does not and runs as a batch of GEMMs.
function inputs(K: number): [string, tg.Tensor][] {
  return [
    ['1-D', tg.randn([K])],
    ['2-D', tg.randn([5, K])],
    ['[B, T, in]', tg.randn([2, 3, K])],
    ['4-D with size-1 dims', tg.randn([2, 1, 3, K])],
    ['transposed rows', tg.randn([K, 6]).t()],
    ['transposed batch', tg.randn([3, 2, K]).transpose(0, 1)],
    ['expanded batch', tg.randn([1, 4, K]).expand([3, 4, K])],
    ['strided slice', tg.randn([4, 6, K]).slice(1, 0, null, 2)],
    ['no rows', tg.randn([0, K])],
  ];
}

describe('linear (fused bias and relu) vs matmul + add (+ relu)', () => {
  it('matches on every x layout, with and without bias, on the dot-product and tile paths', () => {
    tg.manualSeed(1);
    // N = 10 with K = 128 takes the GEMM's dot-product path (x @ w^T is "nt"); the others the tile.
    for (const [N, K] of [[10, 128], [37, 19], [3, 1], [17, 300]] as const) {
      const w = tg.randn([N, K]), b = tg.randn([N]);
      for (const [name, x] of inputs(K)) {
        const ref = x.matmul(w.t());
        close(F.linear(x, w), ref, `${name} N=${N} K=${K} no bias`);
        close(F.linear(x, w, b), ref.add(b), `${name} N=${N} K=${K} bias`);
        close(linear(x, w, b, true), ref.add(b).relu(), `${name} N=${N} K=${K} bias relu`);
        close(linear(x, w, null, true), ref.relu(), `${name} N=${N} K=${K} relu`);
      }
    }
  });

  it('K = 0 gives the bias (then relu)', () => {
    const b = tg.tensor([1, -2, 3]);
    close(F.linear(tg.zeros([2, 0]), tg.zeros([3, 0]), b), tg.tensor([[1, -2, 3], [1, -2, 3]]), 'bias');
    close(linear(tg.zeros([2, 0]), tg.zeros([3, 0]), b, true), tg.tensor([[1, 0, 3], [1, 0, 3]]), 'relu');
  });

  it('a bias the epilogue cannot read in place (strided, int32, [1, N]) is added after', () => {
    const x = tg.randn([4, 5]), w = tg.randn([3, 5]), ref = x.matmul(w.t());
    const strided = tg.randn([6]).slice(0, 0, null, 2);
    close(F.linear(x, w, strided), ref.add(strided), 'strided');
    close(linear(x, w, strided, true), ref.add(strided).relu(), 'strided relu');
    close(F.linear(x, w, tg.tensor([1, 2, 3], { dtype: 'int32' })), ref.add(tg.tensor([1, 2, 3])), 'int32');
    const row = tg.randn([1, 3]);
    close(F.linear(x, w, row), ref.add(row), '[1, N]');
  });

  it('checks shapes like F.linear always did', () => {
    const x = tg.randn([4, 5]);
    expect(() => F.linear(x, tg.randn([3, 4]))).toThrow(/linear: input shape \[4, 5\] does not end in in_features=4/);
    expect(() => F.linear(x, tg.randn([15]))).toThrow(/linear: weight must be 2-D/);
    expect(() => F.linear(x, tg.randn([3, 5]), tg.randn([4]))).toThrow(/linear: bias shape \[4\] does not match out_features=3/);
  });

  it('gradients: finite differences for x, w and b, fused relu included', () => {
    tg.manualSeed(2);
    const opts = { eps: 1e-3, atol: 1e-2, rtol: 1e-2 };
    for (const xShape of [[3], [4, 3], [2, 2, 3]]) {
      const x = tg.randn(xShape).requiresGrad_(), w = tg.randn([5, 3]).requiresGrad_(), b = tg.randn([5]).requiresGrad_();
      expect(tg.autograd.gradcheck((xx, ww, bb) => F.linear(xx!, ww!, bb!), [x, w, b], opts)).toBe(true);
      expect(tg.autograd.gradcheck((xx, ww) => F.linear(xx!, ww!), [x, w], opts)).toBe(true);
      // Away from relu's kink: a central difference across 0 is not the derivative.
      const safe = (xx: tg.Tensor, ww: tg.Tensor, bb: tg.Tensor) => linear(xx, ww, bb, true);
      const y = tg.noGrad(() => x.matmul(w.t()).add(b));
      if ((y.abs().toTypedArray() as Float32Array).every((v) => v > 0.05))
        expect(tg.autograd.gradcheck((xx, ww, bb) => safe(xx!, ww!, bb!), [x, w, b], opts)).toBe(true);
    }
  });

  it('nn.Sequential(Linear, ReLU) fuses to the same values and gradients as running them in turn', () => {
    tg.manualSeed(3);
    const model = new nn.Sequential(new nn.Linear(6, 8), new nn.ReLU(), new nn.Linear(8, 3), new nn.ReLU(), new nn.Linear(3, 2));
    const x = tg.randn([2, 5, 6]);
    const fused = model.forward(x);
    fused.sum().backward();
    const fusedGrads = model.parameters().map((p) => p.grad!.toTypedArray());
    model.zeroGrad();
    let y = x;
    for (const m of model.children()) y = m instanceof nn.ReLU ? F.relu(y) : (m as tg.nn.Linear).forward(y);
    expect(Array.from(fused.toTypedArray())).toEqual(Array.from(y.toTypedArray()));
    y.sum().backward();
    model.parameters().forEach((p, i) => expect(Array.from(p.grad!.toTypedArray()), `param ${i}`).toEqual(Array.from(fusedGrads[i]!)));
  });
});

// linear's and matmul's backward hand a leaf its gradient without a copy (helpers.ts freshGrad):
// the leaf's .grad must still be private, and accumulation, autograd.grad and createGraph unchanged.
describe('leaf gradients kept without a copy', () => {
  const storage = (t: tg.Tensor) => t.toTypedArray();
  it('each leaf gets its own gradient, accumulated in place on the next backward', () => {
    const x = tg.randn([4, 3], { requiresGrad: true }), w = tg.randn([5, 3], { requiresGrad: true }), b = tg.randn([5], { requiresGrad: true });
    const g = tg.randn([4, 5]);
    linear(x, w, b).backward(g);
    const w1 = w.grad!.clone(), b1 = b.grad!.clone();
    close(w.grad!, g.t().matmul(x.detach()), 'dW');
    close(b.grad!, g.sum(0), 'db');
    // Writing one leaf's gradient changes no other tensor.
    const xg = x.grad!.clone();
    w.grad!.mul_(0);
    close(x.grad!, xg, 'dx untouched');
    w.grad = w1.clone();
    linear(x, w, b).backward(g);
    close(w.grad!, w1.mul(2), 'dW accumulated');
    close(b.grad!, b1.mul(2), 'db accumulated');
  });

  it('a weight used twice in one graph sums both gradients', () => {
    const w = tg.randn([2, 3], { requiresGrad: true });
    const x1 = tg.randn([4, 3]), x2 = tg.randn([4, 3]);
    linear(x1, w, null).add(x2.matmul(w.t())).sum().backward();
    const ones = tg.ones([4, 2]);
    close(w.grad!, ones.t().matmul(x1).add(ones.t().matmul(x2)), 'dW');
  });

  it('matmul of two leaves: private gradients for both', () => {
    const a = tg.randn([3, 4], { requiresGrad: true }), c = tg.randn([4, 2], { requiresGrad: true });
    a.matmul(c).sum().backward();
    const before = Array.from(storage(c.grad!));
    a.grad!.add_(1);
    expect(Array.from(storage(c.grad!))).toEqual(before);
  });

  it('autograd.grad leaves .grad alone; createGraph gradients stay differentiable', () => {
    const x = tg.randn([4, 3]), w = tg.randn([2, 3], { requiresGrad: true });
    const [gw] = tg.autograd.grad(linear(x, w, null).square().sum(), w);
    expect(w.grad).toBeNull();
    linear(x, w, null).square().sum().backward(null, { createGraph: true });
    close(w.grad!, gw!, 'dW with createGraph');
    expect(w.grad!.requiresGrad).toBe(true);
  });

  it("a gradient autograd.grad returned, passed back into the same leaf, is copied into .grad", () => {
    const x = tg.randn([4, 3]), w = tg.randn([2, 3], { requiresGrad: true });
    const [gw] = tg.autograd.grad(linear(x, w, null).sum(), w);
    const before = Array.from(storage(gw!));
    w.backward(gw!);
    w.grad!.add_(1);
    expect(Array.from(storage(gw!))).toEqual(before);
  });
});
