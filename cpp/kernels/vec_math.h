// Elementwise math written once over a vector layer V (see cpp/isa/*.cpp for the layers).
// Instantiated by each ISA translation unit with its own (internal) V: see vec_kernels.h.
//
// V provides: reg, mask, width; load/store/set1; add sub mul div fma(a,b,c)=a*b+c, rounded
// once unless V sets fma_rounds_twice = true (SSE2, which has no FMA: a multiply and an add);
// max/min (hardware semantics: the second operand is returned when either is NaN);
// gt lt eq isnan -> mask; select(mask, if_true, if_false); abs; neg;
// round_nearest; floor ceil round_even trunc (at every magnitude; -0, inf and NaN as libm's);
// pow2i(n) = 2^n for integral-valued n in [-126, 127]; optionally
// scale2(p, n) = p * 2^floor(n) rounded once (AVX-512's scalef) and lookup16(table, t) =
// table[low 4 bits of t's bit pattern] per lane (AVX-512's permutexvar), which together select
// exp's table form; or lookup8(table, t) (AVX2's permutevar8x32) and scale_by_shifted(p, t,
// shift, bits) = p * 2^((bits(t) - bits(shift)) >> bits) for normal results, which select the
// 8-entry table in the Cephes form's reduction;
// split_exponent(x, &e) -> mantissa in [0.5, 1) with x = m * 2^e for positive normal x;
// hsum/hmax/hmin; any(mask).
//
// exp/log/tanh are Cephes-style minimax polynomials (exp in a 16-entry table form where V has
// scale2 and lookup16: AVX-512); the normal CDF behind GELU mixes Cephes'
// erf series with fits of our own. Measured against float64 references in test/simd.test.ts
// (max over dense sweeps, every ISA): exp, log, tanh <= 1 ulp; sigmoid <= 2; softplus, gelu <= 3.
#pragma once
#include <cmath>
#include <cstdint>
#include <limits>

template <class V>
struct VecMath {
  using reg = typename V::reg;

  // Whether V::fma rounds once. Every polynomial here is accurate with either kind; only the
  // exact error of a square (square_error) depends on it.
  static constexpr bool kFusedFma = !requires { requires V::fma_rounds_twice; };

  static reg exp(reg x) { return exp_impl<false>(x, x); }

  // exp(x + xlo) for a small correction xlo (|xlo| <= ulp(x)), added after the range reduction
  // where it is not lost to the rounding of x.
  static reg exp_split(reg x, reg xlo) { return exp_impl<true>(x, xlo); }

  // 2^(j/16) for j = 0..15 as hi + lo, each a float (hi rounded to nearest): exp's table where
  // V has lookup16. The lo part keeps the table's own rounding (up to 1/2 ulp) out of the
  // result: without it exp was off by up to 1 ulp more often, and sigmoid by 3.
  static constexpr float kExp2Hi[16] = {
      0x1.000000p+0f, 0x1.0b5586p+0f, 0x1.172b84p+0f, 0x1.2387a6p+0f, 0x1.306fe0p+0f, 0x1.3dea64p+0f,
      0x1.4bfdaep+0f, 0x1.5ab07ep+0f, 0x1.6a09e6p+0f, 0x1.7a1148p+0f, 0x1.8ace54p+0f, 0x1.9c4918p+0f,
      0x1.ae89fap+0f, 0x1.c199bep+0f, 0x1.d5818ep+0f, 0x1.ea4afap+0f};
  static constexpr float kExp2Lo[16] = {
      0x0p+0f,         0x1.9f3122p-25f,  -0x1.c15742p-27f, 0x1.ceac48p-25f,  0x1.4636e2p-25f,  0x1.824684p-25f,
      -0x1.593abcp-25f, -0x1.5bd5ecp-27f, 0x1.9fcef4p-26f,  -0x1.829fd0p-25f, 0x1.15506ep-27f,  0x1.51f848p-27f,
      -0x1.a94b14p-26f, -0x1.3d56b2p-27f, -0x1.822dbcp-27f, 0x1.52486cp-27f};

  // Whether V has what exp's table form needs (AVX-512).
  static constexpr bool kTableExp = requires(reg a) { V::scale2(a, a); V::lookup16(kExp2Hi, a); };

