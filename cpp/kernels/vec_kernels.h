// The contiguous kernels of the KernelTable, written once over a vector layer V.
// Each ISA translation unit instantiates them with its own V, declared in an anonymous
// namespace: an instantiation over an internal type has internal linkage, so every copy is
// compiled with that unit's flags and no baseline caller can link to an AVX-512 copy.
// The kernels use only builtins and V, never out-of-line inline helpers from headers. Tails run through the same vector code on a zero-padded stack copy, so an
// element's result never depends on its position in the array.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "kernels/isa_table.h"
#include "kernels/vec_math.h"
#include "kernels/softmax_kernels.h"
#include "kernels/layernorm_kernels.h"

// SGD's update (KernelTable::sgd_f32, dispatched by VecKernels::sgd below): one pass, every
// option a compile-time constant of its own loop (a run-time flag in the body kept GCC's loop
// scalar). The tail runs the same vector code on a stack copy. Multiplies and adds in
// PyTorch's order (buf * mom + damp * d; p + (-lr) * d), each rounded: GCC's default
// -ffp-contract=fast would fuse them into FMAs in the units compiled with -mfma, and the
// update would then differ from the scalar table's, and from PyTorch's, in the last bit.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC push_options
#pragma GCC optimize("fp-contract=off")
#endif
template <class V, bool Maximize, bool Decay, bool Momentum, bool Nesterov, bool First>
void sgd_run(float* p, const float* g, float* buf, int64_t n, const tg::SgdUpdate& u) {
  using reg = typename V::reg;
  constexpr int W = V::width;
  const reg wd = V::set1(u.weight_decay), mom = V::set1(u.momentum), damp = V::set1(u.damp);
  const reg neg_lr = V::set1(-u.lr);
  auto step = [&](float* pp, const float* gg, float* bb) {
    reg d = V::load(gg);
    if constexpr (Maximize) d = V::neg(d);
    const reg pv = V::load(pp);
    if constexpr (Decay) d = V::add(d, V::mul(wd, pv));
    if constexpr (Momentum) {
      const reg nb = First ? d : V::add(V::mul(V::load(bb), mom), V::mul(damp, d));
      V::store(bb, nb);
      d = Nesterov ? V::add(d, V::mul(mom, nb)) : nb;
    }
    V::store(pp, V::add(pv, V::mul(neg_lr, d)));
  };
  int64_t i = 0;
  for (; i + W <= n; i += W) step(p + i, g + i, Momentum ? buf + i : nullptr);
  if (i < n) {
    // The partial last vector through V's partial loads and stores (pad lanes read as 0, never
    // written), as VecKernels::map1 does.
    const auto part = V::make_tail(static_cast<int>(n - i));
    alignas(64) float tp[W], tg_[W], tb[W];
    V::store(tp, V::load_tail(p + i, part));
    V::store(tg_, V::load_tail(g + i, part));
    if (Momentum) V::store(tb, V::load_tail(buf + i, part));
    step(tp, tg_, tb);
    V::store_tail(p + i, V::load(tp), part);
    if (Momentum) V::store_tail(buf + i, V::load(tb), part);
  }
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC pop_options
#endif

template <class V>
struct VecKernels {
  using reg = typename V::reg;
  using M = VecMath<V>;
  static constexpr int W = V::width;

  // Runs f over full vectors, then once over the partial last one (its pad lanes read as 0 and
  // are never written: V's partial loads and stores, see vec_tail.h; a padded stack copy was
  // most of an op on 50 floats).
  template <class F>
  static inline void map1(const float* x, float* y, int64_t n, F f) {
    int64_t i = 0;
    for (; i + W <= n; i += W) V::store(y + i, f(V::load(x + i)));
    if (i < n) {
      const auto part = V::make_tail(static_cast<int>(n - i));
      V::store_tail(y + i, f(V::load_tail(x + i, part)), part);
    }
  }

  template <class F>
  static inline void map2(const float* a, const float* b, float* out, int64_t n, F f) {
    int64_t i = 0;
    for (; i + W <= n; i += W) V::store(out + i, f(V::load(a + i), V::load(b + i)));
    if (i < n) {
      const auto part = V::make_tail(static_cast<int>(n - i));
      V::store_tail(out + i, f(V::load_tail(a + i, part), V::load_tail(b + i, part)), part);
    }
  }

  // exp in blocks of 4 vectors: where all of a block's |x| are <= M::kExpInRangeMax (nearly
  // always) it runs exp without its range handling (VecMath::exp_in_range): for the table form
  // (AVX-512) the clamp, 2 of its ~13 vector ops (1M floats: 43 -> 49 GB/s on one Zen 4 core);
  // for AVX2's Cephes form the masks, selects and split scale, 38 -> 24 instructions a vector
  // (callgrind; 64K floats on one Zen 4 core, 0.58 -> 0.32 ns a float). The same results
  // either way (test/simd.test.ts).
  static void exp_blocks(const float* x, float* y, int64_t n) {
    int64_t i = 0;
    if constexpr (requires(reg a) { V::all_abs_le(a, a, a, a, 1.0f); M::exp_in_range(a); }) {
      for (; i + 4 * W <= n; i += 4 * W) {
        const reg a = V::load(x + i), b = V::load(x + i + W), c = V::load(x + i + 2 * W), d = V::load(x + i + 3 * W);
        if (V::all_abs_le(a, b, c, d, M::kExpInRangeMax)) {
          V::store(y + i, M::exp_in_range(a));
          V::store(y + i + W, M::exp_in_range(b));
          V::store(y + i + 2 * W, M::exp_in_range(c));
          V::store(y + i + 3 * W, M::exp_in_range(d));
        } else {
          V::store(y + i, M::exp(a));
          V::store(y + i + W, M::exp(b));
          V::store(y + i + 2 * W, M::exp(c));
          V::store(y + i + 3 * W, M::exp(d));
        }
      }
    }
    map1(x + i, y + i, n - i, [](reg v) { return M::exp(v); });
  }

  static void unary(tg::UnaryOp op, const float* x, float* y, int64_t n, float p0, float p1) {
    using tg::UnaryOp;
    const reg zero = V::set1(0.0f), one = V::set1(1.0f);
    switch (op) {
      // The FORMULA lines of TG_UNARY_OPS (kernels/ops.h): map1 over their expression of v.
#define TG_UNARY_FORMULA_CASE(name, cost, formula) \
  case UnaryOp::name: return map1(x, y, n, [=](reg v) { return formula; });
#define TG_UNARY_OWN_CASE(name, cost)
      TG_UNARY_OPS(TG_UNARY_FORMULA_CASE, TG_UNARY_OWN_CASE)
#undef TG_UNARY_FORMULA_CASE
#undef TG_UNARY_OWN_CASE
      // The OWN lines; -Wswitch names any op that has neither.
      case UnaryOp::Exp: return exp_blocks(x, y, n);
      case UnaryOp::Sign:
        return map1(x, y, n, [zero, one](reg v) {
          // sign(NaN) = 0, as in PyTorch.
          return V::select(V::gt(v, zero), one, V::select(V::lt(v, zero), V::neg(one), zero));
        });
      case UnaryOp::LeakyRelu: {
        const reg slope = V::set1(p0);
        return map1(x, y, n, [zero, slope](reg v) { return V::select(V::gt(v, zero), v, V::mul(v, slope)); });
      }
      case UnaryOp::Clamp: {
        // NaN bound = unbounded on that side; a NaN input stays NaN (max/min return it second).
        const bool has_lo = !__builtin_isnan(p0), has_hi = !__builtin_isnan(p1);
        const reg lo = V::set1(p0), hi = V::set1(p1);
        return map1(x, y, n, [=](reg v) {
          if (has_lo) v = V::max(lo, v);
          if (has_hi) v = V::min(hi, v);
          return v;
        });
      }
      case UnaryOp::Sin:
        for (int64_t i = 0; i < n; ++i) y[i] = __builtin_sinf(x[i]);
        return;
      case UnaryOp::Cos:
        for (int64_t i = 0; i < n; ++i) y[i] = __builtin_cosf(x[i]);
        return;
      case UnaryOp::Count: return;
    }
  }

  // fmod(a, b), exact like libm's (PyTorch's std::fmod) but, where the quotient is below 2^29,
  // without the call: glibc before 2.38 shifts out one quotient bit per step (glibc 2.36 here:
  // ~57 ns a call, 4x powf; Remainder of 1M floats 120 -> 8 ms). In double, floor(q) * B is
  // exact (29 + 24 bits), and so is A minus it, a multiple of b's ulp (a's is no finer, as
  // A >= B) below 2B: fused into an FMA or not, the same. The rounded q is at most one above
  // the true quotient's floor, and then r < 0: one B back.
  static float fmod_one(float a, float b) {
    const double A = __builtin_fabs(a), B = __builtin_fabs(b);
    if (A < B) return a;  // b = +-inf too
    const double q = A / B;
    if (!(q < 0x1p29)) return __builtin_fmodf(a, b);  // and inf or NaN a, NaN or zero b
    double r = A - static_cast<double>(static_cast<int32_t>(q)) * B;
    if (r < 0) r += B;
    return __builtin_copysignf(static_cast<float>(r), a);
  }

  static reg fmod(reg a, reg b) {
    alignas(64) float ta[W], tb[W];
    V::store(ta, a);
    V::store(tb, b);
    for (int i = 0; i < W; ++i) ta[i] = fmod_one(ta[i], tb[i]);
    return V::load(ta);
  }

  // The per-op vector function of two registers; the three layouts (vv, vs, sv) share it.
  template <class Apply>
  static void with_binary(tg::BinaryOp op, float p0, Apply apply) {
    using tg::BinaryOp;
    const reg zero = V::set1(0.0f), one = V::set1(1.0f);
    switch (op) {
      case BinaryOp::Add: return apply([](reg a, reg b) { return V::add(a, b); });
      case BinaryOp::Sub: return apply([](reg a, reg b) { return V::sub(a, b); });
      case BinaryOp::Mul: return apply([](reg a, reg b) { return V::mul(a, b); });
      case BinaryOp::Div: return apply([](reg a, reg b) { return V::div(a, b); });
      case BinaryOp::Pow: return apply([](reg a, reg b) { return V::pow(a, b); });
      case BinaryOp::Maximum:
        return apply([](reg a, reg b) { return V::select(V::isnan(a), a, V::max(a, b)); });
      case BinaryOp::Minimum:
        return apply([](reg a, reg b) { return V::select(V::isnan(a), a, V::min(a, b)); });
      case BinaryOp::ReluBackward:
        // PyTorch's threshold_backward zeroes where y <= 0, so a NaN y passes the gradient.
        return apply([zero](reg g, reg x) { return V::select(V::lt(x, zero), zero, V::select(V::eq(x, zero), zero, g)); });
      case BinaryOp::SigmoidBackward:
        return apply([one](reg g, reg y) { return V::mul(g, V::mul(y, V::sub(one, y))); });
      case BinaryOp::TanhBackward:
        return apply([one](reg g, reg y) { return V::mul(g, V::sub(one, V::mul(y, y))); });
      case BinaryOp::GeluBackward:
        return apply([](reg g, reg x) { return V::mul(g, M::gelu_grad(x)); });
      case BinaryOp::SoftplusBackward:
        return apply([](reg g, reg x) { return V::mul(g, M::sigmoid(x)); });
      case BinaryOp::LeakyReluBackward: {
        const reg slope = V::set1(p0);
        return apply([zero, slope](reg g, reg x) { return V::select(V::gt(x, zero), g, V::mul(g, slope)); });
      }
      case BinaryOp::Remainder:
        // PyTorch's CPU formula: mod = fmod(a, b), plus b where mod is nonzero and its sign
        // differs from b's. fmod(a, 0) is NaN.
        return apply([zero](reg a, reg b) {
          const reg mod = fmod(a, b), moved = V::add(mod, b);
          return V::select(V::lt(b, zero), V::select(V::gt(mod, zero), moved, mod),
                           V::select(V::lt(mod, zero), moved, mod));
        });
      case BinaryOp::FloorDivide: return apply([](reg a, reg b) { return floor_divide(a, b); });
      case BinaryOp::Count: return;
    }
  }

  // c10's div_floor_floating (torch.floor_divide, torch.div(rounding_mode='floor') on CPU), op
  // for op: the quotient of the multiple of b that fmod leaves, a - mod, is an integer up to
  // its rounding, rather than a / b, whose rounding can cross an integer.
  static reg floor_divide(reg a, reg b) {
    const reg zero = V::set1(0.0f), one = V::set1(1.0f);
    const reg mod = fmod(a, b), quotient = V::div(a, b);
    reg div = V::div(V::sub(a, mod), b);
    // One less where mod's sign differs from b's: fmod truncates, the floor is one below.
    const reg below = V::sub(div, one);
    div = V::select(V::lt(b, zero), V::select(V::gt(mod, zero), below, div), V::select(V::lt(mod, zero), below, div));
    // div is an integer up to rounding: one just below an integer goes up to it.
    reg floored = V::floor(div);
    floored = V::select(V::gt(V::sub(div, floored), V::set1(0.5f)), V::add(floored, one), floored);
    // A zero div takes a / b's sign. a / b is finite there (|a| < |b|, or b = +-inf), so
    // a / b * 0 is copysign(0, a / b).
    floored = V::select(V::eq(div, zero), V::mul(quotient, zero), floored);
    return V::select(V::eq(b, zero), quotient, floored);
  }

  static void binary(tg::BinaryOp op, const float* a, const float* b, float* out, int64_t n, float p0) {
    with_binary(op, p0, [&](auto f) { map2(a, b, out, n, f); });
  }

  static void binary_vs(tg::BinaryOp op, const float* a, float s, float* out, int64_t n, float p0) {
    with_binary(op, p0, [&](auto f) {
      const reg vs = V::set1(s);
      map1(a, out, n, [&](reg v) { return f(v, vs); });
    });
  }

  static void binary_sv(tg::BinaryOp op, float s, const float* b, float* out, int64_t n, float p0) {
    with_binary(op, p0, [&](auto f) {
      const reg vs = V::set1(s);
      map1(b, out, n, [&](reg v) { return f(vs, v); });
    });
  }

  // A run shorter than kInOrderSumBelow adds in index order, on every table. The accumulators
  // below would split it across lanes (the scalar table's four floats, NEON's four lanes) and
  // combine those in a table-dependent order, 1-2 ulp from the others; in index order a short
  // sum is the same on every table. It is also PyTorch's order for any sum of up to 4 terms and
  // for the outer sums that broadcasting's gradients mostly are (its cascade sum adds up to 16
  // rows into each output one at a time): the gradient fixtures match it to the bit.
  static constexpr int64_t kInOrderSumBelow = 16;

  static float sum(const float* x, int64_t n) {
    if (n < kInOrderSumBelow) {
      float s = 0;
      for (int64_t i = 0; i < n; ++i) s += x[i];
      return s;
    }
    reg acc0 = V::set1(0.0f), acc1 = acc0, acc2 = acc0, acc3 = acc0;
    int64_t i = 0;
    for (; i + 4 * W <= n; i += 4 * W) {
      acc0 = V::add(acc0, V::load(x + i));
      acc1 = V::add(acc1, V::load(x + i + W));
      acc2 = V::add(acc2, V::load(x + i + 2 * W));
      acc3 = V::add(acc3, V::load(x + i + 3 * W));
    }
    for (; i + W <= n; i += W) acc0 = V::add(acc0, V::load(x + i));
    float s = V::hsum(V::add(V::add(acc0, acc1), V::add(acc2, acc3)));
    for (; i < n; ++i) s += x[i];
    return s;
  }

  template <bool IsMax>
  static float extreme(const float* x, int64_t n) {
    float best = IsMax ? -INFINITY : INFINITY;
    reg acc = V::set1(best);
    bool saw_nan = false;
    int64_t i = 0;
    for (; i + W <= n; i += W) {
      reg v = V::load(x + i);
      saw_nan |= V::any(V::isnan(v));
      acc = IsMax ? V::max(acc, v) : V::min(acc, v);
    }
    best = IsMax ? V::hmax(acc) : V::hmin(acc);
    for (; i < n; ++i) {
      if (__builtin_isnan(x[i])) saw_nan = true;
      best = IsMax ? (x[i] > best ? x[i] : best) : (x[i] < best ? x[i] : best);
    }
    return saw_nan ? NAN : best;
  }

  static float max(const float* x, int64_t n) { return extreme<true>(x, n); }
  static float min(const float* x, int64_t n) { return extreme<false>(x, n); }

  static void accumulate(float* acc, const float* x, int64_t n) {
    map2(acc, x, acc, n, [](reg a, reg b) { return V::add(a, b); });
  }

  static void sgd(float* p, const float* g, float* buf, int64_t n, const tg::SgdUpdate& u) {
    // Booleans to template arguments one level at a time.
    auto pick = [](bool v, auto f) { return v ? f(std::true_type{}) : f(std::false_type{}); };
    pick(u.maximize, [&](auto mx) {
      pick(u.has_decay, [&](auto dc) {
        if (!u.has_momentum) return sgd_run<V, decltype(mx)::value, decltype(dc)::value, false, false, false>(p, g, buf, n, u);
        pick(u.nesterov, [&](auto ne) {
          pick(u.first_step, [&](auto fi) { sgd_run<V, decltype(mx)::value, decltype(dc)::value, true, decltype(ne)::value, decltype(fi)::value>(p, g, buf, n, u); });
        });
      });
    });
  }

  // Gemm: the ISA's GemmKernels instantiation (gemm_kernels.h), which fixes its tile shape.
  // constexpr, so each unit's table is constant-initialised: no code of the unit runs at load.
  template <class Gemm>
  static constexpr tg::KernelTable table(const char* name) {
    tg::KernelTable t = tg::KernelTable{name, unary,      binary,   binary_vs, binary_sv, sum,      max,
                           min,  accumulate, Gemm::MR, Gemm::NR,  Gemm::W,   Gemm::run,
                           Gemm::DR, Gemm::DC, Gemm::run_dot, sgd,
                           SoftmaxKernels<V>::rows_forward, SoftmaxKernels<V>::cols_forward,
                           SoftmaxKernels<V>::rows_backward, SoftmaxKernels<V>::cols_backward};
    t.layer_norm_rows_f32 = LayerNormKernels<V>::rows_forward;
    t.layer_norm_backward_rows_f32 = LayerNormKernels<V>::rows_backward;
    return t;
  }
};
