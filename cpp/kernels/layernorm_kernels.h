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
//   dx = ((ĝ - mean(ĝ)) - x̂ * mean(ĝ x̂)) * rstd;  dw += g * x̂;  db += g      (a second)
// where dw and db are a chunk's [d] partial sums over its rows (layernorm.cpp adds the chunks).
//
// Every table gives the same bits: a sum puts element i of a block of kBlock into lane i % L
// (L = 64 or 32 floats: L / W registers, or L scalars on the scalar table), folds the lanes by
// halving (lane l + lane l + L/2, ...: register r with register r + R/2, then within the last
// register), and adds the blocks' float sums in double; the elementwise parts are single
// roundings in the same order everywhere. Hence no fused multiply-add: V::fma is one rounding
// on AVX2/AVX-512/NEON and two on SSE2, and GCC's default -ffp-contract=fast (gnu++20) would
// fuse a multiply and an add of the -mfma units, so contraction is off for this header.
// Tails run through the same code in V's partial vectors (zero-padded loads), the pad lanes
// of every term set to +0 (which adds nothing: a lane's sum starts at +0 and never becomes -0).
#pragma once
#include <cstdint>
#include <type_traits>

#if defined(__clang__)
#pragma float_control(push)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC push_options
#pragma GCC optimize("fp-contract=off")
#endif

template <class V>
struct LayerNormKernels {
  using reg = typename V::reg;
  static constexpr int W = V::width;
  static constexpr int64_t kBlock = 4096;  // floats per float-accumulated block (a multiple of 64)

  alignas(64) static constexpr float kLane[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
  static_assert(W <= 16 && 32 % W == 0);

  // A row's partial vector of `rest` (0 < rest < W) elements.
  struct Tail {
    decltype(V::make_tail(1)) part;
    decltype(V::lt(V::set1(0.0f), V::set1(0.0f))) valid;
    explicit Tail(int64_t rest)
        : part(V::make_tail(static_cast<int>(rest))), valid(V::lt(V::load(kLane), V::set1(static_cast<float>(rest)))) {}
    reg load(const float* p) const { return V::load_tail(p, part); }
    reg keep(reg v) const { return V::select(valid, v, V::set1(0.0f)); }
    void store(float* p, reg v) const { V::store_tail(p, v, part); }
  };

  // The float sum of L lanes held in R = L / W registers, halving: lane l += lane l + L/2, ...
  template <int R>
  static float fold_lanes(reg* a) {
    for (int h = R / 2; h >= 1; h /= 2)
      for (int r = 0; r < h; ++r) a[r] = V::add(a[r], a[r + h]);
    alignas(64) float t[W];
    V::store(t, a[0]);
    for (int h = W / 2; h >= 1; h /= 2)
      for (int l = 0; l < h; ++l) t[l] += t[l + h];
    return t[0];
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
      for (int k = 0; k < K; ++k)
        for (int r = 0; r < R; ++r) acc[k][r] = V::set1(0.0f);
      reg t[K];
      int64_t i = 0;
      for (; i + L <= bn; i += L)
        for (int r = 0; r < R; ++r) {
          f(b0 + i + r * W, full, t);
          for (int k = 0; k < K; ++k) acc[k][r] = V::add(acc[k][r], t[k]);
        }
      for (int r = 0; i + r * W < bn; ++r) {
        const int64_t valid = bn - i - r * W;
        if (valid >= W) {
          f(b0 + i + r * W, full, t);
        } else {
          const Tail tail(valid);
          f(b0 + i + r * W, [&tail](const float* p) { return tail.load(p); }, t);
          for (int k = 0; k < K; ++k) t[k] = tail.keep(t[k]);
        }
        for (int k = 0; k < K; ++k) acc[k][r] = V::add(acc[k][r], t[k]);
      }
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

  // ---- forward: one row of n >= 1 elements.
  template <bool HasW, bool HasB>
  static void row_forward(const float* x, const float* w, const float* b, float* y, float* mean, float* rstd,
                          int64_t n, double eps) {
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
    const reg vd = V::set1(static_cast<float>(delta)), vr = V::set1(static_cast<float>(r));
    each(n, [&](int64_t i, auto load, auto store) {
      reg v = V::mul(V::sub(V::sub(load(x + i), vm0), vd), vr);
      if constexpr (HasW) v = V::mul(v, load(w + i));
      if constexpr (HasB) v = V::add(v, load(b + i));
      store(y + i, v);
    });
  }

  // ---- backward: one row of n >= 1 elements. DX: write dx; DWB: add g * x̂ into dw, g into db.
  template <bool HasW, bool DX, bool DWB>
  static void row_backward(const float* g, const float* x, float mean, float rstd, const float* w, float* dx,
                           float* dw, float* db, int64_t n) {
    const reg vmean = V::set1(mean);
    const double dn = static_cast<double>(n);
    double delta = 0, mg = 0, mgx = 0;
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
      delta = s[2] / dn;
      mg = s[0] / dn;
      mgx = static_cast<double>(rstd) * (s[1] - delta * s[0]) / dn;
    } else {
      sums<64, 1>(n, [&](int64_t i, auto load, reg* t) { t[0] = V::sub(load(x + i), vmean); }, &delta);
      delta /= dn;
    }
    const reg vd = V::set1(static_cast<float>(delta)), vr = V::set1(rstd);
    const reg vmg = V::set1(static_cast<float>(mg)), vmgx = V::set1(static_cast<float>(mgx));
    each(n, [&](int64_t i, auto load, auto store) {
      const reg gv = load(g + i);
      const reg xh = V::mul(V::sub(V::sub(load(x + i), vmean), vd), vr);
      if constexpr (DX) {
        reg gh = gv;
        if constexpr (HasW) gh = V::mul(gh, load(w + i));
        store(dx + i, V::mul(V::sub(V::sub(gh, vmg), V::mul(xh, vmgx)), vr));
      }
      if constexpr (DWB) {
        store(dw + i, V::add(load(dw + i), V::mul(gv, xh)));
        store(db + i, V::add(load(db + i), gv));
      }
    });
  }

  // ---- the table's entry points: `rows` rows of d >= 1 floats, row r at x + r * d.

  static void rows_forward(const float* x, const float* w, const float* b, float* y, float* mean, float* rstd,
                           int64_t rows, int64_t d, double eps) {
    auto run = [&](auto hw, auto hb) {
      for (int64_t r = 0; r < rows; ++r)
        row_forward<decltype(hw)::value, decltype(hb)::value>(x + r * d, w, b, y + r * d, mean + r, rstd + r, d, eps);
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
      for (int64_t r = 0; r < rows; ++r)
        row_backward<decltype(hw)::value, decltype(want_dx)::value, decltype(want_dwb)::value>(
            g + r * d, x + r * d, mean[r], rstd[r], w, want_dx ? dx + r * d : nullptr, dw, db, d);
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
