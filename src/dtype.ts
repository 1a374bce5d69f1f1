// dtypes, their storage arrays, and PyTorch's promotion rule for the three we have.
import type { Storage } from './native.js';

export type DType = 'float32' | 'int32' | 'bool';

export const DTYPES: readonly DType[] = ['float32', 'int32', 'bool'];

export const BYTES_PER_ELEMENT: Record<DType, number> = { float32: 4, int32: 4, bool: 1 };

export function isDType(d: unknown): d is DType {
  return d === 'float32' || d === 'int32' || d === 'bool';
}

// Small tensors are carved from shared slabs: a fresh ArrayBuffer per tiny tensor costs more
// in allocation and GC than the op itself. A slab is only ever bump-allocated, never reused,
// so carved memory is zero like a fresh buffer, and the GC frees a slab once every tensor
// carved from it is gone. Larger tensors get their own buffer, which dispose() can detach.
const SLAB_BYTES = 32 * 1024;
const SLAB_MAX_TENSOR_BYTES = 512;
const SLAB_ALIGN = 64;
let slab = new ArrayBuffer(SLAB_BYTES);
let slabUsed = 0;

function carve(bytes: number): [ArrayBuffer, number] {
  if (slabUsed + bytes > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    slabUsed = 0;
  }
  const at = slabUsed;
  slabUsed += (bytes + SLAB_ALIGN - 1) & ~(SLAB_ALIGN - 1);
  return [slab, at];
}

export function allocate(dtype: DType, n: number): Storage {
  const bytes = n * BYTES_PER_ELEMENT[dtype];
  if (bytes > 0 && bytes <= SLAB_MAX_TENSOR_BYTES) {
    const [buf, at] = carve(bytes);
    switch (dtype) {
      case 'float32': return new Float32Array(buf, at, n);
      case 'int32': return new Int32Array(buf, at, n);
      case 'bool': return new Uint8Array(buf, at, n);
    }
  }
  switch (dtype) {
    case 'float32': return new Float32Array(n);
    case 'int32': return new Int32Array(n);
    case 'bool': return new Uint8Array(n);
  }
}

/** True when the storage owns its whole ArrayBuffer (so dispose() may detach it). */
export function ownsBuffer(data: Storage): boolean {
  return data.byteOffset === 0 && data.byteLength === data.buffer.byteLength;
}


/** PyTorch's category order: bool < int < float. */
export function promote(a: DType, b: DType): DType {
  if (a === 'float32' || b === 'float32') return 'float32';
  if (a === 'int32' || b === 'int32') return 'int32';
  return 'bool';
}

/** The dtype a JS number takes next to a tensor of dtype `t` (an int tensor times 2.5 is float). */
export function promoteWithScalar(t: DType, s: number): DType {
  if (t === 'float32') return 'float32';
  if (!Number.isInteger(s)) return 'float32';
  return t === 'bool' ? 'int32' : t;
}
