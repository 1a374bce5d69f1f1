// Fused softmax / logSoftmax, forward and backward, over the reduced dim n of a contiguous
// [outer, n, inner] block: written once over the vector layer V, like vec_kernels.h (which
// includes this header, so every ISA unit instantiates it with its own internal V and the
// copies keep internal linkage). softmax.cpp checks the operands, picks rows or columns and
// threads the blocks; these are the inner loops.
//
//   rows (inner == 1): `rows` contiguous rows of n floats, row r at x + r * n;
//   cols (inner > 1):  `cols` adjacent columns of an [n, ld] slab, element (i, j) at
//                      x + i * ld + j; vectorized across the columns, each lane a column.
//
// The forward is PyTorch's (1.13, SoftMaxKernel.cpp): m = max, e = exp(x - m) (stored in y for
// softmax), s = sum e, then y = e * (1 / s) on rows, e / s on columns (as its vectorized
// paths do), or y = (x - m) - log(s), in that order (a large x with a small spread keeps its
// low bits). A NaN anywhere makes s NaN, and with it the whole row; a +inf gives inf - inf =
// NaN; a row of -inf gives -inf - -inf = NaN: PyTorch's results, with no special case, which
// is why the max need not propagate NaN (V::max does not).
// The backward: softmax dx = (g - sum(g * y)) * y; logSoftmax dx = g - exp(y) * sum(g).
// dx (or y) may alias g (or x) exactly: each element is read before its own store.
//
// Tails run through the same vector code, in V's partial vectors (load_tail / store_tail, the
// GEMM tile's), whose other lanes are never stored; in a row's, the pad lanes are set so that
// they add 0 to the max and the sums (Tail below).
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "kernels/vec_math.h"
#include "kernels/vec_tail.h"

template <class V>
struct SoftmaxKernels {
  using reg = typename V::reg;
  using M = VecMath<V>;
  static constexpr int W = V::width;

  // A row's last, partial vector: pad lanes can be set to values that change no sum.
  using Tail = VecTail<V>;

  // ---- rows

  // op-folds f(i), the vector at element i, over a row's full vectors into four accumulators
  // (four chains for the latency of add / max; and for the scalar table, the reference, four
  // partial sums instead of one long one), combined as (a0 op a1) op (a2 op a3).
  template <class F, class Op>
  static reg fold(int64_t full, reg init, F f, Op op) {
    reg a[4] = {init, init, init, init};
    int64_t i = 0;
    for (; i + 4 * W <= full; i += 4 * W)
      for (int k = 0; k < 4; ++k) a[k] = op(a[k], f(i + k * W));
    for (int k = 0; i < full; i += W, ++k) a[k] = op(a[k], f(i));
    return op(op(a[0], a[1]), op(a[2], a[3]));
  }
  static reg add(reg a, reg b) { return V::add(a, b); }
  static reg max(reg a, reg b) { return V::max(a, b); }

  template <bool Log>
  static void row_forward(const float* x, float* y, int64_t n) {
    const int64_t full = n - n % W, rest = n - full;
    const reg zero = V::set1(0.0f), neg_inf = V::set1(-INFINITY);
    // 1. the max.
    reg mv = fold(full, neg_inf, [x](int64_t i) { return V::load(x + i); }, max);
    if (rest) mv = V::max(mv, Tail(rest).load_or(x + full, neg_inf));
    const reg m = V::set1(V::hmax(mv));
    // 2. e = exp(x - m), summed; stored for softmax only (logSoftmax reads x again instead).
    reg sv = fold(
        full, zero,
        [&](int64_t i) {
          const reg e = M::exp(V::sub(V::load(x + i), m));
          if constexpr (!Log) V::store(y + i, e);
          return e;
        },
        add);
    if (rest) {
      // Pad lanes x = m, so exp(0) (no overflow, no denormal), then 0 in the sum.
      const Tail t(rest);
      const reg e = t.keep(M::exp(V::sub(t.load_or(x + full, m), m)));
      if constexpr (!Log) t.store(y + full, e);
      sv = V::add(sv, e);
    }
    const float s = V::hsum(sv);
    // 3. normalise.
    if constexpr (Log) {
      const reg ls = V::set1(__builtin_logf(s));
      for (int64_t i = 0; i < full; i += W) V::store(y + i, V::sub(V::sub(V::load(x + i), m), ls));
      if (rest) {
        const Tail t(rest);
        t.store(y + full, V::sub(V::sub(t.load(x + full), m), ls));
      }
    } else {
      const reg r = V::set1(1.0f / s);
      for (int64_t i = 0; i < full; i += W) V::store(y + i, V::mul(V::load(y + i), r));
      if (rest) {
        const Tail t(rest);
        t.store(y + full, V::mul(t.load(y + full), r));
      }
    }
  }

  template <bool Log>
  static void row_backward(const float* g, const float* y, float* dx, int64_t n) {
    const int64_t full = n - n % W, rest = n - full;
    // 1. softmax: sum(g * y); logSoftmax: sum(g). The pad lanes are 0.
    auto term = [](reg gv, reg yv) {
      if constexpr (Log) return gv;
      else return V::mul(gv, yv);
    };
    reg sv = fold(full, V::set1(0.0f), [=](int64_t i) { return term(V::load(g + i), V::load(y + i)); }, add);
    const Tail t(rest > 0 ? rest : 1);
    if (rest) sv = V::add(sv, term(t.load(g + full), t.load(y + full)));
    const reg s = V::set1(V::hsum(sv));
    // 2. dx.
    auto grad = [s](reg gv, reg yv) {
      if constexpr (Log) return V::sub(gv, V::mul(M::exp(yv), s));
      else return V::mul(V::sub(gv, s), yv);
    };
    for (int64_t i = 0; i < full; i += W) V::store(dx + i, grad(V::load(g + i), V::load(y + i)));
    if (rest) t.store(dx + full, grad(t.load(g + full), t.load(y + full)));
  }

