// Compiled steps (src/jit, binding/plan.cc): a traced function replayed in one native call must
// compute bit for bit what the eager function computes through the core (the small-kernel JS
// path off: tracing routes every op through the core, and JS float arithmetic can round
// differently), over several steps of training (forward, backward, optimizer update), and within
// float32 tolerance of the default eager path. Guards: shapes, dtypes, disposed tensors, reads
// into JS, native calls a plan does not replay, corrupt plans, runs overlapping a runAsync,
// writes during one.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import * as tg from '../src/index.js';
import { nn, optim, type Tensor } from '../src/index.js';
import { native } from '../src/native.js';
import { _setSmallLimits } from '../src/small_kernels.js';
import { generatorState } from '../src/ops/random.js';
import { Net as DigitsCnn } from '../examples/07-digits-cnn.js';
import { GPT } from '../examples/08-char-gpt.js';

const bits = (t: Tensor): number[] => Array.from(new Uint32Array(Float32Array.from(t.toTypedArray() as Float32Array).buffer));

/** Runs `f` with the small-kernel JS path off (every op through the core, as a trace runs). */
function native_<T>(f: () => T): T {
  const old = _setSmallLimits(0, 0);
  try {
    return f();
  } finally {
    _setSmallLimits(...old);
  }
}

afterEach(() => {
  tg.setGradEnabled(true);
});

interface Setup {
  params: Tensor[];
  step: () => Tensor;
}

/** Compiled vs eager over `steps` training steps on two identical setups; `warm` eager steps before the trace. */
function compareTraining(make: () => Setup, steps: number, warm = 0, reseed?: number): void {
  const eager = make(), comp = make();
  const eagerLoss: number[][] = [], compLoss: number[][] = [];
  // A step that draws random numbers (dropout) draws the same on both sides from the same seed.
  if (reseed !== undefined) tg.manualSeed(reseed);
  native_(() => {
    for (let i = 0; i < warm + 1 + steps; i++) eagerLoss.push(bits(eager.step()));
  });
  const eagerState = Array.from(generatorState());
  if (reseed !== undefined) tg.manualSeed(reseed);
  for (let i = 0; i < warm; i++) native_(() => compLoss.push(bits(comp.step())));
  const c = tg.jit.trace(comp.step, []);
  // The trace itself was a real step: its loss is the step's.
  compLoss.push(eagerLoss[warm]!);
  for (let i = 0; i < steps; i++) compLoss.push(bits(c.run() as Tensor));
  expect(compLoss).toEqual(eagerLoss);
  // The compiled steps advanced the generator as far as the eager ones.
  if (reseed !== undefined) expect(Array.from(generatorState())).toEqual(eagerState);
  eager.params.forEach((p, i) => {
    expect(bits(comp.params[i]!)).toEqual(bits(p));
    expect(bits(comp.params[i]!.grad!)).toEqual(bits(p.grad!));
  });
}

function linear11(opt: 'sgd' | 'momentum' | 'adam'): Setup {
  tg.manualSeed(1);
  const x = tg.randn([16, 1]), y = x.mul(3).add(0.8);
  const model = new nn.Linear(1, 1), lossFn = new nn.MSELoss();
  const o = opt === 'adam' ? new optim.Adam(model.parameters(), { lr: 0.05 })
    : new optim.SGD(model.parameters(), { lr: 0.05, momentum: opt === 'momentum' ? 0.9 : 0 });
  return {
    params: model.parameters(),
    step: () => {
      o.zeroGrad();
      const l = lossFn.forward(model.forward(x), y);
      l.backward();
      o.step();
      return l;
    },
  };
}

/** The notes' linear regression: raw tensors, grad?.zero_(), updates through .data. */
function linreg(): Setup {
  tg.manualSeed(0);
  const x = tg.rand([50]), y = x.mul(3).add(0.8);
  const w = tg.rand([1], { requiresGrad: true }), b = tg.rand([1], { requiresGrad: true });
  return {
    params: [w, b],
    step: () => {
      const loss = x.mul(w).add(b).sub(y).pow(2).mean();
      w.grad?.zero_();
      b.grad?.zero_();
      loss.backward();
      w.data.sub_(w.grad!.mul(0.01));
      b.data.sub_(b.grad!.mul(0.01));
      return loss;
    },
  };
}

function mlp(opt: 'momentum' | 'adam' | 'adamw' | 'rmsprop' | 'adagrad', batch = 32): Setup {
  tg.manualSeed(2);
  const x = tg.randn([batch, 8]), y = tg.randn([batch, 3]);
  const model = new nn.Sequential(new nn.Linear(8, 32), new nn.ReLU(), new nn.Linear(32, 16), new nn.Tanh(), new nn.Linear(16, 3));
  const ps = model.parameters();
  const o = opt === 'adam' ? new optim.Adam(ps, { lr: 0.01 })
    : opt === 'adamw' ? new optim.AdamW(ps, { lr: 0.01 })
    : opt === 'rmsprop' ? new optim.RMSprop(ps, { lr: 0.01, momentum: 0.5 })
    : opt === 'adagrad' ? new optim.Adagrad(ps, { lr: 0.05 })
    : new optim.SGD(ps, { lr: 0.05, momentum: 0.9, nesterov: true });
  const lossFn = new nn.MSELoss();
  return {
    params: ps,
    step: () => {
      o.zeroGrad();
      const l = lossFn.forward(model.forward(x), y);
      l.backward();
      o.step();
      return l;
    },
  };
}

