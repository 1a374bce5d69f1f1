// Errors name the op and the shapes involved, as the contract asks.
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

export function typeError(op: string, msg: string): TypeError {
  return new TypeError(`${op}: ${msg}`);
}

export function rangeError(op: string, msg: string): RangeError {
  return new RangeError(`${op}: ${msg}`);
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'an object';
  if (typeof v === 'symbol' || typeof v === 'bigint' || typeof v === 'function') return `a ${typeof v}`;
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 20 ? v.slice(0, 20) + '…' : v)}`;
  return String(v);
}
