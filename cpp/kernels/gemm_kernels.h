// The GEMM register tile, written once over a vector layer V (see vec_kernels.h for why each
// ISA unit instantiates it over its own internal V). The tile is MR rows x NV vectors of C in
// registers; per step of k it loads NV vectors of one B row, broadcasts MR values of one A
// column and does MR * NV FMAs, so the FMA units, not the loads, set the pace.
//
// Every tile size up to MR x NV is its own instantiation: an edge tile (the last rows or the
// last columns of C) runs with exactly the registers it needs instead of a padded full tile,
// which is what keeps e.g. 64x128 @ 128x10 (one partial vector per row) fast.
#pragma once
#include <algorithm>
#include <array>
#include <cstdint>
#include <utility>

#include "kernels/isa_table.h"

// DR x DC: the dot-product block (dot below), sized to the ISA's register file.
template <class V, int MR_, int NV, int DR_, int DC_>
struct GemmKernels {
  using reg = typename V::reg;
  static constexpr int W = V::width;
  static constexpr int MR = MR_, NR = NV * W, DR = DR_, DC = DC_;

  // How the tile reads A: a sliver packed by pack_a (MR floats a step of k, a compile-time
  // stride), or in place with its rows adjacent (a_rs == 1, a transposed view: a step of k is
  // a_cs) or with k contiguous (a_cs == 1, rows a_rs apart).
  enum class ALayout { Packed, KMajor, RowMajor };

  // Rows x Vecs accumulators. PackedB: B is a sliver packed by pack_b (NR floats a step, zero
  // past cols), so its stride is a compile-time constant and every load of it is a whole
  // vector; otherwise it is read in place (ldb apart) up to column cols, the last vector
  // masked when Masked. Masked: the last vector of C is partial (cols not a multiple of W); a
  // full tile loads and stores whole vectors (a masked load or store costs more than a plain
  // one on AVX2, and it is the common case). With both operands packed the k loop is pointer
  // increments, loads and FMAs. C's rows are touched first so that their lines are on their way
  // while the FMAs run; a packed B sliver, streamed from L2, is prefetched a few steps ahead (the
  // A sliver stays in L1 over a whole row of tiles).
  template <int Rows, int Vecs, ALayout Lay, bool PackedB, bool Masked>
  static void tile(const tg::GemmTile& t) {
    reg acc[Rows][Vecs];
#pragma GCC unroll 16
    for (int r = 0; r < Rows; ++r) {
#pragma GCC unroll 8
      for (int v = 0; v < Vecs; ++v) acc[r][v] = V::set1(0.0f);
      if constexpr (PackedB) {
        __builtin_prefetch(t.c + r * t.c_rs, 1);
        __builtin_prefetch(t.c + r * t.c_rs + (t.cols - 1) * t.c_cs, 1);
      }
    }
    const auto last = V::make_tail(t.cols - (Vecs - 1) * W);
    auto load_b_last = [&](const float* q) { return Masked && !PackedB ? V::load_tail(q, last) : V::load(q); };
    const float* a = t.a;
    const float* b = t.b;
    const int64_t a_step = Lay == ALayout::Packed ? MR : Lay == ALayout::KMajor ? t.a_cs : 1;
    const int64_t a_row = Lay == ALayout::RowMajor ? t.a_rs : 1;
    const int64_t b_step = PackedB ? NR : t.ldb;
    constexpr int kAhead = 8;  // steps of k; NR * 4 bytes a step is one or two cache lines
    // Unrolled along k: the loop's own increments and branch otherwise take issue slots from
    // the loads and FMAs of a step (6 x 16 on AVX2: 2 loads, 6 broadcasts, 12 FMAs).
#pragma GCC unroll 4
    for (int64_t p = 0; p < t.k; ++p) {
      if constexpr (PackedB) {
        __builtin_prefetch(b + kAhead * NR);
        if constexpr (NR * 4 > 64) __builtin_prefetch(b + kAhead * NR + 16);
      }
      reg bv[Vecs];
#pragma GCC unroll 8
      for (int v = 0; v < Vecs - 1; ++v) bv[v] = V::load(b + v * W);
      bv[Vecs - 1] = load_b_last(b + (Vecs - 1) * W);
#pragma GCC unroll 16
      for (int r = 0; r < Rows; ++r) {
        const reg av = V::set1(a[r * a_row]);
#pragma GCC unroll 8
        for (int v = 0; v < Vecs; ++v) acc[r][v] = V::fma(av, bv[v], acc[r][v]);
      }
      a += a_step;
      b += b_step;
    }
    write_back<Rows, Vecs, Masked>(acc, t);
  }

