// SSE2 kernel table: the x86-64 baseline, for the CPUs without AVX2 + FMA. SSE2 is part of
// x86-64 itself, so this unit has no -m flag, and the compiler refuses anything newer in it
// (SSE4.1's blendv and round, AVX's masked loads): select, rounding and the partial vectors
// below are built from SSE2 instructions. There is no FMA: fma(a, b, c) is a multiply
// and an add, each rounded, and vec_math.h computes the one exact product it needs another way.
#include <emmintrin.h>

#include <cstdint>

#include "kernels/isa_table.h"

namespace {

struct Sse2V {
  using reg = __m128;
  using mask = __m128;
  static constexpr int width = 4;
  static constexpr bool fma_rounds_twice = true;
  static reg load(const float* p) { return _mm_loadu_ps(p); }
  static void store(float* p, reg v) { _mm_storeu_ps(p, v); }
  // The first n lanes (1 <= n <= width), for the GEMM tile's last, partial column vector; the
  // other lanes are neither read nor written. SSE2 has no masked load, so the pieces of the
  // partial vector are moved as 1 or 2 floats (the branch is the same every step of a tile's k
  // loop). Pairs go through loadl/storel_epi64, which GCC defines on an unaligned type:
  // _mm_load_sd dereferences a double*, undefined behaviour at a float's alignment (UBSan).
  using tail = int;
  static tail make_tail(int n) { return n; }
  static reg load_pair(const float* p) { return _mm_castsi128_ps(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p))); }
  static void store_pair(float* p, reg v) { _mm_storel_epi64(reinterpret_cast<__m128i*>(p), _mm_castps_si128(v)); }
  static reg load_tail(const float* p, tail n) {
    switch (n) {
      case 1: return _mm_load_ss(p);
      case 2: return load_pair(p);
      case 3: return _mm_movelh_ps(load_pair(p), _mm_load_ss(p + 2));
      default: return _mm_loadu_ps(p);
    }
  }
  static void store_tail(float* p, reg v, tail n) {
    switch (n) {
      case 1: return _mm_store_ss(p, v);
      case 2: return store_pair(p, v);
      case 3:
        store_pair(p, v);
        return _mm_store_ss(p + 2, _mm_movehl_ps(v, v));
      default: return _mm_storeu_ps(p, v);
    }
  }
  static reg set1(float v) { return _mm_set1_ps(v); }
  static reg add(reg a, reg b) { return _mm_add_ps(a, b); }
  static reg sub(reg a, reg b) { return _mm_sub_ps(a, b); }
  static reg mul(reg a, reg b) { return _mm_mul_ps(a, b); }
  static reg div(reg a, reg b) { return _mm_div_ps(a, b); }
  static reg fma(reg a, reg b, reg c) { return _mm_add_ps(_mm_mul_ps(a, b), c); }
  static reg max(reg a, reg b) { return _mm_max_ps(a, b); }
  static reg min(reg a, reg b) { return _mm_min_ps(a, b); }
  static reg sqrt(reg a) { return _mm_sqrt_ps(a); }
  static reg sign_bit() { return _mm_castsi128_ps(_mm_set1_epi32(int(0x80000000u))); }
  static reg abs(reg a) { return _mm_andnot_ps(sign_bit(), a); }
  static reg neg(reg a) { return _mm_xor_ps(a, sign_bit()); }
  static reg pow(reg a, reg b) {
    alignas(16) float ta[4], tb[4];
    _mm_store_ps(ta, a);
    _mm_store_ps(tb, b);
    for (int i = 0; i < 4; ++i) ta[i] = __builtin_powf(ta[i], tb[i]);
    return _mm_load_ps(ta);
  }
  // Rounding without SSE4.1's roundps. Below 2^23, 2^23 + |a| has no fraction bits, so the add
  // rounds |a| to an integer by MXCSR (ties to even: nothing in the process changes the mode)
  // and the subtract is exact; the sign goes back on by bit, so that -0.3 gives -0, as nearbyint.
  // From 2^23 up every float is an integer, and those, inf and NaN (the compare is false for
  // it) pass through unchanged.
  static reg round_even(reg a) {
    const reg mag = abs(a), two23 = _mm_set1_ps(0x1p23f);
    const reg rounded = _mm_or_ps(_mm_sub_ps(_mm_add_ps(mag, two23), two23), _mm_and_ps(a, sign_bit()));
    return select(_mm_cmplt_ps(mag, two23), rounded, a);
  }
  // One less where rounding went up. r - (+0) keeps a -0 r, so floor(-0) = -0.
  static reg floor(reg a) {
    const reg r = round_even(a);
    return _mm_sub_ps(r, _mm_and_ps(_mm_cmpgt_ps(r, a), _mm_set1_ps(1.0f)));
  }
  // One more where rounding went down; the sign of a goes back on, since -1 + 1 is +0 and
  // ceil(-0.7) is -0.
  static reg ceil(reg a) {
    const reg r = round_even(a);
    const reg up = _mm_add_ps(r, _mm_and_ps(_mm_cmplt_ps(r, a), _mm_set1_ps(1.0f)));
    return _mm_or_ps(up, _mm_and_ps(a, sign_bit()));
  }
  // floor of |a|, with a's sign.
  static reg trunc(reg a) {
    const reg mag = abs(a), r = round_even(mag);
    const reg down = _mm_sub_ps(r, _mm_and_ps(_mm_cmpgt_ps(r, mag), _mm_set1_ps(1.0f)));
    return _mm_or_ps(down, _mm_and_ps(a, sign_bit()));
  }
  static mask gt(reg a, reg b) { return _mm_cmpgt_ps(a, b); }
  static mask lt(reg a, reg b) { return _mm_cmplt_ps(a, b); }
  static mask eq(reg a, reg b) { return _mm_cmpeq_ps(a, b); }
  static mask isnan(reg a) { return _mm_cmpunord_ps(a, a); }
  static reg select(mask m, reg a, reg b) { return _mm_or_ps(_mm_and_ps(m, a), _mm_andnot_ps(m, b)); }
  static bool any(mask m) { return _mm_movemask_ps(m) != 0; }
  // Ties to even, like _MM_FROUND_TO_NEAREST_INT: cvtps2dq rounds by MXCSR, whose default
  // (round to nearest even) nothing in the process changes. For |a| < 2^31, which exp's
  // clamped arguments are.
  static reg round_nearest(reg a) { return _mm_cvtepi32_ps(_mm_cvtps_epi32(a)); }
  static reg pow2i(reg n) {
    __m128i e = _mm_add_epi32(_mm_cvtps_epi32(n), _mm_set1_epi32(127));
    return _mm_castsi128_ps(_mm_slli_epi32(e, 23));
  }
  static reg split_exponent(reg x, reg* e) {
    __m128i bits = _mm_castps_si128(x);
    __m128i ex = _mm_sub_epi32(_mm_srli_epi32(bits, 23), _mm_set1_epi32(126));
    *e = _mm_cvtepi32_ps(ex);
    __m128i m = _mm_or_si128(_mm_and_si128(bits, _mm_set1_epi32(0x007fffff)), _mm_set1_epi32(0x3f000000));
    return _mm_castsi128_ps(m);
  }
  // The lanes added by halving (lane l + lane l + 2, then + 1): hsum's order, which
  // layernorm_kernels.h needs on every table.
  static float hsum_halving(reg a) { return hsum(a); }
  static float hsum(reg a) {
    reg s = _mm_add_ps(a, _mm_movehl_ps(a, a));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
  }
  // out[i] = hsum of the i-th argument, sharing the shuffles (the order of avx2.cpp's, within
  // one 128-bit lane): a, b, c, d folded into [a0 + a2, b0 + b2, a1 + a3, b1 + b3] and the
  // same for c, d, then the halves added.
  static void hsum4(reg a, reg b, reg c, reg d, float* out) {
    const reg ab = _mm_add_ps(_mm_unpacklo_ps(a, b), _mm_unpackhi_ps(a, b));
    const reg cd = _mm_add_ps(_mm_unpacklo_ps(c, d), _mm_unpackhi_ps(c, d));
    _mm_storeu_ps(out, _mm_add_ps(_mm_shuffle_ps(ab, cd, 0x44), _mm_shuffle_ps(ab, cd, 0xee)));
  }
  static float hmax(reg a) {
    reg s = _mm_max_ps(a, _mm_movehl_ps(a, a));
    s = _mm_max_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
  }
  static float hmin(reg a) {
    reg s = _mm_min_ps(a, _mm_movehl_ps(a, a));
    s = _mm_min_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
  }
};

}  // namespace

#include "kernels/gemm_kernels.h"
#include "kernels/vec_kernels.h"
#include "kernels/attention_kernels.h"

// GEMM register tile 6 x 8: 12 accumulators + 2 B vectors + 1 broadcast + 1 product (without
// FMA each multiply needs a register of its own before the add) of the 16 xmm registers.
// 4 x 12 would need 17 and spills an accumulator to the stack on every step of k.
// Dot blocks 3 x 3: 9 accumulators + 3 B vectors + 1 A vector + 1 product.
namespace {
using Gemm = GemmKernels<Sse2V, 6, 2, 3, 3>;
}  // namespace

namespace tg {
namespace {
constinit const KernelTable kTable = with_gemm_packing<Gemm>(with_attention<Sse2V>(VecKernels<Sse2V>::table<Gemm>("sse2")));
}  // namespace
const KernelTable* sse2_kernels() { return &kTable; }
}  // namespace tg
