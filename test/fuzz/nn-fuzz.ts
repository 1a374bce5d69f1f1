// Shared by the bounded fuzz test (npm test) and the long run (npm run fuzz): every function of
// nn.functional, nn.init and nn.utils, every nn module constructor (then, when construction
// succeeds, its forward, one of its methods and a backward through its output), every optimizer
// (then step / zeroGrad / a method) and every lr scheduler (then a few steps / a method). Names
// are enumerated from the namespaces at runtime, so a new export is fuzzed without an edit here.
//
// Arguments come from api-fuzz's hostile pool and from shape-plausible values built per call
// around a small "context" (a rank and two or three sizes, zero sometimes): float tensors of that
// rank (contiguous, transposed, strided, broadcast, requiring grad or not), int32 index tensors
// with out-of-range and negative entries, bool masks, small ints and pairs, option objects with
// the options' real names and plausible or hostile values, parameter lists, modules,
// optimizers. Sharing sizes is what makes [N, C, H, W] inputs meet [O, C, kh, kw] weights often
// enough to run the kernels rather than only the argument checks (`succeeded` counts it). Three
// things steer the budget without per-name hints: signatures (which recipe fed which argument)
// under which a target returned are replayed, option names a target's errors mention are put in
// its next option objects, and targets that rarely return are drawn more often.
// NN_FUZZ_DEBUG=<target> (e.g. F.conv2d) prints every rejected call of that target.
//
// Every call must return or throw a TypeError/RangeError (or an Error in PyTorch's autograd
// wording) whose message names the op; a returned tensor must print. Anything else is a finding.
import fc from 'fast-check';
import * as tg from '../../src/index.js';
import { describeArg, type Finding, isClear, valuePool } from './api-fuzz.js';

const { nn, optim } = tg;

/**
 * Findings that are reported to their owners and not yet fixed: each entry names the target, a
 * pattern its error must match and why it is excluded. Keep them narrow; the lead deletes an entry
 * once the fix lands (test/fuzz.test.ts checks that each entry's repro still fails that way).
 */
export const KNOWN_FINDINGS: { target: string; error: RegExp; why: string; repro: () => unknown }[] = [
];

/** api-fuzz's rule, plus PyTorch's own wording for a state dict that does not fit the module. */
function clear(err: unknown): boolean {
  return isClear(err) || (err instanceof Error && !(err instanceof TypeError) && /^Error\(s\) in loading state_dict for \w+:\n\t\S/.test(err.message));
}

type Gen = {
  rnd(): number;
  int(k: number): number;
  pick<T>(a: readonly T[]): T;
};

function generator(seed: number): Gen {
  let s = seed >>> 0 || 1;
  const rnd = () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s / 4294967296;
  };
  const int = (k: number) => Math.floor(rnd() * k);
  return { rnd, int, pick: <T>(a: readonly T[]) => a[int(a.length)]! };
}

/**
 * What a call's values share: a rank (1-4, mostly 3-4), two or three sizes (zero sometimes), and
 * once the first tensor argument is made, its shape (`lead`), from which later arguments derive
 * theirs: a per-channel weight [C], a conv weight [O, C, kh, kw], a class target [N, ...] with
 * entries below C, a normalizedShape suffix.
 */
type Ctx = { rank: number; sizes: number[]; lead: number[] | null; hints: readonly string[] };

function context(g: Gen): Ctx {
  const size = () => (g.rnd() < 0.08 ? 0 : 1 + g.int(4));
  return { rank: g.pick([1, 2, 3, 3, 4, 4, 4, 4]), sizes: Array.from({ length: 2 + g.int(2) }, size), lead: null, hints: [] };
}

function shapeOf(g: Gen, c: Ctx, rank = c.rank): number[] {
  return Array.from({ length: rank }, () => g.pick(c.sizes));
}

