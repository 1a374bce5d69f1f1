// optim.Adadelta, lrScheduler.LinearLR / OneCycleLR and the Optimizer base's noGrad step, against
// PyTorch 1.13 (test/fixtures/nn.json, written by scripts/gen_nn_fixtures.py): Adadelta's loss at
// each of 6 steps of a least-squares problem, its final parameters and state, under several
// configurations (weightDecay, maximize, param groups); each scheduler's lr (and momentum or
// beta1) after the constructor and every step, to 1e-12; stateDict round trips; and the errors.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import * as tg from '../src/index.js';
import { makeTensor } from './helpers/fixtures.js';
import { compareTensorData, compareValues, newStats, type TensorData } from './helpers/training.js';

const { nn, optim } = tg;
const S = optim.lrScheduler;

interface AdadeltaRun {
  name: string;
  opts: Record<string, unknown>;
  groups: Record<string, unknown>[] | null;
  losses: number[];
  final: { w: TensorData; b: TensorData };
  state: { step: number; squareAvg: TensorData; accDelta: TensorData }[];
}
interface SchedRun {
  name: string;
  scheduler: 'LinearLR' | 'OneCycleLR';
  optimizer: 'SGD' | 'Adam' | 'RMSprop';
  optOpts: Record<string, unknown>;
  lrs0: number[];
  opts: Record<string, unknown>;
  steps: number;
  lr: number[][];
  momentum: (number | null)[][];
  lastLr: number[][];
  raises: string | null;
}
const fix = JSON.parse(readFileSync(fileURLToPath(new URL('./fixtures/nn.json', import.meta.url)), 'utf8')) as {
  adadelta: { x: TensorData; y: TensorData; w: TensorData; b: TensorData; runs: AdadeltaRun[] };
  schedulers: SchedRun[];
};

// ---- Adadelta ------------------------------------------------------------------------------

const ad = fix.adadelta;
const x = makeTensor(ad.x), y = makeTensor(ad.y);

function adadeltaRun(r: AdadeltaRun, steps = 6) {
  const w = new nn.Parameter(makeTensor(ad.w)), b = new nn.Parameter(makeTensor(ad.b));
  const params = r.groups ? [{ params: [w], ...r.groups[0] }, { params: [b], ...r.groups[1] }] : [w, b];
  const opt = new optim.Adadelta(params, r.opts);
  const losses: number[] = [];
  const stepOnce = () => {
    opt.zeroGrad();
    const loss = x.matmul(w).add(b).sub(y).square().mean();
    loss.backward();
    opt.step();
    losses.push(loss.item() as number);
  };
  for (let i = 0; i < steps; i++) stepOnce();
  return { w, b, opt, losses, stepOnce };
}

// Float32 on both sides; Adadelta's first steps are √eps-sized, so absolute differences are tiny.
const TOL = { rtol: 1e-5, atol: 1e-7 };
const stats = newStats();
afterAll(() => {
  console.log(`Adadelta: ${ad.runs.length} trajectories vs PyTorch; max relative error ${stats.maxRel.toExponential(2)} (${stats.where})`);
});

