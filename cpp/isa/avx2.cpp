// AVX2 + FMA kernel table. Compiled with -mavx2 -mfma (CMakeLists.txt); only called after
// dispatch.cpp has checked the CPU.
#include <immintrin.h>

#include <cmath>
#include <cstdint>
#include <cstring>

#include "kernels/isa_table.h"

#if defined(__AVX2__) && defined(__FMA__)
namespace {

struct Avx2V {
  using reg = __m256;
  using mask = __m256;
  static constexpr int width = 8;
  static reg load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, reg v) { _mm256_storeu_ps(p, v); }
  // The first n lanes (1 <= n <= width), for the GEMM tile's last, partial column vector;
  // masked lanes are neither read nor written.
  using tail = __m256i;
  static tail make_tail(int n) { return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)); }
  static reg load_tail(const float* p, tail m) { return _mm256_maskload_ps(p, m); }
  static void store_tail(float* p, reg v, tail m) { _mm256_maskstore_ps(p, m, v); }
  static reg set1(float v) { return _mm256_set1_ps(v); }
  static reg add(reg a, reg b) { return _mm256_add_ps(a, b); }
  static reg sub(reg a, reg b) { return _mm256_sub_ps(a, b); }
  static reg mul(reg a, reg b) { return _mm256_mul_ps(a, b); }
  static reg div(reg a, reg b) { return _mm256_div_ps(a, b); }
  static reg fma(reg a, reg b, reg c) { return _mm256_fmadd_ps(a, b, c); }
  static reg max(reg a, reg b) { return _mm256_max_ps(a, b); }
  static reg min(reg a, reg b) { return _mm256_min_ps(a, b); }
  static reg sqrt(reg a) { return _mm256_sqrt_ps(a); }
  static reg abs(reg a) { return _mm256_and_ps(a, _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff))); }
  static reg neg(reg a) { return _mm256_xor_ps(a, _mm256_castsi256_ps(_mm256_set1_epi32(int(0x80000000u)))); }
  static reg pow(reg a, reg b) {
    alignas(32) float ta[8], tb[8];
    _mm256_store_ps(ta, a);
    _mm256_store_ps(tb, b);
    for (int i = 0; i < 8; ++i) ta[i] = __builtin_powf(ta[i], tb[i]);
    return _mm256_load_ps(ta);
  }
  static reg floor(reg a) { return _mm256_round_ps(a, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC); }
  static reg ceil(reg a) { return _mm256_round_ps(a, _MM_FROUND_TO_POS_INF | _MM_FROUND_NO_EXC); }
  static reg round_even(reg a) { return _mm256_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  static reg trunc(reg a) { return _mm256_round_ps(a, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC); }
  static mask gt(reg a, reg b) { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }
  static mask lt(reg a, reg b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
  static mask eq(reg a, reg b) { return _mm256_cmp_ps(a, b, _CMP_EQ_OQ); }
  static mask isnan(reg a) { return _mm256_cmp_ps(a, a, _CMP_UNORD_Q); }
  static reg select(mask m, reg a, reg b) { return _mm256_blendv_ps(b, a, m); }
  static bool any(mask m) { return _mm256_movemask_ps(m) != 0; }
  // True when every lane of a, b, c, d has |x| <= lim (lim >= 0), false for any NaN: with the
  // sign bit cleared, |x| orders like its bit pattern as a (non-negative) int32, and a NaN's is
  // above inf's. For exp's fast blocks (vec_kernels.h: exp_blocks).
  static bool all_abs_le(reg a, reg b, reg c, reg d, float lim) {
    const __m256i m = _mm256_set1_epi32(0x7fffffff);
    const __m256i ab = _mm256_max_epi32(_mm256_and_si256(_mm256_castps_si256(a), m), _mm256_and_si256(_mm256_castps_si256(b), m));
    const __m256i cd = _mm256_max_epi32(_mm256_and_si256(_mm256_castps_si256(c), m), _mm256_and_si256(_mm256_castps_si256(d), m));
    const __m256i over = _mm256_cmpgt_epi32(_mm256_max_epi32(ab, cd), _mm256_castps_si256(_mm256_set1_ps(lim)));
    return _mm256_testz_si256(over, over) != 0;
  }
  static reg round_nearest(reg a) { return round_even(a); }
  // p * 2^k, k = (bits(t) - bits(shift)) >> frac_bits, by adding k to p's exponent field: exact
  // where the result is a normal float (exp's in-range blocks).
  static reg scale_by_shifted(reg p, reg t, reg shift, int frac_bits) {
    const __m256i k = _mm256_srai_epi32(_mm256_sub_epi32(_mm256_castps_si256(t), _mm256_castps_si256(shift)), frac_bits);
    return _mm256_castsi256_ps(_mm256_add_epi32(_mm256_castps_si256(p), _mm256_slli_epi32(k, 23)));
  }
  // table[low 3 bits of t's bit pattern] per lane: exp's 8-entry table (vec_math.h).
  static reg lookup8(const float* table, reg t) { return _mm256_permutevar8x32_ps(_mm256_loadu_ps(table), _mm256_castps_si256(t)); }
  static reg pow2i(reg n) {
    __m256i e = _mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127));
    return _mm256_castsi256_ps(_mm256_slli_epi32(e, 23));
  }
  static reg split_exponent(reg x, reg* e) {
    __m256i bits = _mm256_castps_si256(x);
    __m256i ex = _mm256_sub_epi32(_mm256_srli_epi32(bits, 23), _mm256_set1_epi32(126));
    *e = _mm256_cvtepi32_ps(ex);
    __m256i m = _mm256_or_si256(_mm256_and_si256(bits, _mm256_set1_epi32(0x007fffff)), _mm256_set1_epi32(0x3f000000));
    return _mm256_castsi256_ps(m);
  }
  // The lanes added by halving (lane l + lane l + 4, then + 2, + 1): hsum's order, which
  // layernorm_kernels.h needs on every table.
  static float hsum_halving(reg a) { return hsum(a); }
  static float hsum(reg a) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
  }
  // out[i] = hsum of the i-th argument, sharing the shuffles: each 128-bit lane of a, b, c, d
  // is first folded into one vector of per-lane [a, b, c, d] partial sums.
  static void hsum4(reg a, reg b, reg c, reg d, float* out) {
    const reg ab = _mm256_add_ps(_mm256_unpacklo_ps(a, b), _mm256_unpackhi_ps(a, b));
    const reg cd = _mm256_add_ps(_mm256_unpacklo_ps(c, d), _mm256_unpackhi_ps(c, d));
    const reg s = _mm256_add_ps(_mm256_shuffle_ps(ab, cd, 0x44), _mm256_shuffle_ps(ab, cd, 0xee));
    _mm_storeu_ps(out, _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1)));
  }
  static float hmax(reg a) {
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    s = _mm_max_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
  }
  static float hmin(reg a) {
    __m128 s = _mm_min_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
    s = _mm_min_ps(s, _mm_movehl_ps(s, s));
    s = _mm_min_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
  }
};

}  // namespace

#include "kernels/gemm_kernels.h"
#include "kernels/vec_kernels.h"
#include "kernels/attention_kernels.h"

// GEMM register tile 6 x 16: 12 accumulators + 2 B vectors + 1 broadcast of the 16 ymm registers.
// Dot blocks 3 x 3: 9 accumulators + 3 B vectors + 1 A vector fit the 16 ymm registers.
namespace {
using Gemm = GemmKernels<Avx2V, 6, 2, 3, 3>;
}  // namespace

namespace tg {
namespace {
constinit const KernelTable kTable = with_gemm_packing<Gemm>(with_attention<Avx2V>(VecKernels<Avx2V>::table<Gemm>("avx2")));
}  // namespace
const KernelTable* avx2_kernels() { return &kTable; }
}  // namespace tg
#else
namespace tg {
const KernelTable* avx2_kernels() { return nullptr; }
}  // namespace tg
#endif