describe('jit.trace: training steps replay bit-exact', () => {
  it('nn.Linear(1,1) + MSELoss + SGD', () => compareTraining(() => linear11('sgd'), 6));
  it('nn.Linear(1,1) + SGD momentum, first step traced', () => compareTraining(() => linear11('momentum'), 6));
  it('nn.Linear(1,1) + Adam, first step traced (state created in the trace)', () => compareTraining(() => linear11('adam'), 6));
  it('the linear regression, traced on its first step and after one', () => {
    compareTraining(linreg, 6);
    compareTraining(linreg, 6, 1);
  });
  it('MLP + SGD nesterov momentum', () => compareTraining(() => mlp('momentum'), 5));
  it('MLP + Adam, traced on the first step and after three', () => {
    compareTraining(() => mlp('adam'), 5);
    compareTraining(() => mlp('adam'), 5, 3);
  });
  it('MLP + AdamW, RMSprop, Adagrad', () => {
    compareTraining(() => mlp('adamw'), 4);
    compareTraining(() => mlp('rmsprop'), 4);
    compareTraining(() => mlp('adagrad'), 4);
  });

  it('mixes with eager steps: the optimizer counters advance with each run', () => {
    const eager = mlp('adam'), comp = mlp('adam');
    native_(() => {
      for (let i = 0; i < 5; i++) eager.step();
    });
    const c = tg.jit.trace(comp.step, []);  // step 1
    c.run();
    native_(() => comp.step());  // step 3, eager
    c.run();
    c.run();
    eager.params.forEach((p, i) => expect(bits(comp.params[i]!)).toEqual(bits(p)));
  });

  it('is close to the default eager path (small kernels in JS)', () => {
    const eager = linear11('momentum'), comp = linear11('momentum');
    const c = tg.jit.trace(comp.step, []);
    eager.step();
    for (let i = 0; i < 20; i++) {
      const a = eager.step().item(), b = (c.run() as Tensor).item();
      expect(b).toBeCloseTo(a, 4);
    }
  });

  it('bumps the version counters of the parameters it writes, and keeps their .grad', () => {
    const s = linear11('sgd');
    const c = tg.jit.trace(s.step, []);
    const v = s.params.map((p) => p._version.value);
    const g = s.params.map((p) => p.grad);
    c.run();
    s.params.forEach((p, i) => {
      expect(p._version.value).toBeGreaterThan(v[i]!);
      expect(p.grad).toBe(g[i]);
    });
    // zeroGrad() outside the compiled step sets .grad to null; a run gives it back.
    s.params.forEach((p) => (p.grad = null));
    c.run();
    s.params.forEach((p, i) => expect(p.grad).toBe(g[i]));
  });
});

/** A classifier step over `forward` with `loss` (logits, int32 labels) and an optimizer. */
function classifier(
  model: nn.Module, forward: (x: Tensor) => Tensor, x: Tensor, y: Tensor,
  loss: (out: Tensor, y: Tensor) => Tensor, opt: (ps: Tensor[]) => optim.Optimizer<{ lr: number }>,
): Setup {
  const ps = model.parameters(), o = opt(ps);
  return {
    params: ps,
    step: () => {
      o.zeroGrad();
      const l = loss(forward(x), y);
      l.backward();
      o.step();
      return l;
    },
  };
}

