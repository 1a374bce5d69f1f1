// Options objects at the API boundary: undefined means "all defaults"; anything but a plain
// object is a TypeError naming the op (instead of a property read on null deep inside).
import { describe, typeError } from './errors.js';

export function optionsOf<T extends object>(op: string, v: T | undefined | null): Partial<T> {
  if (v === undefined) return {};
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw typeError(op, `options must be an object, got ${describe(v)}`);
  return v;
}
