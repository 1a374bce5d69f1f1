// Shared by the bounded fuzz test (npm test) and the long run (npm run fuzz): every exported
// function and every Tensor method is called with hostile arguments; each call must return or
// throw a TypeError/RangeError whose message names the op. Anything else is a finding.
import fc from 'fast-check';
import * as tg from '../../src/index.js';

export type Finding = { call: string; error: string };

/** Fresh hostile values: built per call, since a call may dispose or modify its arguments. */
export function valuePool(): (() => unknown)[] {
  const disposed = () => {
    const t = tg.ones(2, 2);
    t.dispose();
    return t;
  };
  return [
    () => undefined, () => null, () => 'x', () => '', () => ({}), () => [], () => [1, 'a'], () => Symbol('s'),
    () => 10n, () => () => 1, () => NaN, () => Infinity, () => -Infinity, () => -1, () => 0, () => 1, () => 2,
    () => 1.5, () => -0.5, () => 2 ** 31, () => 1e300, () => true, () => false, () => [2, 3], () => [-1],
    () => [1e6, 1e6], () => [[1, 2], [3]], () => ({ dtype: 'float64' }), () => ({ dtype: 'int32' }),
    () => new Float32Array(3), () => new Int32Array([0, 1]), () => new Float64Array(2),
    () => new ArrayBuffer(12), () => new SharedArrayBuffer(8), () => new Uint8Array(new ArrayBuffer(16), 1, 8),
    () => tg.ones(2, 3), () => tg.randn(3), () => tg.tensor(2.5), () => tg.zeros(0, 3),
    () => tg.arange(6).reshape(2, 3).t(), () => tg.ones(2, 3, { dtype: 'int32' }), () => tg.tensor([true, false]),
    () => tg.tensor(new Int32Array([0, 1, 5])), () => tg.ones(3, { requiresGrad: true }),
    () => tg.ones(3, { requiresGrad: true }).mul(2), disposed,
  ];
}

const SKIP_FUNCTIONS = new Set([
  // Changes process-wide state that later calls in the same run depend on.
  'setNumThreads', 'manualSeed', 'setGradEnabled',
]);

/** The error names an op: "op: message", or one of PyTorch's autograd messages. */
export function isClear(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const m = err.message;
  if (err instanceof TypeError || err instanceof RangeError) return /^[A-Za-z_][\w.]*: \S/.test(m);
  return (
    /^[A-Za-z_][\w.]*: \S/.test(m) ||
    /does not require grad|grad can be implicitly created only for scalar outputs|Trying to backward through the graph a second time|modified by an inplace operation|only change requires_grad flags of leaf|retain_grad on Tensor that has requires_grad=False|appears to not have been used in the graph/.test(m)
  );
}

export function describeArg(v: unknown): string {
  if (v instanceof tg.Tensor) return v.isDisposed ? 'Tensor<disposed>' : `Tensor<${v.dtype} [${v.shape}]>`;
  if (typeof v === 'symbol') return 'Symbol';
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'function') return 'function';
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

export function fuzzApi(seed: number, numRuns: number): { calls: number; findings: Finding[] } {
  const pool = valuePool();
  const functions = Object.entries(tg)
    .filter(([name, f]) => typeof f === 'function' && !SKIP_FUNCTIONS.has(name) && name !== 'Tensor')
    .map(([name, f]) => [name, f as (...a: unknown[]) => unknown] as const);
  const methods = Object.getOwnPropertyNames(tg.Tensor.prototype).filter(
    (m) => m !== 'constructor' && !m.startsWith('_') && typeof Object.getOwnPropertyDescriptor(tg.Tensor.prototype, m)?.value === 'function',
  );
  const findings: Finding[] = [];
  let calls = 0;
  const arb = fc.record({
    kind: fc.constantFrom<'fn' | 'method'>('fn', 'method'),
    fn: fc.nat(functions.length - 1),
    method: fc.nat(methods.length - 1),
    self: fc.nat(pool.length - 1),
    args: fc.array(fc.nat(pool.length - 1), { maxLength: 4 }),
  });
  fc.assert(
    fc.property(arb, (c) => {
      const args = c.args.map((i) => pool[i]!());
      let label: string;
      let run: () => unknown;
      if (c.kind === 'fn') {
        const [name, f] = functions[c.fn]!;
        label = `tg.${name}(${args.map(describeArg).join(', ')})`;
        run = () => f(...args);
      } else {
        const self = pool[c.self]!();
        const name = methods[c.method]!;
        label = `${describeArg(self)}.${name}(${args.map(describeArg).join(', ')})`;
        run = () => (self as Record<string, (...a: unknown[]) => unknown>)[name]!(...args);
        if (!(self instanceof tg.Tensor)) return true;
      }
      calls++;
      try {
        const out = run();
        // A result must be usable: tensors print and read without throwing.
        if (out instanceof tg.Tensor && !out.isDisposed) out.toString();
      } catch (err) {
        if (!isClear(err)) findings.push({ call: label, error: err instanceof Error ? `${err.constructor.name}: ${err.message}` : String(err) });
      }
      return true;
    }),
    { seed, numRuns },
  );
  return { calls, findings };
}
