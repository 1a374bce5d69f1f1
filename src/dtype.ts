// The dtypes and PyTorch's promotion rule for the three we have (storage: src/storage.ts).

/** Element type of a tensor: 32-bit float, 32-bit integer or boolean. */
export type DType = 'float32' | 'int32' | 'bool';

export const BYTES_PER_ELEMENT: Record<DType, number> = { float32: 4, int32: 4, bool: 1 };

export function isDType(d: unknown): d is DType {
  return d === 'float32' || d === 'int32' || d === 'bool';
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
