// tg.jit.trace and the compiled step it returns: run() replays the plan in one native call,
// runAsync() on a libuv worker thread (binding/plan.cc).
import { markAsUntransferable } from 'node:worker_threads';
import { fmtShape, rangeError, typeError, describe } from '../errors.js';
import { native, type Storage } from '../native.js';
import { allocateUninit } from '../storage.js';
import { Tensor } from '../tensor.js';
import type { DType } from '../dtype.js';
import { noGrad } from '../autograd/grad_mode.js';
import * as V from '../ops/views.js';
import { sameShape } from '../shape.js';
import { generatorState } from '../ops/random.js';
import { FIXED_ADVANCE, record, type Trace, type TracedOptimizer } from './trace.js';
import { buildPlan, writtenCaptured, type Kind, type Plan } from './plan.js';

/** The optimizer step kernels (src/optim/native_steps.ts): meta slot 3 of each is the learning rate. */
const STEP_KERNELS = new Set(['sgdStep', 'adamStep', 'rmspropStep', 'adagradStep', 'adadeltaStep']);

/** What a compiled function returns: what the traced function returned, with fresh tensors. */
export type TraceResult = Tensor | Tensor[] | Record<string, Tensor>;

/** An output tensor as traced: which storage it views and how. */
interface OutputView {
  /** The plan's buffer index of its storage, and that buffer's kind (looked up once, not per run). */
  index: number;
  kind: Kind | undefined;
  shape: number[];
  strides: number[];
  offset: number;
  dtype: DType;
}

/** Sizes of a compiled step's plan (for tests, benchmarks and curiosity). */
export interface CompiledStats {
  /** Native calls replayed per run (snapshot restores included). */
  steps: number;
  /** Intermediate buffers of the trace, and the buffers they share after the memory plan. */
  intermediates: number;
  /** Buffers the intermediates share. */
  sharedBuffers: number;
  /** Bytes of those shared buffers. */
  intermediateBytes: number;
  /** Buffers kept across runs (parameters, gradients, optimizer state, constants). */
  captured: number;
}

/**
 * A param group's hyper-parameter `k`. The optimizers' names are read with named loads: one
 * keyed load `g[k]` at a site that sees many names is megamorphic (~10 ns each, 60 ns of a
 * compiled nn.Linear(1,1) step's 1 us); any other name with the keyed load.
 */
function hyperOf(g: Record<string, unknown>, k: string): unknown {
  switch (k) {
    case 'lr': return g.lr;
    case 'momentum': return g.momentum;
    case 'dampening': return g.dampening;
    case 'weightDecay': return g.weightDecay;
    case 'nesterov': return g.nesterov;
    case 'maximize': return g.maximize;
    case 'eps': return g.eps;
    case 'betas': return g.betas;
    case 'amsgrad': return g.amsgrad;
    case 'alpha': return g.alpha;
    case 'centered': return g.centered;
    case 'lrDecay': return g.lrDecay;
    case 'initialAccumulatorValue': return g.initialAccumulatorValue;
    case 'rho': return g.rho;
    default: return g[k];
  }
}

function isNumberList(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'number');
}

/** A frozen hyper-parameter's value now against its traced one (a list element by element). */
function sameHyper(now: unknown, traced: unknown): boolean {
  if (!Array.isArray(traced)) return now === traced;
  return Array.isArray(now) && now.length === traced.length && traced.every((x, i) => now[i] === x);
}

function flatten(op: string, r: unknown): { list: Tensor[]; rebuild: (ts: Tensor[]) => TraceResult } {
  if (r instanceof Tensor) return { list: [r], rebuild: (ts) => ts[0]! };
  if (Array.isArray(r)) {
    r.forEach((t, i) => {
      if (!(t instanceof Tensor)) throw typeError(op, `the traced function must return a Tensor, an array or an object of Tensors; element ${i} is ${describe(t)}`);
    });
    return { list: r as Tensor[], rebuild: (ts) => ts };
  }
  if (r !== null && typeof r === 'object') {
    const keys = Object.keys(r);
    const list = keys.map((k) => {
      const t = (r as Record<string, unknown>)[k];
      if (!(t instanceof Tensor)) throw typeError(op, `the traced function must return a Tensor, an array or an object of Tensors; key '${k}' is ${describe(t)}`);
      return t;
    });
    return { list, rebuild: (ts) => Object.fromEntries(keys.map((k, i) => [k, ts[i]!])) };
  }
  throw typeError(op, `the traced function must return a Tensor, an array or an object of Tensors, got ${describe(r)}`);
}

