// The autograd engine's contract: accumulation, retainGraph, PyTorch's errors, grad mode,
// version counters, retainGrad, autograd.grad (with createGraph), and deep graphs.
import { describe, expect, it } from 'vitest';
import * as tg from '../src/index.js';

const arr = (t: tg.Tensor | null) => Array.from(t!.toTypedArray());

describe('backward', () => {
  it('accumulates into leaves until zeroed', () => {
    const x = tg.tensor([1, 2, 3], { requiresGrad: true });
    x.mul(x).sum().backward();
    expect(arr(x.grad)).toEqual([2, 4, 6]);
    x.mul(x).sum().backward();
    expect(arr(x.grad)).toEqual([4, 8, 12]);
    x.grad!.zero_();
    x.sum().backward();
    expect(arr(x.grad)).toEqual([1, 1, 1]);
  });

  it('gives two leaves fed the same gradient their own grad tensors', () => {
    const a = tg.tensor([1], { requiresGrad: true }), b = tg.tensor([2], { requiresGrad: true });
    a.add(b).sum().backward();
    a.grad!.zero_();
    expect(arr(b.grad)).toEqual([1]);
  });

  it('frees the graph after backward unless retainGraph', () => {
    const x = tg.tensor([1, 2], { requiresGrad: true });
    const y = x.exp().sum();
    y.backward(null, { retainGraph: true });
    y.backward();
    expect(arr(x.grad)).toEqual(arr(x.detach().exp().mul(2)));
    expect(() => y.backward()).toThrow(/Trying to backward through the graph a second time/);
  });

  it('needs a gradient for non-scalar outputs, of the right shape', () => {
    const x = tg.tensor([1, 2], { requiresGrad: true });
    expect(() => x.mul(2).backward()).toThrow(/grad can be implicitly created only for scalar outputs/);
    expect(() => x.mul(2).backward(tg.ones(3))).toThrow(/Mismatch in shape/);
    x.mul(2).backward(tg.tensor([1, 10]));
    expect(arr(x.grad)).toEqual([2, 20]);
  });

  it('refuses backward on a tensor that does not require grad', () => {
    expect(() => tg.ones(1).backward()).toThrow(/does not require grad/);
  });

  it('sums broadcast gradients back to the input shape', () => {
    const w = tg.tensor([[1], [2]], { requiresGrad: true });
    const b = tg.tensor([1, 2, 3], { requiresGrad: true });
    w.add(b).sum().backward();
    expect(w.grad!.shape).toEqual([2, 1]);
    expect(arr(w.grad)).toEqual([3, 3]);
    expect(arr(b.grad)).toEqual([2, 2, 2]);
  });

  it('handles a graph where one path carries no gradient', () => {
    const x = tg.tensor([2], { requiresGrad: true });
    const y = x.mul(3);
    const z = y.add(y.gt(0).float()).mul(y);
    z.sum().backward();
    // z = (3x + 1) * 3x  →  dz/dx = 18x + 3
    expect(arr(x.grad)).toEqual([39]);
  });

  it('traverses a 100,000-op chain without recursion', () => {
    const x = tg.tensor([1], { requiresGrad: true });
    let y = x;
    for (let i = 0; i < 100_000; i++) y = y.add(1);
    y.sum().backward();
    expect(arr(x.grad)).toEqual([1]);
  });
});