describe('optim.Adadelta vs PyTorch 1.13', () => {
  for (const r of ad.runs)
    it(r.name, () => {
      const { w, b, opt, losses } = adadeltaRun(r);
      const problems = compareValues(`${r.name} losses`, losses, r.losses.map(Math.fround), TOL, stats);
      problems.push(...compareTensorData(`${r.name} w`, w, r.final.w, TOL, stats));
      problems.push(...compareTensorData(`${r.name} b`, b, r.final.b, TOL, stats));
      [w, b].forEach((p, i) => {
        const st = opt.state.get(p)!;
        expect(st.step).toBe(r.state[i]!.step);
        problems.push(...compareTensorData(`${r.name} squareAvg ${i}`, st.squareAvg as tg.Tensor, r.state[i]!.squareAvg, TOL, stats));
        problems.push(...compareTensorData(`${r.name} accDelta ${i}`, st.accDelta as tg.Tensor, r.state[i]!.accDelta, TOL, stats));
      });
      expect(problems).toEqual([]);
    });

  it('stateDict has PyTorch structure and loadStateDict resumes exactly', () => {
    const r = ad.runs.find((q) => q.name === 'groups')!;
    const a = adadeltaRun(r, 3);
    const sd = a.opt.stateDict();
    expect(Object.keys(sd.state)).toEqual(['0', '1']);
    expect(Object.keys(sd.state[0]!).sort()).toEqual(['accDelta', 'squareAvg', 'step']);
    expect(sd.paramGroups).toEqual([
      { lr: 2.0, rho: 0.9, eps: 1e-6, weightDecay: 0.01, maximize: false, params: [0] },
      { lr: 1.0, rho: 0.5, eps: 1e-6, weightDecay: 0.01, maximize: false, params: [1] },
    ]);
    const b = adadeltaRun(r, 0);
    b.w.data.copy_(a.w);
    b.b.data.copy_(a.b);
    b.opt.loadStateDict(sd);
    a.stepOnce();
    b.stepOnce();
    expect(b.w.toArray()).toEqual(a.w.toArray());
    expect(b.opt.state.get(b.b)!.accDelta).not.toBe(a.opt.state.get(a.b)!.accDelta);
    expect((b.opt.state.get(b.b)!.accDelta as tg.Tensor).toArray()).toEqual((a.opt.state.get(a.b)!.accDelta as tg.Tensor).toArray());
  });

  it('updates strided parameters, skips params without grad, and bumps the version counter', () => {
    tg.manualSeed(4);
    const base = tg.randn([3, 4]);
    const strided = new nn.Parameter(base.clone().t()), plain = new nn.Parameter(base.clone().t().contiguous());
    const m = tg.randn([4, 3]);
    for (const p of [strided, plain]) {
      const opt = new optim.Adadelta([p], { lr: 0.5, weightDecay: 0.1 });
      for (let i = 0; i < 3; i++) {
        opt.zeroGrad();
        p.mul(m).square().sum().backward();
        opt.step();
      }
    }
    expect(strided.toArray()).toEqual(plain.toArray());
    const q = new nn.Parameter(tg.ones([2])), unused = new nn.Parameter(tg.ones([2]));
    const opt = new optim.Adadelta([q, unused]);
    q.square().sum().backward();
    const saved = q.square().sum();
    opt.step();
    expect(opt.state.has(unused)).toBe(false);
    expect(unused.toArray()).toEqual([1, 1]);
    expect(() => saved.backward()).toThrow(/modified by an inplace operation/);
  });

  it('validates hyper-parameters and gradients with errors naming the op', () => {
    const p = new nn.Parameter(tg.ones([2]));
    expect(() => new optim.Adadelta([p], { lr: -1 })).toThrow(new RangeError('Adadelta: Invalid learning rate: -1'));
    expect(() => new optim.Adadelta([p], { rho: 1.5 })).toThrow(new RangeError('Adadelta: Invalid rho value: 1.5'));
    expect(() => new optim.Adadelta([p], { eps: -1 })).toThrow(new RangeError('Adadelta: Invalid epsilon value: -1'));
    expect(() => new optim.Adadelta([p], { weightDecay: -0.1 })).toThrow(new RangeError('Adadelta: Invalid weight_decay value: -0.1'));
    expect(() => new optim.Adadelta([p], { maximize: 1 as never })).toThrow(TypeError);
    expect(() => new optim.Adadelta([p], 5 as never)).toThrow(TypeError);
  });
});

// ---- the base class's step -----------------------------------------------------------------

interface SignOptions {
  lr: number;
}
/** The example of the Optimizer doc comment: an update written with tensor ops. */
class SignSGD extends optim.Optimizer<SignOptions> {
  seenGradMode: boolean[] = [];
  constructor(params: tg.optim.Params<SignOptions>, opts: Partial<SignOptions> = {}) {
    super('SignSGD', params, { lr: 0.01, ...opts });
  }
  protected update(p: tg.Tensor, grad: tg.Tensor, state: tg.optim.ParamState, group: tg.optim.ParamGroup<SignOptions>): void {
    this.seenGradMode.push(tg.isGradEnabled());
    state.step = ((state.step as number | undefined) ?? 0) + 1;
    p.sub_(grad.sign().mul(group.lr));
  }
}

