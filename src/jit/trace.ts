// Tracing: runs a function once with every native call recorded (src/native.ts _setCallHook),
// then says what each buffer the calls touched is: an input, a captured buffer (parameters,
// their gradients, optimizer state, constants: referenced by the plan and kept across runs), an
// intermediate (allocated by the trace and not observable after it: gets a slot in the memory
// plan, src/jit/plan.ts) or an output (fresh per run).
//
// While tracing:
// - The small-kernel JS path is off (_setSmallLimits(0, 0)): an op it takes does its work in JS,
//   outside any native call, so a recording of native calls would miss it. Through the core,
//   every op is a recorded call and the replay computes exactly what the trace computed.
// - Reading a value into JS (item(), toArray(), toTypedArray(), toString(), toJSON(), printing)
//   fails the trace: a replay does not rerun JS, so a value read (and whatever the function did
//   with it, a branch, a number computed from it) would be frozen at the trace's value. These
//   are the public reads; internal code reading a storage's elements directly (`_data[i]`) is
//   not seen (no op does so for a value it then uses, with the small kernels off).
// - JS numbers the function computes and passes to ops (a learning rate from a schedule) are
//   frozen in the recorded meta. The one per-step-varying scalar the library itself writes, an
//   optimizer's step counter (Adam's and Adagrad's bias corrections, SGD's first-step flag), is
//   recomputed per run from the optimizer's live state (src/jit/compiled.ts); an optimizer's
//   hyper-parameters are checked before each run instead.
// - Random kernels (rand, randn, dropout's mask, randint, randperm, multinomial) are recorded
//   with the generator state as a read-write operand: a run draws from the live generator and
//   advances it as the eager function would (src/jit/compiled.ts). Reseeding inside fn fails the
//   trace.
// - Native calls a plan does not replay (loading a safetensors file's tensors, running another
//   compiled step) fail the trace with their name.
import { Tensor } from '../tensor.js';
import { typeError } from '../errors.js';
import { _setCallHook, native, type Storage } from '../native.js';
import { _setOnAllocate } from '../storage.js';
import { _setSmallLimits } from '../small_kernels.js';
import { Optimizer } from '../optim/optimizer.js';
import { numel } from '../shape.js';
import { generatorState, seedCount } from '../ops/random.js';

export type Role = 'r' | 'w' | 'rw';

/** One recorded native call. */
export interface Call {
  name: string;
  /** The kernel id in a plan (native.planKernels). */
  id: number;
  /** The call's own meta values (a copy of the prefix of src/call.ts `meta` it reads). */
  meta: Float64Array;
  /** Each operand's storage (undefined for an operand passed as undefined). */
  args: (Storage | undefined)[];
  roles: Role[];
}

/** What a trace saw of one storage. */
export interface BufferUse {
  storage: Storage;
  /** Allocated while tracing (else it existed before: an input or a captured buffer). */
  fresh: boolean;
  /** How the first call that touched it used it: a read (or read-write), a write of every element, or a write of some. */
  first: 'read' | 'full' | 'partial';
  firstCall: number;
  lastCall: number;
  written: boolean;
  /** Its contents when first touched, if that was not a full write (its initial value matters). */
  snapshot: Storage | null;
}

const READ_METHODS: (string | symbol)[] = ['item', 'toArray', 'toTypedArray', 'toJSON', 'toString', Symbol.for('nodejs.util.inspect.custom')];

function contiguousOver(shape: ArrayLike<number>, offset: number, strides: ArrayLike<number>): boolean {
  if (offset !== 0) return false;
  let expect = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] !== 1 && strides[d] !== expect) return false;
    expect *= shape[d]!;
  }
  return true;
}

// Per kernel entry: operand roles, the meta length it reads, and whether its write to operand k
// covers every element of that storage (only then may the storage start a run uninitialized).
interface KernelInfo {
  roles(m: Float64Array): Role[];
  metaLength(m: Float64Array): number;
  fullWrite(m: Float64Array, k: number, s: Storage): boolean;
}