describe('jit.trace: model kernels replay bit-exact (forward, backward, update)', () => {
  const F = nn.functional;
  const labels = (n: number, c: number) => tg.randint(0, c, [n], { dtype: 'int32' });

  it('crossEntropy (fused) over an MLP, SGD momentum', () =>
    compareTraining(() => {
      tg.manualSeed(4);
      const m = new nn.Sequential(new nn.Linear(8, 16), new nn.ReLU(), new nn.Linear(16, 5));
      return classifier(m, (x) => m.forward(x), tg.randn([12, 8]), labels(12, 5), (o, y) => F.crossEntropy(o, y), (ps) => new optim.SGD(ps, { lr: 0.1, momentum: 0.9 }));
    }, 5));

  it('softmax and logSoftmax (forward and backward), Adam', () =>
    compareTraining(() => {
      tg.manualSeed(5);
      const m = new nn.Linear(6, 4), w = tg.randn([10, 4]);
      return classifier(m, (x) => m.forward(x), tg.randn([10, 6]), w,
        (o, t) => o.softmax(1).mul(t).sum().add(o.logSoftmax(1).mul(t).mean()), (ps) => new optim.Adam(ps, { lr: 0.01 }));
    }, 5));

  it('layerNorm with and without affine parameters, AdamW', () =>
    compareTraining(() => {
      tg.manualSeed(6);
      const m = new nn.Sequential(new nn.Linear(8, 12), new nn.LayerNorm(12), new nn.GELU(), new nn.Linear(12, 12), new nn.LayerNorm(12, { elementwiseAffine: false }), new nn.Linear(12, 3));
      return classifier(m, (x) => m.forward(x), tg.randn([7, 8]), labels(7, 3), (o, y) => F.crossEntropy(o, y), (ps) => new optim.AdamW(ps, { lr: 0.01 }));
    }, 5));

  it('conv2d, maxPool2d, avgPool2d, adaptiveAvgPool2d, RMSprop', () =>
    compareTraining(() => {
      tg.manualSeed(7);
      const c1 = new nn.Conv2d(2, 4, 3, { padding: 1 }), c2 = new nn.Conv2d(4, 6, 3, { stride: 2, bias: false }), fc = new nn.Linear(6 * 4, 3);
      const m = new nn.ModuleList([c1, c2, fc]);
      const fwd = (x: Tensor) => {
        let h = F.maxPool2d(c1.forward(x).relu(), 2);         // [B, 4, 5, 5]
        h = F.avgPool2d(h, 3, { stride: 1, padding: 1 });       // [B, 4, 5, 5]
        h = F.adaptiveAvgPool2d(c2.forward(h).tanh(), [2, 2]);  // [B, 6, 2, 2]
        return fc.forward(h.flatten(1));
      };
      return classifier(m, fwd, tg.randn([3, 2, 10, 10]), labels(3, 3), (o, y) => F.crossEntropy(o, y), (ps) => new optim.RMSprop(ps, { lr: 0.01 }));
    }, 4));

  it('dropout in training mode: the compiled steps draw what the eager steps draw, and advance the generator as far', () =>
    compareTraining(() => {
      tg.manualSeed(8);
      const m = new nn.Sequential(new nn.Linear(8, 32), new nn.ReLU(), new nn.Dropout(0.3), new nn.Linear(32, 4));
      return classifier(m, (x) => m.forward(x), tg.randn([16, 8]), labels(16, 4), (o, y) => F.crossEntropy(o, y), (ps) => new optim.SGD(ps, { lr: 0.05 }));
    }, 6, 0, 99));

  it('rand, randn, randint, randperm and multinomial inside a step draw as eager does', () => {
    const f = () => tg.rand([5]).add(tg.randn([3]).sum()).add(tg.randint(0, 7, [5], { dtype: 'int32' }).to('float32')).add(tg.randperm(5).to('float32'))
      .add(tg.multinomial(tg.tensor([0.1, 2, 0.5, 1, 0.3]), 5).to('float32'));
    tg.manualSeed(11);
    const want = native_(() => [f(), f(), f(), f()].map(bits));
    const after = Array.from(generatorState());
    tg.manualSeed(11);
    const c = tg.jit.trace(f, []);
    const got = [want[0]!, ...[0, 1, 2].map(() => bits(c.run() as Tensor))];
    expect(got).toEqual(want);
    expect(Array.from(generatorState())).toEqual(after);
  });

  it("pytorch/examples' MNIST network (examples/07-digits-cnn.ts, Dropout on) + Adadelta", () =>
    compareTraining(() => {
      tg.manualSeed(9);
      const m = new DigitsCnn();
      return classifier(m, (x) => m.forward(x), tg.rand([8, 1, 8, 8]), labels(8, 10), (o, y) => F.nllLoss(o, y), (ps) => new optim.Adadelta(ps, { lr: 1.0 }));
    }, 3, 0, 21));

  it('the character GPT (examples/08-char-gpt.ts: embeddings, layerNorm, causal attention, tied weights) + AdamW', () =>
    compareTraining(() => {
      tg.manualSeed(10);
      const m = new GPT(20);
      const x = tg.randint(0, 20, [2, 16], { dtype: 'int32' }), y = tg.randint(0, 20, [32], { dtype: 'int32' });
      return classifier(m, (xb) => m.forward(xb), x, y, (o, t) => F.crossEntropy(o.reshape(-1, 20), t), (ps) => new optim.AdamW(ps, { lr: 3e-3, weightDecay: 0.01 }));
    }, 3));

  it('attention with a float mask and a bool mask, forward and backward', () =>
    compareTraining(() => {
      tg.manualSeed(12);
      const q = tg.randn([2, 3, 5, 4], { requiresGrad: true }), k = tg.randn([2, 3, 6, 4], { requiresGrad: true }), v = tg.randn([2, 3, 6, 2], { requiresGrad: true });
      const fm = tg.randn([5, 6]), bm = tg.rand([2, 1, 5, 6]).lt(0.7);
      const o = new optim.SGD([q, k, v], { lr: 0.1 });
      return {
        params: [q, k, v],
        step: () => {
          o.zeroGrad();
          const l = F.scaledDotProductAttention(q, k, v, { attnMask: fm }).sum().add(F.scaledDotProductAttention(q, k, v, { attnMask: bm }).pow(2).mean());
          l.backward();
          o.step();
          return l;
        },
      };
    }, 4));

  it('unfold and fold (forward and backward: each is the other\'s gradient), SGD', () =>
    compareTraining(() => {
      tg.manualSeed(14);
      const opts = { padding: 1, stride: [2, 1] as [number, number], dilation: [1, 2] as [number, number] };
      const x = tg.randn([2, 3, 7, 6], { requiresGrad: true });
      const L = F.unfold(x, [2, 3], opts).shape[2]!;
      const cols = tg.randn([2, 3 * 2 * 3, L], { requiresGrad: true }), w = tg.randn([2, 3, 7, 6]);
      const o = new optim.SGD([x, cols], { lr: 0.05, momentum: 0.5 });
      return {
        params: [x, cols],
        step: () => {
          o.zeroGrad();
          const l = F.unfold(x, [2, 3], opts).tanh().sum().add(F.fold(cols, [7, 6], [2, 3], opts).mul(w).pow(2).mean())
            .add(F.fold(F.unfold(x.permute(0, 1, 3, 2), 2), [6, 7], 2).sin().sum());  // a strided (permuted) input, the defaults
          l.backward();
          o.step();
          return l;
        },
      };
    }, 3));

  it('cumsum and cumprod (float and int32, forward and backward, zeros in the product), Adam', () =>
    compareTraining(() => {
      tg.manualSeed(15);
      const x = tg.randn([4, 5, 3], { requiresGrad: true });
      const z = tg.tensor([[1.5, 0, 2, -1, 0.5], [0.7, -2, 0, 0, 3]], { requiresGrad: true });
      const ints = tg.randint(-3, 4, [3, 6], { dtype: 'int32' });
      const o = new optim.Adam([x, z], { lr: 0.01 });
      return {
        params: [x, z],
        step: () => {
          o.zeroGrad();
          const l = x.cumsum(1).pow(2).mean().add(x.cumprod(2).sum()).add(x.T.cumsum(0).sin().sum())
            .add(z.cumprod(1).mul(tg.arange(5)).sum()).add(ints.cumsum(1).add(ints.cumprod(0)).to('float32').mul(z.sum()).mean());
          l.backward();
          o.step();
          return l;
        },
      };
    }, 3));

  it('sort, argsort and topk (values and indices, both orders, unsorted topk, int32), SGD', () =>
    compareTraining(() => {
      tg.manualSeed(16);
      const x = tg.randn([6, 9], { requiresGrad: true }), w = tg.randn([6, 9]), v = tg.randn([3, 9]);
      const ints = tg.randint(-5, 5, [4, 7], { dtype: 'int32' });
      const o = new optim.SGD([x], { lr: 0.3 });
      return {
        params: [x],
        step: () => {
          o.zeroGrad();
          const s = x.sort(1), d = x.sort(0, true);
          const l = s.values.mul(w).sum().add(d.values.pow(2).mean()).add(s.indices.to('float32').mul(x).mean())
            .add(x.argsort(0).to('float32').mul(x).sum())
            .add(x.topk(3, 0).values.mul(v).sum()).add(x.topk(2, 1, false, false).values.exp().sum())
            .add(ints.sort(1).values.add(ints.topk(2, 0).values.sum()).to('float32').mul(x.mean()).sum());
          l.backward();
          o.step();
          return l;
        },
      };
    }, 4));

  it('multinomial with and without replacement (a score-function step on the drawn indices): draws as eager, advances the generator as far', () =>
    compareTraining(() => {
      tg.manualSeed(17);
      const logits = tg.randn([4, 6], { requiresGrad: true }), reward = tg.randn([4, 6]);
      const o = new optim.SGD([logits], { lr: 0.1 });
      return {
        params: [logits],
        step: () => {
          o.zeroGrad();
          const logp = logits.logSoftmax(1), p = logp.exp().detach();
          const a = tg.multinomial(p, 5, { replacement: true }), b = tg.multinomial(p, 3), c = tg.multinomial(p.select(0, 1), 2);
          const l = logp.gather(1, a).mul(reward.gather(1, a)).sum().neg().add(logp.gather(1, b).mean()).add(c.to('float32').sum().mul(logits.mean()));
          l.backward();
          o.step();
          return l;
        },
      };
    }, 5, 0, 41));

  it('a CNN and the GPT in inference (noGrad): the same logits as eager for new inputs', () => {
    tg.manualSeed(13);
    const cnn = new DigitsCnn();
    cnn.eval();
    const gpt = new GPT(20);
    const c1 = tg.noGrad(() => tg.jit.trace((x) => cnn.forward(x), [tg.rand([4, 1, 8, 8])]));
    const c2 = tg.noGrad(() => tg.jit.trace((x) => gpt.forward(x), [tg.randint(0, 20, [1, 16], { dtype: 'int32' })]));
    for (let i = 0; i < 2; i++) {
      const x = tg.rand([4, 1, 8, 8]), t = tg.randint(0, 20, [1, 16], { dtype: 'int32' });
      expect(bits(c1.run(x) as Tensor)).toEqual(bits(tg.noGrad(() => native_(() => cnn.forward(x)))));
      expect(bits(c2.run(t) as Tensor)).toEqual(bits(tg.noGrad(() => native_(() => gpt.forward(t)))));
    }
  });
});

