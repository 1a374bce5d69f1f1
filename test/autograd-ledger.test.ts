// The backward engine frees each gradient it allocated once its last holder consumed it
// (src/autograd/ledger.ts), and never one that escapes: a caller's gradOutputs, a leaf's kept
// .grad, a retained .grad, a gradient handed to several edges before the last one used it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as tg from '../src/index.js';
import { gradientsFreed } from '../src/autograd/ledger.js';
import { _setLedgerMinBytes } from '../src/storage.js';

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

// Random graphs over one [4, 6] shape: elementwise ops, broadcasts from reductions, views,
// cat of slices, in-place updates of fresh intermediates, retained .grads, reused nodes. Each
// program's gradients with the ledger tracking every gradient (threshold 0) must equal, bit for
// bit, those with it tracking none: the ledger may change which memory a gradient uses, never
// its value, and may never free one that is read later.
type Step = { op: number; a: number; b: number; retain: boolean };
const OPS: ((a: tg.Tensor, b: tg.Tensor) => tg.Tensor)[] = [
  (a, b) => a.add(b),
  (a, b) => a.mul(b),
  (a, b) => a.sub(b.mul(0.5)),
  (a) => a.tanh(),
  (a) => a.sigmoid(),
  (a) => a.relu(),
  (a) => a.exp().clamp(0, 10),
  (a, b) => a.add(b.mean(1, true)),  // a broadcast operand: its gradient is summed back
  (a, b) => a.mul(b.sum(0, true)),
  (a) => a.reshape(6, 4).reshape(4, 6),  // views of one gradient
  (a) => a.t().t(),
  (a, b) => tg.cat([a.narrow(1, 0, 3), b.narrow(1, 3, 3)], 1),
  (a, b) => {
    const t = a.mul(1.5);
    t.add_(b);  // in place on a fresh intermediate
    return t;
  },
  (a) => a.pow(2),
  (a, b) => tg.where(a.gt(b), a, b),
];

function runProgram(steps: Step[], leavesSeed: number): number[][] {
  tg.manualSeed(leavesSeed);
  const leaves = [0, 1, 2].map(() => tg.randn([4, 6], { requiresGrad: true }));
  const values: tg.Tensor[] = [...leaves];
  const retained: tg.Tensor[] = [];
  for (const s of steps) {
    const v = OPS[s.op % OPS.length]!(values[s.a % values.length]!, values[s.b % values.length]!);
    if (s.retain) {
      v.retainGrad();
      retained.push(v);
    }
    values.push(v);
  }
  // Every value feeds the loss (so each reaches backward once or more), weighted apart.
  let loss = values[values.length - 1]!.sum();
  for (let i = 3; i < values.length - 1; i++) loss = loss.add(values[i]!.mul((i % 5) - 2).sum());
  loss.backward(null, { retainGraph: true });
  loss.mul(0.5).backward();  // a second pass: accumulates into .grads kept from the first
  return [...leaves, ...retained].map((t) => (t.grad ? (t.grad.toArray() as number[][]).flat() : []));
}

describe('the ledger never changes a gradient', () => {
  it('random graphs: gradients with every gradient tracked equal those with none tracked', () => {
    const freedAtStart = gradientsFreed;
    const step = fc.record({ op: fc.nat(OPS.length - 1), a: fc.nat(40), b: fc.nat(40), retain: fc.boolean() });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 24 }), fc.nat(1000), (steps, seed) => {
        const off = _setLedgerMinBytes(Infinity);
        let plain: number[][];
        try {
          plain = runProgram(steps, seed);
        } finally {
          _setLedgerMinBytes(off);
        }
        const all = _setLedgerMinBytes(0);
        let tracked: number[][];
        try {
          tracked = runProgram(steps, seed);
        } finally {
          _setLedgerMinBytes(all);
        }
        expect(tracked).toEqual(plain);
      }),
      { numRuns: 200, seed: 20261204 },
    );
    expect(gradientsFreed - freedAtStart).toBeGreaterThan(1000);  // the tracked runs did free early
  });
});