  // 2^(j/8) = 2^(2j/16), j = 0..7: the 8-entry table of the Cephes form's reduction where V has
  // lookup8 but not the table form (AVX2's permutevar8x32).
  static constexpr float kExp2Hi8[8] = {kExp2Hi[0], kExp2Hi[2], kExp2Hi[4], kExp2Hi[6], kExp2Hi[8], kExp2Hi[10], kExp2Hi[12], kExp2Hi[14]};
  static constexpr float kExp2Lo8[8] = {kExp2Lo[0], kExp2Lo[2], kExp2Lo[4], kExp2Lo[6], kExp2Lo[8], kExp2Lo[10], kExp2Lo[12], kExp2Lo[14]};
  static constexpr bool kTable8Exp = !kTableExp && requires(reg a) { V::lookup8(kExp2Hi8, a); };

  // exp for |x| <= kExpInRangeMax only, for callers that checked the range (VecKernels' exp
  // loop); equal to exp(x) there, bit for bit. The table form (AVX-512) drops its clamp, and
  // takes NaN too. The Cephes form (the other layers) drops its three range masks and selects,
  // and scales by 2^n in one multiply instead of two: for |x| <= 87, n = round(x / ln2) is in
  // [-126, 126], so 2^n is a normal float and p 2^n rounds once, as p 2^n1 (exact) 2^n2 does
  // (AVX2: see exp_blocks).
  static constexpr float kExpInRangeMax = kTableExp ? 128.0f : 87.0f;
  static reg exp_in_range(reg x) {
    if constexpr (kTableExp) return exp_table<false>(x, x);
    else if constexpr (kTable8Exp) {
      reg t;
      const reg p = exp_reduced8<false>(x, x, nullptr, &t);
      return V::scale_by_shifted(p, t, V::set1(0x1.8p20f), 3);
    } else {
      reg n;
      const reg p = exp_reduced<false>(x, x, &n);
      return V::mul(p, V::pow2i(n));
    }
  }

  // exp(x) = 2^(n/16) e^r = 2^floor(n/16) * T[n mod 16] * e^r, n = round(16 x / ln2),
  // |r| <= ln2/32: a cubic is within 1e-9 of e^r there (the Cephes form of exp_impl needs a
  // degree-7 polynomial for its |r| <= ln2/2). 8 vector ops fewer than that form, and fewer on
  // the FMA pipes, the limit (1M floats: 30 -> 45 GB/s on one Zen 4 core):
  // - n / 16 from the 1.5 * 2^19 shift: t = x / ln2 + 1.5 * 2^19 rounds x / ln2 to a multiple of
  //   1/16 (t's last place), so t - shift is n / 16 exactly and the table index is t's low 4
  //   mantissa bits, with no conversion. Valid for |x| < 2^18 ln2, hence the caller's clamp.
  // - no range selects: scale2 saturates to inf or 0 (rounding denormals once) by itself, so
  //   a clamp to [-150, 128], beyond both ends of float's range, is all exp needs; a NaN
  //   goes through every step as NaN.
  template <bool kLo>
  static reg exp_table(reg x, reg xlo) {
    const reg shift = V::set1(0x1.8p19f);
    reg t = V::fma(x, V::set1(0x1.715476p+0f), shift);  // 1 / ln2
    reg m = V::sub(t, shift);
    reg r = V::fma(m, V::set1(-0x1.62e430p-1f), x);  // ln2 in two parts
    r = V::fma(m, V::set1(0x1.05c610p-29f), r);
    if constexpr (kLo) r = V::add(r, xlo);
    // q = e^r - 1 = r (1 + r (1/2 + r/6)); then T (1 + q) = hi + (hi q + lo), rounded once
    // where it matters (the last add).
    reg q = V::fma(V::set1(0x1.555556p-3f), r, V::set1(0.5f));
    q = V::mul(V::fma(q, r, V::set1(1.0f)), r);
    reg hi = V::lookup16(kExp2Hi, t);
    reg y = V::add(hi, V::fma(hi, q, V::lookup16(kExp2Lo, t)));
    return V::scale2(y, m);  // y 2^floor(m)
  }

  // The Cephes form's reduction, x = n ln2 + r: returns e^(x - n ln2) for an integral *n.
  template <bool kLo>
  static reg exp_reduced(reg x, reg xlo, reg* n_out) {
    if constexpr (kTable8Exp) return exp_reduced8<kLo>(x, xlo, n_out);
    else return exp_reduced_poly<kLo>(x, xlo, n_out);
  }

