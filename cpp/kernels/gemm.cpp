// The portable GEMM driver around the per-ISA register tile (KernelTable::gemm_tile_f32):
// BLIS's loop nest with its cache blocking and packing, and the threading.
//
//   for jc in N step NC            B panel [KC x NC] packed once, kept in L2, used by every row
//     for pc in K step KC
//       for ir in M step MR        A sliver [MR x KC], kept in L1 across the jr loop
//         for jr in NC step NR     B sliver [KC x NR] streamed from L2
//           tile(MR x NR)
//
// Packing lays each sliver out in the order the tile reads it (A: MR values per k; B: NR
// values per k), whatever the source strides. The tile reads A through either unit stride, so
// A is packed only to escape aliasing strides, and B only when it is reused enough or its
// columns are strided (see use_direct_a / use_direct_b). A GEMM whose B would need transposing
// runs as C^T = B^T @ A^T when that transposes less (see cost), so backward's A^T @ G and
// G @ W^T cost about what a plain A @ B does. When both operands are contiguous along k and C
// is thin (e.g. x @ W^T with few outputs), each element of C is a vector dot product instead
// (gemm_dot, chosen by cost_dot). The epilogue (bias, relu) runs in the tile's write-back of
// C's last k block.
//
// Scratch is allocated per call (per task); nothing outlives the call.
#include "core/scratch.h"
#include "kernels/gemm.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <new>

#include "core/thread_pool.h"

