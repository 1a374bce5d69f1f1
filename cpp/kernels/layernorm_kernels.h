// Fused LayerNorm, forward and backward, over contiguous rows of d floats: written once over
// the vector layer V, like softmax_kernels.h (vec_kernels.h includes this header, so every ISA
// unit instantiates it with its own internal V and the copies keep internal linkage).
// layernorm.cpp checks the operands and threads the rows; these are the row loops.
//
// Forward, per row x [d] (the corrected two-pass algorithm: Chan, Golub & LeVeque 1983):
//   m0 = fl(sum x / d);  c = x - m0;  delta = sum c / d;  var = sum c^2 / d - delta^2
//   mean = m0 + delta,  rstd = 1 / sqrt(var + eps)   (both in double, stored as float [rows])
//   y = ((c - delta) * rstd) * w + b
// The shift by m0 keeps the sums small where x has a large mean and a small spread (x = 1e4 +
// noise): c is exact or nearly so, and delta puts back what m0's rounding lost, so y is
// accurate to float32 against a float64 reference where a one-pass E[x^2] - E[x]^2 would lose
// every digit, and (x - mean) with a float mean would be off by half an ulp of the mean.
// Backward, from g [d], x, the saved mean and rstd, w (or none): with c = x - mean and
// delta' = sum c / d (the part of the true mean the float mean lost),
//   ĝ = g * w;  x̂ = (c - delta') * rstd
//   mean(ĝ) = sum ĝ / d;  mean(ĝ x̂) = rstd * (sum ĝ c - delta' * sum ĝ) / d    (one pass)
//   dx = ĝ * rstd + c * A + C (A, C per row: below);  dw += g * x̂;  db += g    (a second)
// where dw and db are a chunk's [d] partial sums over its rows (layernorm.cpp adds the chunks).
//
// Every table gives the same bits: a sum puts element i of a block of kBlock into lane i % L
// (L = 64 or 32 floats: L / W registers, or L scalars on the scalar table), folds the lanes by
// halving (lane l + lane l + L/2, ...: register r with register r + R/2, then within the last
// register by V::hsum_halving, the same pairs), and adds the blocks' float sums in double; the elementwise parts are single
// roundings in the same order everywhere. Hence no fused multiply-add: V::fma is one rounding
// on AVX2/AVX-512/NEON and two on SSE2, and GCC's default -ffp-contract=fast (gnu++20) would
// fuse a multiply and an add of the -mfma units, so contraction is off for this header.
// Tails run through the same code in V's partial vectors (zero-padded loads), the pad lanes
// of every term set to +0 (which adds nothing: a lane's sum starts at +0 and never becomes -0).
#pragma once
#include <cstdint>
#include <type_traits>

#include "kernels/vec_tail.h"

#if defined(__clang__)
#pragma float_control(push)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC push_options
#pragma GCC optimize("fp-contract=off")
#endif

// The loops over a sum's registers and terms run a constant number of times: unrolled, the
// accumulators stay in registers (rolled, GCC kept them on the stack: 3x slower rows).
#if defined(__clang__)
#define TG_LN_UNROLL _Pragma("clang loop unroll(full)")
#else
#define TG_LN_UNROLL _Pragma("GCC unroll 64")
#endif

template <class V>
struct LayerNormKernels {
  using reg = typename V::reg;
  static constexpr int W = V::width;
  static constexpr int64_t kBlock = 4096;  // floats per float-accumulated block (a multiple of 64)

  static_assert(32 % W == 0);

  // A row's partial vector of `rest` (0 < rest < W) elements.
  using Tail = VecTail<V>;

  // The float sum of L lanes held in R = L / W registers, halving: lane l += lane l + L/2, ...
  // (in the last register by V::hsum_halving's shuffles: 1024 rows of 64 took 1.6x as long
  // with a scalar tree over a stored copy)
  template <int R>
  static float fold_lanes(reg* a) {
    TG_LN_UNROLL
    for (int h = R / 2; h >= 1; h /= 2) {
      TG_LN_UNROLL
      for (int r = 0; r < h; ++r) a[r] = V::add(a[r], a[r + h]);
    }
    return V::hsum_halving(a[0]);
  }