/** Whether a tensor is a plain contiguous view from offset 0 (an input the plan can bind as is). */
function plain(t: Tensor): boolean {
  return t._offset === 0 && V.isContiguousTensor(t);
}

/**
 * A traced function, replayed by the core: what `tg.jit.trace` returns (not constructed directly).
 */
export class Compiled {
  /** @internal */ private readonly plan: Plan;
  /** @internal */ private readonly inputShapes: { shape: number[]; dtype: DType }[];
  /** @internal */ private readonly outViews: OutputView[];
  /** @internal */ private readonly rebuild: (ts: Tensor[]) => TraceResult;
  /** @internal Tensors whose storage the plan keeps, and that storage (checked before each run). */
  private readonly kept: { t: Tensor; s: Storage }[];
  /** @internal Version counters of captured tensors the replay writes (bumped per run). */
  private readonly versions: { value: number }[];
  /** @internal Every captured tensor's version counter (runAsync compares them before and after). */
  private readonly allVersions: { value: number }[];
  /** @internal Parameters and the .grad tensor the trace left them (put back after each run). */
  private readonly grads: { t: Tensor; g: Tensor }[];
  /** @internal Optimizer step counters: header slot, its traced value, the live counter. */
  private readonly counters: { at: number; traced: number; c: TracedOptimizer['counters'][number] }[];
  /** @internal Counters advanced once per run. */
  private readonly stepCounters: TracedOptimizer['counters'];
  /** @internal Hyper-parameters the plan froze: group object, key, traced value. */
  private readonly hyper: { g: Record<string, unknown>; k: string; v: unknown; name: string }[];
  /** @internal Header slots of the optimizer step kernels' learning rates, and the group each reads it from (per run). */
  private readonly liveLr: { at: number; g: Record<string, unknown> }[];
  /** @internal Per input, a buffer runAsync copies the input into (owned, so never detached mid-run). */
  private readonly staging: Storage[];
  /** @internal The native plan handle (binding/plan.cc planCreate): parsed and its own buffers resolved once. */
  private readonly handle: unknown;
  /** @internal The per-run buffers (inputs, then fresh outputs) passed to planRun. */
  private readonly dyn: Storage[];
  /** @internal True while a runAsync is in flight. */
  private busy = false;
  /**
   * @internal When the step draws random numbers: the live generator words (src/ops/random.ts),
   * the plan's own copy of them its random kernels read and advance, how far one run advances
   * the counter (for runAsync, which advances the live one up front), and whether that advance
   * is fixed (false when it depends on the values drawn: randint, randperm).
   */
  private readonly random: { live: Uint32Array; own: Uint32Array; advance: bigint; fixed: boolean } | null = null;