namespace tg {
namespace {

// KC x NR of B (256 x 32 floats = 32 KiB on AVX-512) streams through L1 per tile while the
// A sliver (256 x 14 x 4 = 14 KiB) stays there; KC also amortizes the C tile's load and store
// over 256 FMAs per accumulator. NC keeps the packed B panel (256 x 512 x 4 = 512 KiB) in half
// of a 1 MiB L2, leaving room for C and the next panel's prefetch.
constexpr int64_t KC = 256;
constexpr int64_t NC = 512;

// Operands are read in place when packing would not pay for itself, but never with a stride
// that is a multiple of 4 KiB: the rows would then all fall in the same L1 set and evict each
// other (1024^3 runs 15% slower with A read in place).
bool aliases(int64_t stride) { return stride % 1024 == 0; }

// Packing B costs about one pass over it; it pays once a B sliver is used by more than a few
// A slivers (measured: M = 64 runs 5-10% faster with B in place). The tile needs B's columns
// contiguous.
bool use_direct_b(const GemmArgs& g, int mr) { return g.b_cs == 1 && !aliases(g.b_rs) && g.M <= 5 * mr; }

// An A sliver read in place needs a unit stride along one of its dims. With its rows
// contiguous along k (a_cs == 1) reading it in place is as fast as packing it (the tile's
// broadcasts fold into its FMAs, mr sequential streams). K-major in place (a_rs == 1, a
// transposed view) with steps of k over a cache line apart, each step is a new line, for every
// B sliver the A sliver meets: packed once, it is mr floats a step. Measured on AVX2: 512^3 with
// A transposed 0.88 -> 0.96 of OpenBLAS packed; where the steps share lines (a_cs of 10 in
// 64x128 @ 128x10 run as C^T), or there is one B sliver, the copy is not repaid (82 -> 69
// GFLOP/s), so in place there.
bool use_direct_a(const GemmArgs& g, int nr) {
  if (g.a_cs == 1) return !aliases(g.a_rs);
  constexpr int64_t kLineFloats = 16;
  return g.a_rs == 1 && !aliases(g.a_cs) && (g.a_cs <= kLineFloats || g.N <= nr);
}


// dst[p * mr + r] = A[r, p] for r < rows, p < kc: the k-major layout of one A sliver.
void pack_a(const float* src, int64_t rs, int64_t cs, int rows, int64_t kc, int mr, float* dst) {
  if (rs == 1) {
    // A copy loop, not memcpy: one libc call per 24-byte step of k took 29% of a 4096x256 @
    // 256x64 (A transposed) on AVX2.
    for (int64_t p = 0; p < kc; ++p)
      for (int r = 0; r < rows; ++r) dst[p * mr + r] = src[p * cs + r];
    return;
  }
  // p outer: the writes run contiguously and the reads are `rows` sequential streams, which the
  // prefetchers follow (r outer wrote with a stride of mr floats: measured at 1024^3 on AVX2,
  // 8% of the time in this loop, and 0.74 -> 0.84 of OpenBLAS from this order alone).
  for (int64_t p = 0; p < kc; ++p)
    for (int r = 0; r < rows; ++r) dst[p * mr + r] = src[r * rs + p * cs];
}

// dst[p * nr + j] = B[p, j] for j < cols: one B sliver (the tile reads only valid columns).
void pack_b(const float* src, int64_t rs, int64_t cs, int cols, int64_t kc, int nr, float* dst) {
  if (cs == 1) {
    // memcpy here: a row of B is 16-32 floats, which libc copies in two vector moves; the
    // plain loop (which GCC cannot vectorize without knowing src and dst apart) made 64x784 @
    // 784x256 on AVX2 18% slower.
    for (int64_t p = 0; p < kc; ++p) std::memcpy(dst + p * nr, src + p * rs, cols * sizeof(float));
    return;
  }
  for (int j = 0; j < cols; ++j) {
    const float* s = src + j * cs;
    for (int64_t p = 0; p < kc; ++p) dst[p * nr + j] = s[p * rs];
  }
}

// The whole loop nest on the calling thread.
bool gemm_serial(const KernelTable& kt, const GemmArgs& g) {
  const int mr = kt.gemm_mr, nr = kt.gemm_nr;
  // Panels are whole slivers wide (NR = 12 on NEON does not divide NC).
  const int64_t nc_step = NC / nr * nr;
  // K in equal blocks of at most KC: 784 runs as 4 x 196, not 3 x 256 + 16, whose last block
  // would load and store every C tile again for 16 steps of k.
  const int64_t k_blocks = std::max<int64_t>(1, (g.K + KC - 1) / KC);
  const int64_t kc_step = std::max<int64_t>(1, (g.K + k_blocks - 1) / k_blocks);
  const int64_t nc_max = std::min(nc_step, (g.N + nr - 1) / nr * nr), kc_max = std::min(kc_step, g.K);
  const bool direct_a = use_direct_a(g, nr), direct_b = use_direct_b(g, mr);
  Scratch pb(direct_b ? 0 : kc_max * nc_max), pa(direct_a ? 0 : kc_max * mr);
  if ((!direct_b && !pb.p) || (!direct_a && !pa.p)) return false;

  for (int64_t jc = 0; jc < g.N; jc += nc_step) {
    const int64_t nc = std::min(nc_step, g.N - jc);
    for (int64_t pc = 0; pc < g.K; pc += kc_step) {
      const int64_t kc = std::min(kc_step, g.K - pc);
      const float* bpanel = g.b + pc * g.b_rs + jc * g.b_cs;
      if (!direct_b)
        for (int64_t jr = 0; jr < nc; jr += nr)
          pack_b(bpanel + jr * g.b_cs, g.b_rs, g.b_cs, int(std::min<int64_t>(nr, nc - jr)), kc, nr, pb.p + jr * kc);
      GemmTile t;
      t.k = kc;
      t.c_rs = g.c_rs;
      t.c_cs = g.c_cs;
      t.accumulate = g.accumulate || pc > 0;
      const bool last_k = pc + kc == g.K;
      t.bias_per_row = g.bias_per_row;
      t.relu = last_k && g.relu;
      for (int64_t ir = 0; ir < g.M; ir += mr) {
        t.rows = int(std::min<int64_t>(mr, g.M - ir));
        const float* asrc = g.a + ir * g.a_rs + pc * g.a_cs;
        if (direct_a) {
          t.a = asrc;
          t.a_rs = g.a_rs;
          t.a_cs = g.a_cs;
        } else {
          pack_a(asrc, g.a_rs, g.a_cs, t.rows, kc, mr, pa.p);
          t.a = pa.p;
          t.a_rs = 1;
          t.a_cs = mr;
        }
        for (int64_t jr = 0; jr < nc; jr += nr) {
          t.cols = int(std::min<int64_t>(nr, nc - jr));
          t.b = direct_b ? bpanel + jr : pb.p + jr * kc;
          t.ldb = direct_b ? g.b_rs : nr;
          t.c = g.c + ir * g.c_rs + (jc + jr) * g.c_cs;
          t.bias = last_k && g.bias ? g.bias + (g.bias_per_row ? ir : jc + jr) : nullptr;
          kt.gemm_tile_f32(t);
        }
      }
    }
  }
  return true;
}

// The dot-product path on the calling thread: A's rows and B's columns contiguous along k
// (a_cs == 1, b_rs == 1), in blocks of DR x DC elements of C. The inner loop over B's columns
// reuses the block's A rows from L1; C is thin, so all of B stays in L2.
void gemm_dot(const KernelTable& kt, const GemmArgs& g) {
  GemmTile t;
  t.k = g.K;
  t.a_rs = g.a_rs;
  t.a_cs = 1;
  t.ldb = g.b_cs;
  t.c_rs = g.c_rs;
  t.c_cs = g.c_cs;
  t.accumulate = g.accumulate;
  t.bias_per_row = g.bias_per_row;
  t.relu = g.relu;
  for (int64_t ir = 0; ir < g.M; ir += kt.gemm_dot_rows) {
    t.rows = int(std::min<int64_t>(kt.gemm_dot_rows, g.M - ir));
    t.a = g.a + ir * g.a_rs;
    for (int64_t jr = 0; jr < g.N; jr += kt.gemm_dot_cols) {
      t.cols = int(std::min<int64_t>(kt.gemm_dot_cols, g.N - jr));
      t.b = g.b + jr * g.b_cs;
      t.c = g.c + ir * g.c_rs + jr * g.c_cs;
      t.bias = g.bias ? g.bias + (g.bias_per_row ? ir : jr) : nullptr;
      kt.gemm_dot_f32(t);
    }
  }
}

// C^T = B^T @ A^T: the same GEMM with the operands' roles and C's strides swapped.
GemmArgs transposed(const GemmArgs& g) {
  GemmArgs t = g;
  t.M = g.N, t.N = g.M;
  t.a = g.b, t.a_rs = g.b_cs, t.a_cs = g.b_rs;
  t.b = g.a, t.b_rs = g.a_cs, t.b_cs = g.a_rs;
  t.c_rs = g.c_cs, t.c_cs = g.c_rs;
  t.bias_per_row = !g.bias_per_row;
  return t;
}

// Cost of a GEMM orientation, in vector FMAs: the tile's, with the lanes its last, partial
// vector wastes (64x128 @ 128x10 fills 10 of 16 lanes, its transpose all of them), plus about
// two per element transposed while packing B when B's columns are not contiguous (the tile
// reads vectors of B rows; A is read or packed from either layout equally fast; measured:
// 64x256 @ (128x256)^T with W^T packed ran at 70 GFLOP/s, on the dot-product path at 99).
// In double: with broadcast (stride 0) operands M * N * K is not bounded by any buffer size.
// A C written transposed (c_cs != 1, the swapped orientation) goes through the tile's stack row
// and a scalar scatter, about three more per element of C and block of K: without it nn.Linear's
// x @ W^T ran on the tile at 87-91 GFLOP/s for 64x784 @ (256x784)^T and 84 for 64x256 @
// (128x256)^T, where the dot-product path runs at 109 and 99 (Zen 4; 64x256 @ (784x256)^T,
// which stays on the tile, runs at 97 either way).
double cost(const GemmArgs& g, int lanes) {
  const double scatter = g.c_cs == 1 ? 0 : 3.0 * double(g.M) * double(g.N) * double((g.K + KC - 1) / KC);
  return double(g.M) * double((g.N + lanes - 1) / lanes) * double(g.K) + (g.b_cs == 1 ? 0 : 2.0 * double(g.K) * double(g.N)) + scatter;
}

// Cost of the dot-product path in the same units: every element of C takes ceil(K / lanes)
// FMAs (the last vector partly wasted when K is short) plus its reduction and scalar write-back,
// about 4 FMAs' worth. This keeps e.g. 256^3 and 64x784 @ (256x784)^T on the tile, which reads
// fewer operands per FMA, and moves 64x128 @ (10x128)^T here (50 -> 83 GFLOP/s on Zen 4).
double cost_dot(const GemmArgs& g, int lanes) {
  return double(g.M) * double(g.N) * (double((g.K + lanes - 1) / lanes) + 4.0);
}

// C = relu(C + bias) over all of C, for K == 0 where no tile runs.
void epilogue_only(const GemmArgs& g) {
  for (int64_t i = 0; i < g.M; ++i)
    for (int64_t j = 0; j < g.N; ++j) {
      float& c = g.c[i * g.c_rs + j * g.c_cs];
      if (g.bias) c += g.bias[g.bias_per_row ? i : j];
      if (g.relu && c < 0.0f) c = 0.0f;
    }
}

}  // namespace

bool gemm_f32(const KernelTable& kt, const GemmArgs& g_in, int threads) {
  // E.g. G @ W^T (backward's dA) runs as W @ G^T, transposing the small G instead of W.
  const GemmArgs t = transposed(g_in);
  const GemmArgs& g = cost(t, kt.gemm_lanes) < cost(g_in, kt.gemm_lanes) ? t : g_in;
  if (g.M == 0 || g.N == 0) return true;
  if (g.K == 0) {
    if (!g.accumulate)
      for (int64_t i = 0; i < g.M; ++i)
        for (int64_t j = 0; j < g.N; ++j) g.c[i * g.c_rs + j * g.c_cs] = 0.0f;
    epilogue_only(g);
    return true;
  }
  // Contiguity along k is the same in both orientations (transposed swaps a_cs and b_rs).
  const bool dot = g.a_cs == 1 && g.b_rs == 1 && cost_dot(g, kt.gemm_lanes) < cost(g, kt.gemm_lanes);
  // Below ~1M multiply-adds (~20 us on one core) waking a thread costs more than it saves.
  if (double(g.M) * double(g.N) * double(g.K) < double(1 << 20)) threads = 1;
  if (threads <= 1) {
    if (!dot) return gemm_serial(kt, g);
    gemm_dot(kt, g);  // needs no scratch
    return true;
  }

  // Tasks are blocks of C, each running the whole loop nest on its own. Splitting N first
  // gives each task its own columns of B to pack, so no packing is repeated while a task
  // keeps >= 128 columns; the remaining threads split M.
  const int mr = kt.gemm_mr, nr = kt.gemm_nr;
  const int64_t tn = std::clamp<int64_t>(g.N / 128, 1, threads);
  const int64_t tm = std::clamp<int64_t>(g.M / (4 * mr), 1, threads / tn);
  // Split points on whole tiles (dot blocks on the dot path), each the one nearest its even
  // share: 256 rows in tiles of 14 split 126 + 130, not 140 + 116, and 784 columns in tiles of
  // 32 split 384 + 400, not 416 + 368 (the first task set the pace, 9% over an even split).
  const int64_t mu = dot ? kt.gemm_dot_rows : mr, nu = dot ? kt.gemm_dot_cols : nr;
  auto split = [](int64_t total, int64_t parts, int64_t unit, int64_t k) {
    if (k >= parts) return total;
    const int64_t units = (total / parts * k + total % parts * k / parts + unit / 2) / unit;
    return std::min(total, units * unit);
  };
  std::atomic<bool> ok{true};
  parallel_for(tm * tn, 1, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      GemmArgs s = g;
      const int64_t i0 = split(g.M, tm, mu, t / tn), j0 = split(g.N, tn, nu, t % tn);
      s.M = split(g.M, tm, mu, t / tn + 1) - i0;
      s.N = split(g.N, tn, nu, t % tn + 1) - j0;
      if (s.M <= 0 || s.N <= 0) continue;
      s.a = g.a + i0 * g.a_rs;
      s.b = g.b + j0 * g.b_cs;
      s.c = g.c + i0 * g.c_rs + j0 * g.c_cs;
      if (g.bias) s.bias = g.bias + (g.bias_per_row ? i0 : j0);
      if (dot)
        gemm_dot(kt, s);
      else if (!gemm_serial(kt, s))
        ok = false;
    }
  });
  return ok;
}

}  // namespace tg