function elementwise(roles: Role[]): KernelInfo {
  return {
    roles: () => roles,
    metaLength: (m) => 5 + m[1]! + roles.length * (1 + m[1]!),
    fullWrite: (m, k, s) => {
      const nd = m[1]!;
      const shape = m.subarray(5, 5 + nd);
      const at = 5 + nd + k * (1 + nd);
      return contiguousOver(shape, m[at]!, m.subarray(at + 1, at + 1 + nd)) && numel(Array.from(shape)) === s.length;
    },
  };
}

// A kernel over dense operands: the meta length, and per operand the element count a write to
// it covers (null: not written), which is whole when the storage holds exactly that many from
// the offset in `offsetSlots[k]` being 0 (outputs without an offset slot start at 0).
function dense(roles: Role[], length: number, sizes: (((m: Float64Array) => number) | null)[], offsetSlots: number[] = []): KernelInfo {
  return {
    roles: () => roles,
    metaLength: () => length,
    fullWrite: (m, k, s) => {
      const size = sizes[k];
      const at = offsetSlots[k];
      return !!size && (at === undefined || m[at] === 0) && s.length === size(m);
    },
  };
}

// The [outer, n, inner] layouts (softmax, scans, sorting): outer · n · inner elements; topk's
// output [outer, k, inner] (k = p0).
const lines = (m: Float64Array): number => m[0]! * m[1]! * m[2]!;
const topkLines = (m: Float64Array): number => m[0]! * m[3]! * m[2]!;
// The conv / pool layouts: the output [N, O, Ho, Wo], the input [N, C, H, W].
const convOut = (m: Float64Array): number => m[0]! * m[4]! * m[5]! * m[6]!;
const convIn = (m: Float64Array): number => m[0]! * m[1]! * m[2]! * m[3]!;

// The attention layout (src/call.ts encodeAttention): 9 header slots, the batch shape, q, k, v
// as (offset, batch strides, row stride), then the mask's view with a column stride.
function attentionForwardLength(m: Float64Array): number {
  const nb = m[4]!;
  return 9 + nb + 3 * (nb + 2) + (m[6] ? nb + 3 : 0);
}
function attentionBatch(m: Float64Array): number {
  let b = 1;
  for (let d = 0; d < m[4]!; d++) b *= m[9 + d]!;
  return b;
}

function random(): KernelInfo {
  return { roles: () => ['rw', 'w'], metaLength: () => 3, fullWrite: (m, k, s) => k === 1 && s.length === m[0] };
}

function step(n: number, states: number): KernelInfo {
  return { roles: () => ['rw', 'r', ...Array<Role>(states).fill('rw')], metaLength: () => n, fullWrite: () => false };
}