  // With lookup8: x = (n + j/8) ln2 + r, |r| <= ln2/16, returns 2^(j/8) e^r (and n, or t for
  // V::scale_by_shifted). A quartic is within 2e-9 of e^r there, where the polynomial form needs
  // degree 5 on |r| <= ln2/2 after a multiply and a round for n; with the in-range scale an
  // integer add to the exponent field, exp_in_range is 16 vector ops of which 8 multiply (or
  // multiply-add), was 11 (1M floats into a reused output, one Zen 4 core, AVX2: 0.316 -> 0.287 ms,
  // `TG_SIMD=avx2 node bench/kernels.mjs --only exp_reused old.node new.node`). m = n + j/8 comes
  // from the 1.5 * 2^20 shift (t's last place is 1/8, so t - shift is m exactly and j is t's low
  // 3 bits, which lookup8 reads); 2^(j/8) is hi + lo, rounded once at the last add, as in
  // exp_table.
  template <bool kLo>
  static reg exp_reduced8(reg x, reg xlo, reg* n_out, reg* t_out = nullptr) {
    const reg shift = V::set1(0x1.8p20f);
    const reg t = V::fma(x, V::set1(0x1.715476p+0f), shift);  // 1 / ln2
    const reg m = V::sub(t, shift);
    reg r = V::fma(m, V::set1(-0x1.62e430p-1f), x);  // ln2 in two parts
    r = V::fma(m, V::set1(0x1.05c610p-29f), r);
    if constexpr (kLo) r = V::add(r, xlo);
    // q = e^r - 1 = r (1 + r (1/2 + r (1/6 + r/24)))
    reg q = V::fma(V::set1(0x1.555556p-5f), r, V::set1(0x1.555556p-3f));
    q = V::fma(q, r, V::set1(0.5f));
    q = V::mul(V::fma(q, r, V::set1(1.0f)), r);
    const reg hi = V::lookup8(kExp2Hi8, t);
    if (n_out) *n_out = V::floor(m);
    if (t_out) *t_out = t;
    return V::add(hi, V::fma(hi, q, V::lookup8(kExp2Lo8, t)));
  }

  template <bool kLo>
  static reg exp_reduced_poly(reg x, reg xlo, reg* n_out) {
    // n = round(x / ln2); r = x - n*ln2 (two-part ln2 for exactness)
    const reg n = V::round_nearest(V::mul(x, V::set1(1.44269504088896341f)));
    reg r = V::fma(n, V::set1(-0.693359375f), x);
    r = V::fma(n, V::set1(2.12194440e-4f), r);
    if constexpr (kLo) r = V::add(r, xlo);
    reg p = V::set1(1.9875691500E-4f);
    p = V::fma(p, r, V::set1(1.3981999507E-3f));
    p = V::fma(p, r, V::set1(8.3334519073E-3f));
    p = V::fma(p, r, V::set1(4.1665795894E-2f));
    p = V::fma(p, r, V::set1(1.6666665459E-1f));
    p = V::fma(p, r, V::set1(5.0000001201E-1f));
    const reg r2 = V::mul(r, r);
    *n_out = n;
    // 1 + (r + r^2 p) rather than (1 + r) + r^2 p: rounding 1 + r first drops low bits of r,
    // worth a quarter ulp of the result (max error 1.26 -> 0.99 ulp, measured).
    return V::add(V::fma(p, r2, r), V::set1(1.0f));
  }

  template <bool kLo>
  static reg exp_impl(reg x, reg xlo) {
    // min(hi, max(lo, x)) returns a NaN x (max and min return their second operand for NaN).
    if constexpr (kTableExp) return exp_table<kLo>(V::min(V::set1(128.0f), V::max(V::set1(-150.0f), x)), xlo);
    const reg hi = V::set1(88.7228394f), lo = V::set1(-103.972839f);
    auto over_mask = V::gt(x, hi);
    auto under_mask = V::lt(x, lo);
    auto nan_mask = V::isnan(x);
    reg xc = V::min(V::max(x, lo), hi);
    reg n;
    reg p = exp_reduced<kLo>(xc, xlo, &n);
    // Split the scale in two so that results down to the denormal range stay exact-ish:
    // p 2^n1 is exact, and the product rounds once.
    reg n1 = V::round_nearest(V::mul(n, V::set1(0.5f)));
    reg n2 = V::sub(n, n1);
    reg y = V::mul(V::mul(p, V::pow2i(n1)), V::pow2i(n2));
    y = V::select(over_mask, V::set1(INFINITY), y);
    y = V::select(under_mask, V::set1(0.0f), y);
    return V::select(nan_mask, x, y);
  }

