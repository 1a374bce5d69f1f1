// The op codes the core understands, each list written once as an X-macro: the enums below,
// the kernels' switches (vec_kernels.h, elementwise.cpp) and the binding's opCodes table
// (binding/op_codes.cc, which JS reads codes from by name) are all generated from these lines.
// A code is its line's position: new ops go at the end, so existing codes keep their values.
#pragma once
#include <cstdint>

// y = f(x; p0, p1), float32. Each line is one of
//   FORMULA(Name, cost, expr): VecKernels::unary generates the op from expr, its vector formula
//     over the register v (with the registers zero and one, V:: and the vector math M::);
//   OWN(Name, cost): the op has a code path of its own in VecKernels::unary.
// cost is Light (about an add's work per element) or Math (a transcendental, ~4x that), which
// sets how many elements a parallel task gets (elementwise.cpp).
#define TG_UNARY_OPS(FORMULA, OWN)                                \
  FORMULA(Neg, Light, V::neg(v))                                  \
  OWN(Exp, Math) /* blocked: a faster form where |x| <= 128 */    \
  FORMULA(Log, Math, M::log(v))                                   \
  FORMULA(Sqrt, Light, V::sqrt(v))                                \
  FORMULA(Rsqrt, Light, V::div(one, V::sqrt(v)))                  \
  FORMULA(Abs, Light, V::abs(v))                                  \
  FORMULA(Square, Light, V::mul(v, v))                            \
  FORMULA(Relu, Light, V::max(zero, v))                           \
  FORMULA(Sigmoid, Math, M::sigmoid(v))                           \
  FORMULA(Tanh, Math, M::tanh(v))                                 \
  OWN(Sin, Math) /* libm per element */                           \
  OWN(Cos, Math)                                                  \
  OWN(Sign, Light)                                                \
  FORMULA(Softplus, Math, M::softplus(v))                         \
  FORMULA(Gelu, Math, M::gelu(v))                                 \
  OWN(LeakyRelu, Light) /* p0 = negative slope */                 \
  OWN(Clamp, Light) /* p0 = min, p1 = max (NaN = unbounded) */    \
  FORMULA(Reciprocal, Light, V::div(one, v))                      \
  /* log(x) * (1 / ln 2): log's -inf at 0, NaN below 0 and inf at inf carry over; within */ \
  /* 1.8 ulp of log2 on every table (a sweep of every 61st float), exact at powers of 2 */ \
  FORMULA(Log2, Math, V::mul(M::log(v), V::set1(0x1.715476p+0f))) \
  FORMULA(Floor, Light, V::floor(v))                              \
  FORMULA(Ceil, Light, V::ceil(v))                                \
  FORMULA(Round, Light, V::round_even(v)) /* half to even, like torch.round */ \
  FORMULA(Trunc, Light, V::trunc(v))

// out = f(a, b), float32. The *Backward ops are the fused local derivatives of the unary ops:
// a = incoming gradient, b = the saved input x or result y as each says.
#define TG_BINARY_OPS(X)                                     \
  X(Add) X(Sub) X(Mul) X(Div) X(Pow) X(Maximum) X(Minimum)  \
  X(ReluBackward)      /* y <= 0 ? 0 : a, b = y (the result) */ \
  X(SigmoidBackward)   /* a * y * (1 - y), b = y */          \
  X(TanhBackward)      /* a * (1 - y^2), b = y */            \
  X(GeluBackward)      /* a * gelu'(x), b = x */             \
  X(SoftplusBackward)  /* a * sigmoid(x), b = x */           \
  X(LeakyReluBackward) /* a * (x > 0 ? 1 : slope), b = x, p0 = slope */ \
  X(Remainder)         /* fmod(a, b) moved to b's sign (torch.remainder); b = 0: NaN */ \
  X(FloorDivide)       /* floor(a / b) from fmod (c10 div_floor_floating); b = 0: a / b */

// out (bool, one byte 0/1) = a cmp b; a, b both float32 or both int32.
#define TG_COMPARE_OPS(X) X(Eq) X(Ne) X(Lt) X(Le) X(Gt) X(Ge)

// int32 arithmetic (no grad): wraps on overflow like PyTorch's int32.
#define TG_INT_BINARY_OPS(X) X(Add) X(Sub) X(Mul) X(Maximum) X(Minimum) X(FloorDiv) X(Remainder)

#define TG_REDUCE_OPS(X) X(Sum) X(Mean) X(Max) X(Min) X(Prod) X(ArgMax) X(ArgMin)

namespace tg {

// The cost column of TG_UNARY_OPS.
enum class OpCost { Light, Math };

// Count closes each enum: one past the last code, the bound every entry point checks.
#define TG_OP_ENUMERATOR(name, ...) name,
enum class UnaryOp : int32_t { TG_UNARY_OPS(TG_OP_ENUMERATOR, TG_OP_ENUMERATOR) Count };
enum class BinaryOp : int32_t { TG_BINARY_OPS(TG_OP_ENUMERATOR) Count };
enum class CompareOp : int32_t { TG_COMPARE_OPS(TG_OP_ENUMERATOR) Count };
enum class IntBinaryOp : int32_t { TG_INT_BINARY_OPS(TG_OP_ENUMERATOR) Count };
enum class ReduceOp : int32_t { TG_REDUCE_OPS(TG_OP_ENUMERATOR) Count };
#undef TG_OP_ENUMERATOR

}  // namespace tg