const KERNELS: Record<string, KernelInfo> = {
  unary: elementwise(['w', 'r']),
  binary: elementwise(['w', 'r', 'r']),
  binaryScalar: elementwise(['w', 'r']),
  binaryInt: elementwise(['w', 'r', 'r']),
  compare: elementwise(['w', 'r', 'r']),
  compareScalar: elementwise(['w', 'r']),
  where: elementwise(['w', 'r', 'r', 'r']),
  cast: elementwise(['w', 'r']),
  fill: elementwise(['w']),
  reduce: {
    roles: () => ['r', 'w', 'w'],
    metaLength: (m) => 5 + 2 * m[1]! + 1,
    fullWrite: (m, _k, s) => {
      let n = 1;
      for (let d = 0; d < m[1]!; d++) if (!((m[2]! >> d) & 1)) n *= m[5 + d]!;
      return s.length === n;
    },
  },
  matmul: {
    roles: (m) => ['r', 'r', m[4] ? 'rw' : 'w', 'r'],
    metaLength: (m) => 5 + m[3]! + 2 * (3 + m[3]!) + 3,
    fullWrite: (m, _k, s) => {
      let n = m[0]! * m[1]!;
      for (let d = 0; d < m[3]!; d++) n *= m[5 + d]!;
      return !m[4] && s.length === n;
    },
  },
  sgdStep: step(10, 1),
  adamStep: step(12, 3),
  rmspropStep: step(10, 3),
  adagradStep: step(9, 1),
  adadeltaStep: step(8, 2),
  indexSelect: { roles: () => ['r', 'r', 'w'], metaLength: (m) => 5 + m[1]!, fullWrite: () => false },
  indexAdd: { roles: () => ['rw', 'r', 'r'], metaLength: (m) => 5 + m[1]!, fullWrite: () => false },
  gather: {
    roles: () => ['r', 'r', 'w'],
    metaLength: (m) => 5 + 2 * m[1]! + 2 * (1 + m[1]!),
    fullWrite: (m, _k, s) => numel(Array.from(m.subarray(5, 5 + m[1]!))) === s.length,
  },
  scatterAdd: { roles: () => ['rw', 'r', 'r'], metaLength: (m) => 5 + 2 * m[1]! + 3 * (1 + m[1]!), fullWrite: () => false },
  scatter: { roles: () => ['rw', 'r', 'r'], metaLength: (m) => 5 + 2 * m[1]! + 3 * (1 + m[1]!), fullWrite: () => false },
  crossEntropyForward: dense(['r', 'r', 'w', 'w'], 8, [null, null, (m) => m[0]! * m[1]! * m[7]!, (m) => (m[3] === 0 ? m[0]! * m[7]! : 1)]),
  crossEntropyBackward: dense(['r', 'r', 'r', 'w'], 8, [null, null, null, (m) => m[0]! * m[1]! * m[7]!]),
  softmax: dense(['r', 'w'], 4, [null, lines]),
  logSoftmax: dense(['r', 'w'], 4, [null, lines]),
  softmaxBackward: dense(['r', 'r', 'w'], 5, [null, null, lines]),
  logSoftmaxBackward: dense(['r', 'r', 'w'], 5, [null, null, lines]),
  layerNorm: dense(['r', 'r', 'r', 'w', 'w', 'w'], 6, [null, null, null, (m) => m[0]! * m[1]!, (m) => m[0]!, (m) => m[0]!]),
  layerNormBackward: dense(['r', 'r', 'r', 'r', 'r', 'w', 'w', 'w'], 8, [null, null, null, null, null, (m) => m[0]! * m[1]!, (m) => m[1]!, (m) => m[1]!]),
  // conv / pool layouts (binding/conv.cc): [N, C, H, W, O, Ho, Wo, kh, kw, ...]; outputs are
  // written whole from the offset in their slot.
  conv2d: dense(['r', 'r', 'r', 'w'], 20, [null, null, null, convOut], [16, 17, 18, 19]),
  conv2dBackward: dense(['r', 'r', 'r', 'w', 'w', 'w'], 22, [null, null, null, convIn, (m) => m[4]! * (m[1]! / m[15]!) * m[7]! * m[8]!, (m) => m[4]!], [16, 17, 18, 19, 20, 21]),
  maxPool2d: dense(['r', 'w', 'w'], 21, [null, convOut, convOut], [18, 19, 20]),
  maxPool2dBackward: dense(['r', 'r', 'w'], 21, [null, null, convIn], [18, 19, 20]),
  avgPool2d: dense(['r', 'w'], 20, [null, convOut], [18, 19]),
  avgPool2dBackward: dense(['r', 'w'], 20, [null, convIn], [18, 19]),
  adaptiveAvgPool2d: dense(['r', 'w'], 9, [null, convOut], [7, 8]),
  adaptiveAvgPool2dBackward: dense(['r', 'w'], 9, [null, convIn], [7, 8]),
  attention: {
    roles: () => ['r', 'r', 'r', 'r', 'w', 'w'],
    metaLength: (m) => attentionForwardLength(m),
    fullWrite: (m, k, s) => s.length === attentionBatch(m) * m[0]! * (k === 4 ? m[3]! : 1),
  },
  attentionBackward: {
    roles: () => ['r', 'r', 'r', 'r', 'r', 'r', 'r', 'w', 'w', 'w'],
    metaLength: (m) => attentionForwardLength(m) + m[4]! + 4,
    fullWrite: (m, k, s) => s.length === attentionBatch(m) * (k === 7 ? m[0]! * m[2]! : k === 8 ? m[1]! * m[2]! : m[1]! * m[3]!),
  },
  // Random fills (binding/random.cc): [n, a, b], the generator state (read and advanced), the output.
  randomUniform: random(),
  randomNormal: random(),
  randomDropoutMask: random(),
  randomInt: random(),
  randomPermutation: random(),
  // multinomial (binding/sort.cc): the sorting layout below; the state, probs, the output
  // [outer, numSamples, inner] from its offset slot.
  multinomial: { roles: () => ['rw', 'r', 'w'], metaLength: () => 9, fullWrite: (m, k, s) => k === 2 && m[7] === 0 && s.length === m[0]! * m[3]! * m[2]! },
  // Scans and sorting (binding/sort.cc): [outer, n, inner, p0, p1, p2, xOffset, out0Offset,
  // out1Offset]; every output written whole from the offset in its slot, [outer, n, inner]
  // (topk's [outer, k, inner], k = p0).
  cumsum: dense(['r', 'w'], 9, [null, lines], [6, 7]),
  cumprod: dense(['r', 'w'], 9, [null, lines], [6, 7]),
  cumprodBackward: dense(['r', 'w', 'r'], 9, [null, lines, null], [6, 7, 8]),
  sort: dense(['r', 'w', 'w'], 9, [null, lines, lines], [6, 7, 8]),
  topk: dense(['r', 'w', 'w'], 9, [null, topkLines, topkLines], [6, 7, 8]),
  // unfold / fold (binding/unfold.cc): [N, C, H, W, lh, lw, kh, kw, window..., first offset,
  // second offset]; the output (cols [N, C·kh·kw, lh·lw], the image [N, C, H, W]) written whole.
  unfold: dense(['r', 'w'], 16, [null, (m) => m[0]! * m[1]! * m[6]! * m[7]! * m[4]! * m[5]!], [14, 15]),
  fold: dense(['r', 'w'], 16, [null, convIn], [14, 15]),
};

