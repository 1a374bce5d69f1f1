// The inner loops of the fused attention (attention.cpp), written once over the vector layer V
// like softmax_kernels.h: each ISA unit (cpp/isa/*.cpp) includes this header after its V and
// puts the functions in its table with with_attention<V>(...), so every copy is compiled with
// that unit's flags and has internal linkage. The block products are the table's GEMM tile;
// these are the softmax pieces between them, on blocks of at most a few thousand floats that
// stay in L1.
//
//   cols_online_softmax   forward, one key block of S^T [keys, queries] (a query per column):
//                         the online softmax of flash attention, vectorized across queries.
//   rows_probs            backward, P = exp(S * scale - lse) on a block S [queries, keys].
//   rows_dsoftmax         backward, dS = P * (dP - D) * scale.
// Each takes the causal offset off = q0 - j0 of its block (first query minus first key):
// key j0 + a is masked off for query q0 + b when a > b + off (P = 0, dS = 0). A block clear
// of the diagonal passes a huge off.
//   rows_dot              backward, D[r] = sum_j dO[r, j] * O[r, j].
//
// Partial vectors go through V's load_tail / store_tail (the GEMM tile's), whose other lanes
// are never read or written.
#pragma once
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "kernels/isa_table.h"
#include "kernels/vec_math.h"
#include "kernels/vec_tail.h"

template <class V>
struct AttentionKernels {
  using reg = typename V::reg;
  using M = VecMath<V>;
  static constexpr int W = V::width;

  // exp(x - m), and 0 where x is -inf (a masked-off score) without evaluating exp there: its
  // underflow to 0 goes through a microcode assist on Intel cores (~100 cycles a vector; the
  // causal forward spent a third of its time in it). NaN and +inf still give NaN, as in softmax.
  static reg exp_or_zero(reg x, reg m) {
    const auto masked = V::eq(x, V::set1(-INFINITY));
    return V::select(masked, V::set1(0.0f), M::exp(V::sub(V::select(masked, m, x), m)));
  }

  // (The k loops are unrolled so that the K accumulators stay in registers: indexed at run
  // time, GCC kept them on the stack, a store-forwarding chain through every step.)
  // The forward's online softmax over one key block: st is S^T [rows = keys, cols = queries]
  // (element (r, c) at st[r * ld + c]), m, l, alpha are per query (cols of them). Per query c:
  //   x = st * scale;  m' = max(m, max_r x);  p = exp(x - m') (stored over st);
  //   alpha = exp(m - m');  l = l * alpha + sum_r p;  m = m'.
  // A key masked off is -inf in st (then p = 0); while all keys so far are, m' = -inf and 0 is
  // subtracted instead. NaN in st makes that query's l NaN, as softmax's row would be.
  template <int K, class Ld, class St>
  static void online(float* st, int64_t ld, int rows, float scale, int64_t first, float* m, float* l, float* alpha,
                     Ld load, St store) {
    const reg neg_inf = V::set1(-INFINITY), zero = V::set1(0.0f), sc = V::set1(scale);
    reg mx[K], s[K], mu[K], mo[K];
#pragma GCC unroll 4
    for (int k = 0; k < K; ++k) mx[k] = neg_inf;
    for (int r = 0; r < rows; ++r) {
      // The causal triangle: this group's columns before r - first are masked off.
      const int64_t cut = r - first;
  #pragma GCC unroll 4
    for (int k = 0; k < K; ++k) {
        float* p = st + r * ld + k * W;
        reg x = V::mul(load(p), sc);
        if (cut > k * W) x = V::select(VecTail<V>::first_lanes(float(cut - k * W)), neg_inf, x);
        store(p, x);
        mx[k] = V::max(mx[k], x);
      }
    }
#pragma GCC unroll 4
    for (int k = 0; k < K; ++k) {
      mo[k] = load(m + k * W);
      const reg mn = V::max(mo[k], mx[k]);
      store(m + k * W, mn);
      mu[k] = V::select(V::eq(mn, neg_inf), zero, mn);
      s[k] = zero;
    }
    for (int r = 0; r < rows; ++r)
  #pragma GCC unroll 4
    for (int k = 0; k < K; ++k) {
        float* p = st + r * ld + k * W;
        const reg e = exp_or_zero(load(p), mu[k]);
        store(p, e);
        s[k] = V::add(s[k], e);
      }
#pragma GCC unroll 4
    for (int k = 0; k < K; ++k) {
      const reg a = M::exp(V::sub(mo[k], mu[k]));
      store(alpha + k * W, a);
      store(l + k * W, V::add(V::mul(load(l + k * W), a), s[k]));
    }
  }

