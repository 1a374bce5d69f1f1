// Elementwise math written once over a vector layer V (see cpp/isa/*.cpp for the layers).
// Instantiated by each ISA translation unit with its own (internal) V: see vec_kernels.h.
//
// V provides: reg, mask, width; load/store/set1; add sub mul div fma(a,b,c)=a*b+c;
// max/min (hardware semantics: the second operand is returned when either is NaN);
// gt lt eq isnan -> mask; select(mask, if_true, if_false); abs; neg;
// round_nearest; pow2i(n) = 2^n for integral-valued n in [-126, 127];
// split_exponent(x, &e) -> mantissa in [0.5, 1) with x = m * 2^e for positive normal x;
// hsum/hmax/hmin; any(mask).
//
// exp/log/tanh are Cephes-style minimax polynomials, accurate to ~1-2 ulp over their range
// (measured against libm in test/simd.test.ts).
#pragma once
#include <cmath>
#include <cstdint>
#include <limits>

template <class V>
struct VecMath {
  using reg = typename V::reg;

  static reg exp(reg x) {
    const reg hi = V::set1(88.7228394f), lo = V::set1(-103.972839f);
    auto over_mask = V::gt(x, hi);
    auto under_mask = V::lt(x, lo);
    auto nan_mask = V::isnan(x);
    reg xc = V::min(V::max(x, lo), hi);
    // n = round(x / ln2); r = x - n*ln2 (two-part ln2 for exactness)
    reg n = V::round_nearest(V::mul(xc, V::set1(1.44269504088896341f)));
    reg r = V::fma(n, V::set1(-0.693359375f), xc);
    r = V::fma(n, V::set1(2.12194440e-4f), r);
    reg p = V::set1(1.9875691500E-4f);
    p = V::fma(p, r, V::set1(1.3981999507E-3f));
    p = V::fma(p, r, V::set1(8.3334519073E-3f));
    p = V::fma(p, r, V::set1(4.1665795894E-2f));
    p = V::fma(p, r, V::set1(1.6666665459E-1f));
    p = V::fma(p, r, V::set1(5.0000001201E-1f));
    reg r2 = V::mul(r, r);
    p = V::fma(p, r2, V::add(r, V::set1(1.0f)));
    // Split the scale in two so that results down to the denormal range stay exact-ish.
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

  // Exact GELU: 0.5 x (1 + erf(x / sqrt 2)). erf via Abramowitz-Stegun 7.1.26 is too coarse, so
  // use erf(z) = 1 - erfc(z) with a Cephes-style erfc for |z| >= 1 and a series below.
  static reg erf(reg z) {
    reg az = V::abs(z);
    // |z| < 1: z * P(z^2)
    reg z2 = V::mul(z, z);
    reg ps = V::set1(7.853861353153693E-5f);
    ps = V::fma(ps, z2, V::set1(-8.010193625184903E-4f));
    ps = V::fma(ps, z2, V::set1(5.188327685732524E-3f));
    ps = V::fma(ps, z2, V::set1(-2.685381193529856E-2f));
    ps = V::fma(ps, z2, V::set1(1.128358514861418E-1f));
    ps = V::fma(ps, z2, V::set1(-3.761262582423300E-1f));
    ps = V::fma(ps, z2, V::set1(1.128379165726710E+0f));
    reg small = V::mul(z, ps);
    // |z| >= 1: erfc(|z|) = exp(-z^2) * R(1/|z|) / |z|
    reg q = V::div(V::set1(1.0f), az);
    reg s = V::mul(q, q);
    reg pa = V::set1(2.326819970068386E-2f);
    pa = V::fma(pa, s, V::set1(-1.387039388740657E-1f));
    pa = V::fma(pa, s, V::set1(3.687424674597105E-1f));
    pa = V::fma(pa, s, V::set1(-5.824733027278666E-1f));
    pa = V::fma(pa, s, V::set1(6.210004621745983E-1f));
    pa = V::fma(pa, s, V::set1(-4.944515323274145E-1f));
    pa = V::fma(pa, s, V::set1(3.404879937665872E-1f));
    pa = V::fma(pa, s, V::set1(-2.741127028184656E-1f));
    pa = V::fma(pa, s, V::set1(5.638259427386472E-1f));
    reg pb = V::set1(-1.047766399936249E+1f);
    pb = V::fma(pb, s, V::set1(1.297719955372516E+1f));
    pb = V::fma(pb, s, V::set1(-7.495518717768503E+0f));
    pb = V::fma(pb, s, V::set1(2.921019019210786E+0f));
    pb = V::fma(pb, s, V::set1(-1.015265279202700E+0f));
    pb = V::fma(pb, s, V::set1(4.218463358204948E-1f));
    pb = V::fma(pb, s, V::set1(-2.820767439740514E-1f));
    pb = V::fma(pb, s, V::set1(5.641895067754075E-1f));
    reg poly = V::select(V::lt(az, V::set1(2.0f)), pa, pb);
    reg erfc = V::mul(V::mul(exp(V::neg(V::mul(z, z))), q), poly);
    erfc = V::select(V::gt(az, V::set1(10.0f)), V::set1(0.0f), erfc);
    reg big = V::sub(V::set1(1.0f), erfc);
    big = V::select(V::lt(z, V::set1(0.0f)), V::neg(big), big);
    return V::select(V::lt(az, V::set1(1.0f)), small, big);
  }

  static reg gelu(reg x) {
    reg half = V::set1(0.5f);
    reg e = erf(V::mul(x, V::set1(0.70710678118654752f)));
    return V::mul(V::mul(half, x), V::add(V::set1(1.0f), e));
  }

  // d gelu / dx = Phi(x) + x * phi(x)
  static reg gelu_grad(reg x) {
    reg cdf = V::mul(V::set1(0.5f), V::add(V::set1(1.0f), erf(V::mul(x, V::set1(0.70710678118654752f)))));
    reg pdf = V::mul(V::set1(0.39894228040143268f), exp(V::mul(V::set1(-0.5f), V::mul(x, x))));
    return V::fma(x, pdf, cdf);
  }
};
