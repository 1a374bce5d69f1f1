// Tensor storage: where each tensor's typed array comes from and how dispose() gives it back.
// Storage is a V8-owned ArrayBuffer (so the GC frees it, also inside one synchronous loop);
// the native core only says where in a buffer to start (alignment, huge pages).
import { BYTES_PER_ELEMENT, type DType } from './dtype.js';
import { native, type Storage } from './native.js';
import type { Tensor } from './tensor.js';

// Small tensors are carved from shared slabs: a fresh ArrayBuffer per tiny tensor costs more
// in allocation and GC than the op itself. A slab is only ever bump-allocated, never reused,
// so carved memory is zero like a fresh buffer, and the GC frees a slab once every tensor
// carved from it is gone. Larger tensors get their own buffer, which dispose() can detach.
const SLAB_BYTES = 32 * 1024;
const SLAB_MAX_TENSOR_BYTES = 512;
const SLAB_ALIGN = 64;
let slab = new ArrayBuffer(SLAB_BYTES);
let slabUsed = 0;

/** Reserves `bytes` in the current slab (a new one when full) and returns their offset. */
function carve(bytes: number): number {
  if (slabUsed + bytes > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    slabUsed = 0;
  }
  const at = slabUsed;
  slabUsed += (bytes + SLAB_ALIGN - 1) & ~(SLAB_ALIGN - 1);
  return at;
}

/** While set, called with every storage allocated (src/jit/trace.ts: which buffers a traced function creates). */
let onAllocate: ((data: Storage) => void) | null = null;

/** @internal Sets (or, with null, clears) the allocation hook of src/jit/trace.ts. */
export function _setOnAllocate(hook: ((data: Storage) => void) | null): void {
  onAllocate = hook;
}

/** @internal True while src/jit/trace.ts records allocations (the backward engine then frees nothing early). */
export function _tracingAllocations(): boolean {
  return onAllocate !== null;
}

/** While set, collects the storage of ledgerMinBytes and more allocated meanwhile (src/autograd/ledger.ts). */
let bornInto: Set<Storage> | null = null;
// Below this, freeing early costs more than it saves. Measured (Zen 4, `y = a.neg()` in a loop,
// y left to the GC vs disposed): 256 floats 2.8 vs 4.0 us, 4096 3.8 vs 4.0, 16384 7.4 vs 4.0,
// 65536 32 vs 8, 1M 294 vs 150.
export let ledgerMinBytes = 16 << 10;

/** @internal Test hook: sets the ledger's threshold (0: every gradient is tracked and freed early) and returns the old one. */
export function _setLedgerMinBytes(bytes: number): number {
  const old = ledgerMinBytes;
  ledgerMinBytes = bytes;
  return old;
}

/** @internal Sets (or clears) the set that src/autograd/ledger.ts collects a backward pass's allocations in; returns the previous one. */
export function _setBornInto(set: Set<Storage> | null): Set<Storage> | null {
  const prev = bornInto;
  bornInto = set;
  return prev;
}

export function allocate(dtype: DType, n: number): Storage {
  const data = allocateRaw(dtype, n);
  if (onAllocate !== null) onAllocate(data);
  if (bornInto !== null && data.byteLength >= ledgerMinBytes) bornInto.add(data);
  return data;
}

function allocateRaw(dtype: DType, n: number): Storage {
  const bytes = n * BYTES_PER_ELEMENT[dtype];
  if (bytes > 0 && bytes <= SLAB_MAX_TENSOR_BYTES) {
    const at = carve(bytes);
    const buf = slab;
    switch (dtype) {
      case 'float32': return new Float32Array(buf, at, n);
      case 'int32': return new Int32Array(buf, at, n);
      case 'bool': return new Uint8Array(buf, at, n);
    }
  }
  if (bytes >= ALIGN_MIN_BYTES) return aligned(dtype, new ArrayBuffer(bytes + ALIGN), n);
  const data = dtype === 'float32' ? new Float32Array(n) : dtype === 'int32' ? new Int32Array(n) : new Uint8Array(n);
  return bytes >= HUGE_MIN_BYTES ? adviseHuge(data) : data;
}