describe('Optimizer base: step() runs update() without recording', () => {
  it('a custom subclass updates a leaf in place with tensor ops; the closure still records', () => {
    const p = new nn.Parameter(tg.tensor([1, -2, 3]));
    const opt = new SignSGD([p], { lr: 0.5 });
    const loss = opt.step(() => {
      opt.zeroGrad();
      const l = p.square().sum();
      expect(tg.isGradEnabled()).toBe(true);
      l.backward();
      return l;
    }) as tg.Tensor;
    expect(loss.item()).toBe(14);
    expect(p.toArray()).toEqual([0.5, -1.5, 2.5]);
    expect(p.gradFn).toBeNull();
    expect(p.isLeaf).toBe(true);
    expect(opt.seenGradMode).toEqual([false]);
    expect(opt.stateDict().state[0]).toEqual({ step: 1 });
    // the closure records even when step() is called inside noGrad (PyTorch's enable_grad)
    tg.noGrad(() => opt.step(() => {
      opt.zeroGrad();
      const l = p.square().sum();
      l.backward();
      return l;
    }));
    expect(p.toArray()).toEqual([0, -1, 2]);
    expect(tg.isGradEnabled()).toBe(true);
    expect(() => opt.step(5 as never)).toThrow(new TypeError('SignSGD.step: closure must be a function, got 5'));
  });
});

// ---- schedulers ----------------------------------------------------------------------------

function makeSched(r: SchedRun) {
  const groups = r.lrs0.map((lr) => ({ params: [new nn.Parameter(tg.zeros([1]))], lr }));
  const Opt = optim[r.optimizer] as unknown as new (p: unknown, o: unknown) => tg.optim.Optimizer<{ lr: number }>;
  const opt = new Opt(groups, { lr: r.lrs0[0], ...r.optOpts });
  const sched = r.scheduler === 'LinearLR' ? new S.LinearLR(opt, r.opts) : new S.OneCycleLR(opt, r.opts as unknown as tg.optim.lrScheduler.OneCycleLROptions);
  return { opt, sched };
}

const momentumOf = (g: Record<string, unknown>): number | null => (Array.isArray(g.betas) ? (g.betas[0] as number) : ((g.momentum as number | undefined) ?? null));