  /** @internal */
  constructor(trace: Trace, inputs: Tensor[], outputs: Tensor[], rebuild: (ts: Tensor[]) => TraceResult) {
    const inputStorages = inputs.map((x) => x._box.data);
    const outStorages = new Set(outputs.map((t) => t._box.data));
    // Observable after the trace although allocated in it: the .grad of every tensor an op
    // read, and the optimizers' state tensors.
    const persistent = new Set<Storage>();
    const grads: { t: Tensor; g: Tensor }[] = [];
    for (const ts of trace.tensors.values())
      for (const t of ts)
        if (t._grad) {
          persistent.add(t._grad._box.data);
          grads.push({ t, g: t._grad });
        }
    for (const { opt } of trace.optimizers)
      for (const st of opt.state.values()) for (const v of Object.values(st)) if (v instanceof Tensor) persistent.add(v._box.data);
    const plan = buildPlan(trace, inputStorages, outStorages, persistent);
    this.plan = plan;
    this.grads = grads;
    this.inputShapes = inputs.map((x) => ({ shape: x._shape.slice(), dtype: x.dtype }));
    this.outViews = outputs.map((t) => ({
      index: plan.indexOf.get(t._box.data)!, kind: plan.kinds.get(t._box.data),
      shape: t._shape.slice(), strides: t._strides.slice(), offset: t._offset, dtype: t.dtype,
    }));
    this.rebuild = rebuild;
    this.kept = [];
    const allVersions = new Set<{ value: number }>();
    for (const [s, k] of plan.kinds) {
      if (k !== 'captured' && k !== 'restored') continue;
      // A kept buffer is never detached by dispose() while a plan may be using it (a detached
      // buffer's memory is freed at once, also under a runAsync in flight): dispose() then
      // leaves it to the GC, and run() refuses a disposed tensor's buffer.
      markAsUntransferable(s.buffer);
      for (const t of trace.tensors.get(s) ?? []) {
        this.kept.push({ t, s });
        allVersions.add(t._version);
      }
    }
    for (const s of plan.buffers) if (!plan.kinds.has(s)) markAsUntransferable(s.buffer);  // the pooled intermediates
    this.allVersions = [...allVersions];
    this.versions = [...new Set(writtenCaptured(trace, plan.kinds).map((t) => t._version))];
    this.staging = inputs.map((x) => allocateUninit(x.dtype, x.numel()));
    if (trace.random) {
      // The plan draws from its own copy of the generator words, loaded from the live ones before
      // each run (and stored back after a synchronous one): a run draws what the eager function
      // would have drawn at that point, and runAsync can advance the live stream at the call,
      // so JS drawing meanwhile neither races with the worker nor repeats its numbers.
      const live = generatorState(), own = new Uint32Array(4);
      markAsUntransferable(own.buffer);
      plan.buffers[plan.indexOf.get(live as unknown as Storage)!] = own as unknown as Storage;
      const counter = (w: Uint32Array) => (BigInt(w[3]!) << 32n) | BigInt(w[2]!);
      const advance = BigInt.asUintN(64, counter(trace.random.after) - counter(trace.random.before));
      const fixed = trace.calls.every((c) => (c.args[0] as unknown) !== live || FIXED_ADVANCE.has(c.name));
      this.random = { live, own, advance, fixed };
    }
    this.dyn = plan.buffers.slice(0, plan.dynamic);
    for (const s of this.staging) markAsUntransferable(s.buffer);

    // Per-step-varying scalars: the optimizers' step counters. Adam's and Adagrad's kernels take
    // the step number in meta (slot 8, slot 7); each run writes the live counter's next value
    // there and advances the counter, so compiled and eager steps can be mixed. SGD's
    // first-step flag (slot 9) is 0 from the second step on: every replay is one.
    this.counters = [];
    this.stepCounters = trace.optimizers.flatMap((o) => o.counters);
    const byParam = new Map<Storage, TracedOptimizer['counters'][number]>();
    for (const c of this.stepCounters) byParam.set(c.param._box.data, c);
    trace.calls.forEach((call, i) => {
      const slot = call.name === 'adamStep' ? 8 : call.name === 'adagradStep' ? 7 : -1;
      if (call.name === 'sgdStep') plan.header[plan.metaAt[i]! + 9] = 0;
      if (slot < 0) return;
      const c = byParam.get(call.args[0]!);
      if (!c)
        throw typeError('jit.trace', `an ${call.name === 'adamStep' ? 'Adam' : 'Adagrad'} step whose parameter is not a contiguous parameter of a traced optimizer (its step counter would be frozen in the plan); compiled steps support contiguous parameters`);
      this.counters.push({ at: plan.metaAt[i]! + slot, traced: call.meta[slot]!, c });
    });
    // Learning rates are read live: an optimizer step kernel takes its group's lr in meta slot
    // 3 and nothing else of the plan depends on it, so each run writes the group's current lr
    // there, and an LR scheduler drives a compiled step as it drives the eager one. A group's lr
    // is live when every step-kernel call of the trace for its parameters read it there (a
    // parameter updated through a strided copy, or an optimizer that computes with lr in other
    // ops, leaves it frozen). The other hyper-parameters shape the plan (which state buffers
    // exist, the kernels' flags) and are frozen: checked before each run.
    const groupOf = new Map<Storage, Record<string, unknown>>();
    for (const { opt } of trace.optimizers) for (const g of opt.paramGroups) for (const q of g.params) groupOf.set(q._box.data, g as Record<string, unknown>);
    const lrCalls = new Map<Record<string, unknown>, number[]>();
    const frozenLr = new Set<Record<string, unknown>>();
    trace.calls.forEach((call, i) => {
      for (const s of call.args) {
        const g = s && groupOf.get(s);
        if (!g) continue;
        if (STEP_KERNELS.has(call.name) && s === call.args[0] && call.meta[3] === g.lr) lrCalls.set(g, [...(lrCalls.get(g) ?? []), plan.metaAt[i]! + 3]);
        else if (s === call.args[0] && call.roles[0] !== 'r') frozenLr.add(g);  // the parameter updated by other kernels
      }
    });
    this.liveLr = [];
    for (const [g, slots] of lrCalls) if (!frozenLr.has(g)) for (const at of slots) this.liveLr.push({ at, g });
    const live = new Set(this.liveLr.map((l) => l.g));
    // The native plan keeps its own copy of the header: the slots written before each run are
    // the only ones it reads again.
    const mutableSlots = [...this.counters.map((c) => c.at), ...this.liveLr.map((l) => l.at)];
    this.handle = native.planCreate(plan.header, plan.buffers.slice(plan.dynamic), plan.dynamic, mutableSlots);
    this.hyper = [];
    for (const { opt } of trace.optimizers)
      for (const g of opt.paramGroups)
        for (const [k, v] of Object.entries(g)) {
          if (k === 'params' || (k === 'lr' && live.has(g as Record<string, unknown>))) continue;
          const name = (opt as unknown as { _name: string })._name;
          if (typeof v === 'number' || typeof v === 'boolean') this.hyper.push({ g: g as Record<string, unknown>, k, v, name });
          else if (isNumberList(v)) this.hyper.push({ g: g as Record<string, unknown>, k, v: v.slice(), name });  // Adam's betas
        }
  }