  // dst[p * MR + r] = A[r, p] (A[r, p] = src[r * rs + p * cs]) for r < rows, p < kc: one A
  // sliver in the order packed_tile reads it. The rows past `rows` are left unwritten:
  // packed_tile for `rows` rows never reads them.
  static void pack_a(const float* src, int64_t rs, int64_t cs, int rows, int64_t kc, float* dst) {
    if (rows == MR) {
      if (rs == 1) {
        // K-major (a transposed view): MR contiguous floats a step.
        for (int64_t p = 0; p < kc; ++p)
#pragma GCC unroll 16
          for (int r = 0; r < MR; ++r) dst[p * MR + r] = src[p * cs + r];
        return;
      }
      // p outer: the writes run contiguously and the reads are MR sequential streams, which the
      // prefetchers follow.
      for (int64_t p = 0; p < kc; ++p)
#pragma GCC unroll 16
        for (int r = 0; r < MR; ++r) dst[p * MR + r] = src[r * rs + p * cs];
      return;
    }
    for (int64_t p = 0; p < kc; ++p)
      for (int r = 0; r < rows; ++r) dst[p * MR + r] = src[r * rs + p * cs];
  }

  // dst[p * NR + j] = B[p, j] (B[p, j] = src[p * rs + j * cs]) for p < kc, zero for cols <= j
  // < NR: one B sliver, padded so that packed_tile loads only whole vectors.
  static void pack_b(const float* src, int64_t rs, int64_t cs, int cols, int64_t kc, float* dst) {
    if (cs == 1) {
      // Whole vectors, the last one masked (its other lanes load as zero).
      const int full = cols / W;
      const auto last = V::make_tail(cols % W == 0 ? W : cols % W);
      for (int64_t p = 0; p < kc; ++p) {
        const float* s = src + p * rs;
        float* d = dst + p * NR;
        if (full == NV) {
#pragma GCC unroll 8
          for (int v = 0; v < NV; ++v) V::store(d + v * W, V::load(s + v * W));
          continue;
        }
        for (int v = 0; v < full; ++v) V::store(d + v * W, V::load(s + v * W));
        if (full * W < cols) V::store(d + full * W, V::load_tail(s + full * W, last));
        for (int v = (cols + W - 1) / W; v < NV; ++v) V::store(d + v * W, V::set1(0.0f));
      }
      return;
    }
    // B's columns strided (B^T stored row-major, rs == 1 usually): blocks of kBlock steps of k,
    // each column read contiguously through the block while the writes stay in a few lines of
    // L1 (kBlock x NR floats).
    constexpr int64_t kBlock = 16;
    for (int64_t p0 = 0; p0 < kc; p0 += kBlock) {
      const int64_t pn = std::min(kBlock, kc - p0);
      for (int j = 0; j < cols; ++j) {
        const float* s = src + j * cs + p0 * rs;
        for (int64_t p = 0; p < pn; ++p) dst[(p0 + p) * NR + j] = s[p * rs];
      }
      for (int64_t p = 0; p < pn; ++p)
        for (int j = cols; j < NR; ++j) dst[(p0 + p) * NR + j] = 0.0f;
    }
  }