/** A shape related to the lead tensor's (or a fresh one when there is none yet). */
const DERIVED_KINDS = 7;
function derivedShape(g: Gen, c: Ctx, kind = g.int(DERIVED_KINDS + 1)): number[] {
  const x = c.lead;
  if (!x || x.length === 0) return shapeOf(g, c, g.pick([1, 2, c.rank]));
  const ch = x[Math.min(1, x.length - 1)]!;
  const k = () => g.pick([1, 1, 2, 3, ...c.sizes]);
  switch (kind) {
    case 0: return x.slice();
    case 1: return [ch];
    case 2: return [g.pick(c.sizes), ch, ...x.slice(2).map(() => k())];  // conv weight
    case 3: return [g.pick(c.sizes), x[x.length - 1]!];  // linear weight
    case 4: return x.slice(-1 - g.int(x.length));  // a suffix: layer norm's weight
    case 5: return x.slice(0, -1);  // the lead without its last dim
    case 6: return [...x.slice(0, -2), x[x.length - 1]!, x[x.length - 2] ?? 1];  // keys / attention mask
    default: return shapeOf(g, c);
  }
}

/** A float32 tensor of `shape`: contiguous, transposed, strided or broadcast; maybe requiring grad. */
function floatTensor(g: Gen, shape: number[]): tg.Tensor {
  const n = shape.length;
  let t: tg.Tensor;
  const layout = g.int(5);
  if (layout === 1 && n >= 2) {
    const s = shape.slice();
    [s[n - 1], s[n - 2]] = [s[n - 2]!, s[n - 1]!];
    t = tg.randn(s).transpose(-1, -2);
  } else if (layout === 2 && n >= 1) {
    t = tg.randn([...shape.slice(0, -1), 2 * shape[n - 1]!]).slice(-1, 0, null, 2);
  } else if (layout === 3 && n >= 1) {
    t = tg.randn([1, ...shape.slice(1)]).expand(shape);
  } else {
    t = tg.randn(shape);
  }
  if (g.rnd() < 0.1) t = t.mul(g.pick([0, 1e30, NaN, -Infinity]));
  const grad = g.int(3);
  if (grad === 1) return t.contiguous().requiresGrad_();
  if (grad === 2) return t.contiguous().requiresGrad_().mul(1);  // a non-leaf
  return t;
}

/** An int32 tensor of indices: mostly in [0, bound), sometimes negative or past the end. */
function indexTensor(g: Gen, c: Ctx, classTarget = g.rnd() < 0.6): tg.Tensor {
  const x = c.lead;
  let shape: number[], bound: number;
  if (x && x.length >= 1 && classTarget) {
    // A class target: the lead without its class dim (1), entries below the class count.
    shape = x.length === 1 ? [] : [x[0]!, ...x.slice(2)];
    bound = x[Math.min(1, x.length - 1)]!;
  } else {
    shape = shapeOf(g, c, 1 + g.int(2));
    bound = Math.max(...c.sizes, 1);
  }
  const data = new Int32Array(shape.reduce((a, b) => a * b, 1)).map(() => (g.rnd() < 0.9 ? g.int(Math.max(bound, 1)) : g.pick([-1, -2, bound, bound + 3, -100])));
  return tg.tensor(data, { shape });
}

function boolMask(g: Gen, c: Ctx): tg.Tensor {
  const shape = g.rnd() < 0.6 ? derivedShape(g, c) : shapeOf(g, c, Math.max(1, c.rank - g.int(2)));
  return tg.tensor(new Uint8Array(shape.reduce((a, b) => a * b, 1)).map(() => (g.rnd() < 0.6 ? 1 : 0)), { shape }).to('bool');
}

function smallInt(g: Gen, c: Ctx): number {
  const r = g.rnd();
  if (r < 0.3 && c.lead?.length) return g.pick(c.lead);
  return r < 0.65 ? g.pick(c.sizes) : g.pick([-2, -1, 0, 1, 1, 2, 2, 3, 4, 7]);
}

function smallArray(g: Gen, c: Ctx): number[] {
  if (c.lead?.length && g.rnd() < 0.6) return c.lead.slice(-1 - g.int(c.lead.length));  // normalizedShape
  return Array.from({ length: g.pick([2, 2, 4, 1, 3, 6]) }, () => smallInt(g, c));
}

