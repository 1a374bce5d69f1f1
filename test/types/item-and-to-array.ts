// Compiled (not run) by test/types.test.ts under --strict: what item() and toArray() are typed as.
import * as tg from '../../src/index.js';

const x = tg.tensor([1, 2, 3]);
const loss = x.pow(2).mean();
// The common case: a float32 (or int32) tensor's item() is a number.
export const printed: string = loss.item().toFixed(4);
export const count: number = x.int().sum().item();
export const fromInt32: number = tg.tensor(Int32Array.from([3])).item();
// Tensors the types know are 'bool' give booleans, through views too.
export const flag: boolean = loss.gt(1).item();
export const viewed: boolean = x.eq(2).reshape(3).select(0, 1).item();
export const made: boolean = tg.tensor([true]).item();
export const asked: boolean = tg.zeros(1).to('bool').item();
export const free: boolean = tg.le(x, 2).narrow(0, 0, 1).item();
// toArray() follows the dtype: nested numbers (or one number for a 0-d tensor) or booleans.
export const rows: tg.NestedArray<number> = tg.zeros([2, 2]).toArray();
export const bits: tg.NestedArray<boolean> = x.gt(1).toArray();
export const first = (tg.zeros([2, 2]).toArray() as number[][])[0]![0]! + 1;
// A value of a tensor whose dtype the types do not know is typed as a number.
export const unknown: number = tg.tensor([1], { dtype: 'int32' as tg.DType }).item();

// @ts-expect-error a bool tensor's item() is a boolean, which has no toFixed
loss.gt(1).item().toFixed(1);
// @ts-expect-error toArray() of a float tensor holds numbers, not booleans
export const wrong: tg.NestedArray<boolean> = tg.zeros(2).toArray();
