// The scalar kernel table: the portable fallback and the reference every SIMD table is tested
// against. Its math is libm's, so it is also the accuracy baseline.
#include <cmath>
#include <cstdint>
#include <cstring>

#include "kernels/isa_table.h"

namespace {

struct ScalarV {
  using reg = float;
  using mask = bool;
  static constexpr int width = 1;
  static reg load(const float* p) { return *p; }
  static void store(float* p, reg v) { *p = v; }
  // A partial vector of a one-lane layer is a whole one (the GEMM tile's last column vector).
  using tail = int;
  static tail make_tail(int) { return 1; }
  static reg load_tail(const float* p, tail) { return *p; }
  static void store_tail(float* p, reg v, tail) { *p = v; }
  static reg set1(float v) { return v; }
  static reg add(reg a, reg b) { return a + b; }
  static reg sub(reg a, reg b) { return a - b; }
  static reg mul(reg a, reg b) { return a * b; }
  static reg div(reg a, reg b) { return a / b; }
  static reg fma(reg a, reg b, reg c) { return std::fma(a, b, c); }
  static reg max(reg a, reg b) { return a > b ? a : b; }  // b when either is NaN, like maxps
  static reg min(reg a, reg b) { return a < b ? a : b; }
  static reg sqrt(reg a) { return std::sqrt(a); }
  static reg abs(reg a) { return std::fabs(a); }
  static reg neg(reg a) { return -a; }
  static reg pow(reg a, reg b) { return std::pow(a, b); }
  static reg floor(reg a) { return std::floor(a); }
  static reg ceil(reg a) { return std::ceil(a); }
  static reg round_even(reg a) { return std::nearbyint(a); }  // the default mode: ties to even
  static reg trunc(reg a) { return std::trunc(a); }
  static mask gt(reg a, reg b) { return a > b; }
  static mask lt(reg a, reg b) { return a < b; }
  static mask eq(reg a, reg b) { return a == b; }
  static mask isnan(reg a) { return std::isnan(a); }
  static reg select(mask m, reg a, reg b) { return m ? a : b; }
  static bool any(mask m) { return m; }
  static float hsum(reg a) { return a; }
  static float hsum_halving(reg a) { return a; }
  static void hsum4(reg a, reg b, reg c, reg d, float* out) {
    out[0] = a, out[1] = b, out[2] = c, out[3] = d;
  }
  static float hmax(reg a) { return a; }
  static float hmin(reg a) { return a; }
};

}  // namespace

#include "kernels/vec_math.h"

// libm for the reference path, in place of the polynomial forms.
template <>
struct VecMath<ScalarV> {
  static float exp(float x) { return std::exp(x); }
  static float log(float x) { return std::log(x); }
  static float tanh(float x) { return std::tanh(x); }
  static float sigmoid(float x) {
    float e = std::exp(-std::fabs(x));
    return x < 0 ? e / (1 + e) : 1 / (1 + e);
  }
  static float softplus(float x) { return x > 20 ? x : std::fmax(x, 0.0f) + std::log1p(std::exp(-std::fabs(x))); }
  // In double and through erfc: in float, 1 + erf(x / sqrt 2) cancels to 0 in the left tail
  // and a rounded x^2 / 2 inside exp is off by up to x^2 / 2 ulp. This table is the reference
  // the polynomial paths are compared with, so it has to be the accurate one.
  static double normal_cdf(double x) { return 0.5 * std::erfc(-x * 0.70710678118654752440); }
  static float gelu(float x) { return static_cast<float>(x * normal_cdf(x)); }
  static float gelu_grad(float x) {
    const double xd = x;
    return static_cast<float>(normal_cdf(xd) + xd * 0.39894228040143267794 * std::exp(-0.5 * xd * xd));
  }
};

#include "kernels/gemm_kernels.h"
#include "kernels/vec_kernels.h"
#include "kernels/attention_kernels.h"

// GEMM register tile 4 x 4: 16 accumulators, enough independent FMAs to hide their latency.
// Dot blocks 4 x 4, like the tile.
namespace {
using Gemm = GemmKernels<ScalarV, 4, 4, 4, 4>;
}  // namespace

namespace tg {
namespace {
constinit const KernelTable kTable = with_gemm_packing<Gemm>(with_attention<ScalarV>(VecKernels<ScalarV>::table<Gemm>("scalar")));
}  // namespace
const KernelTable* scalar_kernels() { return &kTable; }
}  // namespace tg