/** The random kernels whose stream advance depends only on the sizes (not on the values drawn). */
export const FIXED_ADVANCE = new Set(['randomUniform', 'randomNormal', 'randomDropoutMask', 'multinomial']);

/** An optimizer whose step() ran in the trace, and the step counters it advanced. */
export interface TracedOptimizer {
  opt: Optimizer<{ lr: number }>;
  /** Per parameter state whose numeric `step` the trace advanced: by how much, and its value after the trace. */
  counters: { state: Record<string, unknown>; delta: number; after: number; param: Tensor }[];
}

export interface Trace {
  calls: Call[];
  /** The generator state words before and after fn, when it drew random numbers (src/ops/random.ts). */
  random: { before: Uint32Array; after: Uint32Array } | null;
  uses: Map<Storage, BufferUse>;
  /** Every tensor whose storage an op read during the trace, by storage. */
  tensors: Map<Storage, Set<Tensor>>;
  optimizers: TracedOptimizer[];
  result: unknown;
}

function copyOf(s: Storage): Storage {
  return s.slice();
}

/** The error a trace fails with: what the traced function did that a compiled step cannot replay. */
function traceError(cause: string): TypeError {
  return typeError('jit.trace', cause);
}

/**
 * Runs fn(...inputs) once with recording on and returns what it saw. Everything patched for the
 * trace (native entries, Tensor read methods, the _data accessor, Optimizer.step, the small
 * kernel limits, the allocation hook) is restored before this returns or throws.
 */