  // C (+)= acc, then the epilogue, for the tile's valid rows and columns (the last vector
  // partial when Masked).
  template <int Rows, int Vecs, bool Masked>
  [[gnu::always_inline]] static inline void write_back(const reg (&acc)[Rows][Vecs], const tg::GemmTile& t) {
    const auto last = V::make_tail(t.cols - (Vecs - 1) * W);
    auto load_last = [&](const float* q) { return Masked ? V::load_tail(q, last) : V::load(q); };
    // The epilogue (bias, relu) in vector form. relu as max(0, x): x86's max returns its second
    // operand for NaN, and every layer's max matches it, so NaN propagates as in relu().
    const reg zero = V::set1(0.0f);
    auto finish = [&](reg x, int r, int v) {
      if (t.bias) {
        const float* bv = t.bias + v * W;
        x = V::add(x, t.bias_per_row ? V::set1(t.bias[r]) : v == Vecs - 1 ? load_last(bv) : V::load(bv));
      }
      return t.relu ? V::max(zero, x) : x;
    };
    if (t.c_cs == 1) {
#pragma GCC unroll 16
      for (int r = 0; r < Rows; ++r) {
        float* c = t.c + r * t.c_rs;
#pragma GCC unroll 8
        for (int v = 0; v < Vecs - 1; ++v)
          V::store(c + v * W, finish(t.accumulate ? V::add(V::load(c + v * W), acc[r][v]) : acc[r][v], r, v));
        float* cl = c + (Vecs - 1) * W;
        const reg x = finish(t.accumulate ? V::add(load_last(cl), acc[r][Vecs - 1]) : acc[r][Vecs - 1], r, Vecs - 1);
        if constexpr (Masked) V::store_tail(cl, x, last);
        else V::store(cl, x);
      }
      return;
    }
    // Unrolled like the loops above: indexing acc with a run-time r would keep it in memory.
    // C is added in the scatter, except under relu, which needs C's final value: then C's row
    // is gathered into the stack row first (its lanes past cols zeroed once, never stored).
    alignas(64) float row[Vecs * W];
    const bool gather = t.accumulate && t.relu;
    if (gather)
      for (int j = t.cols; j < Vecs * W; ++j) row[j] = 0.0f;
#pragma GCC unroll 16
    for (int r = 0; r < Rows; ++r) {
      float* c = t.c + r * t.c_rs;
      if (gather)
        for (int j = 0; j < t.cols; ++j) row[j] = c[j * t.c_cs];
#pragma GCC unroll 8
      for (int v = 0; v < Vecs; ++v)
        V::store(row + v * W, finish(gather ? V::add(V::load(row + v * W), acc[r][v]) : acc[r][v], r, v));
      if (t.accumulate && !gather)
        for (int j = 0; j < t.cols; ++j) c[j * t.c_cs] += row[j];
      else
        for (int j = 0; j < t.cols; ++j) c[j * t.c_cs] = row[j];
    }
  }

