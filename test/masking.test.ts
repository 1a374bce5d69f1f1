// maskedFill_ (in place), and the argument errors of the mask / triangle / norm ops; their values
// and gradients against PyTorch are in the fixtures (test/fixtures/ops.json).
import { describe, expect, it } from 'vitest';
import * as tg from '../src/index.js';

describe('maskedFill_', () => {
  it('writes the value where the mask holds, bumps the version, keeps the dtype', () => {
    const x = tg.tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'int32' });
    const v = x._version.value;
    expect(x.maskedFill_(tg.tensor([true, false, true]), 2.7)).toBe(x);
    expect(x.toArray()).toEqual([[2, 2, 2], [2, 5, 2]]);
    expect(x.dtype).toBe('int32');
    expect(x._version.value).toBe(v + 1);
  });

  it('records in the graph like maskedFill, and refuses a leaf that requires grad', () => {
    const w = tg.tensor([1, 2, 3, 4], { requiresGrad: true });
    const mask = tg.tensor([false, true, false, true]);
    expect(() => w.maskedFill_(mask, 0)).toThrow(/a leaf Variable that requires grad/);
    const y = w.mul(2);
    y.maskedFill_(mask, -1);
    expect(y.toArray()).toEqual([2, -1, 6, -1]);
    y.sum().backward();
    expect(w.grad!.toArray()).toEqual([2, 0, 2, 0]);
  });
});

describe('mask, triangle and norm errors name the op', () => {
  const x = tg.ones(2, 3);
  it('maskedFill / maskedSelect', () => {
    expect(() => x.maskedFill(tg.ones(2, 3), 1)).toThrow(/maskedFill: mask must be a bool tensor, got float32/);
    expect(() => x.maskedFill(tg.tensor([true, false]), 1)).toThrow(RangeError);
    expect(() => x.maskedFill(tg.tensor([true, false, true]), tg.ones(2))).toThrow(/maskedFill: only supports a 0-dimensional value tensor/);
    expect(() => x.maskedFill(tg.tensor([true, false, true]), 'a' as never)).toThrow(/maskedFill: value must be/);
    expect(() => x.maskedSelect(tg.ones(3, 2).bool())).toThrow(RangeError);
  });
  it('tril / triu', () => {
    expect(() => tg.ones(3).tril()).toThrow(/tril: input tensor must have at least 2 dimensions/);
    expect(() => x.triu(0.5)).toThrow(/triu: diagonal must be an integer/);
  });
  it('any / all / norm', () => {
    expect(x.any().dtype).toBe('bool');
    expect(x.all(1, true).shape).toEqual([2, 1]);
    expect(() => x.any(5)).toThrow(RangeError);
    expect(() => tg.ones(2, 2).int().norm()).toThrow(/norm: expected a float32 tensor/);
    expect(() => x.norm('fro' as never)).toThrow(/norm: p must be a number/);
  });
});

describe('floorDivide', () => {
  it('records, and refuses a gradient through it as PyTorch does', () => {
    const x = tg.tensor([3.5, -2.5], { requiresGrad: true });
    const y = x.floorDivide(2);
    expect(y.toArray()).toEqual([1, -2]);
    expect(() => y.sum().backward()).toThrow(/floorDivide: the derivative for floor_divide is not implemented/);
    expect(() => tg.tensor([1, 2], { dtype: 'int32' }).floorDivide(0)).toThrow(/division by zero/);
  });
});
