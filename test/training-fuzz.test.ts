// Bounded fuzzing of the training API (fixed seeds): every nn.functional function, every
// nn.init function, and the constructors of layers, losses, optimizers, schedulers and data
// classes — plus forward() of the layers and losses — are called with hostile arguments. Each
// call must return or throw a TypeError/RangeError (or Error) whose message names the op.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as tg from '../src/index.js';

const { nn, optim, data } = tg;

function pool(): (() => unknown)[] {
  return [
    () => undefined, () => null, () => 'x', () => ({}), () => [], () => Symbol('s'), () => 10n, () => () => 1,
    () => NaN, () => Infinity, () => -1, () => 0, () => 1, () => 2, () => 1.5, () => 2 ** 31, () => true,
    () => [2, 3], () => [[1, 2], [3]], () => ({ reduction: 'sum' }), () => ({ reduction: 'bogus' }),
    () => ({ weight: tg.ones(3) }), () => ({ ignoreIndex: 1, labelSmoothing: 2 }), () => ({ lr: -1 }), () => ({ lr: 0.1 }),
    () => new Float32Array(3), () => tg.ones(2, 3), () => tg.randn(3), () => tg.tensor(2.5), () => tg.zeros(0, 3),
    () => tg.arange(6).reshape(2, 3).t(), () => tg.ones(2, 3, { dtype: 'int32' }), () => tg.tensor([true, false]),
    () => tg.tensor(new Int32Array([0, 1])), () => tg.tensor(new Int32Array([0, 5])), () => tg.ones(3, { requiresGrad: true }),
    () => [tg.ones(3, { requiresGrad: true })], () => [{ params: [tg.ones(2, { requiresGrad: true })], lr: 'a' }],
    () => new nn.Parameter(tg.ones(2, 3)), () => { const t = tg.ones(2); t.dispose(); return t; },
  ];
}

function isClear(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  return /^[A-Za-z_][\w.]*: \S/.test(err.message) || /^Error\(s\) in loading state_dict/.test(err.message);
}

type Ctor = new (...a: unknown[]) => unknown;
const S = optim.lrScheduler as unknown as Record<string, Ctor>;

const functions: [string, (...a: unknown[]) => unknown][] = [
  ...Object.entries(tg.F).filter(([, f]) => typeof f === 'function').map(([k, f]) => [`F.${k}`, f] as [string, (...a: unknown[]) => unknown]),
  ...Object.entries(nn.init).filter(([, f]) => typeof f === 'function').map(([k, f]) => [`init.${k}`, f] as [string, (...a: unknown[]) => unknown]),
];
const ctors: [string, Ctor][] = [
  ...['Linear', 'Sequential', 'ReLU', 'LeakyReLU', 'GELU', 'Softmax', 'LogSoftmax', 'Flatten', 'Dropout', 'Identity',
    'MSELoss', 'L1Loss', 'HuberLoss', 'SmoothL1Loss', 'CrossEntropyLoss', 'NLLLoss', 'BCELoss', 'BCEWithLogitsLoss'].map(
    (k) => [`nn.${k}`, (nn as unknown as Record<string, Ctor>)[k]!] as [string, Ctor],
  ),
  ...['SGD', 'Adam', 'AdamW', 'RMSprop', 'Adagrad'].map((k) => [`optim.${k}`, (optim as unknown as Record<string, Ctor>)[k]!] as [string, Ctor]),
  ...Object.keys(S).filter((k) => k !== 'LRScheduler').map((k) => [`lrScheduler.${k}`, S[k]!] as [string, Ctor]),
  ...['TensorDataset', 'DataLoader'].map((k) => [`data.${k}`, (data as unknown as Record<string, Ctor>)[k]!] as [string, Ctor]),
];

describe('training API fuzz', () => {
  for (const seed of [1, 2, 3, 4]) {
    it(`seed ${seed}: every call returns or throws a clear error naming the op`, () => {
      const p = pool();
      const findings: string[] = [];
      let calls = 0;
      const arb = fc.record({
        kind: fc.constantFrom<'fn' | 'new'>('fn', 'new'),
        fn: fc.nat(functions.length - 1),
        ctor: fc.nat(ctors.length - 1),
        args: fc.array(fc.nat(p.length - 1), { maxLength: 3 }),
        fwd: fc.array(fc.nat(p.length - 1), { maxLength: 2 }),
      });
      fc.assert(
        fc.property(arb, (c) => {
          const args = c.args.map((i) => p[i]!());
          const [name, run] = c.kind === 'fn'
            ? [functions[c.fn]![0], () => functions[c.fn]![1](...args)]
            : [ctors[c.ctor]![0], () => {
                const obj = new (ctors[c.ctor]![1])(...args);
                // A constructed module must also take hostile forward() arguments cleanly.
                if (obj instanceof nn.Module) obj.forward(...c.fwd.map((i) => p[i]!()));
                if (obj instanceof optim.Optimizer) obj.step();
                return obj;
              }];
          calls++;
          try {
            const out = run();
            if (out instanceof tg.Tensor && !out.isDisposed) out.toString();
          } catch (err) {
            if (!isClear(err)) findings.push(`${name}: ${err instanceof Error ? `${err.constructor.name}: ${err.message}` : String(err)}`);
          }
          return true;
        }),
        { seed, numRuns: 3000 },
      );
      expect(calls).toBe(3000);
      expect([...new Set(findings)].slice(0, 25)).toEqual([]);
    });
  }
});
