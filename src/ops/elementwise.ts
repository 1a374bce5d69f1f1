// The elementwise ops, each declared once in the op registry: forward beside derivative (one
// entry per op, as in PyTorch's derivatives.yaml). A unary op that is one kernel is a
// `unaryOp` entry: its kernel (cpp/kernels/ops.h), its backward node's name, what it saves
// and its derivative; it becomes `tg.<name>` and `Tensor.<name>()`. Backward formulas are
// written with the ops themselves, so they run in native kernels and, under createGraph, are
// differentiable. Every export of this file is a public op (src/ops/public.ts re-exports it).
import { isGradEnabled } from '../autograd/grad_mode.js';
import { promote, promoteWithScalar } from '../dtype.js';
import { rangeError, typeError, describe } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { empty, expectNumber, expectTensor, isTensor, record, savedFor, tracks } from './base.js';
import {
  ADD, BIN, DIV, FLOOR_DIVIDE, MAXIMUM, MINIMUM, MUL, REMAINDER, SUB, arithmetic, asFloat, binaryKernel, castKernel, compareKernel,
  logicalAnd, operand, scalarKernel, scalarTensor, unaryKernel, whereKernel, type Scalar,
} from './elementwise_kernels.js';
import { def, kernelCode } from './registry.js';

// ---- arithmetic -------------------------------------------------------------------------

function alphaOf(op: string, opts: unknown): number {
  if (opts === undefined) return 1;
  if (opts === null || typeof opts !== 'object') throw typeError(op, `options must be an object, got ${describe(opts)}`);
  const alpha = (opts as { alpha?: unknown }).alpha ?? 1;
  if (typeof alpha !== 'number') throw typeError(op, `alpha must be a number, got ${describe(alpha)}`);
  return alpha;
}

/** a + alpha·b with broadcasting; either side may be a number. */
export const add = def('add', (a: Scalar, b: Scalar, opts?: { alpha?: number }): Tensor => {
  if (typeof a === 'number') return add(mul(expectTensor('add', b, 'other'), alphaOf('add', opts)), a);
  a = expectTensor('add', a, 'self');
  b = operand('add', b, 'other');
  const alpha = alphaOf('add', opts);
  if (alpha !== 1) b = typeof b === 'number' ? b * alpha : mul(b, alpha);
  const y = arithmetic('add', ADD, a, b);
  if (!tracks(a, b)) return y;
  return record('AddBackward0', y, [a, typeof b === 'number' ? null : b], [], (g) => [g, g]);
});

/** a − alpha·b with broadcasting; either side may be a number. */
export const sub = def('sub', (a: Scalar, b: Scalar, opts?: { alpha?: number }): Tensor => {
  if (typeof a === 'number') return rsub(mul(expectTensor('sub', b, 'other'), alphaOf('sub', opts)), a);
  a = expectTensor('sub', a, 'self');
  b = operand('sub', b, 'other');
  const alpha = alphaOf('sub', opts);
  if (alpha !== 1) b = typeof b === 'number' ? b * alpha : mul(b, alpha);
  const y = arithmetic('sub', SUB, a, b);
  if (!tracks(a, b)) return y;
  return record('SubBackward0', y, [a, typeof b === 'number' ? null : b], [], (g, _, needs) => [g, needs[1] ? neg(g) : null]);
});

/** s - x for a JS number s (PyTorch's rsub). */
function rsub(x: Scalar, s: number): Tensor {
  x = expectTensor('rsub', x, 'self');
  const y = scalarKernel(BIN.Sub, asFloat(x), s, true);
  return record('RsubBackward1', y, [x], [], (g) => [neg(g)]);
}

/** Elementwise a·b with broadcasting; either side may be a number. */
export const mul = def('mul', (a: Scalar, b: Scalar): Tensor => {
  if (typeof a === 'number') return mul(expectTensor('mul', b, 'other'), a);
  a = expectTensor('mul', a, 'self');
  b = operand('mul', b, 'other');
  const y = arithmetic('mul', MUL, a, b);
  if (!tracks(a, b)) return y;
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
});