  // Groups of 4 vectors, then single vectors, then one partial vector, across `cols` columns.
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

  static void cols_online_softmax(float* st, int64_t ld, int rows, int cols, float scale, int64_t off, float* m,
                                  float* l, float* alpha) {
    over_columns(cols, [&](int64_t j, auto k, auto load, auto store) {
      online<decltype(k)::value>(st + j, ld, rows, scale, off + j, m + j, l + j, alpha + j, load, store);
    });
  }

  // Row r's columns below r + off + 1 (off: the causal offset, huge for none), within [0, cols].
  static int64_t valid_cols(int r, int cols, int64_t off) {
    const int64_t n = r + off + 1;
    return n < 0 ? 0 : n > cols ? cols : n;
  }

  // Along one row of n floats: f(p, load, store) on each vector (full ones, then a partial one).
  template <class F>
  static void over_row(int64_t n, F f) {
    auto ld = [](const float* p) { return V::load(p); };
    auto st = [](float* p, reg v) { V::store(p, v); };
    int64_t j = 0;
    for (; j + W <= n; j += W) f(j, ld, st);
    if (j < n) {
      const auto t = V::make_tail(static_cast<int>(n - j));
      f(j, [t](const float* p) { return V::load_tail(p, t); }, [t](float* p, reg v) { V::store_tail(p, v, t); });
    }
  }

  // s [rows, cols] (row r at s + r * ld), one query per row: s = exp(s * scale - lse[r]).
  // A masked key is -inf in s (p = 0); a query with every key masked has lse = -inf and gets
  // NaN, as the composed softmax's row.
  static void rows_probs(float* s, int64_t ld, int rows, int cols, float scale, int64_t off, const float* lse) {
    const reg sc = V::set1(scale);
    for (int r = 0; r < rows; ++r) {
      float* row = s + r * ld;
      const reg lr = V::set1(lse[r]);
      const int64_t n = valid_cols(r, cols, off);
      // A query whose keys are all masked (lse = -inf) gets exp(-inf + inf) = NaN, as the
      // composed softmax's row; others skip exp on their masked-off scores (exp_or_zero).
      if (lse[r] == -INFINITY)
        over_row(n, [&](int64_t j, auto load, auto store) {
          store(row + j, M::exp(V::sub(V::mul(load(row + j), sc), lr)));
        });
      else
        over_row(n, [&](int64_t j, auto load, auto store) { store(row + j, exp_or_zero(V::mul(load(row + j), sc), lr)); });
      for (int64_t j = n; j < cols; ++j) row[j] = 0.0f;
    }
  }

  // dp [rows, cols] becomes dS = p * (dp - d[r]) * scale (p laid out alike), 0 past the causal
  // triangle whatever dp is there.
  static void rows_dsoftmax(float* dp, const float* p, int64_t ld, int rows, int cols, int64_t off, const float* d,
                            float scale) {
    const reg sc = V::set1(scale);
    for (int r = 0; r < rows; ++r) {
      float* drow = dp + r * ld;
      const float* prow = p + r * ld;
      const reg dr = V::set1(d[r]);
      const int64_t n = valid_cols(r, cols, off);
      over_row(n, [&](int64_t j, auto load, auto store) {
        store(drow + j, V::mul(V::mul(load(prow + j), V::sub(load(drow + j), dr)), sc));
      });
      for (int64_t j = n; j < cols; ++j) drow[j] = 0.0f;
    }
  }

  // out[r] = sum_j a[r * lda + j] * b[r * ldb + j], j < n.
  static void rows_dot(const float* a, int64_t lda, const float* b, int64_t ldb, int rows, int64_t n, float* out) {
    for (int r = 0; r < rows; ++r) {
      const float* ar = a + r * lda;
      const float* br = b + r * ldb;
      reg acc = V::set1(0.0f);
      over_row(n, [&](int64_t j, auto load, auto) { acc = V::fma(load(ar + j), load(br + j), acc); });
      out[r] = V::hsum(acc);
    }
  }
};

// The table with the attention kernels of vector layer V filled in.
template <class V>
constexpr tg::KernelTable with_attention(tg::KernelTable k) {
  k.attn_cols_online_softmax_f32 = AttentionKernels<V>::cols_online_softmax;
  k.attn_rows_probs_f32 = AttentionKernels<V>::rows_probs;
  k.attn_rows_dsoftmax_f32 = AttentionKernels<V>::rows_dsoftmax;
  k.attn_rows_dot_f32 = AttentionKernels<V>::rows_dot;
  return k;
}