  // ---- columns: K vectors of W columns at once (the max and the sums are per lane, so each
  // has K independent chains); Ld/St are full or partial-vector loads and stores.

  template <bool Log, int K, class Ld, class St>
  static void cols_forward_group(const float* x, float* y, int64_t n, int64_t ld, Ld load, St store) {
    reg m[K], s[K];
    for (int k = 0; k < K; ++k) m[k] = load(x + k * W);
    for (int64_t i = 1; i < n; ++i)
      for (int k = 0; k < K; ++k) m[k] = V::max(m[k], load(x + i * ld + k * W));
    for (int k = 0; k < K; ++k) s[k] = V::set1(0.0f);
    for (int64_t i = 0; i < n; ++i)
      for (int k = 0; k < K; ++k) {
        const reg e = M::exp(V::sub(load(x + i * ld + k * W), m[k]));
        if constexpr (!Log) store(y + i * ld + k * W, e);
        s[k] = V::add(s[k], e);
      }
    if constexpr (Log) {
      for (int k = 0; k < K; ++k) s[k] = M::log(s[k]);
      for (int64_t i = 0; i < n; ++i)
        for (int k = 0; k < K; ++k) store(y + i * ld + k * W, V::sub(V::sub(load(x + i * ld + k * W), m[k]), s[k]));
    } else {
      for (int64_t i = 0; i < n; ++i)
        for (int k = 0; k < K; ++k) store(y + i * ld + k * W, V::div(load(y + i * ld + k * W), s[k]));
    }
  }

  template <bool Log, int K, class Ld, class St>
  static void cols_backward_group(const float* g, const float* y, float* dx, int64_t n, int64_t ld, Ld load, St store) {
    reg s[K];
    for (int k = 0; k < K; ++k) s[k] = V::set1(0.0f);
    for (int64_t i = 0; i < n; ++i)
      for (int k = 0; k < K; ++k) {
        const reg gv = load(g + i * ld + k * W);
        if constexpr (Log) s[k] = V::add(s[k], gv);
        else s[k] = V::add(s[k], V::mul(gv, load(y + i * ld + k * W)));
      }
    for (int64_t i = 0; i < n; ++i)
      for (int k = 0; k < K; ++k) {
        const reg gv = load(g + i * ld + k * W), yv = load(y + i * ld + k * W);
        if constexpr (Log) store(dx + i * ld + k * W, V::sub(gv, V::mul(M::exp(yv), s[k])));
        else store(dx + i * ld + k * W, V::mul(V::sub(gv, s[k]), yv));
      }
  }

  // Groups of 4 vectors, then single vectors, then one partial vector.
  template <class Group>
  static void over_columns(int64_t cols, Group group) {
    auto ld = [](const float* p) { return V::load(p); };
    auto st = [](float* p, reg v) { V::store(p, v); };
    int64_t j = 0;
    for (; j + 4 * W <= cols; j += 4 * W) group(j, std::integral_constant<int, 4>{}, ld, st);
    for (; j + W <= cols; j += W) group(j, std::integral_constant<int, 1>{}, ld, st);
    if (j < cols) {
      const auto t = V::make_tail(static_cast<int>(cols - j));
      group(j, std::integral_constant<int, 1>{}, [t](const float* p) { return V::load_tail(p, t); },
            [t](float* p, reg v) { V::store_tail(p, v, t); });
    }
  }

  // ---- the table's entry points

  static void rows_forward(const float* x, float* y, int64_t rows, int64_t n, bool log) {
    if (log) {
      for (int64_t r = 0; r < rows; ++r) row_forward<true>(x + r * n, y + r * n, n);
    } else {
      for (int64_t r = 0; r < rows; ++r) row_forward<false>(x + r * n, y + r * n, n);
    }
  }

  static void rows_backward(const float* g, const float* y, float* dx, int64_t rows, int64_t n, bool log) {
    if (log) {
      for (int64_t r = 0; r < rows; ++r) row_backward<true>(g + r * n, y + r * n, dx + r * n, n);
    } else {
      for (int64_t r = 0; r < rows; ++r) row_backward<false>(g + r * n, y + r * n, dx + r * n, n);
    }
  }

  static void cols_forward(const float* x, float* y, int64_t n, int64_t cols, int64_t ld, bool log) {
    over_columns(cols, [&](int64_t j, auto k, auto load, auto store) {
      if (log) cols_forward_group<true, decltype(k)::value>(x + j, y + j, n, ld, load, store);
      else cols_forward_group<false, decltype(k)::value>(x + j, y + j, n, ld, load, store);
    });
  }

  static void cols_backward(const float* g, const float* y, float* dx, int64_t n, int64_t cols, int64_t ld, bool log) {
    over_columns(cols, [&](int64_t j, auto k, auto load, auto store) {
      if (log) cols_backward_group<true, decltype(k)::value>(g + j, y + j, dx + j, n, ld, load, store);
      else cols_backward_group<false, decltype(k)::value>(g + j, y + j, dx + j, n, ld, load, store);
    });
  }
};