function params(g: Gen, c: Ctx): tg.Tensor[] {
  return Array.from({ length: 1 + g.int(3) }, () => {
    const p = new nn.Parameter(tg.randn(shapeOf(g, c, 1 + g.int(2))));
    const k = g.int(4);
    if (k === 1) p.grad = tg.randn(p.shape);
    else if (k === 2) p.grad = tg.randn(p.shape).mul(g.pick([NaN, Infinity, 0, 1e30]));
    return p;
  });
}

// Option values, each plausible for some option and hostile for others.
const OPTION_KEYS = [
  // conv / pool
  'stride', 'padding', 'dilation', 'groups', 'ceilMode', 'countIncludePad', 'divisorOverride', 'returnIndices', 'bias', 'paddingMode',
  // attention
  'attnMask', 'isCausal', 'dropoutP', 'scale', 'keyPaddingMask', 'needWeights', 'averageAttnWeights', 'batchFirst', 'dropout', 'kdim', 'vdim',
  // losses
  'reduction', 'ignoreIndex', 'labelSmoothing', 'weight', 'posWeight', 'delta', 'beta',
  // norms / embedding
  'eps', 'affine', 'elementwiseAffine', 'momentum', 'trackRunningStats', 'paddingIdx', 'maxNorm',
  // module utilities
  'prefix', 'recurse', 'keepVars', 'strict', 'setToNone',
  // optimizers
  'lr', 'betas', 'weightDecay', 'amsgrad', 'maximize', 'nesterov', 'dampening', 'alpha', 'centered', 'lrDecay', 'initialAccumulatorValue', 'rho',
  // schedulers
  'gamma', 'lastEpoch', 'etaMin', 'mode', 'factor', 'patience', 'threshold', 'thresholdMode', 'cooldown', 'minLr', 'startFactor', 'endFactor',
  'totalIters', 'maxLr', 'totalSteps', 'epochs', 'stepsPerEpoch', 'pctStart', 'annealStrategy', 'cycleMomentum', 'baseMomentum', 'maxMomentum',
  'divFactor', 'finalDivFactor', 'threePhase',
] as const;

const STRINGS = ['mean', 'sum', 'none', 'same', 'valid', 'constant', 'reflect', 'zeros', 'min', 'max', 'rel', 'abs', 'cos', 'linear', 'inf', 'fan_in', 'relu', 'bogus'];

function optionValue(g: Gen, c: Ctx, hostile: () => unknown): unknown {
  switch (g.int(10)) {
    case 0: case 1: return smallInt(g, c);
    case 2: return [smallInt(g, c), smallInt(g, c)];
    case 3: return g.rnd() < 0.5;
    case 4: return g.pick([0, 0.1, 0.5, 0.9, 0.999, 1e-8, 1, 10, -0.1, 1.5, NaN, Infinity]);
    case 5: return g.pick(STRINGS);
    case 6: return g.rnd() < 0.5 ? boolMask(g, c) : floatTensor(g, derivedShape(g, c));
    case 7: return g.pick([null, undefined]);
    case 8: return [g.pick([0.9, 0.5, 1, -1]), g.pick([0.999, 0.5, 1, 2])];
    default: return hostile();
  }
}

/** Random option keys, plus (often) those the target's own errors have named (`c.hints`). */
function options(g: Gen, c: Ctx, hostile: () => unknown): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const k of c.hints) if (g.rnd() < 0.6) o[k] = optionValue(g, c, hostile);
  for (let k = g.int(4); k > 0; k--) o[g.pick(OPTION_KEYS)] = optionValue(g, c, hostile);
  return o;
}

const SMALL_MODULES: (() => tg.nn.Module)[] = [
  () => new nn.Linear(2, 3), () => new nn.ReLU(), () => new nn.Identity(), () => new nn.Conv2d(1, 2, 1),
  () => new nn.LayerNorm(2), () => new nn.Embedding(4, 2), () => new nn.Sequential(new nn.Linear(2, 2), new nn.Tanh()),
];