describe('grad mode', () => {
  it('noGrad records nothing; enableGrad re-enables inside it', () => {
    const x = tg.tensor([1], { requiresGrad: true });
    const y = tg.noGrad(() => x.mul(2));
    expect(y.requiresGrad).toBe(false);
    expect(y.gradFn).toBeNull();
    expect(tg.isGradEnabled()).toBe(true);
    const z = tg.noGrad(() => tg.enableGrad(() => x.mul(2)));
    expect(z.gradFn?.name).toBe('MulBackward0');
  });

  it('restores the mode when the function throws', () => {
    expect(() => tg.noGrad(() => { throw new Error('boom'); })).toThrow('boom');
    expect(tg.isGradEnabled()).toBe(true);
  });

  it('detach and .data cut the graph; .data has its own version counter', () => {
    const x = tg.tensor([1, 2], { requiresGrad: true });
    const y = x.mul(2);
    expect(y.detach().requiresGrad).toBe(false);
    expect(y.detach().gradFn).toBeNull();
    const d = x.data;
    d.add_(1);
    expect(arr(x)).toEqual([2, 3]);
    expect(x._version.value).toBe(0);
    const det = x.detach();
    det.add_(1);
    expect(x._version.value).toBe(1);
  });

  it('names grad functions like PyTorch and marks leaves', () => {
    const x = tg.tensor([1.5], { requiresGrad: true });
    expect(x.isLeaf).toBe(true);
    const y = x.mul(2).add(1).mean();
    expect(y.isLeaf).toBe(false);
    expect(y.gradFn!.name).toBe('MeanBackward1');
    expect(String(y)).toBe('tensor(4., grad_fn=<MeanBackward1>)');
    expect(String(x)).toBe('tensor([1.5000], requires_grad=True)');
  });
});

describe('in-place and versions', () => {
  it("raises PyTorch's error when a saved tensor was modified in place", () => {
    const a = tg.tensor([1, 2, 3], { requiresGrad: true }).mul(1);
    const y = a.mul(a);
    a.add_(1);
    expect(() => y.sum().backward()).toThrow(/modified by an inplace operation.*is at version 1; expected version 0/);
  });

  it('refuses in-place on a leaf that requires grad, except under noGrad', () => {
    const w = tg.tensor([1], { requiresGrad: true });
    expect(() => w.sub_(1)).toThrow(/a leaf Variable that requires grad is being used in an in-place operation/);
    tg.noGrad(() => w.sub_(1));
    expect(arr(w)).toEqual([0]);
  });

  it('records in-place ops on non-leaf tensors in the graph', () => {
    const x = tg.tensor([1, 2], { requiresGrad: true });
    const y = x.mul(3);
    y.mul_(2);
    y.add_(x);
    y.sum().backward();
    expect(arr(x.grad)).toEqual([7, 7]);
  });

  it('bumps the version counter shared by views', () => {
    const base = tg.zeros(4);
    const v = base.view(2, 2);
    v.fill_(3);
    expect(base._version.value).toBe(1);
    expect(arr(base)).toEqual([3, 3, 3, 3]);
  });

  it('handles an in-place op whose operand aliases the output through another view', () => {
    const m = tg.tensor([[1, 2], [3, 4]]);
    m.add_(m.t());
    expect(m.toArray()).toEqual([[2, 5], [5, 8]]);
  });
});

describe('in-place on views (CopySlices)', () => {
  it('rewrites the base history so gradients see the in-place op', () => {
    const x = tg.tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true });
    const y = x.mul(1);
    y.select(1, 0).mul_(10);
    y.narrow(1, 1, 1).copy_(tg.tensor([[7], [8]]));
    expect(y.toArray()).toEqual([[10, 7, 3], [40, 8, 6]]);
    expect(y.gradFn!.name).toBe('CopySlices');
    y.mul(tg.tensor([[1, 2, 3], [4, 5, 6]])).sum().backward();
    expect(x.grad!.toArray()).toEqual([[10, 0, 3], [40, 0, 6]]);
  });

  it('connects a plain base to a graph written into its view', () => {
    const w = tg.tensor([2, 3], { requiresGrad: true });
    const z = tg.zeros(4);
    z.narrow(0, 1, 2).copy_(w.mul(w));
    z.sum().backward();
    expect(arr(w.grad)).toEqual([4, 6]);
  });

  it('refuses views of leaves that require grad and overlapping views', () => {
    const x = tg.tensor([1, 2], { requiresGrad: true });
    expect(() => x.narrow(0, 0, 1).mul_(2)).toThrow(/a view of a leaf Variable that requires grad/);
    const y = x.mul(1);
    expect(() => y.view(1, 2).expand(3, 2).mul_(2)).toThrow(/more than one element of the written-to tensor/);
  });
});