/** Elementwise true division a / b with broadcasting; either side may be a number. */
export const div = def('div', (a: Scalar, b: Scalar): Tensor => {
  if (typeof a === 'number') return rdiv(b, a);
  a = expectTensor('div', a, 'self');
  b = operand('div', b, 'other');
  const y = arithmetic('div', DIV, a, b);
  if (!tracks(a, b)) return y;
  if (typeof b === 'number') {
    const s = b;
    return record('DivBackward0', y, [a], [], (g) => [div(g, s)]);
  }
  // d/da = g / b;  d/db = -g * a / b^2
  return record('DivBackward0', y, [a, b], [savedFor(b._requiresGrad, a), b], (g, [x, w], needs) => [
    needs[0] ? div(g, w!) : null,
    needs[1] ? neg(div(mul(g, x!), mul(w!, w!))) : null,
  ]);
});

/** s / x for a JS number s. */
function rdiv(x: Scalar, s: number): Tensor {
  x = expectTensor('div', x, 'self');
  const y = scalarKernel(BIN.Div, asFloat(x), s, true);
  return record('DivBackward0', y, [x], [x], (g, [v]) => [neg(div(mul(g, s), mul(v!, v!)))]);
}

/** Elementwise a to the power b with broadcasting; either side may be a number. */
export const pow = def('pow', (a: Scalar, b: Scalar): Tensor => {
  if (typeof a === 'number') return rpow(b, a);
  a = expectTensor('pow', a, 'self');
  b = operand('pow', b, 'exponent');
  if (typeof b === 'number' && a.dtype !== 'float32' && Number.isInteger(b)) {
    // int ** int stays int, as in PyTorch (exact while results fit float32's 24-bit mantissa).
    if (b < 0) throw rangeError('pow', 'Integers to negative integer powers are not allowed.');
    return castKernel(scalarKernel(BIN.Pow, asFloat(a), b, false), 'int32');
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
  const y = binaryKernel('pow', BIN.Pow, asFloat(a), asFloat(b));
  // The result is read only by d/de. (PyTorch 1.13 saves it always, so it refuses an in-place
  // change of the result even when the exponent needs no gradient.)
  return record('PowBackward1', y, [a, b], [a, b, savedFor(b._requiresGrad, y)], (g, [x, e, r], needs) => [
    // d/da = e * a^(e-1), defined as 0 where e == 0 (so 0^0 does not give 0 * inf).
    needs[0] ? where(eq(e!, 0), 0, mul(g, mul(e!, pow(x!, sub(e!, 1))))) : null,
    // d/de = a^e * log(a), defined as 0 where a == 0 and e >= 0 (PyTorch's masking).
    needs[1] ? where(logicalAnd(eq(x!, 0), ge(e!, 0)), 0, mul(g, mul(r!, log(x!)))) : null,
  ]);
});

const SQUARE = kernelCode('unary', 'Square'), SQRT = kernelCode('unary', 'Sqrt');
const RSQRT = kernelCode('unary', 'Rsqrt'), RECIPROCAL = kernelCode('unary', 'Reciprocal');

/**
 * x ** p as PyTorch's CPU kernel computes it: exponents 2, 0.5, -0.5 and -1 as x·x, sqrt,
 * rsqrt and 1/x (exact or correctly rounded, where a general pow is a few ulp off), 1 as a copy.
 */
function powScalar(x: Tensor, p: number): Tensor {
  switch (p) {
    case 1: return scalarKernel(BIN.Mul, x, 1, false);
    case 2: return unaryKernel(SQUARE, x);
    case 0.5: return unaryKernel(SQRT, x);
    case -0.5: return unaryKernel(RSQRT, x);
    case -1: return unaryKernel(RECIPROCAL, x);
    default: return scalarKernel(BIN.Pow, x, p, false);
  }
}

/** s ** x for a JS number s. */
function rpow(x: Scalar, s: number): Tensor {
  x = expectTensor('pow', x, 'exponent');
  const y = scalarKernel(BIN.Pow, asFloat(x), s, true);
  // d/dx = s^x * log(s). For s = 0 that is 0 where x >= 0 and -inf where x < 0 (inf * -inf),
  // masked before the incoming gradient multiplies it, as PyTorch's pow_backward_exponent.
  if (s === 0)
    return record('PowBackward2', y, [x], [x, y], (g, [e, r]) => [mul(g, where(ge(e!, 0), 0, mul(r!, -Infinity)))]);
  return record('PowBackward2', y, [x], [y], (g, [r]) => [mul(g, mul(r!, Math.log(s)))]);
}

function extremum(name: string, a: Tensor, b: Scalar, isMax: boolean): Tensor {
  a = expectTensor(name, a, 'self');
  const bt = typeof b === 'number' ? scalarTensor(b, promoteWithScalar(a.dtype, b)) : expectTensor(name, b, 'other');
  const y = arithmetic(name, isMax ? MAXIMUM : MINIMUM, a, bt);
  // Ties split the gradient in half, as in PyTorch.
  return record(isMax ? 'MaximumBackward0' : 'MinimumBackward0', y, [a, typeof b === 'number' ? null : bt], [a, bt], (g, [x, o]) => {
    const half = where(eq(x!, o!), mul(g, 0.5), g);
    const xWins = isMax ? gt(x!, o!) : lt(x!, o!);
    const oWins = isMax ? lt(x!, o!) : gt(x!, o!);
    return [where(oWins, 0, half), where(xWins, 0, half)];
  });
}

/** Elementwise larger of a and b, with broadcasting. */
export const maximum = def('maximum', (a: Tensor, b: Scalar): Tensor => extremum('maximum', a, b, true));

/** Elementwise smaller of a and b, with broadcasting. */
export const minimum = def('minimum', (a: Tensor, b: Scalar): Tensor => extremum('minimum', a, b, false));

/** The Python-style remainder a − b·⌊a / b⌋ (the sign of b), with broadcasting; either side may be a number. */
export const remainder = def('remainder', (a: Scalar, b: Scalar): Tensor => {
  if (typeof a === 'number') {
    const bt = expectTensor('remainder', b, 'other');
    return remainder(scalarTensor(a, promoteWithScalar(bt.dtype, a)), bt);
  }
  a = expectTensor('remainder', a, 'self');
  b = operand('remainder', b, 'other');
  const y = arithmetic('remainder', REMAINDER, a, b);
  if (!tracks(a, b)) return y;
  if (typeof b === 'number') return record('RemainderBackward0', y, [a], [], (g) => [g]);
  // d/da = g; d/db = −g · ⌊a / b⌋.
  const bt = b;
  return record('RemainderBackward1', y, [a, bt], [savedFor(bt._requiresGrad, a), savedFor(bt._requiresGrad, bt)], (g, [x, w], needs) => [
    needs[0] ? g : null,
    needs[1] ? neg(mul(g, floorDivide(x!, w!))) : null,
  ]);
});

/** a / b rounded down (PyTorch 1.13's floor_divide), with broadcasting; either side may be a number. Not differentiable. */
export const floorDivide = def('floorDivide', (a: Scalar, b: Scalar): Tensor => {
  if (typeof a === 'number') {
    const bt = expectTensor('floorDivide', b, 'other');
    return floorDivide(scalarTensor(a, promoteWithScalar(bt.dtype, a)), bt);
  }
  a = expectTensor('floorDivide', a, 'self');
  b = operand('floorDivide', b, 'other');
  const y = arithmetic('floorDivide', FLOOR_DIVIDE, a, b);
  if (!tracks(a, b)) return y;
  // PyTorch records the op with a backward that refuses: a gradient through it is an error, not a silent 0.
  return record('FloorDivideBackward0', y, [a, typeof b === 'number' ? null : b], [], () => {
    throw new Error('floorDivide: the derivative for floor_divide is not implemented');
  });
});

// ---- unary ------------------------------------------------------------------------------

/** What a unary op's derivative reads: its input x, its result y, or nothing. */
type Saves = 'input' | 'result' | 'none';

interface UnaryEntry {
  /** The kernel: a UnaryOp enumerator of cpp/kernels/ops.h. */
  kernel: string;
  /** PyTorch's name for the backward node, e.g. 'ExpBackward0'. */
  node: string;
  saves: Saves;
  /** The gradient of the input from the incoming gradient g and the saved tensor (x or y). */
  derivative: (g: Tensor, saved: Tensor) => Tensor;
  /** An int32 input gives an int32 result (PyTorch's neg, abs, relu...); otherwise float32. */
  keepsInt?: boolean;
  /** An int32 input is already its result (the rounding ops): returned as a copy, never through float32. */
  intIsIdentity?: boolean;
}

/** Declares the unary op `name`: forward = one kernel call, backward = `derivative`. */
function unaryOp(name: string, e: UnaryEntry) {
  const code = kernelCode('unary', e.kernel);
  const { node, saves, derivative, keepsInt = false, intIsIdentity = false } = e;
  const fn = (x: Tensor): Tensor => {
    x = expectTensor(name, x, 'self');
    if (intIsIdentity && x.dtype !== 'float32') {
      if (x.dtype === 'bool') throw typeError(name, `"${name}" not implemented for 'bool'`);
      return castKernel(x, 'int32');
    }
    let y = unaryKernel(code, asFloat(x));
    if (keepsInt && x.dtype === 'int32') y = castKernel(y, 'int32');
    if (!tracks(x)) return y;
    const saved = saves === 'input' ? [x] : saves === 'result' ? [y] : [];
    return record(node, y, [x], saved, (g, [s]) => [derivative(g, s!)]);
  };
  return def(name, fn, { kernel: ['unary', e.kernel] });
}

/** Elementwise −x. */
export const neg = unaryOp('neg', { kernel: 'Neg', node: 'NegBackward0', saves: 'none', keepsInt: true, derivative: (g) => neg(g) });

/** Elementwise |x|. */
export const abs = unaryOp('abs', { kernel: 'Abs', node: 'AbsBackward0', saves: 'input', keepsInt: true, derivative: (g, x) => mul(g, sign(x)) });

/** Elementwise −1, 0 or 1. */
export const sign = unaryOp('sign', { kernel: 'Sign', node: 'SignBackward0', saves: 'none', keepsInt: true, derivative: (g) => mul(g, 0) });

/** Elementwise eˣ. */
export const exp = unaryOp('exp', { kernel: 'Exp', node: 'ExpBackward0', saves: 'result', derivative: (g, y) => mul(g, y) });

/** Elementwise natural logarithm. */
export const log = unaryOp('log', { kernel: 'Log', node: 'LogBackward0', saves: 'input', derivative: (g, x) => div(g, x) });

/** Elementwise base-2 logarithm. */
export const log2 = unaryOp('log2', { kernel: 'Log2', node: 'Log2Backward0', saves: 'input', derivative: (g, x) => div(g, mul(x, Math.LN2)) });

/** Elementwise square root. */
export const sqrt = unaryOp('sqrt', { kernel: 'Sqrt', node: 'SqrtBackward0', saves: 'result', derivative: (g, y) => div(g, mul(y, 2)) });

/** Elementwise 1 / √x. */
export const rsqrt = unaryOp('rsqrt', {
  kernel: 'Rsqrt', node: 'RsqrtBackward0', saves: 'result',
  derivative: (g, y) => mul(g, mul(pow(y, 3), -0.5)),  // d/dx x^(-1/2) = -0.5 y^3
});

/** Elementwise x². */
export const square = unaryOp('square', { kernel: 'Square', node: 'PowBackward0', saves: 'input', keepsInt: true, derivative: (g, x) => mul(g, mul(x, 2)) });

/** Elementwise 1 / x. */
export const reciprocal = unaryOp('reciprocal', {
  kernel: 'Reciprocal', node: 'ReciprocalBackward0', saves: 'result', derivative: (g, y) => neg(mul(g, mul(y, y))),
});

/** Elementwise sine. */
export const sin = unaryOp('sin', { kernel: 'Sin', node: 'SinBackward0', saves: 'input', derivative: (g, x) => mul(g, cos(x)) });

/** Elementwise cosine. */
export const cos = unaryOp('cos', { kernel: 'Cos', node: 'CosBackward0', saves: 'input', derivative: (g, x) => neg(mul(g, sin(x))) });

/** Elementwise hyperbolic tangent. */
export const tanh = unaryOp('tanh', { kernel: 'Tanh', node: 'TanhBackward0', saves: 'result', derivative: (g, y) => tanhBackward(g, y) });

/** Elementwise 1 / (1 + e⁻ˣ). */
export const sigmoid = unaryOp('sigmoid', { kernel: 'Sigmoid', node: 'SigmoidBackward0', saves: 'result', derivative: (g, y) => sigmoidBackward(g, y) });

/** Elementwise max(x, 0). */
export const relu = unaryOp('relu', { kernel: 'Relu', node: 'ReluBackward0', saves: 'result', keepsInt: true, derivative: (g, y) => reluBackward(g, y) });

/** Elementwise GELU, x·Φ(x). */
export const gelu = unaryOp('gelu', { kernel: 'Gelu', node: 'GeluBackward0', saves: 'input', derivative: (g, x) => geluBackward(g, x) });

/** Elementwise log(1 + eˣ). */
export const softplus = unaryOp('softplus', { kernel: 'Softplus', node: 'SoftplusBackward0', saves: 'input', derivative: (g, x) => softplusBackward(g, x) });

/** Zeros of the gradient's shape: the derivative of the piecewise-constant rounding ops (PyTorch's zeros_like). */
const zerosOf = (g: Tensor): Tensor => empty(g._shape.slice(), 'float32');

/** Elementwise ⌊x⌋. */
export const floor = unaryOp('floor', { kernel: 'Floor', node: 'FloorBackward0', saves: 'none', intIsIdentity: true, derivative: zerosOf });

/** Elementwise ⌈x⌉. */
export const ceil = unaryOp('ceil', { kernel: 'Ceil', node: 'CeilBackward0', saves: 'none', intIsIdentity: true, derivative: zerosOf });

/** Elementwise x rounded to the nearest integer, halves to even (PyTorch's round). */
export const round = unaryOp('round', { kernel: 'Round', node: 'RoundBackward0', saves: 'none', intIsIdentity: true, derivative: zerosOf });

/** Elementwise x rounded toward zero. */
export const trunc = unaryOp('trunc', { kernel: 'Trunc', node: 'TruncBackward0', saves: 'none', intIsIdentity: true, derivative: zerosOf });

const LEAKY_RELU = kernelCode('unary', 'LeakyRelu'), CLAMP = kernelCode('unary', 'Clamp');

/** Elementwise x for x > 0, negativeSlope·x otherwise. */
export const leakyRelu = def('leakyRelu', (x: Tensor, negativeSlope = 0.01): Tensor => {
  x = expectTensor('leakyRelu', x, 'self');
  const s = expectNumber('leakyRelu', negativeSlope, 'negativeSlope');
  const y = unaryKernel(LEAKY_RELU, asFloat(x), s);
  return record('LeakyReluBackward0', y, [x], [x], (g, [v]) => [leakyReluBackward(g, v!, s)]);
}, { kernel: ['unary', 'LeakyRelu'] });

/** Elementwise x limited to [min, max]; a null or omitted bound is not applied. */
export const clamp = def('clamp', (x: Tensor, min?: number | null, max?: number | null): Tensor => {
  x = expectTensor('clamp', x, 'self');
  if (min == null && max == null) throw rangeError('clamp', "At least one of 'min' or 'max' must not be None");
  const lo = min == null ? NaN : expectNumber('clamp', min, 'min');
  const hi = max == null ? NaN : expectNumber('clamp', max, 'max');
  let y = unaryKernel(CLAMP, asFloat(x), lo, hi);
  if (x.dtype === 'int32') y = castKernel(y, 'int32');
  // Gradient passes where min <= x <= max.
  return record('ClampBackward1', y, [x], [x], (g, [v]) => {
    let mask: Tensor | null = null;
    if (min != null) mask = ge(v!, lo);
    if (max != null) mask = mask ? logicalAnd(mask, le(v!, hi)) : le(v!, hi);
    return [where(mask!, g, 0)];
  });
}, { kernel: ['unary', 'Clamp'] });

// ---- the fused local derivatives, themselves differentiable ----------------------------

const RELU_BACKWARD = kernelCode('binary', 'ReluBackward'), SIGMOID_BACKWARD = kernelCode('binary', 'SigmoidBackward');
const TANH_BACKWARD = kernelCode('binary', 'TanhBackward'), GELU_BACKWARD = kernelCode('binary', 'GeluBackward');
const SOFTPLUS_BACKWARD = kernelCode('binary', 'SoftplusBackward'), LEAKY_RELU_BACKWARD = kernelCode('binary', 'LeakyReluBackward');

// The saved input is a recorded (zero-derivative) input, as in PyTorch, so a first derivative
// built under createGraph still requires grad and differentiates to zeros.
function reluBackward(g: Tensor, y: Tensor): Tensor {
  const r = binaryKernel('relu', RELU_BACKWARD, g, y);
  return record('ThresholdBackwardBackward0', r, [g, y], [y], (gg, [yy], needs) => [
    needs[0] ? reluBackward(gg, yy!) : null,
    needs[1] ? mul(yy!, 0) : null,
  ]);
}

function sigmoidBackward(g: Tensor, y: Tensor): Tensor {
  const r = binaryKernel('sigmoid', SIGMOID_BACKWARD, g, y);
  // d/dg = y(1-y); d/dy = g(1-2y)
  return record('SigmoidBackwardBackward0', r, [g, y], [savedFor(y._requiresGrad, g), y], (gg, [g0, y0], needs) => [
    needs[0] ? sigmoidBackward(gg, y0!) : null,
    needs[1] ? mul(gg, mul(g0!, rsub(mul(y0!, 2), 1))) : null,
  ]);
}

function tanhBackward(g: Tensor, y: Tensor): Tensor {
  const r = binaryKernel('tanh', TANH_BACKWARD, g, y);
  // d/dg = 1 - y^2; d/dy = -2 g y
  return record('TanhBackwardBackward0', r, [g, y], [savedFor(y._requiresGrad, g), y], (gg, [g0, y0], needs) => [
    needs[0] ? tanhBackward(gg, y0!) : null,
    needs[1] ? mul(gg, mul(mul(g0!, y0!), -2)) : null,
  ]);
}

function leakyReluBackward(g: Tensor, x: Tensor, slope: number): Tensor {
  const r = binaryKernel('leakyRelu', LEAKY_RELU_BACKWARD, g, x, slope);
  return record('LeakyReluBackwardBackward0', r, [g, x], [x], (gg, [x0], needs) => [
    needs[0] ? leakyReluBackward(gg, x0!, slope) : null,
    needs[1] ? mul(x0!, 0) : null,
  ]);
}

function geluBackward(g: Tensor, x: Tensor): Tensor {
  const r = binaryKernel('gelu', GELU_BACKWARD, g, x);
  // d/dg = gelu'(x); d/dx = g * gelu''(x), gelu''(x) = phi(x) (2 - x^2)
  return record('GeluBackwardBackward0', r, [g, x], [savedFor(x._requiresGrad, g), x], (gg, [g0, x0], needs) => {
    if (!needs[1]) return [geluBackward(gg, x0!), null];
    const phi = mul(exp(mul(square(x0!), -0.5)), 0.3989422804014327);
    return [needs[0] ? geluBackward(gg, x0!) : null, mul(gg, mul(g0!, mul(phi, rsub(square(x0!), 2))))];
  });
}

function softplusBackward(g: Tensor, x: Tensor): Tensor {
  const r = binaryKernel('softplus', SOFTPLUS_BACKWARD, g, x);
  // d/dg = sigmoid(x); d/dx = g * s (1 - s)
  return record('SoftplusBackwardBackward0', r, [g, x], [savedFor(x._requiresGrad, g), x], (gg, [g0, x0], needs) => {
    if (!needs[1]) return [softplusBackward(gg, x0!), null];
    const s = sigmoid(x0!);
    return [needs[0] ? softplusBackward(gg, x0!) : null, mul(gg, mul(g0!, mul(s, rsub(s, 1))))];
  });
}

// ---- comparisons and selection ------------------------------------------------------------

function comparison(name: string, kernel: string) {
  const code = kernelCode('compare', kernel);
  return def(name, (a: Tensor, b: Scalar): Tensor<'bool'> => {
    a = expectTensor(name, a, 'self');
    return compareKernel(name, code, a, operand(name, b, 'other')) as Tensor<'bool'>;
  }, { kernel: ['compare', kernel] });
}

/** Elementwise a == b with broadcasting, as a 'bool' tensor. */
export const eq = comparison('eq', 'Eq');
/** Elementwise a != b with broadcasting, as a 'bool' tensor. */
export const ne = comparison('ne', 'Ne');
/** Elementwise a < b with broadcasting, as a 'bool' tensor. */
export const lt = comparison('lt', 'Lt');
/** Elementwise a <= b with broadcasting, as a 'bool' tensor. */
export const le = comparison('le', 'Le');
/** Elementwise a > b with broadcasting, as a 'bool' tensor. */
export const gt = comparison('gt', 'Gt');
/** Elementwise a >= b with broadcasting, as a 'bool' tensor. */
export const ge = comparison('ge', 'Ge');

/** `a` where `condition` is true, `b` elsewhere, broadcasting all three (the method is `a.where(condition, b)`). */
export const where = def('where', (condition: Tensor, a: Scalar, b: Scalar): Tensor => {
  const cond = expectTensor('where', condition, 'condition');
  if (cond.dtype !== 'bool') throw typeError('where', `condition must be a bool tensor, got ${cond.dtype}`);
  a = operand('where', a, 'input');
  b = operand('where', b, 'other');
  const at = isTensor(a) ? a : null, bt = isTensor(b) ? b : null;
  const dtype =
    at && bt ? promote(at.dtype, bt.dtype)
    : at ? promoteWithScalar(at.dtype, b as number)
    : bt ? promoteWithScalar(bt.dtype, a as number)
    : 'float32';
  const ta = at ? (at.dtype === dtype ? at : castKernel(at, dtype)) : scalarTensor(a as number, dtype);
  const tb = bt ? (bt.dtype === dtype ? bt : castKernel(bt, dtype)) : scalarTensor(b as number, dtype);
  const o = whereKernel(cond, ta, tb);
  if (!isGradEnabled()) return o;
  return record('WhereBackward0', o, [at, bt], [cond], (g, [c]) => [
    at ? where(c!, g, 0) : null,
    bt ? where(c!, 0, g) : null,
  ]);
}, { method: false });