function optimizer(g: Gen, c: Ctx): tg.optim.Optimizer<{ lr: number }> {
  const ps = params(g, c);
  switch (g.int(4)) {
    case 0: return new optim.SGD(ps, { lr: 0.1, momentum: g.pick([0, 0.9]) });
    case 1: return new optim.Adam(ps, { lr: 0.01 });
    case 2: return new optim.Adadelta([{ params: ps.slice(0, 1) }, ...(ps.length > 1 ? [{ params: ps.slice(1), lr: 0.5 }] : [])]);
    default: return new optim.RMSprop(ps);
  }
}

/**
 * The argument recipes. A call's arguments are a list of recipe numbers (its signature); the
 * fuzzer keeps the signatures under which each target returned and replays them (with fresh
 * values and sometimes one position changed) half of the time, so after the first success a
 * target's kernels run often while the other half keeps exploring. No per-name hints: a new
 * export gets the same treatment. Weights: `first` for an input (a function's or forward's
 * first argument), `second` for the argument after it (mostly a second tensor shaped after the
 * input: a weight, a target), `weight` for later ones, `ctor` for a constructor's.
 */
type Recipe = (g: Gen, c: Ctx, hostile: () => unknown) => unknown;
const lead = (c: Ctx, t: tg.Tensor) => {
  c.lead ??= t.shape.slice();
  return t;
};
const RECIPES: { weight: number; second: number; ctor: number; first: number; make: Recipe }[] = [
  { weight: 2, second: 0.5, ctor: 0, first: 14, make: (g, c) => lead(c, floatTensor(g, shapeOf(g, c))) },
  // One recipe per way of deriving a shape from the lead's, so a learned signature keeps the way.
  ...Array.from({ length: DERIVED_KINDS }, (_, kind) => ({
    weight: 0.6, second: 1.5, ctor: 0.15, first: 0, make: ((g, c) => lead(c, floatTensor(g, derivedShape(g, c, kind)))) as Recipe,
  })),
  { weight: 0.5, second: 0.3, ctor: 0, first: 1, make: (g, c) => floatTensor(g, shapeOf(g, c, 1 + g.int(4))) },
  { weight: 0.8, second: 1, ctor: 0, first: 1, make: (g, c) => indexTensor(g, c, true) },
  { weight: 0.8, second: 0.5, ctor: 0, first: 1, make: (g, c) => indexTensor(g, c, false) },
  { weight: 0.7, second: 0.3, ctor: 0, first: 0, make: (g, c) => boolMask(g, c) },
  { weight: 4, second: 2, ctor: 12, first: 0, make: (g, c) => smallInt(g, c) },
  { weight: 2, second: 1, ctor: 2, first: 0, make: (g, c) => smallArray(g, c) },
  { weight: 2, second: 0.3, ctor: 3, first: 0, make: (g, c, h) => options(g, c, h) },
  { weight: 1.5, second: 0.3, ctor: 0.5, first: 0, make: (g) => (g.rnd() < 0.7 ? null : undefined) },  // an optional tensor left out
  { weight: 0.3, second: 0.1, ctor: 0.3, first: 0.3, make: (g, c) => params(g, c) },
  { weight: 0.3, second: 0.1, ctor: 0.3, first: 0.3, make: (g, c) => optimizer(g, c) },
  { weight: 0.3, second: 0.1, ctor: 0.3, first: 0.3, make: (g) => g.pick(SMALL_MODULES)() },
  { weight: 0.3, second: 0.1, ctor: 0.3, first: 0.3, make: (g) => [g.pick(SMALL_MODULES)(), g.pick(SMALL_MODULES)()] },
  { weight: 0.3, second: 0.1, ctor: 0.3, first: 0, make: () => (e: number) => 0.9 ** e },
  { weight: 0.5, second: 0.2, ctor: 0.3, first: 0.5, make: (g) => g.pick(STRINGS) },
  { weight: 2, second: 0.5, ctor: 2, first: 1, make: (g, c, h) => h() },
];