describe('retainGrad and autograd.grad', () => {
  it('retainGrad keeps the gradient of a non-leaf', () => {
    const x = tg.tensor([1, 2], { requiresGrad: true });
    const y = x.mul(2);
    y.retainGrad();
    y.mul(y).sum().backward();
    expect(arr(y.grad)).toEqual([4, 8]);
    expect(arr(x.grad)).toEqual([8, 16]);
  });

  it('autograd.grad returns gradients without touching .grad', () => {
    const x = tg.tensor([3], { requiresGrad: true });
    const [g] = tg.autograd.grad(x.pow(2), x);
    expect(arr(g!)).toEqual([6]);
    expect(x.grad).toBeNull();
  });

  it('autograd.grad with createGraph gives second derivatives', () => {
    const x = tg.tensor([0.5, 2], { requiresGrad: true });
    const y = x.pow(3).sum();
    const [dy] = tg.autograd.grad(y, x, { createGraph: true });
    expect(arr(dy!)).toEqual([0.75, 12]);
    const [d2] = tg.autograd.grad(dy!.sum(), x);
    expect(arr(d2!)).toEqual([3, 12]);
  });

  it('second derivatives through tanh, sigmoid, matmul and mean', () => {
    const x = tg.tensor([0.3, -0.7], { requiresGrad: true });
    const [d1] = tg.autograd.grad(x.tanh().sum(), x, { createGraph: true });
    const [d2] = tg.autograd.grad(d1!.sum(), x);
    const t = x.detach().tanh();
    // d²/dx² tanh = -2 tanh (1 - tanh²)
    const want = arr(t.mul(-2).mul(t.mul(t).neg().add(1)));
    arr(d2!).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));

    const A = tg.tensor([[1, 2], [3, 4]], { requiresGrad: true });
    const v = tg.tensor([1, -1]);
    const f = A.matmul(A).matmul(v).mean();
    const [gA] = tg.autograd.grad(f, A, { createGraph: true });
    const [ggA] = tg.autograd.grad(gA!.sum(), A);
    expect(ggA!.shape).toEqual([2, 2]);
    // f = mean(A A v); d/dA is linear in A, so the Hessian-vector product is constant: check it is finite and nonzero
    expect(arr(ggA!).some((e) => e !== 0)).toBe(true);
  });

  it('autograd.grad reports unused inputs unless allowUnused', () => {
    const x = tg.tensor([1], { requiresGrad: true }), z = tg.tensor([1], { requiresGrad: true });
    expect(() => tg.autograd.grad(x.mul(2).sum(), [x, z])).toThrow(/not have been used in the graph/);
    const [gx, gz] = tg.autograd.grad(x.mul(2).sum(), [x, z], { allowUnused: true });
    expect(arr(gx!)).toEqual([2]);
    expect(gz).toBeNull();
  });

  it('gradcheck passes for a correct op and fails for a wrong derivative', () => {
    const x = tg.tensor([0.3, 0.9, 1.7], { requiresGrad: true });
    expect(tg.autograd.gradcheck((t) => t.exp().mul(t), [x])).toBe(true);
    // A function whose value and recorded gradient disagree: detach hides a dependency.
    const wrong = (t: tg.Tensor) => t.mul(t.detach());
    expect(tg.autograd.gradcheck(wrong, [x], { raiseException: false })).toBe(false);
  });
});

describe('grad mode and async callbacks', () => {
  it('noGrad(async fn) covers only the code before the first await, and warns once', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      const x = tg.tensor([1], { requiresGrad: true });
      const seen: boolean[] = [];
      const run = () =>
        tg.noGrad(async () => {
          seen.push(x.mul(2).requiresGrad);
          await Promise.resolve();
          seen.push(x.mul(2).requiresGrad);
        });
      await run();
      await run();
      tg.noGrad(() => x.mul(2));
      await new Promise((r) => setImmediate(r));
      // Before the await: not recorded; after it: recorded, as grad mode is back on.
      expect(seen).toEqual([false, true, false, true]);
      expect(warnings.filter((m) => m.startsWith('noGrad: the callback returned a promise'))).toHaveLength(1);
      expect(tg.isGradEnabled()).toBe(true);
    } finally {
      process.off('warning', onWarning);
    }
  });
});