// Storage of 4 KiB and more starts on a 64-byte boundary (a cache line, one AVX-512 vector):
// V8 and malloc align buffers to 16 bytes only, and a vector access that crosses a line costs
// two. The buffer is allocated 64 bytes longer and the storage is the aligned view into it,
// which still owns the whole buffer (ownsBuffer), so dispose() detaches it as before.
// Measured (Zen 4): nn.Linear's x @ W^T for a [64, 784] batch and a [256, 784] weight, 268 us
// with both at 16 mod 64, 238 aligned.
const ALIGN = 64;
const ALIGN_MIN_BYTES = 4096;

function aligned(dtype: DType, buf: ArrayBuffer, n: number): Storage {
  const at = native.alignmentGap(new Uint8Array(buf, 0, 1));
  const data = dtype === 'float32' ? new Float32Array(buf, at, n) : dtype === 'int32' ? new Int32Array(buf, at, n) : new Uint8Array(buf, at, n);
  soleUser.add(buf);
  return n * BYTES_PER_ELEMENT[dtype] >= HUGE_MIN_BYTES ? adviseHuge(data) : data;
}

// Storage of 4 MiB and more asks for transparent huge pages under its 2 MiB-aligned interior
// (cpp/core/placement.cpp). Fresh memory, which glibc hands out for every allocation of 32 MiB and
// more and, after the GC freed a batch of tensors and glibc trimmed its heap, for smaller ones
// too, then faults in 2 MiB at a time instead of 4 KiB: measured, exp of 1M floats with a
// fresh output 2.1 -> 1.3 ms (half its pages are in the aligned interior), add of 16M floats
// 40 -> 12 ms. On memory already faulted in the hint is one ~1 us system call. Uninitialized
// storage (allocateUninit, every op's output) goes further and starts on a 2 MiB boundary.
const HUGE_MIN_BYTES = 4 << 20;

function adviseHuge<T extends Storage>(data: T): T {
  native.adviseHugePages(data);
  return data;
}

// Outputs the kernel overwrites completely need no zeroing: for a large output the zero-fill
// (or, for fresh memory, the kernel's page faults) costs as much as the op itself.
// Buffer.allocUnsafeSlow is a malloc'd ArrayBuffer of its own (not a slice of Node's shared
// pool as with allocUnsafe), so dispose() can still detach it and the GC frees it alone.
// Only ops whose native kernel writes every output element may call this (see emptyUninit).
let poisonUninit = false;

/** Test hook: fill every uninitialized allocation with a garbage pattern (NaN floats, -1 ints, 0xff bools), so a kernel that skips an element shows. */
export function _setPoisonUninit(on: boolean): void {
  poisonUninit = on;
}

export function allocateUninit(dtype: DType, n: number): Storage {
  const data = allocateUninitRaw(dtype, n);
  if (onAllocate !== null) onAllocate(data);
  if (bornInto !== null && data.byteLength >= ledgerMinBytes) bornInto.add(data);
  return data;
}

