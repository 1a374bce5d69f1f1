// Bounded fuzzing of the whole public API (fixed seeds); `npm run fuzz` runs it longer.
import { describe, expect, it } from 'vitest';
import * as tg from '../src/index.js';
import { fuzzApi } from './fuzz/api-fuzz.js';
import { fuzzNn, KNOWN_FINDINGS, targets } from './fuzz/nn-fuzz.js';

describe('API fuzz', () => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: every call returns or throws a clear TypeError/RangeError naming the op`, () => {
      const { calls, findings } = fuzzApi(seed, 4000);
      expect(calls).toBeGreaterThan(1000);
      expect(findings.slice(0, 20)).toEqual([]);
    });
  }
});

describe('nn / optim fuzz (nn.functional, nn.init, nn.utils, modules, optimizers, schedulers)', () => {
  const all = targets().map((t) => t.name);
  const reached = new Set<string>();

  it('enumerates the namespaces', () => {
    // A few of each kind, so an export rename or a broken enumeration shows here.
    for (const name of ['F.conv2d', 'F.scaledDotProductAttention', 'nn.utils.clipGradNorm_', 'nn.init.kaimingUniform_', 'nn.MultiheadAttention', 'nn.ModuleDict', 'optim.Adadelta', 'optim.lrScheduler.OneCycleLR'])
      expect(all).toContain(name);
    expect(all.length).toBeGreaterThan(80);
  });

  const SEEDS = [1, 2, 3], RUNS = 2500;
  const ran = new Set<number>();
  for (const seed of SEEDS) {
    it(`seed ${seed}: every call returns or throws a clear TypeError/RangeError naming the op`, () => {
      const { calls, findings, succeeded } = fuzzNn(seed, RUNS);
      ran.add(seed);
      for (const k of succeeded.keys()) reached.add(k);
      expect(calls).toBeGreaterThan(3000);
      expect(findings.slice(0, 20)).toEqual([]);
    });
  }

  it('the seeds together got most targets past their argument checks', () => {
    // Valid calls are what run the kernels; a generator that drifted into producing only
    // rejected arguments would still "pass" the test above.
    // (Run alone, with -t, it does the seeds' runs itself.)
    for (const seed of SEEDS) if (!ran.has(seed)) for (const k of fuzzNn(seed, RUNS).succeeded.keys()) reached.add(k);
    const missed = all.filter((n) => !reached.has(n));
    expect(missed.length / all.length, `never returned: ${missed.join(' ')}`).toBeLessThan(0.15);
  });

  it('every known finding still reproduces (delete its entry once it is fixed)', () => {
    for (const k of KNOWN_FINDINGS) {
      let error = 'returned';
      try {
        k.repro();
      } catch (e) {
        error = e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e);
      }
      expect(error, `${k.target}: ${k.why}`).toMatch(k.error);
    }
  });
});

describe('nn / optim fuzz findings, fixed (each once a bare TypeError or a throw while printing)', () => {
  const { nn, optim } = tg;
  const params = () => [new nn.Parameter(tg.ones(2))];
  const cases: [string, () => unknown, RegExp][] = [
    ['Module.apply(non-function)', () => new nn.ReLU().apply(3 as never), /^ReLU\.apply: fn must be a function/],
    ['loadStateDict(Tensor)', () => new nn.Linear(2, 2).loadStateDict(tg.ones(2) as never), /^Linear\.loadStateDict: expected a plain object/],
    ['loadStateDict(sd, null)', () => new nn.Linear(2, 2).loadStateDict({}, null as never), /^Linear\.loadStateDict: options must be an object/],
    ['Module.zeroGrad(null)', () => new nn.Linear(2, 2).zeroGrad(null as never), /^Linear\.zeroGrad: options must be an object/],
    ['namedParameters({ prefix: 3 })', () => new nn.Linear(2, 2).namedParameters({ prefix: 3 as never }), /^Linear\.namedParameters: prefix must be a string/],
    ['new Conv2d()', () => new nn.Conv2d(undefined as never, 1, 1), /^Conv2d: in_channels must be a positive integer/],
    ['new Conv2d(1, 1)', () => new nn.Conv2d(1, 1, undefined as never), /^Conv2d: kernel_size must be an integer >= 1/],
    ['new Conv1d(.., { dilation: "x" })', () => new nn.Conv1d(1, 1, 1, { dilation: 'x' as never }), /^Conv1d: dilation must be an integer >= 1/],
    ['new Conv2d(.., Tensor as options)', () => new nn.Conv2d(1, 2, 2, tg.ones(2) as never), /^Conv2d: stride must be/],
    ['new AdaptiveAvgPool2d(Tensor)', () => new nn.AdaptiveAvgPool2d(tg.ones(2) as never), /^AdaptiveAvgPool2d: output_size must be/],
    ['new MaxPool2d()', () => new nn.MaxPool2d(undefined as never), /^MaxPool2d: kernel_size must be/],
    ['BatchNorm2d.forward()', () => new nn.BatchNorm2d(1).forward(undefined as never), /^BatchNorm2d: expected a Tensor as input/],
    ['BatchNorm1d({ momentum: [1] })', () => new nn.BatchNorm1d(2, { momentum: [1] as never }), /^BatchNorm1d: momentum must be a number/],
    ['LayerNorm({ eps: [1] })', () => new nn.LayerNorm(2, { eps: [1] as never }), /^LayerNorm: eps must be a number/],
    ['GroupNorm({ eps: "x" })', () => new nn.GroupNorm(1, 2, { eps: 'x' as never }), /^GroupNorm: eps must be a number/],
    ['Optimizer.zeroGrad(null)', () => new optim.Adam(params()).zeroGrad(null as never), /^Adam\.zeroGrad: options must be an object/],
    ['LambdaLR([4])', () => new optim.lrScheduler.LambdaLR(new optim.SGD(params(), { lr: 1 }), [4 as never]), /^LambdaLR: lrLambda\[0\] must be a function/],
    ['ReduceLROnPlateau({ threshold: 1n })', () => new optim.lrScheduler.ReduceLROnPlateau(new optim.SGD(params(), { lr: 1 }), { threshold: 1n as never }), /^ReduceLROnPlateau: threshold must be a number/],
    ['StepLR({ gamma: "x" })', () => new optim.lrScheduler.StepLR(new optim.SGD(params(), { lr: 1 }), 2, { gamma: 'x' as never }), /^StepLR: gamma must be a number/],
    ...(['Softmax', 'LogSoftmax'] as const).map((name): [string, () => unknown, RegExp] =>
      [`new ${name}(Symbol)`, () => String(new nn[name](Symbol('s') as never)), new RegExp(`^${name}: dim must be an integer, got a symbol`)]),
    ['new Flatten(1, "x")', () => new nn.Flatten(1, 'x' as never), /^Flatten: end_dim must be an integer/],
    ['new Flatten(Symbol)', () => new nn.Flatten(Symbol('s') as never), /^Flatten: start_dim must be an integer/],
    ['new LeakyReLU(Symbol)', () => new nn.LeakyReLU(Symbol('s') as never), /^LeakyReLU: negative_slope must be a number/],
    ['F.conv1d(.., null options)', () => nn.functional.conv1d(tg.randn(1, 1, 3), tg.randn(1, 1, 1), null, null as never), /^conv1d: options must be an object, got null/],
    ['scheduler.loadStateDict(null)', () => new optim.lrScheduler.StepLR(new optim.SGD(params(), { lr: 1 }), 2).loadStateDict(null as never), /^StepLR\.loadStateDict: expected the object/],
  ];
  it.each(cases)('%s', (_, f, message) => {
    expect(f).toThrow(message);
    try {
      f();
    } catch (e) {
      expect(e instanceof TypeError || e instanceof RangeError).toBe(true);
    }
  });

  it('BatchNorm prints a non-finite momentum as Python does', () => {
    expect(String(new nn.BatchNorm1d(2, { momentum: Infinity }))).toContain('momentum=inf');
  });
});