describe('jit.trace: inference', () => {
  const makeNet = () => {
    tg.manualSeed(3);
    return new nn.Sequential(new nn.Linear(16, 64), new nn.ReLU(), new nn.Linear(64, 64), new nn.GELU(), new nn.Linear(64, 10), new nn.Sigmoid());
  };

  for (const batch of [1, 64]) {
    it(`MLP batch ${batch}: the same outputs as eager, fresh each run`, () => {
      const net = makeNet();
      const c = tg.noGrad(() => tg.jit.trace((x) => net.forward(x), [tg.randn([batch, 16])]));
      const outs: Tensor[] = [];
      for (let i = 0; i < 3; i++) {
        const x = tg.randn([batch, 16]);
        const want = tg.noGrad(() => native_(() => net.forward(x)));
        const got = c.run(x) as Tensor;
        expect(got.shape).toEqual([batch, 10]);
        expect(got.requiresGrad).toBe(false);
        expect(got.gradFn).toBeNull();
        expect(bits(got)).toEqual(bits(want));
        outs.push(got);
      }
      // Never aliased across runs.
      expect(outs[0]!._box.data).not.toBe(outs[1]!._box.data);
      expect(bits(outs[0]!)).not.toEqual(bits(outs[1]!));
    });
  }

  it('returns arrays and objects of tensors, views included', () => {
    const w = tg.randn([4, 4]);
    const c = tg.jit.trace((a, b) => ({ s: a.add(b).matmul(w), t: a.mul(b).reshape([2, 8]).T, a }), [tg.randn([4, 4]), tg.randn([4, 4])]);
    const a = tg.randn([4, 4]), b = tg.randn([4, 4]);
    const r = c.run(a, b) as Record<string, Tensor>;
    expect(r.s!.toArray()).toEqual(native_(() => a.add(b).matmul(w)).toArray());
    expect(r.t!.shape).toEqual([8, 2]);
    expect(r.t!.toArray()).toEqual(native_(() => a.mul(b).reshape([2, 8]).T).toArray());
    expect(r.a!.toArray()).toEqual(a.toArray());
    const z = tg.randn([3, 8]).narrow(1, 2, 5);  // a strided input: copied to a contiguous one
    const arr = tg.jit.trace((x) => [x.exp(), x.sum(0)], [tg.randn([3, 5])]).run(z) as Tensor[];
    expect(arr[1]!.toArray()).toEqual(native_(() => z.sum(0)).toArray());
  });

  it('shares intermediate buffers whose lifetimes do not overlap', () => {
    const x = tg.randn([64, 64]);
    const c = tg.jit.trace((a) => a.exp().mul(2).add(1).tanh().mul(3).sub(1).abs(), [x]);
    expect(c.stats.intermediates).toBe(6);
    expect(c.stats.sharedBuffers).toBeLessThanOrEqual(2);
    expect(bits(c.run(x) as Tensor)).toEqual(bits(native_(() => x.exp().mul(2).add(1).tanh().mul(3).sub(1).abs())));
  });

  it('replays a zeros() accumulated into (reset every run) and JS constants', () => {
    const c = tg.jit.trace((a) => {
      const acc = tg.zeros([5]);
      acc.add_(a);
      acc.add_(tg.tensor([1, 2, 3, 4, 5]));
      return acc.mul(2);
    }, [tg.ones([5])]);
    for (let i = 0; i < 3; i++) expect((c.run(tg.full([5], i)) as Tensor).toArray()).toEqual([1, 2, 3, 4, 5].map((v) => 2 * (v + i)));
  });
});