function pickRecipe(g: Gen, key: 'weight' | 'second' | 'ctor' | 'first'): number {
  const total = RECIPES.reduce((a, r) => a + r[key], 0);
  let x = g.rnd() * total;
  for (let i = 0; i < RECIPES.length; i++) if ((x -= RECIPES[i]![key]) < 0) return i;
  return RECIPES.length - 1;
}

/** A fresh signature of n arguments: the first drawn as an input, the rest as `key` says. */
function freshSignature(g: Gen, n: number, key: 'weight' | 'ctor', firstIsInput: boolean): number[] {
  return Array.from({ length: n }, (_, i) => pickRecipe(g, !firstIsInput || key === 'ctor' ? key : i === 0 ? 'first' : i === 1 ? 'second' : key));
}

/** A stored signature, sometimes with one position redrawn, one added or one dropped. */
function mutate(g: Gen, sig: number[], key: 'weight' | 'ctor'): number[] {
  const s = sig.slice();
  const r = g.rnd();
  if (r < 0.15 && s.length) s[g.int(s.length)] = pickRecipe(g, key);
  else if (r < 0.22) s.push(pickRecipe(g, key));
  else if (r < 0.27 && s.length) s.pop();
  return s;
}

/** `arity`: the declared parameters before the first default (Function.length), the arguments a call usually gets at least. */
type Target = { name: string; kind: 'fn' | 'module' | 'optimizer' | 'scheduler'; arity: number; f: (...a: unknown[]) => unknown };

const isClass = (f: unknown): f is new (...a: unknown[]) => unknown => typeof f === 'function' && /^class\b/.test(Function.prototype.toString.call(f));

/** Everything fuzzed, enumerated from the namespaces. */
export function targets(): Target[] {
  const out: Target[] = [];
  const fns = (prefix: string, ns: object) => {
    for (const [name, f] of Object.entries(ns))
      if (typeof f === 'function' && !isClass(f)) out.push({ name: `${prefix}.${name}`, kind: 'fn', arity: f.length, f: f as Target['f'] });
  };
  const classes = (prefix: string, ns: object, kind: Target['kind'], skip: string[]) => {
    for (const [name, C] of Object.entries(ns))
      if (isClass(C) && !skip.includes(name)) out.push({ name: `${prefix}.${name}`, kind, arity: C.length, f: (...a) => new C(...a) });
  };
  fns('F', nn.functional);
  fns('nn.init', nn.init);
  fns('nn.utils', nn.utils);
  classes('nn', nn, 'module', []);
  // The abstract bases are left out: constructing one works, but its step has nothing to run.
  classes('optim', optim, 'optimizer', ['Optimizer']);
  classes('optim.lrScheduler', optim.lrScheduler, 'scheduler', ['LRScheduler']);
  return out;
}

// Methods TypeScript hides (protected or private): no user can call them.
const NOT_PUBLIC = new Set(['validate', 'update', 'initialStep', 'groupLrs', 'checkInput', 'run', 'isBetter', 'anneal']);

/** Public methods of an object's class chain (not Object's), for one random follow-up call. */
function methodsOf(o: object): string[] {
  const names = new Set<string>();
  for (let p = Object.getPrototypeOf(o); p && p !== Object.prototype; p = Object.getPrototypeOf(p))
    for (const m of Object.getOwnPropertyNames(p)) {
      const d = Object.getOwnPropertyDescriptor(p, m);
      if (m !== 'constructor' && !m.startsWith('_') && !NOT_PUBLIC.has(m) && typeof d?.value === 'function') names.add(m);
    }
  return [...names].sort();
}

