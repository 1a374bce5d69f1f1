// optim: every optimizer configuration x every loss, and every lr scheduler, replayed against
// PyTorch 1.13 golden trajectories (test/fixtures/training/trajectories.json, written by
// scripts/gen_training_fixtures.py): a 4-8-3 MLP from fixed initial weights, 5 full-batch
// steps (12 for schedulers); the loss at each step, the lr each step used, and the final
// parameters must match. Prints the max relative error. Also stateDict round trips, param
// groups, and the native kernels' argument checks.
import { afterAll, describe, expect, it } from 'vitest';
import * as tg from '../src/index.js';
import { native } from '../src/native.js';
import { compareTensorData, compareValues, loadTrainingFixture, makeTensor, newStats, type TensorData } from './helpers/training.js';

const { nn, optim } = tg;
const S = optim.lrScheduler;

interface Run {
  name: string;
  optimizer: 'SGD' | 'Adam' | 'AdamW' | 'RMSprop' | 'Adagrad';
  opts: Record<string, unknown>;
  groups?: Record<string, unknown>[];
  loss: string;
  steps: number;
  losses: number[];
  lrs: number[][];
  final: Record<string, TensorData>;
  scheduler?: string;
  schedOpts?: Record<string, unknown>;
}

interface Traj {
  init: Record<string, TensorData>;
  data: Record<'x' | 'cls' | 'reg' | 'bin', TensorData>;
  plateauMetrics: number[];
  runs: Run[];
  schedulers: Run[];
}

const fix = loadTrainingFixture<Traj>('trajectories.json');
const data = {
  x: makeTensor(fix.data.x),
  cls: makeTensor(fix.data.cls),
  reg: makeTensor(fix.data.reg),
  bin: makeTensor(fix.data.bin),
};

// loss name -> [module, head applied to the model output, target]
const LOSSES: Record<string, () => [tg.nn.Module, ((t: tg.Tensor) => tg.Tensor) | null, tg.Tensor]> = {
  mse: () => [new nn.MSELoss(), null, data.reg],
  l1: () => [new nn.L1Loss(), null, data.reg],
  huber: () => [new nn.HuberLoss({ delta: 0.5 }), null, data.reg],
  smoothL1: () => [new nn.SmoothL1Loss({ beta: 0.5 }), null, data.reg],
  crossEntropy: () => [new nn.CrossEntropyLoss(), null, data.cls],
  crossEntropySmooth: () => [new nn.CrossEntropyLoss({ labelSmoothing: 0.1 }), null, data.cls],
  nll: () => [new nn.NLLLoss(), (t) => t.logSoftmax(1), data.cls],
  bce: () => [new nn.BCELoss(), (t) => t.sigmoid(), data.bin],
  bceWithLogits: () => [new nn.BCEWithLogitsLoss(), null, data.bin],
};

function makeModel(): tg.nn.Sequential {
  const m = new nn.Sequential(new nn.Linear(4, 8), new nn.Tanh(), new nn.Linear(8, 3));
  m.loadStateDict(Object.fromEntries(Object.entries(fix.init).map(([k, v]) => [k, makeTensor(v)])));
  return m;
}

function makeOptimizer(r: Run, model: tg.nn.Sequential): tg.optim.Optimizer<{ lr: number }> {
  const Ctor = optim[r.optimizer] as unknown as new (p: unknown, o: unknown) => tg.optim.Optimizer<{ lr: number }>;
  const params = r.groups
    ? [{ params: model.at(0).parameters(), ...r.groups[0] }, { params: model.at(2).parameters(), ...r.groups[1] }]
    : model.parameters();
  return new Ctor(params, r.opts);
}

function makeScheduler(r: Run, opt: tg.optim.Optimizer<{ lr: number }>): { step(m?: number): void; getLastLr(): number[] } {
  const o = r.schedOpts as Record<string, never>;
  switch (r.scheduler) {
    case 'StepLR': return new S.StepLR(opt, o.stepSize, { gamma: o.gamma });
    case 'MultiStepLR': return new S.MultiStepLR(opt, o.milestones, { gamma: o.gamma });
    case 'ExponentialLR': return new S.ExponentialLR(opt, o.gamma);
    case 'CosineAnnealingLR': return new S.CosineAnnealingLR(opt, o.TMax, { etaMin: o.etaMin });
    case 'LambdaLR': return new S.LambdaLR(opt, (e) => 1 / (1 + e));
    case 'ReduceLROnPlateau': {
      const s = new S.ReduceLROnPlateau(opt, o);
      return { step: (m) => s.step(m!), getLastLr: () => s.getLastLr() };
    }
  }
  throw new Error(`unknown scheduler ${r.scheduler}`);
}