  // out[k] = sum over i in [0, n) of term k at element i, K terms at once. f(i, load, t) fills
  // t[0..K) from the vector at element i, reading the operands through load (a full or a
  // partial vector load).
  template <int L, int K, class F>
  static void sums(int64_t n, F f, double* out) {
    static_assert(L % W == 0 && kBlock % L == 0);
    constexpr int R = L / W;
    for (int k = 0; k < K; ++k) out[k] = 0;
    const auto full = [](const float* p) { return V::load(p); };
    for (int64_t b0 = 0; b0 < n; b0 += kBlock) {
      const int64_t bn = n - b0 < kBlock ? n - b0 : kBlock;
      reg acc[K][R];
      TG_LN_UNROLL
      for (int k = 0; k < K; ++k) {
        TG_LN_UNROLL
        for (int r = 0; r < R; ++r) acc[k][r] = V::set1(0.0f);
      }
      reg t[K];
      int64_t i = 0;
      for (; i + L <= bn; i += L) {
        TG_LN_UNROLL
        for (int r = 0; r < R; ++r) {
          f(b0 + i + r * W, full, t);
          TG_LN_UNROLL
          for (int k = 0; k < K; ++k) acc[k][r] = V::add(acc[k][r], t[k]);
        }
      }
      if (i < bn) {
        TG_LN_UNROLL
        for (int r = 0; r < R; ++r) {
          const int64_t valid = bn - i - r * W;
          if (valid <= 0) continue;
          if (valid >= W) {
            f(b0 + i + r * W, full, t);
          } else {
            const Tail tail(valid);
            f(b0 + i + r * W, [&tail](const float* p) { return tail.load(p); }, t);
            TG_LN_UNROLL
            for (int k = 0; k < K; ++k) t[k] = tail.keep(t[k]);
          }
          TG_LN_UNROLL
          for (int k = 0; k < K; ++k) acc[k][r] = V::add(acc[k][r], t[k]);
        }
      }
      TG_LN_UNROLL
      for (int k = 0; k < K; ++k) out[k] += static_cast<double>(fold_lanes<R>(acc[k]));
    }
  }

  // op(i, load, store) over the row's full vectors, then its partial one.
  template <class Op>
  static void each(int64_t n, Op op) {
    const auto ld = [](const float* p) { return V::load(p); };
    const auto st = [](float* p, reg v) { V::store(p, v); };
    int64_t i = 0;
    for (; i + W <= n; i += W) op(i, ld, st);
    if (i < n) {
      const Tail t(n - i);
      op(i, [&t](const float* p) { return t.load(p); }, [&t](float* p, reg v) { t.store(p, v); });
    }
  }

  // ---- forward. A row's statistics, then its output: the rows go in groups of kGroup, first
  // every statistic of the group, then every output, so the next row's sums need not wait
  // behind this row's writes, which wait on its sqrt (at d = 256 the out-of-order core then
  // overlaps the rows' short dependency chains).
  static constexpr int64_t kGroup = 8;

  struct FwdStats {
    float m0, delta, r;
  };

  static FwdStats row_stats(const float* x, float* mean, float* rstd, int64_t n, double eps) {
    double s = 0;
    sums<64, 1>(n, [x](int64_t i, auto load, reg* t) { t[0] = load(x + i); }, &s);
    const float m0 = static_cast<float>(s / static_cast<double>(n));
    const reg vm0 = V::set1(m0);
    double s12[2];
    sums<32, 2>(
        n,
        [x, vm0](int64_t i, auto load, reg* t) {
          const reg c = V::sub(load(x + i), vm0);
          t[0] = c;
          t[1] = V::mul(c, c);
        },
        s12);
    const double delta = s12[0] / static_cast<double>(n);
    double var = s12[1] / static_cast<double>(n) - delta * delta;
    if (var < 0) var = 0;  // rounding; a NaN stays
    const double r = 1.0 / __builtin_sqrt(var + eps);
    *mean = static_cast<float>(static_cast<double>(m0) + delta);
    *rstd = static_cast<float>(r);
    return {m0, static_cast<float>(delta), static_cast<float>(r)};
  }

  template <bool HasW, bool HasB>
  static void row_output(const float* x, const float* w, const float* b, float* y, int64_t n, FwdStats st) {
    const reg vm0 = V::set1(st.m0), vd = V::set1(st.delta), vr = V::set1(st.r);
    each(n, [&](int64_t i, auto load, auto store) {
      reg v = V::mul(V::sub(V::sub(load(x + i), vm0), vd), vr);
      if constexpr (HasW) v = V::mul(v, load(w + i));
      if constexpr (HasB) v = V::add(v, load(b + i));
      store(y + i, v);
    });
  }

  // ---- backward, in the same groups: a row's sums, then its gradients. With c = x - mean,
  //   dx = rstd * (ĝ - mean(ĝ) - x̂ * mean(ĝ x̂)) = ĝ * rstd + c * A + C,
  //   A = -rstd^2 * mean(ĝ x̂),  C = -rstd * mean(ĝ) - A * delta'
  // (c, not x, times A: x * A + C would cancel where the mean is large).
  struct BwdStats {
    float delta, a, c;
  };