  /** Sizes of the plan. */
  get stats(): CompiledStats {
    return { ...this.plan.stats };
  }

  /** @internal Checks the inputs and the captured state, binds inputs and fresh outputs, writes the step counters. */
  private prepare(op: string, inputs: unknown[], copyInputs: boolean): Storage[] {
    if (this.busy) throw new Error(`${op}: a runAsync() of this compiled step is still in flight; await it before running it again`);
    const n = this.inputShapes.length;
    if (inputs.length !== n) throw typeError(op, `expected ${n} input${n === 1 ? '' : 's'} (as traced), got ${inputs.length}`);
    const bufs = this.dyn;
    for (let i = 0; i < n; i++) {
      const x = inputs[i];
      if (!(x instanceof Tensor)) throw typeError(op, `input ${i} must be a Tensor, got ${describe(x)}`);
      const want = this.inputShapes[i]!;
      if (x._box.disposed) throw typeError(op, `input ${i} was disposed (use after dispose())`);
      if (x.dtype !== want.dtype) throw typeError(op, `input ${i} has dtype ${x.dtype}, the trace was made with ${want.dtype}: trace again for other dtypes`);
      if (!sameShape(x._shape, want.shape))
        throw rangeError(op, `input ${i} has shape ${fmtShape(x._shape)}, the trace was made with ${fmtShape(want.shape)}: a compiled step replays one set of shapes; trace again for others`);
      let s = x._box.data;
      if (copyInputs || !plain(x)) {
        const c = plain(x) ? s.subarray(0, x.numel()) : noGrad(() => V.contiguous(x.detach()))._box.data;
        if (copyInputs) {
          this.staging[i]!.set(c as never);
          s = this.staging[i]!;
        } else s = c;
      }
      bufs[i] = s;  // input i is buffer i
    }
    for (const { t, s } of this.kept)
      if (t._box.data !== s) throw typeError(op, `a tensor the compiled step keeps (shape ${fmtShape(t._shape)}: a parameter, gradient, optimizer state or constant) was disposed or replaced since the trace; trace again`);
    for (const h of this.hyper)
      if (!sameHyper(hyperOf(h.g, h.k), h.v)) throw rangeError(op, `${h.name}'s ${h.k} changed since the trace (${String(h.v)} -> ${String(h.g[h.k])}): its value is part of the compiled step; trace again after changing it`);
    for (const o of this.plan.outputs) bufs[o.index] = allocateUninit(o.dtype, o.length);
    const header = this.plan.header;
    // The eager step now would take the counter from `cur` to cur + delta; the traced call saw it
    // go from after - delta to after.
    for (const { at, traced, c } of this.counters) header[at] = traced + ((c.state.step as number) - c.after) + c.delta;
    for (const { at, g } of this.liveLr) {
      const lr = g.lr;
      if (typeof lr !== 'number' || !Number.isFinite(lr)) throw rangeError(op, `an optimizer's lr must be a finite number, got ${describe(lr)}`);
      header[at] = lr;
    }
    return bufs;
  }

