// Compiled training steps under LR schedulers (src/jit/compiled.ts): the step kernels' learning
// rate is read from the optimizer on each run, so a scheduler stepping between runs gives the
// eager loop's bits (both through the core: the small-kernel JS path off, as a trace runs).
// Param groups with their own rates, a rate the trace cannot keep live, and the
// hyper-parameters that stay frozen are covered too.
import { describe, expect, it } from 'vitest';
import * as tg from '../src/index.js';
import { nn, optim, type Tensor } from '../src/index.js';
import { _setSmallLimits } from '../src/small_kernels.js';

const bits = (t: Tensor): number[] => Array.from(new Uint32Array(Float32Array.from(t.toTypedArray() as Float32Array).buffer));

function coreOnly<T>(f: () => T): T {
  const old = _setSmallLimits(0, 0);
  try {
    return f();
  } finally {
    _setSmallLimits(...old);
  }
}

type Opt = 'sgd' | 'adam' | 'adamw' | 'rmsprop' | 'adagrad' | 'adadelta';
type Sched = 'step' | 'cosine' | 'exponential' | 'onecycle';

function setup(opt: Opt, sched: Sched, groups: boolean) {
  tg.manualSeed(4);
  const x = tg.randn([16, 5]), y = tg.randn([16, 2]);
  const l1 = new nn.Linear(5, 8), l2 = new nn.Linear(8, 2);
  const model = new nn.Sequential(l1, new nn.Tanh(), l2);
  // Two groups with their own rates, or one.
  const params = groups ? [{ params: l1.parameters(), lr: 0.03 }, { params: l2.parameters() }] : model.parameters();
  const o = opt === 'sgd' ? new optim.SGD(params, { lr: 0.05, momentum: 0.9 })
    : opt === 'adam' ? new optim.Adam(params, { lr: 0.01 })
    : opt === 'adamw' ? new optim.AdamW(params, { lr: 0.01 })
    : opt === 'rmsprop' ? new optim.RMSprop(params, { lr: 0.01 })
    : opt === 'adagrad' ? new optim.Adagrad(params, { lr: 0.05 })
    : new optim.Adadelta(params, { lr: 0.5 });
  const s = sched === 'step' ? new optim.lrScheduler.StepLR(o, 2, { gamma: 0.5 })
    : sched === 'cosine' ? new optim.lrScheduler.CosineAnnealingLR(o, 5)
    : sched === 'exponential' ? new optim.lrScheduler.ExponentialLR(o, 0.8)
    : new optim.lrScheduler.OneCycleLR(o, { maxLr: 0.05, totalSteps: 12, cycleMomentum: false });
  const lossFn = new nn.MSELoss();
  const step = () => {
    o.zeroGrad();
    const l = lossFn.forward(model.forward(x), y);
    l.backward();
    o.step();
    return l;
  };
  return { model, opt: o, sched: s, step };
}

describe('compiled training steps follow an LR scheduler', () => {
  const opts: Opt[] = ['sgd', 'adam', 'adamw', 'rmsprop', 'adagrad', 'adadelta'];
  const scheds: Sched[] = ['step', 'cosine', 'exponential', 'onecycle'];
  for (const opt of opts)
    for (const sched of scheds)
      for (const groups of [false, true])
        it(`${opt} + ${sched}${groups ? ', two param groups' : ''}: bit for bit the eager loop`, () => {
          const eager = setup(opt, sched, groups), comp = setup(opt, sched, groups);
          const want: number[][] = [], got: number[][] = [], lrs: number[] = [];
          coreOnly(() => {
            for (let i = 0; i < 10; i++) {
              lrs.push(eager.opt.paramGroups[0]!.lr as number);
              want.push(bits(eager.step()));
              eager.sched.step();
            }
          });
          const c = tg.jit.trace(comp.step, []);
          got.push(want[0]!);  // the trace was the first step
          comp.sched.step();
          for (let i = 1; i < 10; i++) {
            got.push(bits(c.run() as Tensor));
            comp.sched.step();
          }
          expect(got).toEqual(want);
          eager.model.parameters().forEach((p, i) => expect(bits(comp.model.parameters()[i]!), `parameter ${i}`).toEqual(bits(p)));
          // The rate did change over the run.
          expect(new Set(lrs).size).toBeGreaterThan(2);
        });
});

describe('compiled steps: which hyper-parameters are live', () => {
  it('an lr written by hand between runs takes effect; other hyper-parameters still refuse the run', () => {
    const a = setup('adam', 'step', false), b = setup('adam', 'step', false);
    const c = tg.jit.trace(b.step, []);
    coreOnly(() => a.step());
    for (const [o, lr] of [[a.opt, 0.002], [b.opt, 0.002]] as const) o.paramGroups[0]!.lr = lr;
    coreOnly(() => a.step());
    c.run();
    a.model.parameters().forEach((p, i) => expect(bits(b.model.parameters()[i]!)).toEqual(bits(p)));
    b.opt.paramGroups[0]!.lr = Number.NaN;
    expect(() => c.run()).toThrow(/jit\.run: an optimizer's lr must be a finite number, got NaN/);
    b.opt.paramGroups[0]!.lr = 0.002;
    (b.opt.paramGroups[0]! as unknown as { eps: number }).eps = 1e-6;
    expect(() => c.run()).toThrow(/Adam's eps changed since the trace/);
  });

  it('an lr the step uses outside the step kernels stays frozen (changing it refuses the run)', () => {
    tg.manualSeed(5);
    const w = tg.randn([3], { requiresGrad: true });
    const o = new optim.SGD([w], { lr: 0.1 });
    // A hand-written update that reads the group's lr into the plan as a scalar, beside the kernel.
    const c = tg.jit.trace(() => {
      o.zeroGrad();
      const l = w.pow(2).sum();
      l.backward();
      o.step();
      w.data.mul_(1 - (o.paramGroups[0]!.lr as number));
      return l;
    }, []);
    c.run();
    o.paramGroups[0]!.lr = 0.05;
    expect(() => c.run()).toThrow(/SGD's lr changed since the trace \(0.1 -> 0.05\)/);
  });
});
