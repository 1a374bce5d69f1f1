// The GEMM register tile, written once over a vector layer V (see vec_kernels.h for why each
// ISA unit instantiates it over its own internal V). The tile is MR rows x NV vectors of C in
// registers; per step of k it loads NV vectors of one B row, broadcasts MR values of one A
// column and does MR * NV FMAs, so the FMA units, not the loads, set the pace.
//
// Every tile size up to MR x NV is its own instantiation: an edge tile (the last rows or the
// last columns of C) runs with exactly the registers it needs instead of a padded full tile,
// which is what keeps e.g. 64x128 @ 128x10 (one partial vector per row) fast.
#pragma once
#include <array>
#include <cstdint>
#include <utility>

#include "kernels/isa_table.h"

template <class V, int MR_, int NV>
struct GemmKernels {
  using reg = typename V::reg;
  static constexpr int W = V::width;
  static constexpr int MR = MR_, NR = NV * W;

  // Rows x Vecs accumulators. KMajor: A's rows are adjacent (a_rs == 1: a packed sliver or a
  // transposed view), one step of k is a_cs; otherwise A's rows are a_rs apart and k is
  // contiguous.
  template <int Rows, int Vecs, bool KMajor>
  static void tile(const tg::GemmTile& t) {
    reg acc[Rows][Vecs];
#pragma GCC unroll 16
    for (int r = 0; r < Rows; ++r)
#pragma GCC unroll 8
      for (int v = 0; v < Vecs; ++v) acc[r][v] = V::set1(0.0f);
    // The last vector is masked to the valid columns: B is read in place up to column cols.
    const auto last = V::make_tail(t.cols - (Vecs - 1) * W);
    const float* a = t.a;
    const float* b = t.b;
    const int64_t a_step = KMajor ? t.a_cs : 1, a_row = KMajor ? 1 : t.a_rs;
    for (int64_t p = 0; p < t.k; ++p) {
      reg bv[Vecs];
#pragma GCC unroll 8
      for (int v = 0; v < Vecs - 1; ++v) bv[v] = V::load(b + v * W);
      bv[Vecs - 1] = V::load_tail(b + (Vecs - 1) * W, last);
#pragma GCC unroll 16
      for (int r = 0; r < Rows; ++r) {
        const reg av = V::set1(a[r * a_row]);
#pragma GCC unroll 8
        for (int v = 0; v < Vecs; ++v) acc[r][v] = V::fma(av, bv[v], acc[r][v]);
      }
      a += a_step;
      b += t.ldb;
    }
    if (t.c_cs == 1) {
#pragma GCC unroll 16
      for (int r = 0; r < Rows; ++r) {
        float* c = t.c + r * t.c_rs;
#pragma GCC unroll 8
        for (int v = 0; v < Vecs - 1; ++v)
          V::store(c + v * W, t.accumulate ? V::add(V::load(c + v * W), acc[r][v]) : acc[r][v]);
        float* cl = c + (Vecs - 1) * W;
        V::store_tail(cl, t.accumulate ? V::add(V::load_tail(cl, last), acc[r][Vecs - 1]) : acc[r][Vecs - 1], last);
      }
      return;
    }
    // Unrolled like the loops above: indexing acc with a run-time r would keep it in memory.
    alignas(64) float row[Vecs * W];
#pragma GCC unroll 16
    for (int r = 0; r < Rows; ++r) {
#pragma GCC unroll 8
      for (int v = 0; v < Vecs; ++v) V::store(row + v * W, acc[r][v]);
      float* c = t.c + r * t.c_rs;
      if (t.accumulate)
        for (int j = 0; j < t.cols; ++j) c[j * t.c_cs] += row[j];
      else
        for (int j = 0; j < t.cols; ++j) c[j * t.c_cs] = row[j];
    }
  }

  using Fn = void (*)(const tg::GemmTile&);

  template <bool KMajor, int... I>
  static constexpr std::array<Fn, sizeof...(I)> make(std::integer_sequence<int, I...>) {
    return {&tile<I / NV + 1, I % NV + 1, KMajor>...};
  }

  // Entry point of the table: picks the instantiation for the tile's rows, vectors and A layout.
  static void run(const tg::GemmTile& t) {
    static constexpr auto kmajor = make<true>(std::make_integer_sequence<int, MR * NV>());
    static constexpr auto rowmajor = make<false>(std::make_integer_sequence<int, MR * NV>());
    const int vecs = (t.cols + W - 1) / W;
    (t.a_cs == 1 ? rowmajor : kmajor)[(t.rows - 1) * NV + vecs - 1](t);
  }
};
