// The backward engine frees each gradient it allocated once its last holder consumed it
// (src/autograd/ledger.ts), and never one that escapes: a caller's gradOutputs, a leaf's kept
// .grad, a retained .grad, a gradient handed to several edges before the last one used it.
import { describe, expect, it } from 'vitest';
import * as tg from '../src/index.js';
import { gradientsFreed } from '../src/autograd/ledger.js';

const N = 1 << 20; // 4 MiB float32 tensors: far above the small-tensor slabs

function closeTo(got: tg.Tensor, want: tg.Tensor): void {
  expect(got.isDisposed).toBe(false);
  expect(got.sub(want).abs().max().item()).toBeLessThan(1e-5 * (1 + want.abs().max().item()));
}

describe('backward frees the gradients it allocated', () => {
  it('a chain of 16 ops over 4 MiB tensors frees each gradient once the next op consumed it', () => {
    const x = tg.randn([N], { requiresGrad: true });
    const scales = Array.from({ length: 16 }, (_, i) => tg.full([N], 1 + i / 64));
    let y = x;
    for (const c of scales) y = y.mul(c);
    const g = tg.randn([N]);
    const before = gradientsFreed;
    y.backward(g);
    // Each node's gradient once the next node consumed it; the last one x keeps as its .grad.
    expect(gradientsFreed - before).toBe(15);
    let want = g;
    for (const c of scales) want = want.mul(c);
    closeTo(x.grad!, want);
    closeTo(g, g.clone()); // the caller's gradient is untouched
  });

  it('a pass whose inputs are all under 4096 elements runs without one (the GC frees those)', () => {
    const x = tg.randn([4095], { requiresGrad: true });
    let y = x;
    for (let i = 0; i < 8; i++) y = y.mul(1.5);
    const before = gradientsFreed;
    y.sum().backward();
    expect(gradientsFreed - before).toBe(0);
    closeTo(x.grad!, tg.full([4095], 1.5 ** 8));
    const big = tg.randn([4096], { requiresGrad: true });
    big.mul(2).mul(3).sum().backward();
    expect(gradientsFreed - before).toBeGreaterThan(0);
  });

  it('a gradient handed to several edges is freed only after the last of them used it', () => {
    const x = tg.randn([N], { requiresGrad: true });
    const c = tg.randn([N]);
    // add's backward hands the same gradient tensor to exp and to sin, and again to exp via a
    // second path into the same node (z + a: two edges, one node).
    const a = x.exp(), b = x.sin();
    const z = a.add(b).add(a).mul(c);
    z.sum().backward();
    closeTo(x.grad!, c.mul(x.exp().mul(2).add(x.cos())));
  });

  it('a view of a caller-given gradient passes through reshapes and is never freed', () => {
    const x = tg.randn([1024, 1024], { requiresGrad: true });
    const g = tg.randn([N]);
    const copy = g.clone();
    x.exp().reshape(N).backward(g);
    closeTo(g, copy);
    closeTo(x.grad!, copy.reshape(1024, 1024).mul(x.exp()));
  });

  it('keeps a retained gradient and a leaf gradient, and accumulates into them on a second pass', () => {
    const x = tg.randn([N], { requiresGrad: true });
    const c = tg.randn([N]);
    const h = x.mul(2);
    h.retainGrad();
    const loss = () => h.exp().mul(c).sum();
    loss().backward(null, { retainGraph: true });
    const h1 = h.grad!.clone(), x1 = x.grad!.clone();
    closeTo(h.grad!, c.mul(h.exp()));
    loss().backward();
    closeTo(h.grad!, h1.mul(2));
    closeTo(x.grad!, x1.mul(2));
  });

  it('leaves autograd.grad and createGraph results whole', () => {
    const x = tg.randn([N], { requiresGrad: true });
    const c = tg.randn([N]);
    const [gx] = tg.autograd.grad(x.exp().mul(c).sum(), x, { createGraph: true });
    closeTo(gx!, c.mul(x.exp()));
    const [ggx] = tg.autograd.grad(gx!.sum(), x);
    closeTo(ggx!, c.mul(x.exp()));
  });
});