  /** @internal After a successful replay: versions, .grad references, step counters, the outputs. */
  private finish(bufs: Storage[], inputs: Tensor[]): TraceResult {
    for (const v of this.versions) v.value++;
    for (const { t, g } of this.grads) t._grad = g;
    for (const c of this.stepCounters) (c.state.step as number) += c.delta;
    const { buffers } = this.plan;
    // Tensors share shape and stride arrays (no op mutates them), so the traced ones serve every run.
    const out = this.outViews.map((o) => {
      const i = o.index, kind = o.kind;
      // An output that is an input (or a view of one) views the caller's tensor, as eager would.
      // (A strided input ran as a contiguous copy: the output views a copy of that.)
      if (kind === 'input') {
        const x = inputs[i]!;
        if (plain(x)) return Tensor._make(x._box, o.shape, o.strides, o.offset, o.dtype, x._version);
        return Tensor._make({ data: bufs[i]!.slice() }, o.shape, o.strides, o.offset, o.dtype);
      }
      return Tensor._make({ data: kind === 'output' ? bufs[i]! : buffers[i]! }, o.shape, o.strides, o.offset, o.dtype);
    });
    return this.rebuild(out);
  }

  /**
   * Replays the traced function on `inputs` (same shapes and dtypes as the trace) in one native
   * call, and returns what it returned: fresh tensors (no autograd history) for its outputs.
   * Parameters, gradients and optimizer state the trace wrote are updated in place as by the
   * eager function, and their version counters are bumped.
   */
  run(...inputs: Tensor[]): TraceResult {
    const bufs = this.prepare('jit.run', inputs, false);
    const r = this.random;
    if (r) r.own.set(r.live);
    try {
      native.planRun(this.handle, bufs);
    } finally {
      if (r) r.live.set(r.own);  // as far as the eager function would have advanced it (also on a failed step)
    }
    return this.finish(bufs, inputs);
  }

