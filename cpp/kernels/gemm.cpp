// The portable GEMM driver around the per-ISA register tile (KernelTable::gemm_tile_f32):
// BLIS's loop nest with its cache blocking and packing, and the threading.
//
//   for jc in N step NC              B panel [KC x NC] packed once, kept in L2, used by every row
//     for pc in K step KC
//       for ic in M step MC          A block [MC x KC] packed once, in L2
//         for ir in MC step MR       A sliver [MR x KC], kept in L1 across the jr loop
//           for jr in NC step NR     B sliver [KC x NR] streamed from L2
//             tile(MR x NR)
//
// KC, NC and MC come from the cache sizes the CPU reports (blocking). Packing (the table's
// gemm_pack_a_f32 / gemm_pack_b_f32, in the ISA's own vectors, transposing in registers where
// the layout needs it) lays each sliver out in the order the tile reads it (A: MR values per k;
// B: NR values per k, zero-padded to NR), whatever the source strides; the tile then reads it
// with compile-time strides. The tile can also read A through either unit stride, so A is
// packed only to escape aliasing strides or to reuse it over many B slivers, and B only when it
// is reused enough or its columns are strided (see use_direct_a / use_direct_b: packing a
// sliver used once does not pay). A GEMM whose B would need transposing
// runs as C^T = B^T @ A^T when that transposes less (see cost), so backward's A^T @ G and
// G @ W^T cost about what a plain A @ B does. When both operands are contiguous along k and C
// is thin (e.g. x @ W^T with few outputs), each element of C is a vector dot product instead
// (gemm_dot, chosen by cost_dot). The epilogue (bias, relu) runs in the tile's write-back of
// C's last k block. A GEMM of at most a few hundred multiply-adds skips all of this for plain
// loops (gemm_small).
//
// Scratch is allocated per call (per task); nothing outlives the call.
#include "core/scratch.h"
#include "kernels/gemm.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <new>

#include <unistd.h>

#include "core/thread_pool.h"