  static reg log(reg x) {
    auto nan_or_neg = V::lt(x, V::set1(0.0f));
    auto is_zero = V::eq(x, V::set1(0.0f));
    auto is_inf = V::eq(x, V::set1(INFINITY));
    auto is_nan = V::isnan(x);
    // Denormals: scale up by 2^23 so split_exponent sees a normal number.
    auto tiny = V::lt(x, V::set1(1.17549435e-38f));
    reg xs = V::select(tiny, V::mul(x, V::set1(8388608.0f)), x);
    reg e;
    reg m = V::split_exponent(xs, &e);  // xs = m * 2^e, m in [0.5, 1)
    e = V::select(tiny, V::sub(e, V::set1(23.0f)), e);
    // Move m to [sqrt(1/2), sqrt(2)) for a symmetric polynomial range.
    auto small = V::lt(m, V::set1(0.707106781186547524f));
    m = V::select(small, V::add(m, m), m);
    e = V::select(small, V::sub(e, V::set1(1.0f)), e);
    reg f = V::sub(m, V::set1(1.0f));
    reg z = V::mul(f, f);
    reg p = V::set1(7.0376836292E-2f);
    p = V::fma(p, f, V::set1(-1.1514610310E-1f));
    p = V::fma(p, f, V::set1(1.1676998740E-1f));
    p = V::fma(p, f, V::set1(-1.2420140846E-1f));
    p = V::fma(p, f, V::set1(1.4249322787E-1f));
    p = V::fma(p, f, V::set1(-1.6668057665E-1f));
    p = V::fma(p, f, V::set1(2.0000714765E-1f));
    p = V::fma(p, f, V::set1(-2.4999993993E-1f));
    p = V::fma(p, f, V::set1(3.3333331174E-1f));
    reg y = V::mul(V::mul(p, f), z);
    y = V::fma(e, V::set1(-2.12194440e-4f), y);
    y = V::fma(z, V::set1(-0.5f), y);
    reg r = V::add(f, y);
    r = V::fma(e, V::set1(0.693359375f), r);
    r = V::select(is_zero, V::set1(-INFINITY), r);
    r = V::select(is_inf, x, r);
    r = V::select(nan_or_neg, V::set1(NAN), r);
    return V::select(is_nan, x, r);
  }

  static reg tanh(reg x) {
    reg ax = V::abs(x);
    // Small |x|: odd polynomial keeps relative accuracy near 0.
    reg z = V::mul(x, x);
    reg p = V::set1(-5.70498872745E-3f);
    p = V::fma(p, z, V::set1(2.06390887954E-2f));
    p = V::fma(p, z, V::set1(-5.37397155531E-2f));
    p = V::fma(p, z, V::set1(1.33314422036E-1f));
    p = V::fma(p, z, V::set1(-3.33332819422E-1f));
    reg small = V::fma(V::mul(p, z), x, x);
    // Large |x|: 1 - 2 / (exp(2|x|) + 1), sign restored.
    reg e = exp(V::min(V::add(ax, ax), V::set1(88.0f)));
    reg big = V::sub(V::set1(1.0f), V::div(V::set1(2.0f), V::add(e, V::set1(1.0f))));
    big = V::select(V::lt(x, V::set1(0.0f)), V::neg(big), big);
    reg r = V::select(V::lt(ax, V::set1(0.625f)), small, big);
    return V::select(V::isnan(x), x, r);
  }

  // 1 / (1 + exp(-x)), written to neither overflow nor lose the tails:
  // x >= 0: 1 / (1 + e^-x); x < 0: e^x / (1 + e^x).
  static reg sigmoid(reg x) {
    reg e = exp(V::neg(V::abs(x)));
    reg one = V::set1(1.0f);
    reg pos = V::div(one, V::add(one, e));
    reg neg = V::div(e, V::add(one, e));
    return V::select(V::lt(x, V::set1(0.0f)), neg, pos);
  }

