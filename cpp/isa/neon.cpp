// AArch64 AdvSIMD (NEON) kernel table. NEON is baseline on AArch64, so this unit needs no extra
// flags; the vector layer is the whole ISA-specific part. Semantics follow the x86 layers
// (cpp/isa/avx2.cpp) wherever the instructions differ, so every path agrees with scalar.
#include <cmath>
#include <cstdint>
#include <cstring>

#include "kernels/isa_table.h"

#if defined(__aarch64__)
#include <arm_neon.h>

namespace {

struct NeonV {
  using reg = float32x4_t;
  using mask = uint32x4_t;
  static constexpr int width = 4;
  static reg load(const float* p) { return vld1q_f32(p); }
  static void store(float* p, reg v) { vst1q_f32(p, v); }
  // The first n lanes (1 <= n <= width), for the GEMM tile's last, partial column vector;
  // the other lanes are neither read nor written. No masked loads in AdvSIMD: a partial vector
  // goes through the stack (the branch is the same every step of a tile's k loop).
  using tail = int;
  static tail make_tail(int n) { return n; }
  static reg load_tail(const float* p, tail n) {
    if (n == 4) return vld1q_f32(p);
    float t[4] = {};
    for (int i = 0; i < n; ++i) t[i] = p[i];
    return vld1q_f32(t);
  }
  static void store_tail(float* p, reg v, tail n) {
    if (n == 4) return vst1q_f32(p, v);
    float t[4];
    vst1q_f32(t, v);
    for (int i = 0; i < n; ++i) p[i] = t[i];
  }
  static reg set1(float v) { return vdupq_n_f32(v); }
  static reg add(reg a, reg b) { return vaddq_f32(a, b); }
  static reg sub(reg a, reg b) { return vsubq_f32(a, b); }
  static reg mul(reg a, reg b) { return vmulq_f32(a, b); }
  static reg div(reg a, reg b) { return vdivq_f32(a, b); }
  static reg fma(reg a, reg b, reg c) { return vfmaq_f32(c, a, b); }
  // vmaxq_f32/vminq_f32 return NaN if either input is NaN, and vmaxnmq_f32 returns the number;
  // the kernels rely on x86 maxps semantics instead (the second operand unless a > b), which
  // is what lets Maximum/Clamp/Relu pick which side's NaN propagates.
  static reg max(reg a, reg b) { return vbslq_f32(vcgtq_f32(a, b), a, b); }
  static reg min(reg a, reg b) { return vbslq_f32(vcltq_f32(a, b), a, b); }
  static reg sqrt(reg a) { return vsqrtq_f32(a); }
  static reg abs(reg a) { return vabsq_f32(a); }
  static reg neg(reg a) { return vnegq_f32(a); }
  static reg pow(reg a, reg b) {
    alignas(16) float ta[4], tb[4];
    vst1q_f32(ta, a);
    vst1q_f32(tb, b);
    for (int i = 0; i < 4; ++i) ta[i] = __builtin_powf(ta[i], tb[i]);
    return vld1q_f32(ta);
  }
  static reg floor(reg a) { return vrndmq_f32(a); }
  static reg ceil(reg a) { return vrndpq_f32(a); }
  // Ties to even, like _MM_FROUND_TO_NEAREST_INT.
  static reg round_even(reg a) { return vrndnq_f32(a); }
  static reg trunc(reg a) { return vrndq_f32(a); }
  static mask gt(reg a, reg b) { return vcgtq_f32(a, b); }
  static mask lt(reg a, reg b) { return vcltq_f32(a, b); }
  static mask eq(reg a, reg b) { return vceqq_f32(a, b); }
  static mask isnan(reg a) { return vmvnq_u32(vceqq_f32(a, a)); }
  static reg select(mask m, reg a, reg b) { return vbslq_f32(m, a, b); }
  static bool any(mask m) { return vmaxvq_u32(m) != 0; }
  static reg round_nearest(reg a) { return round_even(a); }
  static reg pow2i(reg n) {
    int32x4_t e = vaddq_s32(vcvtnq_s32_f32(n), vdupq_n_s32(127));
    return vreinterpretq_f32_s32(vshlq_n_s32(e, 23));
  }
  static reg split_exponent(reg x, reg* e) {
    uint32x4_t bits = vreinterpretq_u32_f32(x);
    int32x4_t ex = vsubq_s32(vreinterpretq_s32_u32(vshrq_n_u32(bits, 23)), vdupq_n_s32(126));
    *e = vcvtq_f32_s32(ex);
    uint32x4_t m = vorrq_u32(vandq_u32(bits, vdupq_n_u32(0x007fffff)), vdupq_n_u32(0x3f000000));
    return vreinterpretq_f32_u32(m);
  }
  static float hsum(reg a) { return vaddvq_f32(a); }
  // The lanes added by halving, (a0 + a2) + (a1 + a3) (vaddvq pairs them as (a0 + a1) + (a2 +
  // a3)): layernorm_kernels.h needs that order on every table.
  static float hsum_halving(reg a) {
    const float32x2_t h = vadd_f32(vget_low_f32(a), vget_high_f32(a));
    return vget_lane_f32(h, 0) + vget_lane_f32(h, 1);
  }
  // out[i] = hsum of the i-th argument: two rounds of pairwise adds.
  static void hsum4(reg a, reg b, reg c, reg d, float* out) {
    vst1q_f32(out, vpaddq_f32(vpaddq_f32(a, b), vpaddq_f32(c, d)));
  }
  // Folded with the layer's own max/min so that ties between +0 and -0 resolve as on x86;
  // NaN lanes do not matter here, the reductions track NaN separately.
  static float hmax(reg a) {
    reg s = max(a, vextq_f32(a, a, 2));
    s = max(s, vextq_f32(s, s, 1));
    return vgetq_lane_f32(s, 0);
  }
  static float hmin(reg a) {
    reg s = min(a, vextq_f32(a, a, 2));
    s = min(s, vextq_f32(s, s, 1));
    return vgetq_lane_f32(s, 0);
  }
};

}  // namespace

#include "kernels/gemm_kernels.h"
#include "kernels/vec_kernels.h"
#include "kernels/attention_kernels.h"

// GEMM register tile 8 x 12: 24 accumulators + 3 B vectors + 1 broadcast of the 32 q registers.
// Dot blocks 4 x 4: 16 accumulators + 4 B vectors + 1 A vector.
namespace {
using Gemm = GemmKernels<NeonV, 8, 3, 4, 4>;
}  // namespace

namespace tg {
namespace {
constinit const KernelTable kTable = with_gemm_packing<Gemm>(with_attention<NeonV>(VecKernels<NeonV>::table<Gemm>("neon")));
}  // namespace
const KernelTable* neon_kernels() { return &kTable; }
}  // namespace tg
#else
namespace tg {
const KernelTable* neon_kernels() { return nullptr; }
}  // namespace tg
#endif