/** Modules, optimizers and schedulers by class name, so labels stay short. */
function describeValue(v: unknown): string {
  if (v instanceof nn.Module) return `nn.${v.constructor.name}`;
  if (v instanceof optim.Optimizer) return `optim.${v.constructor.name}[${v.paramGroups.map((g) => g.params.map((p: tg.Tensor) => `[${p.shape}]`).join(' ')).join(' | ')}]`;
  if (Array.isArray(v) && v.some((e) => e instanceof nn.Module || e instanceof tg.Tensor)) return `[${v.map(describeValue).join(', ')}]`;
  if (v && typeof v === 'object' && !(v instanceof tg.Tensor) && Object.values(v).some((e) => e instanceof tg.Tensor))
    return `{${Object.entries(v).map(([k, e]) => `${k}: ${describeValue(e)}`).join(', ')}}`;
  return describeArg(v);
}

/** A result must be usable: tensors print, iterators run (generators do their work lazily). */
function use(out: unknown): void {
  if (out instanceof tg.Tensor) {
    if (!out.isDisposed) out.toString();
    return;
  }
  if (out instanceof nn.Module) {
    out.toString();
    return;
  }
  if (Array.isArray(out)) for (const o of out) if (o instanceof tg.Tensor && !o.isDisposed) o.toString();
  if (out && typeof out === 'object' && typeof (out as Iterator<unknown>).next === 'function' && Symbol.iterator in out) {
    let k = 0;
    for (const o of out as Iterable<unknown>) {
      if (o instanceof tg.Tensor && !o.isDisposed) o.toString();
      if (++k > 100) break;
    }
  }
}

export interface NnFuzzResult {
  calls: number;
  findings: Finding[];
  /** Per target: how many calls returned (constructions, for classes). */
  succeeded: Map<string, number>;
  /** Per target: how many calls ran past construction into forward/step and returned. */
  deep: Map<string, number>;
}