  /**
   * As run(), on a libuv worker thread: the JS thread keeps running meanwhile. Inputs are
   * copied first (so they may change right after the call). While it is in flight, run() and
   * runAsync() of this compiled step throw; a write by JS to a tensor the step keeps (a
   * parameter, its gradient, optimizer state) during the run is detected by its version counter
   * and rejects the result (the state written is then undefined: the two writes raced). A step
   * that draws random numbers draws as if it ran at the call: the generator is advanced past its
   * draws before this returns; one drawing random integers (`randint`, `randperm`) is refused
   * (use run()).
   */
  async runAsync(...inputs: Tensor[]): Promise<TraceResult> {
    const r = this.random;
    if (r && !r.fixed)
      throw new TypeError('jit.runAsync: the compiled step draws random integers (randint / randperm), whose use of the random stream depends on the values drawn, so the stream cannot be advanced before the run: use run()');
    const bufs = this.prepare('jit.runAsync', inputs, true).slice();
    if (r) {
      r.own.set(r.live);
      const next = BigInt.asUintN(64, ((BigInt(r.live[3]!) << 32n) | BigInt(r.live[2]!)) + r.advance);
      r.live[2] = Number(next & 0xffffffffn);
      r.live[3] = Number(next >> 32n);
    }
    const before = this.allVersions.map((v) => v.value);
    this.busy = true;
    try {
      await native.planRunAsync(this.handle, bufs);
    } finally {
      this.busy = false;
    }
    const raced = this.allVersions.some((v, i) => v.value !== before[i]);
    // The replay did write its state: the bookkeeping (versions, step counters) is done either way.
    const out = this.finish(bufs, inputs);
    if (raced)
      throw new Error('jit.runAsync: a tensor the compiled step reads or writes (a parameter, gradient or optimizer state) was written by JS while the run was in flight; the result is discarded and that state is undefined: do not write it until the Promise settles');
    return out;
  }
}

/**
 * Traces `fn` on `exampleInputs` and returns a compiled step that replays it in one native call
 * (`run`) or off the JS thread (`runAsync`), as `torch.jit.trace` does: the native kernels `fn`
 * runs are recorded once, with every intermediate in a buffer the compiled step owns and reuses.
 *
 * Tracing runs `fn` once for real (a traced training step is one training step). Limits: data-
 * dependent control flow and JS numbers computed inside `fn` are frozen at their traced values;
 * reading a value into JS (`item()`, `toArray()`, ...), reseeding the generator, or a native
 * call a plan does not replay (loading safetensors, running another compiled step) fails the
 * trace. Every op's kernel replays; random draws (`rand`, `randn`, dropout, `randint`,
 * `randperm`, `multinomial`) come from the live generator on every run, as the eager function's
 * would. Replays take inputs of the traced shapes and dtypes only. An optimizer's learning rate
 * is read on each run (SGD, Adam / AdamW, RMSprop, Adagrad, Adadelta: an LR scheduler works as in
 * eager code); its other hyper-parameters are frozen (changing one afterwards makes run()
 * throw); its step counters advance with each run. Tensors `fn` allocates and keeps outside its
 * return value (other than a parameter's `.grad` and optimizer state) are intermediates: their
 * buffers are reused.
 *
 * @example
 * ```ts
 * const model = new nn.Linear(1, 1), lossFn = new nn.MSELoss(), opt = new optim.SGD(model.parameters(), { lr: 0.01 });
 * const step = tg.jit.trace(() => { opt.zeroGrad(); const l = lossFn.forward(model.forward(x), y); l.backward(); opt.step(); return l; }, []);
 * for (let i = 0; i < 1000; i++) step.run();   // forward, backward and SGD in one native call each
 * ```
 */
export function trace(fn: (...inputs: Tensor[]) => TraceResult, exampleInputs: Tensor | Tensor[] = []): Compiled {
  if (typeof fn !== 'function') throw typeError('jit.trace', `fn must be a function, got ${describe(fn)}`);
  const given = exampleInputs instanceof Tensor ? [exampleInputs] : exampleInputs;
  if (!Array.isArray(given)) throw typeError('jit.trace', `exampleInputs must be a Tensor or an array of Tensors, got ${describe(exampleInputs)}`);
  const inputs = given.map((x, i) => {
    if (!(x instanceof Tensor)) throw typeError('jit.trace', `example input ${i} must be a Tensor, got ${describe(x)}`);
    x._alive('jit.trace');
    return plain(x) ? x : noGrad(() => V.contiguous(x.detach()));
  });
  const storages = new Set<Storage>();
  for (const x of inputs) {
    if (storages.has(x._box.data)) throw typeError('jit.trace', 'two example inputs share storage; pass distinct tensors');
    storages.add(x._box.data);
  }
  const t = record(fn, inputs);
  const { list, rebuild } = flatten('jit.trace', t.result);
  return new Compiled(t, inputs, list, rebuild);
}