export function record(fn: (...xs: Tensor[]) => unknown, inputs: Tensor[]): Trace {
  const calls: Call[] = [];
  const uses = new Map<Storage, BufferUse>();
  const allocated = new WeakSet<Storage>();
  const tensors = new Map<Storage, Set<Tensor>>();
  const optimizers = new Map<Optimizer<{ lr: number }>, Map<Record<string, unknown>, { before: number; param: Tensor }>>();
  let failure: Error | null = null;

  const fail = (cause: string): never => {
    failure ??= traceError(cause);
    throw failure;
  };

  const hook = (name: string, args: readonly unknown[]): void => {
    if (failure) throw failure;
    const info = KERNELS[name];
    const id = native.planKernels[name];
    if (!info || id === undefined) fail(`the traced function calls native '${name}', which compiled steps do not support yet (supported: ${Object.keys(KERNELS).join(', ')})`);
    const metaArg = args[0] as Float64Array;
    const m = metaArg.slice(0, info!.metaLength(metaArg));
    const roles = info!.roles(m);
    const ops = args.slice(1, 1 + roles.length) as (Storage | undefined)[];
    const at = calls.length;
    calls.push({ name, id: id!, meta: m, args: ops, roles });
    // Reads before writes: an operand that is both (an in-place op's) counts as read first.
    for (const pass of ['read', 'write'] as const)
      ops.forEach((s, k) => {
        if (s === undefined || s === null) return;
        const role = roles[k]!;
        if (pass === 'read' ? role === 'w' : role === 'r') return;
        let u = uses.get(s);
        if (!u) {
          const first = pass === 'read' ? 'read' : info!.fullWrite(m, k, s) ? 'full' : 'partial';
          const fresh = allocated.has(s);
          // Only a buffer of the trace's own needs its first contents (a restore, a constant
          // output); one that existed before is captured as it is.
          u = { storage: s, fresh, first, firstCall: at, lastCall: at, written: false, snapshot: first === 'full' || !fresh ? null : copyOf(s) };
          uses.set(s, u);
        }
        u.lastCall = at;
        if (pass === 'write') u.written = true;
      });
  };

  // Tensor reads: patched on the prototype for the trace's duration.
  const proto = Tensor.prototype as unknown as Record<string | symbol, unknown>;
  const saved = new Map<string | symbol, PropertyDescriptor | undefined>();
  for (const k of [...READ_METHODS, '_data']) saved.set(k, Object.getOwnPropertyDescriptor(Tensor.prototype, k));
  for (const k of READ_METHODS) {
    if (!saved.get(k)) continue;
    const label = typeof k === 'symbol' ? 'util.inspect' : `${k}()`;
    proto[k] = function () {
      fail(`the traced function read a tensor's value into JS (${label}); a compiled step replays only the native kernels, so that value (and any branch on it) would be frozen: compute it after run(), or keep it as a tensor`);
    };
  }
  Object.defineProperty(Tensor.prototype, '_data', {
    configurable: true,
    get(this: Tensor) {
      const s = this._box.data;
      let set = tensors.get(s);
      if (!set) tensors.set(s, (set = new Set()));
      set.add(this);
      return s;
    },
  });
  const origStep = Optimizer.prototype.step;
  Optimizer.prototype.step = function (this: Optimizer<{ lr: number }>, closure?: () => Tensor | number) {
    let counters = optimizers.get(this);
    if (!counters) optimizers.set(this, (counters = new Map()));
    for (const g of this.paramGroups)
      for (const p of g.params) {
        const st = this.state.get(p) as Record<string, unknown> | undefined;
        if (st && !counters.has(st)) counters.set(st, { before: typeof st.step === 'number' ? st.step : 0, param: p });
      }
    const r = origStep.call(this, closure);
    for (const g of this.paramGroups)
      for (const p of g.params) {
        const st = this.state.get(p) as Record<string, unknown> | undefined;
        if (st && !counters.has(st)) counters.set(st, { before: 0, param: p });
      }
    return r;
  } as typeof origStep;

  const generator = generatorState();
  const generatorBefore = generator.slice(), seedsBefore = seedCount();
  const oldLimits = _setSmallLimits(0, 0);
  _setOnAllocate((s) => allocated.add(s));
  _setCallHook(hook);
  let result: unknown;
  try {
    result = fn(...inputs);
  } catch (e) {
    throw failure ?? e;
  } finally {
    _setCallHook(null);
    _setOnAllocate(null);
    _setSmallLimits(...oldLimits);
    Optimizer.prototype.step = origStep;
    for (const [k, d] of saved) {
      if (d) Object.defineProperty(Tensor.prototype, k, d);
      else delete proto[k];
    }
  }
  if (failure) throw failure;  // raised inside fn and caught there: the trace is still invalid
  const drew = calls.some((c) => (c.args[0] as unknown) === generator);
  if (drew && seedCount() !== seedsBefore)
    throw traceError('the traced function reseeded the generator (manualSeed) and drew random numbers; a replay does not rerun manualSeed: seed before tracing and before running');

  const traced: TracedOptimizer[] = [];
  for (const [opt, counters] of optimizers) {
    const list: TracedOptimizer['counters'] = [];
    for (const [state, c] of counters) {
      const after = typeof state.step === 'number' ? state.step : 0;
      if (after !== c.before) list.push({ state, delta: after - c.before, after, param: c.param });
    }
    traced.push({ opt, counters: list });
  }
  return { calls, uses, tensors, optimizers: traced, result, random: drew ? { before: generatorBefore, after: generator.slice() } : null };
}