describe('jit: guards', () => {
  it('refuses other shapes, dtypes and input counts, naming the mismatch', () => {
    const c = tg.jit.trace((a) => a.mul(2), [tg.randn([2, 3])]);
    expect(() => c.run(tg.randn([3, 2]))).toThrow(/input 0 has shape \[3, 2\], the trace was made with \[2, 3\]/);
    expect(() => c.run(tg.ones([2, 3], { dtype: 'int32' }))).toThrow(/input 0 has dtype int32, the trace was made with float32/);
    expect(() => c.run()).toThrow(/expected 1 input \(as traced\), got 0/);
    expect(() => (c.run as (x: unknown) => unknown)([1, 2])).toThrow(/input 0 must be a Tensor/);
  });

  it('refuses a disposed input, and a disposed parameter', () => {
    const w = tg.randn([3, 3]);
    const c = tg.jit.trace((a) => a.matmul(w), [tg.randn([2, 3])]);
    const x = tg.randn([2, 3]);
    x.dispose();
    expect(() => c.run(x)).toThrow(/input 0 was disposed/);
    w.dispose();
    expect(() => c.run(tg.randn([2, 3]))).toThrow(/disposed or replaced since the trace/);
  });

  it('fails a trace that reads a value into JS, naming the read', () => {
    expect(() => tg.jit.trace((a) => (a.sum().item() > 0 ? a.mul(2) : a.mul(3)), [tg.randn([4])])).toThrow(/read a tensor's value into JS \(item\(\)\)/);
    expect(() => tg.jit.trace((a) => tg.tensor(a.toArray() as number[]), [tg.randn([4])])).toThrow(/toArray\(\)/);
    // Also when fn catches the error itself.
    expect(() => tg.jit.trace((a) => {
      try { a.item(); } catch { /* swallowed */ }
      return a.mul(2);
    }, [tg.randn([1])])).toThrow(/item\(\)/);
    // Nothing stays patched after a failed trace.
    expect(tg.tensor([5]).item()).toBe(5);
  });

  it('fails a trace with a native call a plan does not replay or a reseed, naming it', () => {
    const bytes = tg.saveToBuffer({ w: tg.randn([2, 3]) });
    expect(() => tg.jit.trace((a) => a.add(tg.loadFromBuffer(bytes).w!), [tg.randn([2, 3])])).toThrow(/native 'safetensorsConvert', which compiled steps do not support/);
    const inner = tg.jit.trace((a) => a.exp(), [tg.randn([2, 3])]);
    expect(() => tg.jit.trace((a) => (inner.run(a) as Tensor).mul(2), [tg.randn([2, 3])])).toThrow(/native 'planRun'/);
    expect(() => tg.jit.trace((a) => {
      tg.manualSeed(3);
      return a.add(tg.rand([2, 3]));
    }, [tg.randn([2, 3])])).toThrow(/reseeded the generator/);
    const drop = new nn.Dropout(0.5);
    drop.eval();
    expect((tg.jit.trace((a) => drop.forward(a).mul(1), [tg.randn([2, 3])]).run(tg.ones([2, 3])) as Tensor).toArray()).toEqual([[1, 1, 1], [1, 1, 1]]);
  });

  it('refuses a run after an optimizer hyper-parameter other than lr changed', () => {
    tg.manualSeed(1);
    const model = new nn.Linear(2, 1), opt = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
    const x = tg.randn([4, 2]);
    const c = tg.jit.trace(() => { opt.zeroGrad(); const l = model.forward(x).pow(2).mean(); l.backward(); opt.step(); return l; }, []);
    c.run();
    opt.paramGroups[0]!.momentum = 0.5;
    expect(() => c.run()).toThrow(/SGD's momentum changed since the trace \(0.9 -> 0.5\)/);
  });

  it("refuses a run after Adam's betas changed (replaced or written in place)", () => {
    const model = new nn.Linear(2, 1), opt = new optim.Adam(model.parameters(), { lr: 0.1 });
    const x = tg.randn([4, 2]);
    const c = tg.jit.trace(() => { opt.zeroGrad(); const l = model.forward(x).pow(2).mean(); l.backward(); opt.step(); return l; }, []);
    c.run();
    const g = opt.paramGroups[0]! as unknown as { betas: number[] };
    g.betas[0] = 0.5;
    expect(() => c.run()).toThrow(/Adam's betas changed since the trace \(0.9,0.999 -> 0.5,0.999\)/);
    g.betas = [0.9, 0.999];
    c.run();
    g.betas = [0.9, 0.99];
    expect(() => c.run()).toThrow(/Adam's betas changed/);
  });

  it('native.runPlan refuses corrupt plans and short buffers with JS errors', () => {
    const a = new Float32Array(4), out = new Float32Array(4);
    const id = native.planKernels.unary!;
    const exp = tg.jit.trace((x) => x.exp(), [tg.randn([4])]) as unknown as { plan: { header: Float64Array } };
    const good = exp.plan.header;
    expect(() => native.runPlan(Float64Array.from(good), [out, a])).not.toThrow();
    const bad = (h: number[], bufs: Float32Array[] = [out, a]) => () => native.runPlan(Float64Array.from(h), bufs);
    expect(bad([1, 0])).toThrow(/not a plan/);
    expect(bad([native.planMagic, 1, 99, 0, 0])).toThrow(/bad kernel id/);
    expect(bad([native.planMagic, 1, id, 2, 0, 7, 0])).toThrow(/names no buffer/);
    expect(bad([native.planMagic, 1, id, 2, 0, 1, 1e9])).toThrow(/bad meta length/);
    expect(bad([native.planMagic, 2, id, 2, 0, 1, 0])).toThrow(/bad kernel id|bad/);
    expect(bad([...good, 5])).toThrow(/trailing data/);
    expect(bad(Array.from(good), [out])).toThrow(/names no buffer/);
    expect(bad(Array.from(good), [new Float32Array(2), a])).toThrow(/compiled step 0 \(unary\)/);
    expect(() => native.runPlan(Float64Array.from(good), [out, 3 as unknown as Float32Array])).toThrow(/buffer 1 is not a typed array/);
    expect(() => (native.runPlan as (...a: unknown[]) => void)(good)).toThrow(/expected \(plan: Float64Array/);
    // The plan handle entries check what they are given.
    expect(() => native.planRun({}, [])).toThrow(/expected \(plan handle from planCreate/);
    expect(() => native.planCreate(Float64Array.from(good), [a], 0)).toThrow(/names no buffer/);
    const h = native.planCreate(Float64Array.from(good), [a], 1);
    expect(() => native.planRun(h, [])).toThrow(/expected 1 buffers, got 0/);
    expect(() => native.planRun(h, [new Float32Array(1)])).toThrow(/compiled step 0 \(unary\)/);
    expect(() => native.planRun(h, [out])).not.toThrow();
    // A truncated step meta: the kernel's own decode reports it.
    const trunc = Array.from(good).slice(0, 10);
    trunc[6] = 3;
    expect(bad(trunc)).toThrow(/truncated call metadata/);
  });

  it('a plan handle keeps steps decoded, and decodes one again when its meta or a per-run buffer changes', async () => {
    const exp = tg.jit.trace((x) => x.exp(), [tg.randn([4])]) as unknown as { plan: { header: Float64Array } };
    const header = Float64Array.from(exp.plan.header);
    expect(header[2]).toBe(native.planKernels.unary);
    const out = new Float32Array(4);
    const h = native.planCreate(header, [out], 1, [12]);  // buffer 0 (the input) per run, buffer 1 = out; slot 12 (the shape) mutable
    const expOf = (x: Float32Array) => Array.from(x, (v) => Math.fround(Math.exp(v)));
    const x1 = Float32Array.from([0, 1, 2, -1]), x2 = Float32Array.from([3, -2, 0.5, 0]);
    native.planRun(h, [x1]);
    native.planRun(h, [x1]);  // from the kept call
    expect(Array.from(out)).toEqual(expOf(x1));
    // Another input of the same type and length: the kept call reads it, not the first one.
    native.planRun(h, [x2]);
    expect(Array.from(out)).toEqual(expOf(x2));
    // Shorter, or of another type: validated again, never read past its end.
    expect(() => native.planRun(h, [new Float32Array(2)])).toThrow(/compiled step 0 \(unary\).*reaches outside its storage/);
    expect(() => native.planRun(h, [new Int32Array(4) as unknown as Float32Array])).toThrow(TypeError);
    native.planRun(h, [x1]);
    expect(Array.from(out)).toEqual(expOf(x1));
    // The step's meta changed in the header (shape [4] -> [8], then [2]): validated again.
    expect(header[12]).toBe(4);
    header[12] = 8;
    expect(() => native.planRun(h, [x1])).toThrow(/compiled step 0 \(unary\).*reaches outside its storage/);
    header[12] = 2;
    out.fill(0);
    native.planRun(h, [x2]);
    expect(Array.from(out)).toEqual([...expOf(x2).slice(0, 2), 0, 0]);
    header[12] = 4;
    native.planRun(h, [x2]);
    expect(Array.from(out)).toEqual(expOf(x2));
    // A slot not named mutable is read once, at planCreate: a later write changes nothing.
    header[7] = native.opCodes.unary.Neg!;
    native.planRun(h, [x1]);
    expect(Array.from(out)).toEqual(expOf(x1));
    // Mutable slots are positions inside a step's meta.
    for (const slots of [[0], [2], [4], [header.length], [-1], [1.5], ['12']])
      expect(() => native.planCreate(header, [out], 1, slots as number[])).toThrow(/planCreate: mutable slot/);
    expect(() => native.planCreate(header, [out], 1, 12 as unknown as number[])).toThrow(TypeError);
    // One run of a handle at a time, also at the binding.
    const pending = native.planRunAsync(h, [x1]);
    expect(() => native.planRun(h, [x1])).toThrow(/still in flight/);
    expect(() => native.planRunAsync(h, [x1])).toThrow(/still in flight/);
    await pending;
    expect(Array.from(out)).toEqual(expOf(x1));
    native.planRun(h, [x2]);
    expect(Array.from(out)).toEqual(expOf(x2));
    // A buffer a plan keeps cannot be detached through the binding (its memory would go under the plan).
    expect(() => native.detachBuffer(out.buffer as ArrayBuffer)).toThrow(/a compiled plan replays over this buffer/);
    native.planRun(h, [x1]);
    expect(Array.from(out)).toEqual(expOf(x1));
  });
});

describe('jit: runAsync', () => {
  it('gives what run() gives, off the JS thread', async () => {
    const net = new nn.Sequential(new nn.Linear(32, 256), new nn.ReLU(), new nn.Linear(256, 10));
    const c = tg.noGrad(() => tg.jit.trace((x) => net.forward(x), [tg.randn([128, 32])]));
    const x = tg.randn([128, 32]);
    const want = bits(c.run(x) as Tensor);
    const p = c.runAsync(x);
    x.fill_(0);  // inputs are copied when runAsync is called
    expect(bits((await p) as Tensor)).toEqual(want);
  });

  it('a step with dropout draws as if it ran at the call: JS draws meanwhile come after its draws', async () => {
    const drop = new nn.Dropout(0.5);
    const f = (x: Tensor) => drop.forward(x);
    tg.manualSeed(31);
    const want = native_(() => [f(tg.ones([64])), f(tg.ones([64])), tg.rand([8]), f(tg.ones([64]))].map(bits));
    tg.manualSeed(31);
    const c = tg.jit.trace(f, [tg.ones([64])]);  // the first draw
    const p = c.runAsync(tg.ones([64]));
    const between = bits(tg.rand([8]));  // drawn while the run is in flight
    expect([bits((await p) as Tensor), between, bits(c.run(tg.ones([64])) as Tensor)]).toEqual(want.slice(1));
    const ints = tg.jit.trace(() => tg.randint(0, 9, [4], { dtype: 'int32' }), []);
    await expect(ints.runAsync()).rejects.toThrow(/random integers.*use run\(\)/);
    expect((ints.run() as Tensor).shape).toEqual([4]);
  });

  it('a step drawing multinomial samples runs async too (its stream advance is fixed by its shapes)', async () => {
    const probs = tg.tensor([[0.2, 1, 0.5, 2, 0.1], [1, 1, 1, 1, 1]]);
    const f = () => tg.multinomial(probs, 3).add(tg.multinomial(probs, 4, { replacement: true }).sum(1, true));
    tg.manualSeed(33);
    const want = native_(() => [f(), f(), tg.rand([8]), f()].map(bits));
    tg.manualSeed(33);
    const c = tg.jit.trace(f, []);
    const p = c.runAsync();
    const between = bits(tg.rand([8]));
    expect([bits((await p) as Tensor), between, bits(c.run() as Tensor)]).toEqual(want.slice(1));
  });

  it('trains: runAsync steps equal eager steps', async () => {
    const eager = mlp('adam'), comp = mlp('adam');
    native_(() => {
      for (let i = 0; i < 5; i++) eager.step();
    });
    const c = tg.jit.trace(comp.step, []);
    for (let i = 0; i < 4; i++) await c.runAsync();
    eager.params.forEach((p, i) => expect(bits(comp.params[i]!)).toEqual(bits(p)));
  });

  it('refuses a run while one is in flight, and rejects a result raced by a write', async () => {
    const s = mlp('momentum', 256);
    const c = tg.jit.trace(s.step, []);
    const p = c.runAsync();
    expect(() => c.run()).toThrow(/still in flight/);
    await expect(c.runAsync()).rejects.toThrow(/still in flight/);
    await p;
    const q = c.runAsync();
    tg.noGrad(() => s.params[0]!.mul_(1));  // a JS write to a parameter the step updates
    await expect(q).rejects.toThrow(/written by JS while the run was in flight/);
    // The compiled step is usable again afterwards.
    await c.runAsync();
  });
});

const dist = resolve(__dirname, '../dist/index.cjs');

describe.skipIf(!existsSync(dist))('jit: worker termination', () => {
  it('a worker terminated while runAsync runs: the run completes, nothing is freed under it', async () => {
    const code = `
      const { parentPort } = require('node:worker_threads');
      const tg = require(${JSON.stringify(dist)});
      const net = new tg.nn.Sequential(new tg.nn.Linear(512, 1024), new tg.nn.ReLU(), new tg.nn.Linear(1024, 512));
      const x = tg.randn([256, 512]);
      const c = tg.noGrad(() => tg.jit.trace((v) => net.forward(v), [x]));
      for (let i = 0; i < 4; i++) c.runAsync(x).catch(() => {});  // the first is in flight, the others reject
      parentPort.postMessage('started');
      setInterval(() => {}, 1000);
    `;
    for (let round = 0; round < 3; round++) {
      const w = new Worker(code, { eval: true });
      await new Promise<void>((res, rej) => {
        w.once('message', () => res());
        w.once('error', rej);
      });
      await w.terminate();
    }
    // The main thread's addon still works.
    expect(tg.ones([2]).add(1).toArray()).toEqual([2, 2]);
  });
});