function replay(r: Run) {
  const model = makeModel();
  const opt = makeOptimizer(r, model);
  const [lossMod, head, target] = LOSSES[r.loss]!();
  const sched = r.scheduler ? makeScheduler(r, opt) : null;
  const losses: number[] = [], lrs: number[][] = [];
  for (let i = 0; i < r.steps; i++) {
    opt.zeroGrad();
    let out = model.forward(data.x);
    if (head) out = head(out);
    const loss = lossMod.forward(out, target);
    loss.backward();
    lrs.push(opt.paramGroups.map((g) => g.lr));
    opt.step();
    losses.push(loss.item() as number);
    if (sched) sched.step(r.scheduler === 'ReduceLROnPlateau' ? fix.plateauMetrics[i] : undefined);
  }
  return { model, losses, lrs, opt, sched };
}

// Float32 on both sides with different summation orders and FMA use: the differences start at
// ~1e-7 and are amplified by the updates (Adam's m/√v near zero gradients most of all).
const TOL = { rtol: 1e-4, atol: 1e-5 };
const overall = newStats();
afterAll(() => {
  console.log(
    `trajectories: ${fix.runs.length} optimizer runs + ${fix.schedulers.length} scheduler runs; max relative error ${overall.maxRel.toExponential(2)} (${overall.where}), max abs ${overall.maxAbs.toExponential(2)}`,
  );
});

function check(r: Run, res: ReturnType<typeof replay>) {
  const problems = compareValues(`${r.name} losses`, res.losses, r.losses.map(Math.fround), TOL, overall);
  const sd = res.model.stateDict();
  for (const [k, want] of Object.entries(r.final)) problems.push(...compareTensorData(`${r.name} ${k}`, sd[k]!, want, TOL, overall));
  // lrs are Python floats on both sides, computed by the same formulas: equal to ~1 ulp.
  problems.push(...compareValues(`${r.name} lrs`, res.lrs.flat(), r.lrs.flat(), { rtol: 1e-12, atol: 0 }, newStats()));
  expect(problems).toEqual([]);
}

describe('optimizer trajectories vs PyTorch 1.13', () => {
  for (const r of fix.runs) it(r.name, () => check(r, replay(r)));
});

describe('lr schedulers vs PyTorch 1.13', () => {
  for (const r of fix.schedulers)
    it(r.name, () => {
      const res = replay(r);
      check(r, res);
      expect(res.sched!.getLastLr()).toEqual(res.opt.paramGroups.map((g) => g.lr));
    });

  it('CosineAnnealingLR follows the closed form within one period', () => {
    const p = new nn.Parameter(tg.zeros([1]));
    const opt = new optim.SGD([p], { lr: 1 });
    const s = new S.CosineAnnealingLR(opt, 10, { etaMin: 0.1 });
    for (let e = 1; e <= 10; e++) {
      s.step();
      expect(s.getLastLr()[0]).toBeCloseTo(0.1 + 0.45 * (1 + Math.cos((Math.PI * e) / 10)), 12);
    }
  });
});