export function fuzzNn(seed: number, numRuns: number): NnFuzzResult {
  const pool = valuePool();
  const all = targets();
  const findings: Finding[] = [];
  const succeeded = new Map<string, number>();
  const deep = new Map<string, number>();
  const learned = new Map<string, number[][]>();  // target -> signatures under which it returned
  const hints = new Map<string, string[]>();  // target -> option names its errors mentioned
  const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  let calls = 0;

  // Runs one call; false (and a finding, unless it is clear or known) when it threw.
  const attempt = (target: string, label: () => string, run: () => unknown): { ok: boolean; out?: unknown; message?: string } => {
    calls++;
    try {
      const out = run();
      use(out);
      return { ok: true, out };
    } catch (err) {
      if (!clear(err)) {
        const error = err instanceof Error ? `${err.constructor.name}: ${err.message}` : String(err);
        if (!KNOWN_FINDINGS.some((k) => (k.target === target || target.startsWith(`${k.target}.`)) && k.error.test(error)))
          findings.push({ call: label(), error });
      }
      if (process.env.NN_FUZZ_DEBUG === target) console.log(label().slice(0, 200), '->', String(err).slice(0, 150));
      return { ok: false, message: err instanceof Error ? err.message : '' };
    }
  };
  const show = (head: string, args: unknown[]) => `${head}(${args.map(describeValue).join(', ')})`;

  // Draws a signature for `target` (learned or fresh), builds its values, calls, learns.
  const call = (g: Gen, c: Ctx, target: string, head: string, minArgs: number, key: 'weight' | 'ctor', firstIsInput: boolean,
    run: (args: unknown[]) => unknown, prefix: unknown[] = []) => {
    const known = learned.get(target);
    const sig = known?.length && g.rnd() < 0.5
      ? mutate(g, g.pick(known), key)
      : freshSignature(g, g.rnd() < 0.7 ? Math.max(minArgs, g.int(4)) : g.int(5), key, firstIsInput);
    const hostile = () => pool[g.int(pool.length)]!();
    c.hints = hints.get(target) ?? [];
    const args = [...prefix, ...sig.map((r) => RECIPES[r]!.make(g, c, hostile))];
    const label = show(head, args);
    const r = attempt(target, () => label, () => run(args));
    if (r.ok) {
      const list = learned.get(target) ?? [];
      const text = sig.join();
      if (list.length < 24 && !list.some((x) => x.join() === text)) list.push(sig);
      learned.set(target, list);
    } else if (r.message) {
      const named = OPTION_KEYS.filter((k) => new RegExp(`\\b${k}\\b`).test(r.message!));
      if (named.length) hints.set(target, [...new Set([...(hints.get(target) ?? []), ...named])]);
    }
    return { ...r, label };
  };

  // Backward through whatever float output requires grad: reaches the ops' backward kernels.
  const backward = (target: string, label: string, out: unknown) => {
    const t = out instanceof tg.Tensor ? out : Array.isArray(out) && out[0] instanceof tg.Tensor ? out[0] : null;
    if (t && !t.isDisposed && t.requiresGrad && t.dtype === 'float32')
      attempt(`${target}.backward`, () => `${label}.sum().backward()`, () => t.sum().backward());
  };

  // Targets are drawn with weight 1/sqrt(1 + successes), so the budget drifts from the ones that
  // pass easily (relu) to the ones whose valid calls are rare (conv2d with a matching weight).
  const weights = all.map(() => 1);
  const arb = fc.record({ seed: fc.nat(2 ** 31 - 1) });
  fc.assert(
    fc.property(arb, ({ seed: s }) => {
      const g = generator(s);
      let x = g.rnd() * weights.reduce((a, b) => a + b, 0), target = 0;
      while (target < all.length - 1 && (x -= weights[target]!) >= 0) target++;
      const t = all[target]!;
      const c = context(g);
      const head = t.kind === 'fn' ? t.name : `new ${t.name}`;
      // Schedulers mostly get a working optimizer first, optimizers a parameter list.
      const prefix = t.kind === 'scheduler' && g.rnd() < 0.85 ? [optimizer(g, c)] : t.kind === 'optimizer' && g.rnd() < 0.7 ? [params(g, c)] : [];
      const r = call(g, c, t.name, head, Math.max(0, t.arity - prefix.length), t.kind === 'fn' ? 'weight' : 'ctor', t.kind === 'fn',
        (a) => t.f(...a), prefix);
      if (!r.ok) return true;
      bump(succeeded, t.name);
      weights[target] = 1 / Math.sqrt(1 + succeeded.get(t.name)!);
      const obj = r.out;
      if (t.kind === 'fn') {
        backward(t.name, r.label, obj);
        return true;
      }
      if (obj === null || typeof obj !== 'object') return true;
      const o = obj as Record<string, (...a: unknown[]) => unknown>;
      const follow = (name: string, minArgs: number, firstIsInput: boolean) => {
        c.lead = null;
        return call(g, c, `${t.name}.${name}`, `${r.label}.${name}`, minArgs, 'weight', firstIsInput, (a) => o[name]!(...a));
      };
      let ok = false;
      if (t.kind === 'module') {
        // nn.Parameter is a Tensor, which api-fuzz covers: its construction is enough here.
        if (!(obj instanceof nn.Module)) return true;
        if (g.rnd() < 0.3) obj.eval();
        // Half the time the forward's sizes are the module's own (its first parameter's dims), so
        // an input meets a Conv2d's channels or a MultiheadAttention's embedding size more often.
        const p = obj.parameters()[0];
        if (p && p.numel() > 0 && g.rnd() < 0.5) c.sizes = [...new Set(p.shape)];
        for (let k = 0; k < 2; k++) {
          const f = follow('forward', 1, true);
          if (f.ok) {
            ok = true;
            backward(`${t.name}.forward`, f.label, f.out);
          }
        }
      } else if (t.kind === 'optimizer') {
        ok = follow('step', 0, false).ok;
        follow('zeroGrad', 0, false);
      } else {
        for (let k = 1 + g.int(4); k > 0; k--) ok = follow('step', 0, false).ok || ok;
      }
      if (ok) bump(deep, t.name);
      const ms = methodsOf(obj);
      if (ms.length) follow(g.pick(ms), 0, false);
      return true;
    }),
    { seed, numRuns },
  );
  return { calls, findings, succeeded, deep };
}
