// AVX-512F kernel table. Compiled with -mavx512f -mfma (CMakeLists.txt); only called after
// dispatch.cpp has checked the CPU. The vector layer is the whole ISA-specific part.
#include <immintrin.h>

#include <cmath>
#include <cstdint>
#include <cstring>

#include "kernels/isa_table.h"

#if defined(__AVX512F__)
namespace {

struct Avx512V {
  using reg = __m512;
  using mask = __mmask16;
  static constexpr int width = 16;
  static reg load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, reg v) { _mm512_storeu_ps(p, v); }
  // The first n lanes (1 <= n <= width), for the GEMM tile's last, partial column vector;
  // masked lanes are neither read nor written.
  using tail = __mmask16;
  static tail make_tail(int n) { return static_cast<__mmask16>((1u << n) - 1); }
  static reg load_tail(const float* p, tail m) { return _mm512_maskz_loadu_ps(m, p); }
  static void store_tail(float* p, reg v, tail m) { _mm512_mask_storeu_ps(p, m, v); }
  static reg set1(float v) { return _mm512_set1_ps(v); }
  static reg add(reg a, reg b) { return _mm512_add_ps(a, b); }
  static reg sub(reg a, reg b) { return _mm512_sub_ps(a, b); }
  static reg mul(reg a, reg b) { return _mm512_mul_ps(a, b); }
  static reg div(reg a, reg b) { return _mm512_div_ps(a, b); }
  static reg fma(reg a, reg b, reg c) { return _mm512_fmadd_ps(a, b, c); }
  static reg max(reg a, reg b) { return _mm512_max_ps(a, b); }
  static reg min(reg a, reg b) { return _mm512_min_ps(a, b); }
  static reg sqrt(reg a) { return _mm512_sqrt_ps(a); }
  static reg abs(reg a) { return _mm512_castsi512_ps(_mm512_and_si512(_mm512_castps_si512(a), _mm512_set1_epi32(0x7fffffff))); }
  static reg neg(reg a) { return _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(a), _mm512_set1_epi32(int(0x80000000u)))); }
  static reg pow(reg a, reg b) {
    alignas(64) float ta[16], tb[16];
    _mm512_store_ps(ta, a);
    _mm512_store_ps(tb, b);
    for (int i = 0; i < 16; ++i) ta[i] = __builtin_powf(ta[i], tb[i]);
    return _mm512_load_ps(ta);
  }
  static reg floor(reg a) { return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC); }
  static reg ceil(reg a) { return _mm512_roundscale_ps(a, _MM_FROUND_TO_POS_INF | _MM_FROUND_NO_EXC); }
  static reg round_even(reg a) { return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  static reg trunc(reg a) { return _mm512_roundscale_ps(a, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC); }
  static mask gt(reg a, reg b) { return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ); }
  static mask lt(reg a, reg b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
  static mask eq(reg a, reg b) { return _mm512_cmp_ps_mask(a, b, _CMP_EQ_OQ); }
  static mask isnan(reg a) { return _mm512_cmp_ps_mask(a, a, _CMP_UNORD_Q); }
  static reg select(mask m, reg a, reg b) { return _mm512_mask_blend_ps(m, b, a); }
  static bool any(mask m) { return m != 0; }
  static reg round_nearest(reg a) { return round_even(a); }
  static reg pow2i(reg n) {
    __m512i e = _mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127));
    return _mm512_castsi512_ps(_mm512_slli_epi32(e, 23));
  }
  // p * 2^n for integral-valued n: one instruction and one rounding (exp's final scaling,
  // which layers without it do in two multiplies).
  static reg scale2(reg p, reg n) { return _mm512_scalef_ps(p, n); }
  // table[bits(t) & 15] per lane, from a 16-float table (one register).
  static reg lookup16(const float* table, reg t) { return _mm512_permutexvar_ps(_mm512_castps_si512(t), _mm512_loadu_ps(table)); }
  static reg split_exponent(reg x, reg* e) {
    __m512i bits = _mm512_castps_si512(x);
    __m512i ex = _mm512_sub_epi32(_mm512_srli_epi32(bits, 23), _mm512_set1_epi32(126));
    *e = _mm512_cvtepi32_ps(ex);
    __m512i m = _mm512_or_si512(_mm512_and_si512(bits, _mm512_set1_epi32(0x007fffff)), _mm512_set1_epi32(0x3f000000));
    return _mm512_castsi512_ps(m);
  }
  // True when every lane of a, b, c, d has |x| <= lim (lim >= 0), false for any NaN: on the
  // bits, |x| orders like its unsigned bit pattern, and a NaN's is above inf's.
  static bool all_abs_le(reg a, reg b, reg c, reg d, float lim) {
    const __m512i m = _mm512_set1_epi32(0x7fffffff);
    const __m512i ab = _mm512_max_epu32(_mm512_and_si512(_mm512_castps_si512(a), m), _mm512_and_si512(_mm512_castps_si512(b), m));
    const __m512i cd = _mm512_max_epu32(_mm512_and_si512(_mm512_castps_si512(c), m), _mm512_and_si512(_mm512_castps_si512(d), m));
    return _mm512_cmpgt_epu32_mask(_mm512_max_epu32(ab, cd), _mm512_castps_si512(_mm512_set1_ps(lim))) == 0;
  }
  static float hsum(reg a) { return _mm512_reduce_add_ps(a); }
  // The lanes added by halving, lane l + lane l + 8, then + 4, + 2, + 1 (layernorm_kernels.h
  // needs that order on every table: its sums give the same bits everywhere).
  static float hsum_halving(reg a) {
    const __m256 h = _mm256_add_ps(_mm512_castps512_ps256(a), _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(a), 1)));
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_add_ss(s, _mm_shuffle_ps(s, s, 1)));
  }
  // out[i] = hsum of the i-th argument, sharing the shuffles: the 128-bit lanes of a, b, c, d
  // are first folded into one vector of per-lane [a, b, c, d] partial sums.
  static void hsum4(reg a, reg b, reg c, reg d, float* out) {
    const reg ab = _mm512_add_ps(_mm512_unpacklo_ps(a, b), _mm512_unpackhi_ps(a, b));
    const reg cd = _mm512_add_ps(_mm512_unpacklo_ps(c, d), _mm512_unpackhi_ps(c, d));
    const reg s = _mm512_add_ps(_mm512_shuffle_ps(ab, cd, 0x44), _mm512_shuffle_ps(ab, cd, 0xee));
    const __m256 h = _mm256_add_ps(_mm512_castps512_ps256(s), _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(s), 1)));
    _mm_storeu_ps(out, _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1)));
  }
  static float hmax(reg a) { return _mm512_reduce_max_ps(a); }
  static float hmin(reg a) { return _mm512_reduce_min_ps(a); }
};

}  // namespace