  template <bool HasW, bool DX>
  static BwdStats row_grad_stats(const float* g, const float* x, float mean, float rstd, const float* w, int64_t n) {
    const reg vmean = V::set1(mean);
    const double dn = static_cast<double>(n);
    if constexpr (DX) {
      double s[3];
      sums<32, 3>(
          n,
          [&](int64_t i, auto load, reg* t) {
            reg gh = load(g + i);
            if constexpr (HasW) gh = V::mul(gh, load(w + i));
            const reg c = V::sub(load(x + i), vmean);
            t[0] = gh;
            t[1] = V::mul(gh, c);
            t[2] = c;
          },
          s);
      const double delta = s[2] / dn, r = static_cast<double>(rstd);
      const double mg = s[0] / dn, mgx = r * (s[1] - delta * s[0]) / dn;
      const double a = -r * r * mgx;
      return {static_cast<float>(delta), static_cast<float>(a), static_cast<float>(-r * mg - a * delta)};
    } else {
      double delta = 0;
      sums<64, 1>(n, [&](int64_t i, auto load, reg* t) { t[0] = V::sub(load(x + i), vmean); }, &delta);
      return {static_cast<float>(delta / dn), 0.0f, 0.0f};
    }
  }

  // DX: write dx; DWB: add g * x̂ into dw and g into db.
  template <bool HasW, bool DX, bool DWB>
  static void row_grads(const float* g, const float* x, float mean, float rstd, const float* w, float* dx, float* dw,
                        float* db, int64_t n, BwdStats st) {
    const reg vmean = V::set1(mean), vr = V::set1(rstd);
    const reg vd = V::set1(st.delta), va = V::set1(st.a), vc = V::set1(st.c);
    each(n, [&](int64_t i, auto load, auto store) {
      const reg gv = load(g + i);
      const reg c = V::sub(load(x + i), vmean);
      if constexpr (DX) {
        reg gh = gv;
        if constexpr (HasW) gh = V::mul(gh, load(w + i));
        store(dx + i, V::add(V::add(V::mul(gh, vr), V::mul(c, va)), vc));
      }
      if constexpr (DWB) {
        const reg xh = V::mul(V::sub(c, vd), vr);
        store(dw + i, V::add(load(dw + i), V::mul(gv, xh)));
        store(db + i, V::add(load(db + i), gv));
      }
    });
  }

  // ---- the table's entry points: `rows` rows of d >= 1 floats, row r at x + r * d.

  static void rows_forward(const float* x, const float* w, const float* b, float* y, float* mean, float* rstd,
                           int64_t rows, int64_t d, double eps) {
    auto run = [&](auto hw, auto hb) {
      FwdStats st[kGroup];
      for (int64_t r0 = 0; r0 < rows; r0 += kGroup) {
        const int64_t k = rows - r0 < kGroup ? rows - r0 : kGroup;
        for (int64_t j = 0; j < k; ++j) st[j] = row_stats(x + (r0 + j) * d, mean + r0 + j, rstd + r0 + j, d, eps);
        for (int64_t j = 0; j < k; ++j)
          row_output<decltype(hw)::value, decltype(hb)::value>(x + (r0 + j) * d, w, b, y + (r0 + j) * d, d, st[j]);
      }
    };
    using T = std::true_type;
    using F = std::false_type;
    if (w && b) run(T{}, T{});
    else if (w) run(T{}, F{});
    else if (b) run(F{}, T{});
    else run(F{}, F{});
  }

  // dx may be null (not wanted); dw and db are both given (a chunk's partial sums) or both null.
  static void rows_backward(const float* g, const float* x, const float* mean, const float* rstd, const float* w,
                            float* dx, float* dw, float* db, int64_t rows, int64_t d) {
    auto run = [&](auto hw, auto want_dx, auto want_dwb) {
      constexpr bool HW = decltype(hw)::value, DX = decltype(want_dx)::value, DWB = decltype(want_dwb)::value;
      BwdStats st[kGroup];
      for (int64_t r0 = 0; r0 < rows; r0 += kGroup) {
        const int64_t k = rows - r0 < kGroup ? rows - r0 : kGroup;
        for (int64_t j = 0; j < k; ++j) {
          const int64_t r = r0 + j;
          st[j] = row_grad_stats<HW, DX>(g + r * d, x + r * d, mean[r], rstd[r], w, d);
        }
        for (int64_t j = 0; j < k; ++j) {
          const int64_t r = r0 + j;
          row_grads<HW, DX, DWB>(g + r * d, x + r * d, mean[r], rstd[r], w, DX ? dx + r * d : nullptr, dw, db, d, st[j]);
        }
      }
    };
    using T = std::true_type;
    using F = std::false_type;
    const bool dwb = dw && db;
    if (w) {
      if (dx && dwb) run(T{}, T{}, T{});
      else if (dx) run(T{}, T{}, F{});
      else if (dwb) run(T{}, F{}, T{});
    } else {
      if (dx && dwb) run(F{}, T{}, T{});
      else if (dx) run(F{}, T{}, F{});
      else if (dwb) run(F{}, F{}, T{});
    }
  }
};

#if defined(__clang__)
#pragma float_control(pop)
#elif defined(__GNUC__)
#pragma GCC pop_options
#endif
#undef TG_LN_UNROLL