function allocateUninitRaw(dtype: DType, n: number): Storage {
  const bytes = n * BYTES_PER_ELEMENT[dtype];
  if (bytes <= SLAB_MAX_TENSOR_BYTES) {
    const small = allocateRaw(dtype, n);
    if (poisonUninit) new Uint8Array(small.buffer, small.byteOffset, bytes).fill(0xff);
    return small;
  }
  // From 4 up to 32 MiB: on whole huge pages from a 2 MiB boundary of a buffer 2 MiB larger
  // (binding/runtime.cc, alignHugePages: the first writes to a fresh 4 MiB output 0.65 ->
  // 0.075 ms; exp of 1M floats through the tensor layer 1.3 -> 0.2-0.5 ms). The slack is
  // address space only: nothing touches it. Not above: there the unaligned edges are a few
  // per cent of the pages, and the 2 MiB more per buffer measured slower (add of 16M floats
  // into a fresh output 12.0 -> 14.4 ms over-allocated without aligning, 13.5 aligned; V8
  // counts the slack as external memory, which paces its collections). Other storage of
  // 4 KiB and more starts on a 64-byte boundary (aligned(), above).
  const huge = bytes >= HUGE_MIN_BYTES && bytes < HUGE_ALIGN_MAX_BYTES && HUGE_PAGE_BYTES > 0;
  if (!huge && bytes >= ALIGN_MIN_BYTES) {
    const buf = Buffer.allocUnsafeSlow(bytes + ALIGN);
    if (poisonUninit) buf.fill(0xff);
    return aligned(dtype, buf.buffer as ArrayBuffer, n);
  }
  const buf = Buffer.allocUnsafeSlow(huge ? bytes + HUGE_PAGE_BYTES : bytes);
  const at = buf.byteOffset + (huge ? native.alignHugePages(buf, bytes) : 0);
  const data =
    dtype === 'float32' ? new Float32Array(buf.buffer, at, n)
    : dtype === 'int32' ? new Int32Array(buf.buffer, at, n)
    : new Uint8Array(buf.buffer, at, n);
  if (huge) soleUser.add(buf.buffer);
  else if (bytes >= HUGE_MIN_BYTES) adviseHuge(data);
  if (poisonUninit) new Uint8Array(buf.buffer, at, bytes).fill(0xff);
  return data;
}

/**
 * Storage over memory the caller owns (tg.frombuffer): `n` elements of `dtype` from `byteOffset`
 * of `buffer`, without a copy. The buffer is never detached by dispose() (it is the caller's),
 * and it may be a SharedArrayBuffer (weights shared between worker_threads). The caller checked
 * that the range is inside the buffer and aligned for the dtype.
 */
export function borrow(dtype: DType, buffer: ArrayBuffer | SharedArrayBuffer, byteOffset: number, n: number): Storage {
  const data =
    dtype === 'float32' ? new Float32Array(buffer, byteOffset, n)
    : dtype === 'int32' ? new Int32Array(buffer, byteOffset, n)
    : new Uint8Array(buffer, byteOffset, n);
  borrowed.add(buffer);
  return data as Storage;
}

const HUGE_PAGE_BYTES = native.hugePageBytes;
const HUGE_ALIGN_MAX_BYTES = 32 << 20;
/** Buffers a single storage views only part of (the huge-page and the 64-byte aligned ones). */
const soleUser = new WeakSet<ArrayBufferLike>();
/** Buffers the caller owns (borrow(), above): storage over them never owns them. */
const borrowed = new WeakSet<ArrayBufferLike>();

/** True when the storage is the only view of its ArrayBuffer (so dispose() may detach it). */
export function ownsBuffer(data: Storage): boolean {
  if (borrowed.has(data.buffer)) return false;
  return (data.byteOffset === 0 && data.byteLength === data.buffer.byteLength) || soleUser.has(data.buffer);
}

/** Frees `x`'s storage now, for it and every view sharing it (and its .grad's). */
export function dispose(x: Tensor): void {
  const box = x._box;
  if (box.disposed) return;
  const data = box.data;
  box.disposed = true;
  box.data = new (data.constructor as { new (n: number): Storage })(0);
  // The memory is freed now, not at the next GC, so the next allocation of that size reuses it
  // while it is still in cache. A transfer alone does not free it: it moves the memory to the
  // clone, an ArrayBuffer only the next GC frees (measured, Node 20: 4 MiB buffers allocated,
  // filled and disposed in a loop took 250 scavenges per 2000 that way, 3 with the clone
  // detached, and the fill ran 1.4x faster). The transfer stays as the check that the buffer may
  // go: it throws for one marked untransferable (src/jit/compiled.ts: a compiled step's buffers,
  // which a runAsync in flight may be using) or already detached, which are left to the GC.
  // A small tensor's slab is shared, so it is only dropped here and freed by the GC.
  if (ownsBuffer(data)) {
    let moved: ArrayBuffer | null = null;
    try {
      moved = structuredClone(data.buffer as ArrayBuffer, { transfer: [data.buffer as ArrayBuffer] });
    } catch {
      // Left to the GC (see above).
    }
    if (moved !== null) native.detachBuffer(moved);
  }
  if (x.grad) dispose(x.grad);
}
