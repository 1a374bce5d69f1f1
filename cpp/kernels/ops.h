// The op codes the core understands. JS passes them as integers: the numbering is part of
// the binding contract (mirrored in src/native.ts) — append, never renumber.
#pragma once
#include <cstdint>

namespace tg {

// y = f(x; p0, p1), float32.
enum class UnaryOp : int32_t {
  Neg = 0, Exp, Log, Sqrt, Rsqrt, Abs, Square, Relu, Sigmoid, Tanh,
  Sin, Cos, Sign, Softplus, Gelu,
  LeakyRelu,  // p0 = negative slope
  Clamp,      // p0 = min, p1 = max (NaN = unbounded)
  Reciprocal,
  Count
};

// out = f(a, b), float32. The *Backward ops are the fused local derivatives of the unary ops:
// a = incoming gradient, b = the saved input x or result y as each says.
enum class BinaryOp : int32_t {
  Add = 0, Sub, Mul, Div, Pow, Maximum, Minimum,
  ReluBackward,       // y <= 0 ? 0 : a, b = y (the result)
  SigmoidBackward,    // a * y * (1 - y), b = y
  TanhBackward,       // a * (1 - y^2), b = y
  GeluBackward,       // a * gelu'(x), b = x
  SoftplusBackward,   // a * sigmoid(x), b = x
  LeakyReluBackward,  // a * (x > 0 ? 1 : slope), b = x, p0 = slope
  Count
};

// out (bool, one byte 0/1) = a cmp b; a, b both float32 or both int32.
enum class CompareOp : int32_t { Eq = 0, Ne, Lt, Le, Gt, Ge, Count };

// int32 arithmetic (no grad): wraps on overflow like PyTorch's int32.
enum class IntBinaryOp : int32_t { Add = 0, Sub, Mul, Maximum, Minimum, FloorDiv, Remainder, Count };

enum class ReduceOp : int32_t { Sum = 0, Mean, Max, Min, Prod, ArgMax, ArgMin, Count };

}  // namespace tg
