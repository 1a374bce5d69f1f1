// The elementwise kernels as the ops call them: allocate (or take) the output, encode the call
// (src/call.ts) and make one native call, or the small-kernel JS call for a few elements.
// Nothing here records autograd history: src/ops/elementwise.ts builds the ops on these.
import { promote, promoteWithScalar, type DType, isDType } from '../dtype.js';
import { describe, fmtShape, rangeError, typeError } from '../errors.js';
import { meta, putHeader, putView } from '../call.js';
import { native } from '../native.js';
import * as small from '../small_kernels.js';
import { broadcastShapes, broadcastStrides, sameShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { empty, emptyUninit, expectNumber, expectTensor } from './base.js';
import { kernelCode } from './registry.js';

/** Tensor or a JS number, as the arithmetic ops take their second operand. */
export type Scalar = Tensor | number;

/** The binary kernels the ops below pick by dtype; codes from the addon (cpp/kernels/ops.h). */
export const BIN = {
  Add: kernelCode('binary', 'Add'), Sub: kernelCode('binary', 'Sub'), Mul: kernelCode('binary', 'Mul'),
  Div: kernelCode('binary', 'Div'), Pow: kernelCode('binary', 'Pow'),
  Maximum: kernelCode('binary', 'Maximum'), Minimum: kernelCode('binary', 'Minimum'),
  Remainder: kernelCode('binary', 'Remainder'), FloorDivide: kernelCode('binary', 'FloorDivide'),
} as const;
const INT = {
  Add: kernelCode('intBinary', 'Add'), Sub: kernelCode('intBinary', 'Sub'), Mul: kernelCode('intBinary', 'Mul'),
  Maximum: kernelCode('intBinary', 'Maximum'), Minimum: kernelCode('intBinary', 'Minimum'),
  FloorDiv: kernelCode('intBinary', 'FloorDiv'), Remainder: kernelCode('intBinary', 'Remainder'),
} as const;
const CLAMP = kernelCode('unary', 'Clamp');

function viewOf(t: Tensor, shape: readonly number[]): number[] {
  return sameShape(t._shape, shape) ? t._strides : broadcastStrides(t._shape, t._strides, shape);
}

function outFor(op: string, shape: number[], dtype: DType, out?: Tensor): Tensor {
  if (!out) return emptyUninit(shape, dtype);
  if (!sameShape(out._shape, shape))
    throw rangeError(op, `output with shape ${fmtShape(out._shape)} doesn't match the broadcast shape ${fmtShape(shape)}`);
  return out;
}

/** y = f(x; p0, p1) for the unary kernel `op`, float32 in and out. */
export function unaryKernel(op: number, x: Tensor, p0 = 0, p1 = 0, out?: Tensor): Tensor {
  const o = out ?? emptyUninit(x._shape.slice(), 'float32');
  let pos = putHeader(op, x._shape, p0, p1);
  pos = putView(pos, o._offset, o._strides);
  putView(pos, x._offset, x._strides);
  small.unary(meta, o._data, x._data) || native.unary(meta, o._data, x._data);
  return o;
}

/** out = f(a, b) for the binary kernel `op`, broadcasting, float32. */
export function binaryKernel(name: string, op: number, a: Tensor, b: Tensor, p0 = 0, out?: Tensor): Tensor {
  const shape = sameShape(a._shape, b._shape) ? a._shape.slice() : broadcastShapes(name, a._shape, b._shape);
  const o = outFor(name, shape, 'float32', out);
  let pos = putHeader(op, shape, p0);
  pos = putView(pos, o._offset, o._strides);
  pos = putView(pos, a._offset, viewOf(a, shape));
  putView(pos, b._offset, viewOf(b, shape));
  small.binary(meta, o._data, a._data, b._data) || native.binary(meta, o._data, a._data, b._data);
  return o;
}

/** f(a, s) (or f(s, a) when `scalarFirst`) for a JS number s, float32. */
export function scalarKernel(op: number, a: Tensor, s: number, scalarFirst: boolean, p0 = 0, out?: Tensor): Tensor {
  const o = out ?? emptyUninit(a._shape.slice(), 'float32');
  let pos = putHeader(op, a._shape, p0, s, scalarFirst ? 1 : 0);
  pos = putView(pos, o._offset, o._strides);
  putView(pos, a._offset, a._strides);
  small.binaryScalar(meta, o._data, a._data) || native.binaryScalar(meta, o._data, a._data);
  return o;
}

function intKernel(name: string, op: number, a: Tensor, b: Tensor, out?: Tensor): Tensor {
  const shape = sameShape(a._shape, b._shape) ? a._shape.slice() : broadcastShapes(name, a._shape, b._shape);
  const o = outFor(name, shape, 'int32', out);
  let pos = putHeader(op, shape);
  pos = putView(pos, o._offset, o._strides);
  pos = putView(pos, a._offset, viewOf(a, shape));
  putView(pos, b._offset, viewOf(b, shape));
  native.binaryInt(meta, o._data, a._data, b._data);
  return o;
}

/** A 0-dim tensor holding a JS number, for the int paths that have no scalar kernel. */
export function scalarTensor(v: number, dtype: DType): Tensor {
  const t = empty([], dtype);
  t._data[0] = dtype === 'bool' ? (v ? 1 : 0) : v;
  return t;
}

/** x converted to `dtype` (into `out` when given), broadcasting x to out's shape. */
export function castKernel(x: Tensor, dtype: DType, out?: Tensor): Tensor {
  const o = out ?? emptyUninit(x._shape.slice(), dtype);
  let pos = putHeader(0, o._shape);
  pos = putView(pos, o._offset, o._strides);
  putView(pos, x._offset, viewOf(x, o._shape));
  small.cast(meta, o._data, x._data) || native.cast(meta, o._data, x._data);
  return o;
}

export function asFloat(x: Tensor): Tensor {
  return x.dtype === 'float32' ? x : castKernel(x, 'float32');
}

/** `x` as `dtype`: x itself when it has it, else a converted copy (not recorded: `Tensor.to`). */
export function toDType(x: Tensor, dtype: DType): Tensor {
  expectTensor('to', x, 'self');
  if (!isDType(dtype)) throw typeError('to', `unknown dtype ${describe(dtype)} (expected 'float32', 'int32' or 'bool')`);
  if (x.dtype === dtype) return x;
  return castKernel(x, dtype);
}

/** A Tensor or number operand (a boolean counts as 0 / 1), checked. */
export function operand(op: string, v: unknown, what: string): Scalar {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return expectTensor(op, v, what);
}

/** The kernel pair of an arithmetic op: float32 and, for the ops int tensors keep, int32. */
export interface ArithmeticKernels {
  float: number;
  int: number | null;
}

export const ADD: ArithmeticKernels = { float: BIN.Add, int: INT.Add };
export const SUB: ArithmeticKernels = { float: BIN.Sub, int: INT.Sub };
export const MUL: ArithmeticKernels = { float: BIN.Mul, int: INT.Mul };
export const DIV: ArithmeticKernels = { float: BIN.Div, int: null };
export const MAXIMUM: ArithmeticKernels = { float: BIN.Maximum, int: INT.Maximum };
export const MINIMUM: ArithmeticKernels = { float: BIN.Minimum, int: INT.Minimum };
export const REMAINDER: ArithmeticKernels = { float: BIN.Remainder, int: INT.Remainder };
export const FLOOR_DIVIDE: ArithmeticKernels = { float: BIN.FloorDivide, int: INT.FloorDiv };

/**
 * The shared forward of the arithmetic ops: picks the float, float-with-scalar or int kernel
 * by PyTorch's promotion rule; writes into `out` when given (the in-place forms).
 */
export function arithmetic(name: string, k: ArithmeticKernels, a: Tensor, b: Scalar, out?: Tensor): Tensor {
  if (typeof b === 'number') {
    const dtype = k.int === null ? 'float32' : promoteWithScalar(a.dtype, b);
    if (dtype === 'float32') return scalarKernel(k.float, asFloat(a), b, false, 0, out);
    return intKernel(name, k.int!, a.dtype === 'int32' ? a : castKernel(a, 'int32'), scalarTensor(b, 'int32'), out);
  }
  const dtype = k.int === null ? 'float32' : promote(a.dtype, b.dtype);
  if (dtype === 'float32') return binaryKernel(name, k.float, asFloat(a), asFloat(b), 0, out);
  const ai = a.dtype === 'int32' ? a : castKernel(a, 'int32');
  const bi = b.dtype === 'int32' ? b : castKernel(b, 'int32');
  if (dtype === 'int32') return intKernel(name, k.int!, ai, bi, out);
  // bool op bool stays bool, as in PyTorch: add/maximum act as "or", mul/minimum as "and".
  if (k === SUB)
    throw typeError(name, 'Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logical_xor()` operator instead.');
  return castKernel(intKernel(name, k.int!, ai, bi), 'bool', out);
}

/** The comparison kernel `op` (a compare code), broadcasting, into a fresh bool tensor. */
export function compareKernel(name: string, op: number, a: Tensor, b: Scalar): Tensor {
  if (typeof b === 'number') {
    // PyTorch compares in the promoted dtype, float32 for a float32 tensor and for an int or bool
    // one against a fractional number: the number is rounded to float32 first, so
    // tg.tensor([0.1]).le(0.1) holds. An integer against an int tensor compares exactly.
    if (a.dtype !== 'float32' && !Number.isInteger(b)) a = castKernel(a, 'float32');
    const s = a.dtype === 'float32' ? Math.fround(b) : b;
    const o = emptyUninit(a._shape.slice(), 'bool');
    let pos = putHeader(op, a._shape, s);
    pos = putView(pos, 0, o._strides);
    putView(pos, a._offset, a._strides);
    native.compareScalar(meta, o._data, a._data);
    return o;
  }
  if (a.dtype !== b.dtype) {
    const d = promote(a.dtype, b.dtype);
    if (a.dtype !== d) a = castKernel(a, d);
    if (b.dtype !== d) b = castKernel(b, d);
  }
  const shape = sameShape(a._shape, b._shape) ? a._shape.slice() : broadcastShapes(name, a._shape, b._shape);
  const o = emptyUninit(shape, 'bool');
  let pos = putHeader(op, shape);
  pos = putView(pos, 0, o._strides);
  pos = putView(pos, a._offset, viewOf(a, shape));
  putView(pos, b._offset, viewOf(b, shape));
  native.compare(meta, o._data, a._data, b._data);
  return o;
}

/** cond ? a : b, broadcasting all three (a and b of one dtype already). */
export function whereKernel(cond: Tensor, a: Tensor, b: Tensor): Tensor {
  let shape = broadcastShapes('where', cond._shape, a._shape);
  shape = broadcastShapes('where', shape, b._shape);
  const o = emptyUninit(shape, a.dtype);
  let pos = putHeader(0, shape);
  pos = putView(pos, 0, o._strides);
  pos = putView(pos, cond._offset, viewOf(cond, shape));
  pos = putView(pos, a._offset, viewOf(a, shape));
  putView(pos, b._offset, viewOf(b, shape));
  native.where(meta, o._data, cond._data, a._data, b._data);
  return o;
}

const RELU_BACKWARD = kernelCode('binary', 'ReluBackward');

/** g where y > 0, else 0: relu's derivative as one kernel, not recorded (the fused linear's backward). */
export function reluBackwardKernel(g: Tensor, y: Tensor): Tensor {
  return binaryKernel('relu', RELU_BACKWARD, g, y);
}

/** a && b for bool masks (not recorded: masks carry no gradient). */
export function logicalAnd(a: Tensor, b: Tensor): Tensor {
  return whereKernel(a, castKernel(b, 'bool'), scalarTensor(0, 'bool'));
}

/** Writes `a op b` into `out`: the in-place arithmetic (src/ops/inplace.ts records, if needed). */
export function binaryInto(name: 'add' | 'sub' | 'mul' | 'div', out: Tensor, a: Tensor, b: Scalar): Tensor {
  const k = name === 'add' ? ADD : name === 'sub' ? SUB : name === 'mul' ? MUL : DIV;
  return arithmetic(name, k, a, b, out);
}

/** Writes clamp(x, min, max) into `out` (clamp_). */
export function clampInto(out: Tensor, x: Tensor, min?: number | null, max?: number | null): Tensor {
  if (min == null && max == null) throw rangeError('clamp_', "At least one of 'min' or 'max' must not be None");
  return unaryKernel(CLAMP, x, min == null ? NaN : expectNumber('clamp_', min, 'min'), max == null ? NaN : expectNumber('clamp_', max, 'max'), out);
}