  // log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|)); PyTorch returns x itself above 20.
  static reg softplus(reg x) {
    reg e = exp(V::neg(V::abs(x)));
    reg one = V::set1(1.0f);
    // log1p(e) for e in (0, 1]: log(1 + e) loses little here since 1 + e >= 1.
    reg l = log(V::add(one, e));
    // Correct the rounding of 1 + e: log1p(e) ≈ log(u) * e / (u - 1) with u = 1 + e.
    reg u = V::add(one, e);
    reg um1 = V::sub(u, one);
    reg corr = V::select(V::eq(um1, V::set1(0.0f)), e, V::div(V::mul(l, e), um1));
    reg r = V::add(V::max(V::set1(0.0f), x), corr);
    return V::select(V::gt(x, V::set1(20.0f)), x, r);
  }

  // exp(-x^2 / 2), accurate for every x. A rounded x^2 (or a rounded x / sqrt 2 squared)
  // carries an absolute error of up to x^2 * 2^-24, which exp turns into a relative error of
  // that size: up to ~x^2/2 ulp, 80 at GELU's x = -13. So x^2 is split exactly into hi + lo.
  // |x| is capped where the result is 0 anyway, so that hi stays finite (x = inf would
  // otherwise give lo = inf - inf = NaN).
  static reg exp_neg_half_sq(reg x) {
    reg ax = V::min(V::set1(20.0f), V::abs(x));  // min returns its second operand for NaN
    reg hi = V::mul(ax, ax);
    reg lo = square_error(ax, hi);
    const reg mhalf = V::set1(-0.5f);
    return exp_split(V::mul(mhalf, hi), V::mul(mhalf, lo));
  }

  // a^2 - hi exactly, for hi = a^2 rounded: one fma where it rounds once, else Dekker's
  // product, where a is split (Veltkamp, by 2^12 + 1) into halves of 12 significant bits whose
  // products and their sums with hi are all exact, while a^2 neither overflows nor underflows
  // (exp_neg_half_sq caps |a| at 20; below 2^-50 or so the error is lost, with nothing to lose).
  static reg square_error(reg a, reg hi) {
    if constexpr (kFusedFma) return V::fma(a, a, V::neg(hi));
    reg c = V::mul(a, V::set1(4097.0f));
    reg ah = V::sub(c, V::sub(c, a));
    reg al = V::sub(a, ah);
    return V::add(V::add(V::sub(V::mul(ah, ah), hi), V::mul(V::add(ah, ah), al)), V::mul(al, al));
  }

  // The standard normal CDF and GELU. Three pieces:
  // |x| < 1/2: Cephes' erff series (ndtrf.c), Phi(x) = (1 + erf(z)) / 2, erf(z) = z P(z^2).
  // |x| >= 1/2: the tail Phi(-|x|) = exp(-x^2/2) m(|x|), and Phi(x) = 1 - tail for x > 0.
  // The tail is computed directly rather than as (1 + erf) / 2, which cancels: to 0 beyond
  // x = -5.5 (GELU(-5.54) came out as -0 instead of -8.2e-8) and by 12 ulp at x = -1.37.
  // Cephes' erfcf polynomials for this range lost up to 3 ulp to cancellation between their
  // own terms in float, so m comes from our own fits of the smooth ratio m(t) = Phi(-t)
  // exp(t^2/2): relative-error minimax (iteratively reweighted least squares on Chebyshev
  // nodes against mpmath), < 6e-9 on each interval, coefficients then rounded to float.

  // Phi(x) for |x| < 1/2.
  static reg cdf_center(reg x) {
    const reg half = V::set1(0.5f);
    reg z = V::mul(x, V::set1(0.70710678118654752f));
    reg z2 = V::mul(z, z);
    reg ps = V::set1(7.853861353153693E-5f);
    ps = V::fma(ps, z2, V::set1(-8.010193625184903E-4f));
    ps = V::fma(ps, z2, V::set1(5.188327685732524E-3f));
    ps = V::fma(ps, z2, V::set1(-2.685381193529856E-2f));
    ps = V::fma(ps, z2, V::set1(1.128358514861418E-1f));
    ps = V::fma(ps, z2, V::set1(-3.761262582423300E-1f));
    ps = V::fma(ps, z2, V::set1(1.128379165726710E+0f));
    return V::fma(half, V::mul(z, ps), half);
  }