describe('LinearLR / OneCycleLR vs PyTorch 1.13', () => {
  for (const r of fix.schedulers)
    it(r.name, () => {
      const { opt, sched } = makeSched(r);
      const lr: number[][] = [], mom: (number | null)[][] = [], last: number[][] = [];
      for (let i = 0; i <= r.steps; i++) {
        if (i > 0) {
          opt.step();
          sched.step();
        }
        lr.push(opt.paramGroups.map((g) => g.lr));
        mom.push(opt.paramGroups.map(momentumOf));
        last.push(sched.getLastLr());
      }
      // Python floats and JS numbers, the same formulas: equal to ~1 ulp.
      const exact = { rtol: 1e-12, atol: 0 };
      const problems = compareValues(`${r.name} lr`, lr.flat(), r.lr.flat(), exact, newStats());
      problems.push(...compareValues(`${r.name} momentum`, mom.flat() as number[], r.momentum.flat() as number[], exact, newStats()));
      problems.push(...compareValues(`${r.name} getLastLr`, last.flat(), r.lastLr.flat(), exact, newStats()));
      expect(problems).toEqual([]);
      if (r.raises) expect(() => sched.step()).toThrow(new RangeError(`OneCycleLR: ${r.raises}`));
    });

  it('OneCycleLR writes PyTorch\'s group fields, keeps Adam\'s beta2, and does not touch the shared defaults', () => {
    const p = new nn.Parameter(tg.zeros([1])), q = new nn.Parameter(tg.zeros([1]));
    const opt = new optim.Adam([{ params: [p] }, { params: [q] }], { lr: 1e-3, betas: [0.9, 0.99] });
    const s = new S.OneCycleLR(opt, { maxLr: 0.01, totalSteps: 10 });
    const g = opt.paramGroups[0]!;
    expect([g.initialLr, g.maxLr, g.minLr, g.maxMomentum, g.baseMomentum]).toEqual([0.01 / 25, 0.01, 0.01 / 25 / 1e4, 0.95, 0.85]);
    expect(g.betas).toEqual([0.95, 0.99]);
    s.step();
    expect(g.betas[1]).toBe(0.99);
    expect(opt.defaults.betas).toEqual([0.9, 0.99]);
    expect(opt.paramGroups[1]!.betas).toEqual(g.betas);
    expect(opt.paramGroups[1]!.betas).not.toBe(g.betas);
  });

  it('stateDict / loadStateDict resume the same sequence', () => {
    const mk = () => {
      const opt = new optim.SGD([new nn.Parameter(tg.zeros([1]))], { lr: 0.1, momentum: 0.9 });
      return { opt, s: new S.OneCycleLR(opt, { maxLr: 1, totalSteps: 12, threePhase: true }) };
    };
    const a = mk();
    for (let i = 0; i < 5; i++) a.s.step();
    const b = mk();
    b.s.loadStateDict(a.s.stateDict());
    b.opt.loadStateDict(a.opt.stateDict());
    expect(b.s.lastEpoch).toBe(5);
    for (let i = 0; i < 4; i++) {
      a.s.step();
      b.s.step();
      expect(b.s.getLastLr()).toEqual(a.s.getLastLr());
      expect(b.opt.paramGroups[0]!.momentum).toBe(a.opt.paramGroups[0]!.momentum);
    }
    const l = new S.LinearLR(a.opt, { totalIters: 3 });
    expect(l.stateDict()).toMatchObject({ startFactor: 1 / 3, endFactor: 1, totalIters: 3, lastEpoch: 0 });
  });

  it('bad arguments are TypeErrors or RangeErrors naming the scheduler', () => {
    const sgd = () => new optim.SGD([new nn.Parameter(tg.zeros([1]))], { lr: 0.1, momentum: 0.9 });
    expect(() => new S.LinearLR(sgd(), { startFactor: 0 })).toThrow(/LinearLR: Starting multiplicative factor expected to be greater than 0 and less or equal to 1, got 0/);
    expect(() => new S.LinearLR(sgd(), { endFactor: 1.5 })).toThrow(/LinearLR: Ending multiplicative factor expected to be between 0 and 1, got 1.5/);
    expect(() => new S.LinearLR(sgd(), { totalIters: 2.5 })).toThrow(RangeError);
    expect(() => new S.LinearLR({} as never)).toThrow(new TypeError('LinearLR: Object is not an Optimizer'));
    expect(() => new S.LinearLR(sgd(), 3 as never)).toThrow(TypeError);

    const O = (opts: unknown, opt: tg.optim.Optimizer<{ lr: number }> = sgd()) => () => new S.OneCycleLR(opt, opts as tg.optim.lrScheduler.OneCycleLROptions);
    expect(O({ maxLr: 0.1 })).toThrow(new RangeError('OneCycleLR: You must define either totalSteps OR (epochs AND stepsPerEpoch)'));
    expect(O({ maxLr: 0.1, totalSteps: 0 })).toThrow(new RangeError('OneCycleLR: Expected positive integer total_steps, but got 0'));
    expect(O({ maxLr: 0.1, epochs: 2 })).toThrow(new RangeError('OneCycleLR: Expected positive integer steps_per_epoch, but got undefined'));
    expect(O({ maxLr: 0.1, totalSteps: 10, pctStart: 1.5 })).toThrow(/Expected float between 0 and 1 pct_start, but got 1.5/);
    expect(O({ maxLr: 0.1, totalSteps: 10, annealStrategy: 'exp' })).toThrow(/anneal_strategy must by one of 'cos' or 'linear'/);
    expect(O({ maxLr: [0.1, 0.2], totalSteps: 10 })).toThrow(new RangeError('OneCycleLR: expected 1 values for max_lr, got 2'));
    expect(O({ maxLr: '0.1', totalSteps: 10 })).toThrow(TypeError);
    expect(O({ totalSteps: 10 })).toThrow(/max_lr must be a finite number/);
    expect(O({ maxLr: 0.1, totalSteps: 10, divFactor: 0 })).toThrow(RangeError);
    expect(O({ maxLr: 0.1, totalSteps: 10, threePhase: 'yes' })).toThrow(TypeError);
    expect(O(null)).toThrow(TypeError);
    const adagrad = new optim.Adagrad([new nn.Parameter(tg.zeros([1]))]);
    expect(O({ maxLr: 0.1, totalSteps: 10 }, adagrad)).toThrow(new RangeError('OneCycleLR: optimizer must support momentum with `cycleMomentum` option enabled'));
    expect(() => new S.OneCycleLR(adagrad, { maxLr: 0.1, totalSteps: 10, cycleMomentum: false })).not.toThrow();
    // A phase of zero length: PyTorch divides by zero (ZeroDivisionError) at step 0.
    expect(O({ maxLr: 0.1, totalSteps: 10, pctStart: 0.1 })).toThrow(/OneCycleLR: phase 0 of the schedule starts and ends at step 0/);
  });
});