namespace tg {
namespace {

// The data cache sizes the CPU reports, in bytes: sysconf (glibc reads cpuid on x86), else
// Linux's sysfs (AArch64, where glibc's sysconf has no answer), else 32 KiB and 512 KiB.
struct CacheSizes {
  int64_t l1d = 0, l2 = 0;
};

int64_t sysfs_cache_size(int level) {
  for (int index = 0; index < 8; ++index) {
    char path[96];
    std::snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/level", index);
    std::FILE* f = std::fopen(path, "r");
    if (!f) break;
    int lvl = 0;
    const bool got_level = std::fscanf(f, "%d", &lvl) == 1;
    std::fclose(f);
    if (!got_level || lvl != level) continue;
    std::snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/type", index);
    char type[32] = {};
    if ((f = std::fopen(path, "r"))) {
      if (std::fscanf(f, "%31s", type) != 1) type[0] = 0;
      std::fclose(f);
    }
    if (!std::strcmp(type, "Instruction")) continue;
    std::snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/size", index);
    if (!(f = std::fopen(path, "r"))) continue;
    long size = 0;
    char unit = 0;
    const int got = std::fscanf(f, "%ld%c", &size, &unit);
    std::fclose(f);
    if (got >= 1) return unit == 'M' ? size << 20 : unit == 'K' ? size << 10 : size;
  }
  return 0;
}

CacheSizes read_cache_sizes() {
  CacheSizes c;
#if defined(_SC_LEVEL1_DCACHE_SIZE) && defined(_SC_LEVEL2_CACHE_SIZE)
  c.l1d = sysconf(_SC_LEVEL1_DCACHE_SIZE);
  c.l2 = sysconf(_SC_LEVEL2_CACHE_SIZE);
#endif
  if (c.l1d <= 0) c.l1d = sysfs_cache_size(1);
  if (c.l2 <= 0) c.l2 = sysfs_cache_size(2);
  // Sizes out of any real core's range (a VM's or emulator's report) fall back too.
  if (c.l1d < (16 << 10) || c.l1d > (1 << 20)) c.l1d = 32 << 10;
  if (c.l2 < (128 << 10) || c.l2 > (64 << 20)) c.l2 = 512 << 10;
  return c;
}

const CacheSizes& cache_sizes() {
  static const CacheSizes sizes = read_cache_sizes();
  return sizes;
}

// The blocking of the loop nest from the cache sizes and the tile. KC: a B sliver (KC x NR)
// streams through L1 past the A sliver (MR x KC), which stays there; a sliver of B at most
// the size of L1 keeps both resident, and KC at most 256 is where the C tile's load and store
// are amortized (measured on Zen 4's 32 KiB L1: 256 on AVX2 ran 1024^3 at 1.01 of OpenBLAS
// where 384 ran at 0.93, and 256 on AVX-512 beat 128 by 2-5% on most shapes). NC: the packed
// B panel (KC x NC) takes half of L2, leaving room for C and the A block. MC: the packed A
// block (MC x KC) takes a quarter of L2.
struct Blocking {
  int64_t kc, nc, mc;
};

// K in equal blocks of at most kc.
int64_t k_step(int64_t K, int64_t kc) {
  const int64_t k_blocks = std::max<int64_t>(1, (K + kc - 1) / kc);
  return std::max<int64_t>(1, (K + k_blocks - 1) / k_blocks);
}

Blocking blocking(int mr, int nr) {
  const CacheSizes& c = cache_sizes();
  const int64_t kc = std::clamp<int64_t>(c.l1d / (4 * nr) / 32 * 32, 64, 256);
  const int64_t nc = std::max<int64_t>(nr, c.l2 / 2 / (4 * kc) / nr * nr);
  // The packed A block (MC x KC) takes a quarter of L2 beside the B panel.
  const int64_t mc = std::max<int64_t>(mr, c.l2 / 4 / (4 * kc) / mr * mr);
  return {kc, nc, mc};
}

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


// The whole loop nest on the calling thread.
bool gemm_serial(const KernelTable& kt, const GemmArgs& g) {
  const int mr = kt.gemm_mr, nr = kt.gemm_nr;
  const Blocking bl = blocking(mr, nr);
  // K in equal blocks of at most KC: 784 runs as 4 x 196, not 3 x 256 + 16, whose last block
  // would load and store every C tile again for 16 steps of k.
  const int64_t kc_step = k_step(g.K, bl.kc);
  const int64_t nc_max = std::min(bl.nc, (g.N + nr - 1) / nr * nr), kc_max = std::min(kc_step, g.K);
  const bool direct_a = use_direct_a(g, nr), direct_b = use_direct_b(g, mr);
  // The A block: its slivers each get one vector of slack (pack_a stores whole vectors).
  const int64_t a_ld = kc_max * mr + kt.gemm_lanes, mc_max = std::min(bl.mc, (g.M + mr - 1) / mr * mr);
  Scratch pb(direct_b ? 0 : kc_max * nc_max), pa(direct_a ? 0 : mc_max / mr * a_ld);
  if ((!direct_b && !pb.p) || (!direct_a && !pa.p)) return false;

  for (int64_t jc = 0; jc < g.N; jc += bl.nc) {
    const int64_t nc = std::min(bl.nc, g.N - jc);
    for (int64_t pc = 0; pc < g.K; pc += kc_step) {
      const int64_t kc = std::min(kc_step, g.K - pc);
      const float* bpanel = g.b + pc * g.b_rs + jc * g.b_cs;
      if (!direct_b)
        for (int64_t jr = 0; jr < nc; jr += nr)
          kt.gemm_pack_b_f32(bpanel + jr * g.b_cs, g.b_rs, g.b_cs, int(std::min<int64_t>(nr, nc - jr)), kc,
                             pb.p + jr * kc);
      GemmTile t;
      t.k = kc;
      t.c_rs = g.c_rs;
      t.c_cs = g.c_cs;
      t.accumulate = g.accumulate || pc > 0;
      const bool last_k = pc + kc == g.K;
      t.bias_per_row = g.bias_per_row;
      t.relu = last_k && g.relu;
      t.packed_a = !direct_a;
      t.packed_b = !direct_b;
      for (int64_t ic = 0; ic < g.M; ic += bl.mc) {
        const int64_t mc = std::min(bl.mc, g.M - ic);
        if (!direct_a) kt.gemm_pack_a_f32(g.a + ic * g.a_rs + pc * g.a_cs, g.a_rs, g.a_cs, int(mc), kc, pa.p, a_ld);
        for (int64_t ir = ic; ir < ic + mc; ir += mr) {
          t.rows = int(std::min<int64_t>(mr, g.M - ir));
          if (direct_a) {
            t.a = g.a + ir * g.a_rs + pc * g.a_cs;
            t.a_rs = g.a_rs;
            t.a_cs = g.a_cs;
          } else {
            t.a = pa.p + (ir - ic) / mr * a_ld;
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
// half an FMA per element transposed while packing B when B's columns are not contiguous (the
// tile reads vectors of B rows; pack_b transposes 8 x 8 blocks in registers; measured on AVX2
// against the old weight of 2, from a scalar transpose: 64x256 @ (128x256)^T left the
// dot-product path for the tile, 0.86 -> 1.09 of OpenBLAS, and 64x128 @ (10x128)^T 0.92 -> 1.11).
// In double: with broadcast (stride 0) operands M * N * K is not bounded by any buffer size.
// A C written transposed (c_cs != 1, the swapped orientation) goes through the tile's stack row
// and a scalar scatter, about three more per element of C and block of K: without it nn.Linear's
// x @ W^T ran on the tile at 87-91 GFLOP/s for 64x784 @ (256x784)^T and 84 for 64x256 @
// (128x256)^T, where the dot-product path runs at 109 and 99 (Zen 4; 64x256 @ (784x256)^T,
// which stays on the tile, runs at 97 either way).
double cost(const GemmArgs& g, int lanes, int64_t kc) {
  const double scatter = g.c_cs == 1 ? 0 : 3.0 * double(g.M) * double(g.N) * double((g.K + kc - 1) / kc);
  return double(g.M) * double((g.N + lanes - 1) / lanes) * double(g.K) + (g.b_cs == 1 ? 0 : 0.5 * double(g.K) * double(g.N)) + scatter;
}

// Cost of the dot-product path in the same units: every element of C takes ceil(K / lanes)
// FMAs (the last vector partly wasted when K is short) plus its reduction and scalar write-back,
// about 4 FMAs' worth. This keeps e.g. 256^3 and 64x784 @ (256x784)^T on the tile, which reads
// fewer operands per FMA, and moves 64x128 @ (10x128)^T here (50 -> 83 GFLOP/s on Zen 4).
double cost_dot(const GemmArgs& g, int lanes) {
  return double(g.M) * double(g.N) * (double((g.K + lanes - 1) / lanes) + 4.0);
}

// C = relu(C (+)= A @ B + bias) as plain loops, k in order: for a GEMM of a few hundred
// multiply-adds (nn.Linear(1, 1), a toy model's layers) the tile path's setup (orientation
// costs, blocking, packing decisions, scratch: ~1,500 instructions) is most of the work. Also
// K == 0, where A and B are empty (and may be null) and C is 0 or kept, then the epilogue.
void gemm_small(const GemmArgs& g) {
  for (int64_t i = 0; i < g.M; ++i)
    for (int64_t j = 0; j < g.N; ++j) {
      float acc = 0.0f;
      for (int64_t p = 0; p < g.K; ++p) acc += g.a[i * g.a_rs + p * g.a_cs] * g.b[p * g.b_rs + j * g.b_cs];
      float& c = g.c[i * g.c_rs + j * g.c_cs];
      c = g.accumulate ? c + acc : acc;
      if (g.bias) c += g.bias[g.bias_per_row ? i : j];
      if (g.relu && c < 0.0f) c = 0.0f;
    }
}

// Up to this many multiply-adds a GEMM runs as gemm_small (measured: nn.Linear(1, 1)'s forward
// and weight gradient, 3 each, took ~2,200 instructions each through the tile path).
constexpr double kSmallGemmMacs = 256;

}  // namespace

bool gemm_f32(const KernelTable& kt, const GemmArgs& g_in, int threads) {
  if (g_in.M == 0 || g_in.N == 0) return true;
  if (g_in.K == 0 || double(g_in.M) * double(g_in.N) * double(g_in.K) <= kSmallGemmMacs) {
    gemm_small(g_in);
    return true;
  }
  // E.g. G @ W^T (backward's dA) runs as W @ G^T, transposing the small G instead of W.
  const GemmArgs t = transposed(g_in);
  const int64_t kc = blocking(kt.gemm_mr, kt.gemm_nr).kc;
  const GemmArgs& g = cost(t, kt.gemm_lanes, kc) < cost(g_in, kt.gemm_lanes, kc) ? t : g_in;
  // Contiguity along k is the same in both orientations (transposed swaps a_cs and b_rs).
  const bool dot = g.a_cs == 1 && g.b_rs == 1 && cost_dot(g, kt.gemm_lanes) < cost(g, kt.gemm_lanes, kc);
  // Below ~1M multiply-adds (~20 us on one core) waking a thread costs more than it saves.
  if (double(g.M) * double(g.N) * double(g.K) < double(1 << 20)) threads = 1;
  if (threads <= 1) {
    if (!dot) return gemm_serial(kt, g);
    gemm_dot(kt, g);  // needs no scratch
    return true;
  }

  // Tasks are blocks of C, each running the whole loop nest on its own, so each packs its own
  // rows of A and columns of B: splitting N repeats A's packing in every task, splitting M
  // repeats B's. The split (tm x tn tasks) is the one whose slowest task costs least: its share
  // of the tiles' FMAs plus the floats it packs (about a quarter of an FMA each, half when
  // transposed). E.g. dW = X^T @ G with K = 64 (784x64 @ 64x256) splits M: each task then
  // packs half of the transposed X and all of the small G, not all of X and half of G.
  const int mr = kt.gemm_mr, nr = kt.gemm_nr;
  const int64_t mu = dot ? kt.gemm_dot_rows : mr, nu = dot ? kt.gemm_dot_cols : nr;
  // Split points on whole tiles (dot blocks on the dot path), each the one nearest its even
  // share: 256 rows in tiles of 14 split 126 + 130, not 140 + 116, and 784 columns in tiles of
  // 32 split 384 + 400, not 416 + 368 (the first task set the pace, 9% over an even split).
  auto split = [](int64_t total, int64_t parts, int64_t unit, int64_t k) {
    if (k >= parts) return total;
    const int64_t units = (total / parts * k + total % parts * k / parts + unit / 2) / unit;
    return std::min(total, units * unit);
  };
  // The largest share of total in parts.
  auto largest = [&](int64_t total, int64_t parts, int64_t unit) {
    int64_t most = 0;
    for (int64_t k = 0; k < parts; ++k) most = std::max(most, split(total, parts, unit, k + 1) - split(total, parts, unit, k));
    return most;
  };
  int64_t tm = 1, tn = 1;
  if (dot) {
    tn = std::clamp<int64_t>(g.N / 128, 1, threads);
    tm = std::clamp<int64_t>(g.M / (4 * mr), 1, threads / tn);
  } else {
    double best = 0;
    for (int64_t n_parts = 1; n_parts <= threads; ++n_parts) {
      const int64_t m_parts = threads / n_parts;
      GemmArgs s = g;
      s.M = largest(g.M, m_parts, mr);
      s.N = largest(g.N, n_parts, nr);
      const double fmas = double(s.M) * double((s.N + kt.gemm_lanes - 1) / kt.gemm_lanes) * double(g.K);
      const double pack_a = use_direct_a(s, nr) ? 0 : double(s.M) * double(g.K) * (g.a_cs == 1 ? 0.5 : 0.25);
      const double pack_b = use_direct_b(s, mr) ? 0 : double(s.N) * double(g.K) * (g.b_cs == 1 ? 0.25 : 0.5);
      const double task = fmas + pack_a + pack_b;
      if (n_parts == 1 || task < best) best = task, tm = m_parts, tn = n_parts;
    }
  }
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