  // t m(t) = t Phi(-t) exp(t^2/2) for t >= 1/2. Scaled by t because GELU needs x Phi(x):
  // x m(|x|) is then just -(t m(t)) with no division, and beyond t = 2.875 the fit is in
  // v = 1/t^2 (t m(t) -> 1/sqrt(2 pi) as t -> inf), whose rounding barely matters.
  static reg mills_t(reg t) {
    reg ua = V::sub(t, V::set1(1.0f));  // on [0.5, 1.5)
    reg ma = V::set1(9.130113904e-05f);
    ma = V::fma(ma, ua, V::set1(-3.212952288e-04f));
    ma = V::fma(ma, ua, V::set1(1.014610636e-03f));
    ma = V::fma(ma, ua, V::set1(-3.163412213e-03f));
    ma = V::fma(ma, ua, V::set1(9.255368263e-03f));
    ma = V::fma(ma, ua, V::set1(-2.508579567e-02f));
    ma = V::fma(ma, ua, V::set1(6.210715324e-02f));
    ma = V::fma(ma, ua, V::set1(-1.373639852e-01f));
    ma = V::fma(ma, ua, V::set1(2.615782917e-01f));
    reg ub = V::sub(t, V::set1(2.1f));  // on [1.5, 2.875)
    reg mb = V::set1(6.952942840e-06f);
    mb = V::fma(mb, ub, V::set1(-3.246052802e-05f));
    mb = V::fma(mb, ub, V::set1(1.229257323e-04f));
    mb = V::fma(mb, ub, V::set1(-4.694327072e-04f));
    mb = V::fma(mb, ub, V::set1(1.721266774e-03f));
    mb = V::fma(mb, ub, V::set1(-5.966223776e-03f));
    mb = V::fma(mb, ub, V::set1(1.941472851e-02f));
    mb = V::fma(mb, ub, V::set1(-5.866922066e-02f));
    mb = V::fma(mb, ub, V::set1(1.620347947e-01f));
    reg w = V::div(V::set1(1.0f), t);  // on [2.875, inf), in v = 1/t^2
    reg v = V::mul(w, w);
    reg mv = V::set1(6.979498535e+03f);
    mv = V::fma(mv, v, V::set1(-4.465508301e+03f));
    mv = V::fma(mv, v, V::set1(1.311494019e+03f));
    mv = V::fma(mv, v, V::set1(-2.479560394e+02f));
    mv = V::fma(mv, v, V::set1(3.781471634e+01f));
    mv = V::fma(mv, v, V::set1(-5.905103207e+00f));
    mv = V::fma(mv, v, V::set1(1.196020484e+00f));
    mv = V::fma(mv, v, V::set1(-3.989390433e-01f));
    mv = V::fma(mv, v, V::set1(3.989422917e-01f));
    reg near = V::select(V::lt(t, V::set1(1.5f)), V::mul(t, ma), V::mul(t, mb));
    return V::select(V::lt(t, V::set1(2.875f)), near, mv);
  }

  // exp(-x^2/2) t m(t) = |x| Phi(-|x|), for |x| >= 1/2. The exp factor goes last: it may be
  // denormal, and then only one product rounds there.
  static reg abs_x_tail(reg x) { return V::mul(exp_neg_half_sq(x), mills_t(V::abs(x))); }

  static reg normal_cdf(reg x) {
    reg t = V::abs(x);
    reg tail = V::div(abs_x_tail(x), t);
    reg far = V::select(V::lt(x, V::set1(0.0f)), tail, V::sub(V::set1(1.0f), tail));
    return V::select(V::lt(t, V::set1(0.5f)), cdf_center(x), far);
  }

  // Exact (erf) GELU x Phi(x), PyTorch's default approximate='none'. For |x| >= 1/2 it is
  // -|x| tail or x - |x| tail. GELU(-inf) is NaN as in PyTorch (-inf * Phi(-inf) = -inf * 0).
  static reg gelu(reg x) {
    reg t = V::abs(x);
    reg xt = abs_x_tail(x);
    reg far = V::select(V::lt(x, V::set1(0.0f)), V::neg(xt), V::sub(x, xt));
    far = V::select(V::eq(x, V::set1(-INFINITY)), V::set1(NAN), far);
    return V::select(V::lt(t, V::set1(0.5f)), V::mul(x, cdf_center(x)), far);
  }

  // d gelu / dx = Phi(x) + x * phi(x)
  static reg gelu_grad(reg x) {
    reg pdf = V::mul(V::set1(0.39894228040143268f), exp_neg_half_sq(x));
    return V::fma(x, pdf, normal_cdf(x));
  }
};
