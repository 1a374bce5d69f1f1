// The memory plan and the plan header of a compiled step (layout: binding/plan.cc), from a trace.
//
// Each storage the trace touched becomes one of:
//   input i      bound to the run's i-th input storage;
//   output       a fresh storage per run (returned tensors never alias across runs);
//   captured     the very typed array the trace used, kept across runs: buffers that existed
//                before the trace (parameters, their .grad, optimizer state, constants), and
//                ones allocated in it that stay observable after it: a parameter's new .grad
//                (zeroGrad() set it to null, backward allocated it), optimizer state created by
//                the first step;
//   intermediate allocated in the trace, first written whole by a kernel, not observable after
//                it: a slot; slots whose lifetimes (first..last call) do not overlap share one
//                buffer (greedy, largest first), which the compiled object owns (V8 memory);
//   restored     allocated in the trace and read (or partly written) before being written whole
//                (a zeros() accumulated into, a constant written in place): its own buffer, reset
//                from a snapshot of its first-seen contents at the start of every run.
// A storage allocated in the trace that no kernel writes (tg.tensor([...]) in fn, the engine's
// seed gradient of ones) is a captured constant.
import { allocateUninit } from '../storage.js';
import type { Storage } from '../native.js';
import { native } from '../native.js';
import type { DType } from '../dtype.js';
import type { Tensor } from '../tensor.js';
import type { Trace } from './trace.js';

export type Kind = 'input' | 'output' | 'captured' | 'intermediate' | 'restored';

export interface Plan {
  header: Float64Array;
  /** The buffers array passed to runPlan; slots 0..inputs-1 and the outputs' are set per run. */
  buffers: Storage[];
  /** Buffers 0..dynamic-1 (the inputs, then the fresh outputs) are bound per run; the others are the plan's own. */
  dynamic: number;
  /** Buffer index of each input. */
  inputIndex: number[];
  /** Per fresh output storage: buffer index, dtype and length. */
  outputs: { index: number; dtype: DType; length: number; storage: Storage }[];
  /** Buffer index of each storage the plan names (outputs and inputs by their trace storage). */
  indexOf: Map<Storage, number>;
  kinds: Map<Storage, Kind>;
  /** Header positions of each call's meta (for the per-run step counters). */
  metaAt: number[];
  stats: { steps: number; intermediates: number; sharedBuffers: number; intermediateBytes: number; captured: number };
}

export function dtypeOf(s: Storage): DType {
  return s instanceof Float32Array ? 'float32' : s instanceof Int32Array ? 'int32' : 'bool';
}

function viewOver(pool: Storage, dtype: DType, n: number): Storage {
  const { buffer, byteOffset } = pool;
  return dtype === 'float32' ? new Float32Array(buffer, byteOffset, n) : dtype === 'int32' ? new Int32Array(buffer, byteOffset, n) : new Uint8Array(buffer, byteOffset, n);
}

/** The copy step `dst[:] = src[:]` (the cast kernel over one contiguous line, same dtype). */
function copyMeta(n: number): number[] {
  return [0, 1, 0, 0, 0, n, 0, 1, 0, 1];
}

/**
 * Builds the plan. `inputs`: the traced input storages in order; `outputStorages`: the storages
 * of the returned tensors; `persistent`: storages allocated in the trace that stay observable.
 */
export function buildPlan(trace: Trace, inputs: Storage[], outputStorages: Set<Storage>, persistent: Set<Storage>): Plan {
  const kinds = new Map<Storage, Kind>();
  inputs.forEach((s) => kinds.set(s, 'input'));
  for (const s of outputStorages) if (!kinds.has(s) && (!trace.uses.has(s) || trace.uses.get(s)!.fresh) && !persistent.has(s)) kinds.set(s, 'output');
  for (const [s, u] of trace.uses) {
    if (kinds.has(s)) continue;
    if (!u.fresh || persistent.has(s) || !u.written) kinds.set(s, 'captured');
    else kinds.set(s, u.first === 'full' ? 'intermediate' : 'restored');
  }
  for (const s of outputStorages) if (!kinds.has(s)) kinds.set(s, 'captured');

  const buffers: Storage[] = [];
  const indexOf = new Map<Storage, number>();
  const add = (s: Storage, placed: Storage = s): number => {
    indexOf.set(s, buffers.length);
    buffers.push(placed);
    return buffers.length - 1;
  };
  const inputIndex = inputs.map((s) => add(s));
  const outputs: Plan['outputs'] = [];
  for (const [s, k] of kinds) if (k === 'output') outputs.push({ index: add(s), dtype: dtypeOf(s), length: s.length, storage: s });
  let captured = 0;
  for (const [s, k] of kinds) if (k === 'captured' || k === 'restored') add(s), captured++;

  // Intermediates: greedy sharing by size, largest first; a pool buffer takes a slot when
  // none of the slots it holds is live over the slot's calls.
  const slots = [...kinds].filter(([, k]) => k === 'intermediate').map(([s]) => ({ s, u: trace.uses.get(s)!, bytes: s.byteLength }));
  slots.sort((a, b) => b.bytes - a.bytes);
  const pools: { storage: Storage; live: [number, number][] }[] = [];
  let intermediateBytes = 0;
  for (const { s, u, bytes } of slots) {
    let pool = pools.find((p) => p.storage.byteLength >= bytes && p.live.every(([a, b]) => b < u.firstCall || a > u.lastCall));
    if (!pool) {
      pool = { storage: allocateUninit('float32', Math.max(1, Math.ceil(bytes / 4))), live: [] };
      pools.push(pool);
      intermediateBytes += pool.storage.byteLength;
    }
    pool.live.push([u.firstCall, u.lastCall]);
    add(s, viewOver(pool.storage, dtypeOf(s), s.length));
  }

  // Restores (and outputs whose first use was not a whole write) copy a snapshot in first.
  const header: number[] = [native.planMagic, 0];
  let steps = 0;
  const pushStep = (id: number, ops: number[], meta: ArrayLike<number>): number => {
    header.push(id, ops.length, ...ops, meta.length);
    const at = header.length;
    for (let i = 0; i < meta.length; i++) header.push(meta[i]!);
    steps++;
    return at;
  };
  const castId = native.planKernels.cast!;
  for (const [s, k] of kinds) {
    if (k !== 'restored' && k !== 'output') continue;
    const u = trace.uses.get(s);
    const snap = u ? u.snapshot : s.slice();  // an output no kernel touched: its value at the trace's end
    if (!snap || s.length === 0) continue;
    pushStep(castId, [indexOf.get(s)!, add(snap)], copyMeta(s.length));
  }
  const metaAt: number[] = [];
  for (const c of trace.calls) metaAt.push(pushStep(c.id, c.args.map((s) => (s === undefined || s === null ? -1 : indexOf.get(s)!)), c.meta));
  header[1] = steps;
  return {
    header: Float64Array.from(header),
    buffers,
    dynamic: inputs.length + outputs.length,
    inputIndex,
    outputs,
    indexOf,
    kinds,
    metaAt,
    stats: { steps, intermediates: slots.length, sharedBuffers: pools.length, intermediateBytes, captured },
  };
}

/** The tensors of `trace` whose storage the plan keeps and kernels write (their version counters are bumped per run). */
export function writtenCaptured(trace: Trace, kinds: Map<Storage, Kind>): Tensor[] {
  const out: Tensor[] = [];
  for (const [s, u] of trace.uses) if (u.written && kinds.get(s) === 'captured') for (const t of trace.tensors.get(s) ?? []) out.push(t);
  return out;
}
