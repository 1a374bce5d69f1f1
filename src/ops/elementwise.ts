// Elementwise ops with broadcasting: each forward beside its derivative (PyTorch's
// derivatives.yaml, one entry per op). Backward formulas are written with tensor ops, so
// they run in native kernels and, under createGraph, are themselves differentiable.
import { isGradEnabled } from '../autograd/grad_mode.js';
import { promote, promoteWithScalar, type DType, isDType } from '../dtype.js';
import { describe, fmtShape, rangeError, typeError } from '../errors.js';
import { BinaryOp, CompareOp, IntBinaryOp, UnaryOp, meta, native } from '../native.js';
import * as small from '../small_kernels.js';
import { broadcastShapes, broadcastStrides, sameShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { empty, emptyUninit, expectNumber, expectTensor, putHeader, putView, record, savedFor, tracks } from './base.js';

type Scalar = Tensor | number;

// ---- kernels: allocate (or take) the output and make one native call ----------------------

function viewOf(t: Tensor, shape: readonly number[]): number[] {
  return sameShape(t._shape, shape) ? t._strides : broadcastStrides(t._shape, t._strides, shape);
}

function outFor(op: string, shape: number[], dtype: DType, out?: Tensor): Tensor {
  if (!out) return emptyUninit(shape, dtype);
  if (!sameShape(out._shape, shape))
    throw rangeError(op, `output with shape ${fmtShape(out._shape)} doesn't match the broadcast shape ${fmtShape(shape)}`);
  return out;
}

function unaryKernel(op: UnaryOp, x: Tensor, p0 = 0, p1 = 0, out?: Tensor): Tensor {
  const o = out ?? emptyUninit(x._shape.slice(), 'float32');
  let pos = putHeader(op, x._shape, p0, p1);
  pos = putView(pos, o._offset, o._strides);
  putView(pos, x._offset, x._strides);
  small.unary(meta, o._data, x._data) || native.unary(meta, o._data, x._data);
  return o;
}

function binaryKernel(name: string, op: BinaryOp, a: Tensor, b: Tensor, p0 = 0, out?: Tensor): Tensor {
  const shape = sameShape(a._shape, b._shape) ? a._shape.slice() : broadcastShapes(name, a._shape, b._shape);
  const o = outFor(name, shape, 'float32', out);
  let pos = putHeader(op, shape, p0);
  pos = putView(pos, o._offset, o._strides);
  pos = putView(pos, a._offset, viewOf(a, shape));
  putView(pos, b._offset, viewOf(b, shape));
  small.binary(meta, o._data, a._data, b._data) || native.binary(meta, o._data, a._data, b._data);
  return o;
}

function scalarKernel(op: BinaryOp, a: Tensor, s: number, scalarFirst: boolean, p0 = 0, out?: Tensor): Tensor {
  const o = out ?? emptyUninit(a._shape.slice(), 'float32');
  let pos = putHeader(op, a._shape, p0, s, scalarFirst ? 1 : 0);
  pos = putView(pos, o._offset, o._strides);
  putView(pos, a._offset, a._strides);
  small.binaryScalar(meta, o._data, a._data) || native.binaryScalar(meta, o._data, a._data);
  return o;
}

function intKernel(name: string, op: IntBinaryOp, a: Tensor, b: Tensor, out?: Tensor): Tensor {
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
function scalarTensor(v: number, dtype: DType): Tensor {
  const t = empty([], dtype);
  t._data[0] = dtype === 'bool' ? (v ? 1 : 0) : v;
  return t;
}

export function castKernel(x: Tensor, dtype: DType, out?: Tensor): Tensor {
  const o = out ?? emptyUninit(x._shape.slice(), dtype);
  let pos = putHeader(0, o._shape);
  pos = putView(pos, o._offset, o._strides);
  putView(pos, x._offset, viewOf(x, o._shape));
  small.cast(meta, o._data, x._data) || native.cast(meta, o._data, x._data);
  return o;
}

function asFloat(x: Tensor): Tensor {
  return x.dtype === 'float32' ? x : castKernel(x, 'float32');
}

function operand(op: string, v: unknown, what: string): Scalar {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return expectTensor(op, v, what);
}

// ---- dtype conversion -------------------------------------------------------------------

export function toDType(x: Tensor, dtype: DType): Tensor {
  expectTensor('to', x, 'self');
  if (!isDType(dtype)) throw typeError('to', `unknown dtype ${describe(dtype)} (expected 'float32', 'int32' or 'bool')`);
  if (x.dtype === dtype) return x;
  return castKernel(x, dtype);
}

// ---- arithmetic -------------------------------------------------------------------------

type IntPath = IntBinaryOp | null;

/**
 * The shared forward of the arithmetic ops: picks the float, float-with-scalar or int kernel
 * by PyTorch's promotion rule. `out` (in-place forms) skips recording.
 */
function arithmetic(name: string, fop: BinaryOp, iop: IntPath, a: Tensor, b: Scalar, out?: Tensor): Tensor {
  if (typeof b === 'number') {
    const dtype = iop === null ? 'float32' : promoteWithScalar(a.dtype, b);
    if (dtype === 'float32') return scalarKernel(fop, asFloat(a), b, false, 0, out);
    return intKernel(name, iop!, a.dtype === 'int32' ? a : castKernel(a, 'int32'), scalarTensor(b, 'int32'), out);
  }
  const dtype = iop === null ? 'float32' : promote(a.dtype, b.dtype);
  if (dtype === 'float32') return binaryKernel(name, fop, asFloat(a), asFloat(b), 0, out);
  const ai = a.dtype === 'int32' ? a : castKernel(a, 'int32');
  const bi = b.dtype === 'int32' ? b : castKernel(b, 'int32');
  if (dtype === 'int32') return intKernel(name, iop!, ai, bi, out);
  // bool op bool stays bool, as in PyTorch: add/maximum act as "or", mul/minimum as "and".
  if (iop === IntBinaryOp.Sub)
    throw typeError(name, 'Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logical_xor()` operator instead.');
  return castKernel(intKernel(name, iop!, ai, bi), 'bool', out);
}

function alphaOf(op: string, opts: unknown): number {
  if (opts === undefined) return 1;
  if (opts === null || typeof opts !== 'object') throw typeError(op, `options must be an object, got ${describe(opts)}`);
  const alpha = (opts as { alpha?: unknown }).alpha ?? 1;
  if (typeof alpha !== 'number') throw typeError(op, `alpha must be a number, got ${describe(alpha)}`);
  return alpha;
}

export function add(a: Tensor, b: Scalar, opts?: { alpha?: number }, out?: Tensor): Tensor {
  a = expectTensor('add', a, 'self');
  b = operand('add', b, 'other');
  const alpha = alphaOf('add', opts);
  if (alpha !== 1) b = typeof b === 'number' ? b * alpha : mul(b, alpha);
  const y = arithmetic('add', BinaryOp.Add, IntBinaryOp.Add, a, b, out);
  if (out || !tracks(a, b)) return y;
  return record('AddBackward0', y, [a, typeof b === 'number' ? null : b], [], (g) => [g, g]);
}

export function sub(a: Tensor, b: Scalar, opts?: { alpha?: number }, out?: Tensor): Tensor {
  a = expectTensor('sub', a, 'self');
  b = operand('sub', b, 'other');
  const alpha = alphaOf('sub', opts);
  if (alpha !== 1) b = typeof b === 'number' ? b * alpha : mul(b, alpha);
  const y = arithmetic('sub', BinaryOp.Sub, IntBinaryOp.Sub, a, b, out);
  if (out || !tracks(a, b)) return y;
  return record('SubBackward0', y, [a, typeof b === 'number' ? null : b], [], (g, _, needs) => [g, needs[1] ? neg(g) : null]);
}

/** s - x for a JS number s (PyTorch's rsub). */
export function rsub(x: Tensor, s: number): Tensor {
  x = expectTensor('rsub', x, 'self');
  const y = scalarKernel(BinaryOp.Sub, asFloat(x), s, true);
  return record('RsubBackward1', y, [x], [], (g) => [neg(g)]);
}

export function mul(a: Tensor, b: Scalar, out?: Tensor): Tensor {
  a = expectTensor('mul', a, 'self');
  b = operand('mul', b, 'other');
  const y = arithmetic('mul', BinaryOp.Mul, IntBinaryOp.Mul, a, b, out);
  if (out || !tracks(a, b)) return y;
  if (typeof b === 'number') {
    const s = b;
    return record('MulBackward0', y, [a], [], (g) => [mul(g, s)]);
  }
  const bt = b;
  // d/da reads b and d/db reads a: each is saved only if the other side needs a gradient.
  return record('MulBackward0', y, [a, bt], [savedFor(bt._requiresGrad, a), savedFor(a._requiresGrad, bt)], (g, [x, w], needs) => [
    needs[0] ? mul(g, w!) : null,
    needs[1] ? mul(g, x!) : null,
  ]);
}

export function div(a: Tensor, b: Scalar, out?: Tensor): Tensor {
  a = expectTensor('div', a, 'self');
  b = operand('div', b, 'other');
  const y = arithmetic('div', BinaryOp.Div, null, a, b, out);
  if (out || !tracks(a, b)) return y;
  if (typeof b === 'number') {
    const s = b;
    return record('DivBackward0', y, [a], [], (g) => [div(g, s)]);
  }
  // d/da = g / b;  d/db = -g * a / b^2
  return record('DivBackward0', y, [a, b], [savedFor(b._requiresGrad, a), b], (g, [x, w], needs) => [
    needs[0] ? div(g, w!) : null,
    needs[1] ? neg(div(mul(g, x!), mul(w!, w!))) : null,
  ]);
}

/** s / x for a JS number s. */
export function rdiv(x: Tensor, s: number): Tensor {
  x = expectTensor('div', x, 'self');
  const y = scalarKernel(BinaryOp.Div, asFloat(x), s, true);
  return record('DivBackward0', y, [x], [x], (g, [v]) => [neg(div(mul(g, s), mul(v!, v!)))]);
}

export function pow(a: Tensor, b: Scalar): Tensor {
  a = expectTensor('pow', a, 'self');
  b = operand('pow', b, 'exponent');
  if (typeof b === 'number' && a.dtype !== 'float32' && Number.isInteger(b)) {
    // int ** int stays int, as in PyTorch (exact while results fit float32's 24-bit mantissa).
    if (b < 0) throw rangeError('pow', 'Integers to negative integer powers are not allowed.');
    return castKernel(scalarKernel(BinaryOp.Pow, asFloat(a), b, false), 'int32');
  }
  if (typeof b === 'number') {
    const p = b;
    const y = powScalar(asFloat(a), p);
    // d/da = p * a^(p-1); for p = 0 zeros, whatever the incoming gradient (inf or NaN too), as in PyTorch.
    const shape = a._shape;
    return record('PowBackward0', y, [a], [savedFor(p !== 0, a)], (g, [x]) => [
      p === 0 ? empty(shape.slice(), 'float32') : p === 2 ? mul(g, mul(x!, 2)) : mul(g, mul(pow(x!, p - 1), p)),
    ]);
  }
  const y = binaryKernel('pow', BinaryOp.Pow, asFloat(a), asFloat(b));
  // The result is read only by d/de. (PyTorch 1.13 saves it always, so it refuses an in-place
  // change of the result even when the exponent needs no gradient.)
  return record('PowBackward1', y, [a, b], [a, b, savedFor(b._requiresGrad, y)], (g, [x, e, r], needs) => [
    // d/da = e * a^(e-1), defined as 0 where e == 0 (so 0^0 does not give 0 * inf).
    needs[0] ? where(eq(e!, 0), 0, mul(g, mul(e!, pow(x!, sub(e!, 1))))) : null,
    // d/de = a^e * log(a), defined as 0 where a == 0 and e >= 0 (PyTorch's masking).
    needs[1] ? where(logicalAnd(eq(x!, 0), ge(e!, 0)), 0, mul(g, mul(r!, log(x!)))) : null,
  ]);
}

/**
 * x ** p as PyTorch's CPU kernel computes it: exponents 2, 0.5, -0.5 and -1 as x·x, sqrt,
 * rsqrt and 1/x (exact or correctly rounded, where a general pow is a few ulp off), 1 as a copy.
 */
function powScalar(x: Tensor, p: number): Tensor {
  switch (p) {
    case 1: return scalarKernel(BinaryOp.Mul, x, 1, false);
    case 2: return unaryKernel(UnaryOp.Square, x);
    case 0.5: return unaryKernel(UnaryOp.Sqrt, x);
    case -0.5: return unaryKernel(UnaryOp.Rsqrt, x);
    case -1: return unaryKernel(UnaryOp.Reciprocal, x);
    default: return scalarKernel(BinaryOp.Pow, x, p, false);
  }
}

/** s ** x for a JS number s. */
export function rpow(x: Tensor, s: number): Tensor {
  x = expectTensor('pow', x, 'exponent');
  const y = scalarKernel(BinaryOp.Pow, asFloat(x), s, true);
  // d/dx = s^x * log(s). For s = 0 that is 0 where x >= 0 and -inf where x < 0 (inf * -inf),
  // masked before the incoming gradient multiplies it, as PyTorch's pow_backward_exponent.
  if (s === 0)
    return record('PowBackward2', y, [x], [x, y], (g, [e, r]) => [mul(g, where(ge(e!, 0), 0, mul(r!, -Infinity)))]);
  return record('PowBackward2', y, [x], [y], (g, [r]) => [mul(g, mul(r!, Math.log(s)))]);
}

export function maximum(a: Tensor, b: Scalar): Tensor {
  return extremum('maximum', a, b, true);
}

export function minimum(a: Tensor, b: Scalar): Tensor {
  return extremum('minimum', a, b, false);
}

function extremum(name: string, a: Tensor, b: Scalar, isMax: boolean): Tensor {
  a = expectTensor(name, a, 'self');
  const bt = typeof b === 'number' ? scalarTensor(b, promoteWithScalar(a.dtype, b)) : expectTensor(name, b, 'other');
  const y = arithmetic(name, isMax ? BinaryOp.Maximum : BinaryOp.Minimum, isMax ? IntBinaryOp.Maximum : IntBinaryOp.Minimum, a, bt);
  // Ties split the gradient in half, as in PyTorch.
  return record(isMax ? 'MaximumBackward0' : 'MinimumBackward0', y, [a, typeof b === 'number' ? null : bt], [a, bt], (g, [x, o]) => {
    const half = where(eq(x!, o!), mul(g, 0.5), g);
    const xWins = isMax ? gt(x!, o!) : lt(x!, o!);
    const oWins = isMax ? lt(x!, o!) : gt(x!, o!);
    return [where(oWins, 0, half), where(xWins, 0, half)];
  });
}

// ---- unary ------------------------------------------------------------------------------

function unary(name: string, op: UnaryOp, x: Tensor, p0 = 0, p1 = 0): Tensor {
  x = expectTensor(name, x, 'self');
  return unaryKernel(op, asFloat(x), p0, p1);
}

/** Float ops that PyTorch also applies to int tensors keep the int dtype. */
function keepInt(name: string, op: UnaryOp, x: Tensor, p0 = 0, p1 = 0): Tensor {
  const y = unary(name, op, x, p0, p1);
  return x.dtype === 'int32' ? castKernel(y, 'int32') : y;
}

export function neg(x: Tensor): Tensor {
  const y = keepInt('neg', UnaryOp.Neg, x);
  return record('NegBackward0', y, [x], [], (g) => [neg(g)]);
}

export function abs(x: Tensor): Tensor {
  const y = keepInt('abs', UnaryOp.Abs, x);
  return record('AbsBackward0', y, [x], [x], (g, [v]) => [mul(g, sign(v!))]);
}

export function sign(x: Tensor): Tensor {
  const y = keepInt('sign', UnaryOp.Sign, x);
  return record('SignBackward0', y, [x], [], (g) => [mul(g, 0)]);
}

export function exp(x: Tensor): Tensor {
  const y = unary('exp', UnaryOp.Exp, x);
  return record('ExpBackward0', y, [x], [y], (g, [r]) => [mul(g, r!)]);
}

export function log(x: Tensor): Tensor {
  const y = unary('log', UnaryOp.Log, x);
  return record('LogBackward0', y, [x], [x], (g, [v]) => [div(g, v!)]);
}

export function sqrt(x: Tensor): Tensor {
  const y = unary('sqrt', UnaryOp.Sqrt, x);
  return record('SqrtBackward0', y, [x], [y], (g, [r]) => [div(g, mul(r!, 2))]);
}

export function rsqrt(x: Tensor): Tensor {
  const y = unary('rsqrt', UnaryOp.Rsqrt, x);
  // d/dx x^(-1/2) = -0.5 * y^3
  return record('RsqrtBackward0', y, [x], [y], (g, [r]) => [mul(g, mul(pow(r!, 3), -0.5))]);
}

export function square(x: Tensor): Tensor {
  const y = keepInt('square', UnaryOp.Square, x);
  return record('PowBackward0', y, [x], [x], (g, [v]) => [mul(g, mul(v!, 2))]);
}

export function reciprocal(x: Tensor): Tensor {
  const y = unary('reciprocal', UnaryOp.Reciprocal, x);
  return record('ReciprocalBackward0', y, [x], [y], (g, [r]) => [neg(mul(g, mul(r!, r!)))]);
}

export function sin(x: Tensor): Tensor {
  const y = unary('sin', UnaryOp.Sin, x);
  return record('SinBackward0', y, [x], [x], (g, [v]) => [mul(g, cos(v!))]);
}

export function cos(x: Tensor): Tensor {
  const y = unary('cos', UnaryOp.Cos, x);
  return record('CosBackward0', y, [x], [x], (g, [v]) => [neg(mul(g, sin(v!)))]);
}

export function tanh(x: Tensor): Tensor {
  const y = unary('tanh', UnaryOp.Tanh, x);
  return record('TanhBackward0', y, [x], [y], (g, [r]) => [tanhBackward(g, r!)]);
}

export function sigmoid(x: Tensor): Tensor {
  const y = unary('sigmoid', UnaryOp.Sigmoid, x);
  return record('SigmoidBackward0', y, [x], [y], (g, [r]) => [sigmoidBackward(g, r!)]);
}

export function relu(x: Tensor): Tensor {
  const y = keepInt('relu', UnaryOp.Relu, x);
  return record('ReluBackward0', y, [x], [y], (g, [r]) => [reluBackward(g, r!)]);
}

export function leakyRelu(x: Tensor, slope = 0.01): Tensor {
  const s = expectNumber('leakyRelu', slope, 'negativeSlope');
  const y = unary('leakyRelu', UnaryOp.LeakyRelu, x, s);
  return record('LeakyReluBackward0', y, [x], [x], (g, [v]) => [leakyReluBackward(g, v!, s)]);
}

export function gelu(x: Tensor): Tensor {
  const y = unary('gelu', UnaryOp.Gelu, x);
  return record('GeluBackward0', y, [x], [x], (g, [v]) => [geluBackward(g, v!)]);
}

export function softplus(x: Tensor): Tensor {
  const y = unary('softplus', UnaryOp.Softplus, x);
  return record('SoftplusBackward0', y, [x], [x], (g, [v]) => [softplusBackward(g, v!)]);
}

export function clamp(x: Tensor, min?: number | null, max?: number | null): Tensor {
  x = expectTensor('clamp', x, 'self');
  if (min == null && max == null) throw rangeError('clamp', "At least one of 'min' or 'max' must not be None");
  const lo = min == null ? NaN : expectNumber('clamp', min, 'min');
  const hi = max == null ? NaN : expectNumber('clamp', max, 'max');
  const y = keepInt('clamp', UnaryOp.Clamp, x, lo, hi);
  // Gradient passes where min <= x <= max.
  return record('ClampBackward1', y, [x], [x], (g, [v]) => {
    let mask: Tensor | null = null;
    if (min != null) mask = ge(v!, lo);
    if (max != null) mask = mask ? logicalAnd(mask, le(v!, hi)) : le(v!, hi);
    return [where(mask!, g, 0)];
  });
}

// ---- the fused local derivatives, themselves differentiable ----------------------------

// The saved input is a recorded (zero-derivative) input, as in PyTorch, so a first derivative
// built under createGraph still requires grad and differentiates to zeros.
export function reluBackward(g: Tensor, y: Tensor): Tensor {
  const r = binaryKernel('relu', BinaryOp.ReluBackward, g, y);
  return record('ThresholdBackwardBackward0', r, [g, y], [y], (gg, [yy], needs) => [
    needs[0] ? reluBackward(gg, yy!) : null,
    needs[1] ? mul(yy!, 0) : null,
  ]);
}

function sigmoidBackward(g: Tensor, y: Tensor): Tensor {
  const r = binaryKernel('sigmoid', BinaryOp.SigmoidBackward, g, y);
  // d/dg = y(1-y); d/dy = g(1-2y)
  return record('SigmoidBackwardBackward0', r, [g, y], [savedFor(y._requiresGrad, g), y], (gg, [g0, y0], needs) => [
    needs[0] ? sigmoidBackward(gg, y0!) : null,
    needs[1] ? mul(gg, mul(g0!, rsub(mul(y0!, 2), 1))) : null,
  ]);
}

function tanhBackward(g: Tensor, y: Tensor): Tensor {
  const r = binaryKernel('tanh', BinaryOp.TanhBackward, g, y);
  // d/dg = 1 - y^2; d/dy = -2 g y
  return record('TanhBackwardBackward0', r, [g, y], [savedFor(y._requiresGrad, g), y], (gg, [g0, y0], needs) => [
    needs[0] ? tanhBackward(gg, y0!) : null,
    needs[1] ? mul(gg, mul(mul(g0!, y0!), -2)) : null,
  ]);
}

function leakyReluBackward(g: Tensor, x: Tensor, slope: number): Tensor {
  const r = binaryKernel('leakyRelu', BinaryOp.LeakyReluBackward, g, x, slope);
  return record('LeakyReluBackwardBackward0', r, [g, x], [x], (gg, [x0], needs) => [
    needs[0] ? leakyReluBackward(gg, x0!, slope) : null,
    needs[1] ? mul(x0!, 0) : null,
  ]);
}

function geluBackward(g: Tensor, x: Tensor): Tensor {
  const r = binaryKernel('gelu', BinaryOp.GeluBackward, g, x);
  // d/dg = gelu'(x); d/dx = g * gelu''(x), gelu''(x) = phi(x) (2 - x^2)
  return record('GeluBackwardBackward0', r, [g, x], [savedFor(x._requiresGrad, g), x], (gg, [g0, x0], needs) => {
    if (!needs[1]) return [geluBackward(gg, x0!), null];
    const phi = mul(exp(mul(square(x0!), -0.5)), 0.3989422804014327);
    return [needs[0] ? geluBackward(gg, x0!) : null, mul(gg, mul(g0!, mul(phi, rsub(square(x0!), 2))))];
  });
}

function softplusBackward(g: Tensor, x: Tensor): Tensor {
  const r = binaryKernel('softplus', BinaryOp.SoftplusBackward, g, x);
  // d/dg = sigmoid(x); d/dx = g * s (1 - s)
  return record('SoftplusBackwardBackward0', r, [g, x], [savedFor(x._requiresGrad, g), x], (gg, [g0, x0], needs) => {
    if (!needs[1]) return [softplusBackward(gg, x0!), null];
    const s = sigmoid(x0!);
    return [needs[0] ? softplusBackward(gg, x0!) : null, mul(gg, mul(g0!, mul(s, rsub(s, 1))))];
  });
}

// ---- comparisons and selection ------------------------------------------------------------

function comparison(name: string, op: CompareOp, a: Tensor, b: Scalar): Tensor {
  a = expectTensor(name, a, 'self');
  b = operand(name, b, 'other');
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

export const eq = (a: Tensor, b: Scalar) => comparison('eq', CompareOp.Eq, a, b);
export const ne = (a: Tensor, b: Scalar) => comparison('ne', CompareOp.Ne, a, b);
export const lt = (a: Tensor, b: Scalar) => comparison('lt', CompareOp.Lt, a, b);
export const le = (a: Tensor, b: Scalar) => comparison('le', CompareOp.Le, a, b);
export const gt = (a: Tensor, b: Scalar) => comparison('gt', CompareOp.Gt, a, b);
export const ge = (a: Tensor, b: Scalar) => comparison('ge', CompareOp.Ge, a, b);

export function logicalAnd(a: Tensor, b: Tensor): Tensor {
  return where(a, castKernel(b, 'bool'), scalarTensor(0, 'bool'));
}

/** cond ? a : b, broadcasting all three. */
export function where(cond: Tensor, a: Scalar, b: Scalar): Tensor {
  cond = expectTensor('where', cond, 'condition');
  if (cond.dtype !== 'bool') throw typeError('where', `condition must be a bool tensor, got ${cond.dtype}`);
  a = operand('where', a, 'input');
  b = operand('where', b, 'other');
  const at = a instanceof Tensor ? a : null, bt = b instanceof Tensor ? b : null;
  const dtype =
    at && bt ? promote(at.dtype, bt.dtype)
    : at ? promoteWithScalar(at.dtype, b as number)
    : bt ? promoteWithScalar(bt.dtype, a as number)
    : 'float32';
  const ta = at ? (at.dtype === dtype ? at : castKernel(at, dtype)) : scalarTensor(a as number, dtype);
  const tb = bt ? (bt.dtype === dtype ? bt : castKernel(bt, dtype)) : scalarTensor(b as number, dtype);
  let shape = broadcastShapes('where', cond._shape, ta._shape);
  shape = broadcastShapes('where', shape, tb._shape);
  const o = emptyUninit(shape, dtype);
  let pos = putHeader(0, shape);
  pos = putView(pos, 0, o._strides);
  pos = putView(pos, cond._offset, viewOf(cond, shape));
  pos = putView(pos, ta._offset, viewOf(ta, shape));
  putView(pos, tb._offset, viewOf(tb, shape));
  native.where(meta, o._data, cond._data, ta._data, tb._data);
  if (!isGradEnabled()) return o;
  return record('WhereBackward0', o, [at, bt], [cond], (g, [c]) => [
    at ? where(c!, g, 0) : null,
    bt ? where(c!, 0, g) : null,
  ]);
}

// ---- in-place kernels (no recording; src/ops/inplace.ts handles autograd) ---------------

/** Writes `a op b` into `out` (the in-place forms call this with out = self). */
export function binaryInto(name: 'add' | 'sub' | 'mul' | 'div', out: Tensor, a: Tensor, b: Scalar): Tensor {
  switch (name) {
    case 'add': return add(a, b, undefined, out);
    case 'sub': return sub(a, b, undefined, out);
    case 'mul': return mul(a, b, out);
    case 'div': return div(a, b, out);
  }
}

export function clampInto(out: Tensor, x: Tensor, min?: number | null, max?: number | null): Tensor {
  if (min == null && max == null) throw rangeError('clamp_', "At least one of 'min' or 'max' must not be None");
  return unaryKernel(UnaryOp.Clamp, x, min == null ? NaN : expectNumber('clamp_', min, 'min'), max == null ? NaN : expectNumber('clamp_', max, 'max'), out);
}