#include "kernels/gemm_kernels.h"
#include "kernels/vec_kernels.h"
#include "kernels/attention_kernels.h"

// GEMM register tile 14 x 32: 28 accumulators + 2 B vectors + 1 broadcast of the 32 zmm registers.
// Dot blocks 4 x 4: 16 accumulators + 4 B vectors + 1 A vector.
namespace {
using Gemm = GemmKernels<Avx512V, 14, 2, 4, 4>;
using Kernels = VecKernels<Avx512V>;

// Long runs of +, -, *, / stream from memory, and there 256-bit loads and stores beat 512-bit
// ones on Zen 4, which splits each 512-bit store in two: measured on 16M floats, a.add_(b) on
// one thread 48 -> 52 GB/s with both at the same alignment; in cache the two are level. Runs
// shorter than kStreamMin (in L2) keep the 512-bit kernel.
constexpr int64_t kStreamMin = int64_t{1} << 18;

// The tail (under 16 elements) goes through the 512-bit kernel, so each element's result is the
// same whichever path computed it.
template <class F>
void stream2(tg::BinaryOp op, const float* a, const float* b, float* out, int64_t n, F f) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m256 a0 = _mm256_loadu_ps(a + i), a1 = _mm256_loadu_ps(a + i + 8);
    const __m256 b0 = _mm256_loadu_ps(b + i), b1 = _mm256_loadu_ps(b + i + 8);
    _mm256_storeu_ps(out + i, f(a0, b0));
    _mm256_storeu_ps(out + i + 8, f(a1, b1));
  }
  if (i < n) Kernels::binary(op, a + i, b + i, out + i, n - i, 0.0f);
}

void binary(tg::BinaryOp op, const float* a, const float* b, float* out, int64_t n, float p0) {
  using tg::BinaryOp;
  if (n >= kStreamMin) {
    switch (op) {
      case BinaryOp::Add: return stream2(op, a, b, out, n, [](__m256 x, __m256 y) { return _mm256_add_ps(x, y); });
      case BinaryOp::Sub: return stream2(op, a, b, out, n, [](__m256 x, __m256 y) { return _mm256_sub_ps(x, y); });
      case BinaryOp::Mul: return stream2(op, a, b, out, n, [](__m256 x, __m256 y) { return _mm256_mul_ps(x, y); });
      case BinaryOp::Div: return stream2(op, a, b, out, n, [](__m256 x, __m256 y) { return _mm256_div_ps(x, y); });
      default: break;
    }
  }
  Kernels::binary(op, a, b, out, n, p0);
}
}  // namespace

namespace tg {
namespace {
constexpr KernelTable with_streaming_binary(KernelTable k) {
  k.binary_f32 = binary;
  return k;
}
constinit const KernelTable kTable = with_gemm_packing<Gemm>(with_attention<Avx512V>(with_streaming_binary(Kernels::table<Gemm>("avx512"))));
}  // namespace
const KernelTable* avx512_kernels() { return &kTable; }
}  // namespace tg
#else
namespace tg {
const KernelTable* avx512_kernels() { return nullptr; }
}  // namespace tg
#endif