describe('optimizer API', () => {
  it('stateDict has PyTorch structure and loadStateDict resumes exactly', () => {
    const r = fix.runs.find((x) => x.name === 'adam_amsgrad/crossEntropy')!;
    const a = makeModel();
    const optA = makeOptimizer(r, a);
    const [lossMod, , target] = LOSSES.crossEntropy!();
    const stepOnce = (m: tg.nn.Sequential, o: tg.optim.Optimizer<{ lr: number }>) => {
      o.zeroGrad();
      lossMod.forward(m.forward(data.x), target).backward();
      o.step();
    };
    for (let i = 0; i < 2; i++) stepOnce(a, optA);
    const sd = optA.stateDict();
    expect(Object.keys(sd.state)).toEqual(['0', '1', '2', '3']);
    expect(Object.keys(sd.state[0]!).sort()).toEqual(['expAvg', 'expAvgSq', 'maxExpAvgSq', 'step']);
    expect(sd.state[0]!.step).toBe(2);
    expect(sd.paramGroups).toEqual([{ lr: 0.01, betas: [0.8, 0.9], eps: 1e-8, weightDecay: 0, amsgrad: true, maximize: false, params: [0, 1, 2, 3] }]);

    const b = makeModel();
    b.loadStateDict(a.stateDict());
    const optB = makeOptimizer(r, b);
    optB.loadStateDict(sd);
    stepOnce(a, optA);
    stepOnce(b, optB);
    expect(b.stateDict()['0.weight']!.toArray()).toEqual(a.stateDict()['0.weight']!.toArray());
    // loaded state is a copy: stepping b did not touch a's buffers
    expect(optB.stateDict().state[0]!.expAvg).not.toBe(optA.stateDict().state[0]!.expAvg);
    expect(() => optB.loadStateDict({ state: {}, paramGroups: [] })).toThrow(/different number of parameter groups/);
  });

  it('skips parameters without gradients; validates hyper-parameters', () => {
    const p = new nn.Parameter(tg.ones([3])), q = new nn.Parameter(tg.ones([2]));
    const opt = new optim.SGD([p, q], { lr: 0.5, momentum: 0.9 });
    p.mul(2).sum().backward();
    opt.step();
    expect(p.toArray()).toEqual([0, 0, 0]);
    expect(q.toArray()).toEqual([1, 1]);
    expect(opt.state.has(q)).toBe(false);
    expect(() => new optim.SGD([p], { lr: -1 })).toThrow('SGD: Invalid learning rate: -1');
    expect(() => new optim.SGD([p], { lr: 0.1, nesterov: true })).toThrow(/Nesterov momentum requires a momentum and zero dampening/);
    expect(() => new optim.Adam([p], { betas: [1.5, 0.9] })).toThrow(/Invalid beta parameter at index 0/);
    expect(() => new optim.Adam([])).toThrow(/empty parameter list/);
    expect(() => new optim.Adam([p, p])).toThrow(/more than one parameter group/);
  });

  it('updates strided (non-contiguous) parameters and uses strided gradients correctly', () => {
    tg.manualSeed(8);
    const base = tg.randn([3, 4]);
    const strided = new nn.Parameter(base.clone().t()); // [4, 3] view with strides [1, 4]
    const plain = new nn.Parameter(base.clone().t().contiguous());
    expect(strided.isContiguous()).toBe(false);
    const x = tg.randn([4, 3]);
    for (const p of [strided, plain]) {
      const opt = new optim.Adam([p], { lr: 0.1 });
      for (let i = 0; i < 3; i++) {
        opt.zeroGrad();
        p.mul(x).square().sum().backward();
        opt.step();
      }
    }
    expect(strided.toArray()).toEqual(plain.toArray());
    expect(strided.toArray()).not.toEqual(base.t().toArray());
  });

  it('the update bumps the version counter, so a stale saved tensor is refused', () => {
    const p = new nn.Parameter(tg.ones([2]));
    const opt = new optim.SGD([p], { lr: 0.1 });
    p.square().sum().backward();
    const y = p.square().sum(); // saves p
    opt.step();
    expect(() => y.backward()).toThrow(/modified by an inplace operation/);
  });

  it('native kernels validate buffer lengths and types (errors, never out-of-bounds writes)', () => {
    const p = new Float32Array(4), g = new Float32Array(3), buf = new Float32Array(4);
    // meta: [n, param offset, grad offset, lr, momentum, dampening, weightDecay, nesterov, maximize, firstStep]
    const meta = new Float64Array([4, 0, 0, 0.1, 0.9, 0, 0, 0, 0, 1]);
    expect(() => native.sgdStep(meta, p, g, buf)).toThrow(/SGD.step: grad view of shape \[4\] reaches outside its storage of 3 elements/);
    expect(() => native.sgdStep(meta, p, new Float32Array(4))).toThrow(/SGD.step: momentum_buffer buffer missing/);
    expect(() => native.sgdStep(new Float64Array([4, 1, 0, 0.1, 0, 0, 0, 0, 0, 0]), p, new Float32Array(4))).toThrow(RangeError);
    expect(() => native.adamStep(new Float64Array([4, 0, 0, 0.1, 0.9, 0.99, 1e-8, 0, 1, 0, 0, 0]), p, new Float32Array(4), buf, new Float32Array(2))).toThrow(
      /Adam.step: exp_avg_sq view/,
    );
    expect(() => native.adagradStep(new Float64Array([4, 0, 0, 0.1, 0, 0, 1e-10, 1, 0]), p, new Int32Array(4) as never, buf)).toThrow(TypeError);
    expect(() => native.rmspropStep(new Float64Array([2]), p, p, p)).toThrow(/truncated call metadata/);
    expect(Array.from(p)).toEqual([0, 0, 0, 0]);
  });
});
