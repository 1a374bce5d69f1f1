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

// A T x T transpose in registers, for packing the operands whose layout is the transpose of a
// sliver's (B^T row-major, A row-major): T rows of T floats in, the T columns out. Compiled in
// the units with AVX2 (also AVX-512's, whose slivers are whole multiples of 8) and AArch64;
// the others pack those layouts one float at a time. In an anonymous namespace, like the
// vector layers: each ISA unit keeps its own copy, compiled with its own flags.
#if defined(__AVX2__)
#include <immintrin.h>
namespace {
struct GemmTranspose {
  static constexpr int T = 8;
  using reg = __m256;
  static reg load(const float* p) { return _mm256_loadu_ps(p); }
  static reg zero() { return _mm256_setzero_ps(); }
  static void store(float* p, reg v) { _mm256_storeu_ps(p, v); }
  static void transpose(reg (&r)[8]) {
    const reg t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
    const reg t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
    const reg t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
    const reg t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
    // Columns c and c + 4 of rows 0-3 (u0-u3) and of rows 4-7 (u4-u7).
    const reg u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xee);
    const reg u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xee);
    const reg u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xee);
    const reg u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xee);
    r[0] = _mm256_permute2f128_ps(u0, u4, 0x20), r[1] = _mm256_permute2f128_ps(u1, u5, 0x20);
    r[2] = _mm256_permute2f128_ps(u2, u6, 0x20), r[3] = _mm256_permute2f128_ps(u3, u7, 0x20);
    r[4] = _mm256_permute2f128_ps(u0, u4, 0x31), r[5] = _mm256_permute2f128_ps(u1, u5, 0x31);
    r[6] = _mm256_permute2f128_ps(u2, u6, 0x31), r[7] = _mm256_permute2f128_ps(u3, u7, 0x31);
  }
};
}  // namespace
#define TG_GEMM_TRANSPOSE 1
#elif defined(__aarch64__) && defined(__ARM_NEON)
#include <arm_neon.h>
namespace {
struct GemmTranspose {
  static constexpr int T = 4;
  using reg = float32x4_t;
  static reg load(const float* p) { return vld1q_f32(p); }
  static reg zero() { return vdupq_n_f32(0.0f); }
  static void store(float* p, reg v) { vst1q_f32(p, v); }
  static void transpose(reg (&r)[4]) {
    const float64x2_t t0 = vreinterpretq_f64_f32(vtrn1q_f32(r[0], r[1])), t1 = vreinterpretq_f64_f32(vtrn2q_f32(r[0], r[1]));
    const float64x2_t t2 = vreinterpretq_f64_f32(vtrn1q_f32(r[2], r[3])), t3 = vreinterpretq_f64_f32(vtrn2q_f32(r[2], r[3]));
    r[0] = vreinterpretq_f32_f64(vtrn1q_f64(t0, t2)), r[1] = vreinterpretq_f32_f64(vtrn1q_f64(t1, t3));
    r[2] = vreinterpretq_f32_f64(vtrn2q_f64(t0, t2)), r[3] = vreinterpretq_f32_f64(vtrn2q_f64(t1, t3));
  }
};
}  // namespace
#define TG_GEMM_TRANSPOSE 1
#endif

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

  // The A slivers of rows rows (A[r, p] = src[r * rs + p * cs], p < kc), MR rows each: sliver
  // s at dst + s * ld, dst[s * ld + p * MR + r] = A[s * MR + r, p], in the order the tile reads
  // it. ld >= kc * MR + W: each sliver may be written up to one vector past its end. The last
  // sliver's rows past `rows` are left unwritten (the tile for its rows never reads them).
  static void pack_a(const float* src, int64_t rs, int64_t cs, int rows, int64_t kc, float* dst, int64_t ld) {
    const int slivers = (rows + MR - 1) / MR;
    if (rs == 1) {
      // K-major (a transposed view): p outer, so each step of k is one contiguous read across
      // all the slivers (with a stride of a multiple of 4 KiB, re-reading a step's line for
      // each sliver missed L1 and L2). MR floats a sliver, in whole vectors, the last one read
      // masked and stored whole (its tail lands in the next step's place, written after it).
      const int last_rows = rows - (slivers - 1) * MR;
      constexpr int kVecs = (MR + W - 1) / W;
      const auto full_tail = V::make_tail(MR - (kVecs - 1) * W);
      const auto last_tail = V::make_tail(last_rows - (last_rows - 1) / W * W);
      const int last_vecs = (last_rows + W - 1) / W;
      for (int64_t p = 0; p < kc; ++p) {
        const float* sp = src + p * cs;
        for (int sl = 0; sl < slivers; ++sl) {
          const float* s = sp + sl * MR;
          float* d = dst + sl * ld + p * MR;
          if (sl + 1 < slivers || last_rows == MR) {
#pragma GCC unroll 8
            for (int v = 0; v < kVecs - 1; ++v) V::store(d + v * W, V::load(s + v * W));
            V::store(d + (kVecs - 1) * W, V::load_tail(s + (kVecs - 1) * W, full_tail));
          } else {
            for (int v = 0; v < last_vecs - 1; ++v) V::store(d + v * W, V::load(s + v * W));
            V::store(d + (last_vecs - 1) * W, V::load_tail(s + (last_vecs - 1) * W, last_tail));
          }
        }
      }
      return;
    }
    for (int sl = 0; sl < slivers; ++sl) {
      const float* s = src + sl * MR * rs;
      float* d = dst + sl * ld;
      const int n = std::min(MR, rows - sl * MR);
      int64_t p = 0;
#ifdef TG_GEMM_TRANSPOSE
      // A row-major (k contiguous): T steps of k at a time, T rows read as vectors and
      // transposed into T steps of MR floats; rows past n are zero, stored whole like the
      // k-major tail. Not in the scalar table (W == 1), the reference, which stays scalar.
      if (W > 1 && cs == 1) {
        using X = GemmTranspose;
        constexpr int T = X::T, G = (MR + T - 1) / T;
        for (; p + T <= kc; p += T) {
          typename X::reg r[G][T];
#pragma GCC unroll 4
          for (int g = 0; g < G; ++g) {
#pragma GCC unroll 8
            for (int i = 0; i < T; ++i) r[g][i] = g * T + i < n ? X::load(s + (g * T + i) * rs + p) : X::zero();
            X::transpose(r[g]);
          }
#pragma GCC unroll 8
          for (int i = 0; i < T; ++i)
#pragma GCC unroll 4
            for (int g = 0; g < G; ++g) X::store(d + (p + i) * MR + g * T, r[g][i]);
        }
      }
#endif
      // p outer: the writes run contiguously and the reads are n sequential streams, which
      // the prefetchers follow.
      for (; p < kc; ++p)
        for (int r = 0; r < n; ++r) d[p * MR + r] = s[r * rs + p * cs];
    }
  }

  // dst[p * NR + j] = B[p, j] (B[p, j] = src[p * rs + j * cs]) for p < kc, zero for cols <= j
  // < NR: one B sliver, padded so that the tile loads only whole vectors.
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
    int64_t p0 = 0;
#ifdef TG_GEMM_TRANSPOSE
    // B^T row-major (rs == 1): T x T blocks, T columns read as vectors along k and transposed
    // into T steps of k; columns past cols are zero.
    if constexpr (W > 1 && NR % GemmTranspose::T == 0) {
      using X = GemmTranspose;
      constexpr int T = X::T;
      if (rs == 1)
        for (; p0 + T <= kc; p0 += T)
#pragma GCC unroll 4
          for (int j0 = 0; j0 < NR; j0 += T) {
            typename X::reg r[T];
#pragma GCC unroll 8
            for (int i = 0; i < T; ++i) r[i] = j0 + i < cols ? X::load(src + (j0 + i) * cs + p0) : X::zero();
            if (j0 < cols) X::transpose(r);
#pragma GCC unroll 8
            for (int i = 0; i < T; ++i) X::store(dst + (p0 + i) * NR + j0, r[i]);
          }
    }
#endif
    // Blocks of kBlock steps of k, each column read contiguously through the block while the
    // writes stay in a few lines of L1 (kBlock x NR floats).
    constexpr int64_t kBlock = 16;
    for (; p0 < kc; p0 += kBlock) {
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