  // Rows x Cols dot products C[r, c] = A[r, :] . B[:, c], both contiguous along k: Rows + Cols
  // vector loads feed Rows * Cols FMAs per W steps of k, each accumulator is reduced once.
  // The vector layer needs hsum4 (four horizontal sums at once). For
  // C with few rows or columns, where the tile above would waste most of its lanes or transpose
  // B while packing it.
  template <int Rows, int Cols>
  static void dot(const tg::GemmTile& t) {
    reg acc[Rows][Cols];
#pragma GCC unroll 8
    for (int r = 0; r < Rows; ++r)
#pragma GCC unroll 8
      for (int c = 0; c < Cols; ++c) acc[r][c] = V::set1(0.0f);
    auto step = [&](int64_t p, auto load) {
      reg av[Rows], bv[Cols];
#pragma GCC unroll 8
      for (int r = 0; r < Rows; ++r) av[r] = load(t.a + r * t.a_rs + p);
#pragma GCC unroll 8
      for (int c = 0; c < Cols; ++c) bv[c] = load(t.b + c * t.ldb + p);
#pragma GCC unroll 8
      for (int r = 0; r < Rows; ++r)
#pragma GCC unroll 8
        for (int c = 0; c < Cols; ++c) acc[r][c] = V::fma(av[r], bv[c], acc[r][c]);
    };
    int64_t p = 0;
    for (; p + W <= t.k; p += W) step(p, [](const float* q) { return V::load(q); });
    // The last partial vector of k: masked lanes load as 0 and add nothing.
    if (p < t.k) {
      const auto tail = V::make_tail(int(t.k - p));
      step(p, [tail](const float* q) { return V::load_tail(q, tail); });
    }
    // Reduced four accumulators at a time (hsum4 shares its shuffles): along the block's rows
    // when it has four columns, else down its columns when it has four rows (the last, narrow
    // blocks of a thin C), else one by one (the corner block).
    float sums[Rows][Cols];
    if constexpr (Cols == 4) {
#pragma GCC unroll 8
      for (int r = 0; r < Rows; ++r) V::hsum4(acc[r][0], acc[r][1], acc[r][2], acc[r][3], sums[r]);
    } else if constexpr (Rows == 4) {
#pragma GCC unroll 8
      for (int c = 0; c < Cols; ++c) {
        float col[4];
        V::hsum4(acc[0][c], acc[1][c], acc[2][c], acc[3][c], col);
#pragma GCC unroll 4
        for (int r = 0; r < 4; ++r) sums[r][c] = col[r];
      }
    } else {
#pragma GCC unroll 8
      for (int r = 0; r < Rows; ++r)
#pragma GCC unroll 8
        for (int c = 0; c < Cols; ++c) sums[r][c] = V::hsum(acc[r][c]);
    }
#pragma GCC unroll 8
    for (int r = 0; r < Rows; ++r) {
#pragma GCC unroll 8
      for (int c = 0; c < Cols; ++c) {
        float* out = t.c + r * t.c_rs + c * t.c_cs;
        float x = sums[r][c];
        if (t.accumulate) x += *out;
        if (t.bias) x += t.bias[t.bias_per_row ? r : c];
        // max(0, x) as in the tile's epilogue: NaN and -0 pass through.
        if (t.relu && x < 0.0f) x = 0.0f;
        *out = x;
      }
    }
  }

  using Fn = void (*)(const tg::GemmTile&);

  // Every tile size for one A layout and B kind: [masked][(rows - 1) * NV + vecs - 1].
  template <ALayout Lay, bool PackedB, int... I>
  static constexpr std::array<std::array<Fn, sizeof...(I)>, 2> make(std::integer_sequence<int, I...>) {
    return {{{&tile<I / NV + 1, I % NV + 1, Lay, PackedB, false>...}, {&tile<I / NV + 1, I % NV + 1, Lay, PackedB, true>...}}};
  }

  template <int... I>
  static constexpr std::array<Fn, sizeof...(I)> make_dot(std::integer_sequence<int, I...>) {
    return {&dot<I / DC + 1, I % DC + 1>...};
  }

  // Entry point of the table: picks the instantiation for the tile's rows, vectors, A layout,
  // B kind and whether its last vector is partial.
  static void run(const tg::GemmTile& t) {
    using Seq = std::make_integer_sequence<int, MR * NV>;
    // [packed_b][layout]
    static constexpr std::array<std::array<std::array<std::array<Fn, MR * NV>, 2>, 3>, 2> fns = {{
        {{make<ALayout::Packed, false>(Seq()), make<ALayout::KMajor, false>(Seq()), make<ALayout::RowMajor, false>(Seq())}},
        {{make<ALayout::Packed, true>(Seq()), make<ALayout::KMajor, true>(Seq()), make<ALayout::RowMajor, true>(Seq())}},
    }};
    const int lay = t.packed_a ? 0 : t.a_cs == 1 ? 2 : 1;
    const int vecs = (t.cols + W - 1) / W;
    fns[t.packed_b][lay][t.cols % W != 0][(t.rows - 1) * NV + vecs - 1](t);
  }

  // Entry point of the table's dot-product path: the instantiation for the block's rows and cols.
  static void run_dot(const tg::GemmTile& t) {
    static constexpr auto dots = make_dot(std::make_integer_sequence<int, DR * DC>());
    dots[(t.rows - 1) * DC + t.cols - 1](t);
  }
};

// The table's GEMM packing routines (gemm.cpp packs through them, in the unit's own ISA).
template <class Gemm>
constexpr tg::KernelTable with_gemm_packing(tg::KernelTable k) {
  k.gemm_pack_a_f32 = Gemm::pack_a;
  k.gemm_pack_b_f32 = Gemm::pack_b;
  return k;
}
