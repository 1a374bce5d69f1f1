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
  static mask gt(reg a, reg b) { return a > b; }
  static mask lt(reg a, reg b) { return a < b; }
  static mask eq(reg a, reg b) { return a == b; }
  static mask isnan(reg a) { return std::isnan(a); }
  static reg select(mask m, reg a, reg b) { return m ? a : b; }
  static bool any(mask m) { return m; }
  static float hsum(reg a) { return a; }
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
  static float gelu(float x) { return 0.5f * x * (1 + std::erf(x * 0.70710678118654752f)); }
  static float gelu_grad(float x) {
    float cdf = 0.5f * (1 + std::erf(x * 0.70710678118654752f));
    return cdf + x * 0.39894228040143268f * std::exp(-0.5f * x * x);
  }
};

#include "kernels/vec_kernels.h"

namespace tg {
const KernelTable* scalar_kernels() {
  static const KernelTable t = VecKernels<ScalarV>::table("scalar");
  return &t;
}
}  // namespace tg
