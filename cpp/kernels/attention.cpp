// Fused scaled dot-product attention (attention.h), flash-attention style: no [L, S] buffer.
// The block products run on the kernel table's GEMM tile, over operands read in place; the
// softmax steps between them are the table's attention kernels (attention_kernels.h). Here are
// the checks, the blocking, the masks and the threads.
//
// Forward, one task per (batch index, block of kBr queries):
//   Qt = Q_blkᵀ [E, kBr], packed once per task (the tile needs its B operand's rows
//   contiguous). For each block of kBc keys (causal: only up to the block's last query):
//     Sᵀ [kc, qr] = K_blk Qt              keys x queries, so the tile reads K in place
//     masks (causal triangle on the diagonal block, or the attn mask), then the online
//     softmax across queries: m, l per query, Sᵀ becomes Pᵀ = exp(x - m'), O *= alpha
//     O [qr, Ev] += P V_blk                P read through Pᵀ's strides (the tile's k-major A)
//   O *= 1 / l, lse = m + log l.
// Backward, one task per batch index (dK and dV are summed over query blocks and dQ over key
// blocks: one thread owns a head, so the order of the sums, and the result, is the same for
// any thread count). D = rowsum(dO ∘ O) [L]; for each key block: Kt, Vt packed [E | Ev, kBc];
// for each query block on or below the diagonal:
//     S = Q_blk Kt, P = exp(x - lse)      (x: S * scale, masked as in the forward)
//     dV_blk += Pᵀ dO_blk;  dP = dO_blk Vt;  dS = P ∘ (dP − D) · scale
//     dQ_blk += dS K_blk;   dK_blk += dSᵀ Q_blk
// Scratch per thread: Qt or Kt + Vt, and two [kBr, kBc] blocks (plus D, [L], per head).
//
// The forward computes Sᵀ (k . q per element) and the backward S (q . k): the tile runs each
// element's k loop in order with one FMA per step, and FMA is commutative, so the backward's
// scores are bitwise the forward's and P sums to exactly what lse says.
#include "core/scratch.h"
#include "kernels/attention.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <new>
#include <string>

#include "core/checks.h"
#include "core/thread_pool.h"
#include "kernels/isa_table.h"

namespace tg {
namespace {

constexpr const char* kOp = "scaledDotProductAttention";

// Queries and keys per block. 64 x 64: S, P and dP blocks of 16 KiB each stay in L1 with the
// operands' rows streaming from L2; 64 is a whole number of the tile's column vectors on every
// table except NEON's 12, and causal attention over T computes (T/64)(T/64 + 1)/2 blocks.
constexpr int64_t kBr = 64;
constexpr int64_t kBc = 64;


// ptr + off, or null for an operand with no elements (whose offset was never checked).
template <class T>
T* at(T* ptr, int64_t off) {
  return ptr ? ptr + off : nullptr;
}

// C [M, N] (+)= A [M, K] @ B [K, N] on the table's tile: A[i, p] = a[i * a_rs + p * a_cs] with
// a_cs == 1 or a_rs == 1, B[p, j] = b[p * ldb + j], C[i, j] = c[i * ldc + j]. Blocks are small
// (at most 64 x 64 x E): B stays in L1/L2 across the row slivers, nothing is packed.
void block_gemm(const KernelTable& kt, int64_t M, int64_t N, int64_t K, const float* a, int64_t a_rs, int64_t a_cs,
                const float* b, int64_t ldb, float* c, int64_t ldc, bool accumulate) {
  if (M <= 0 || N <= 0) return;
  if (K == 0) {
    if (!accumulate)
      for (int64_t i = 0; i < M; ++i) std::memset(c + i * ldc, 0, N * sizeof(float));
    return;
  }
  GemmTile t;
  t.k = K;
  t.a_rs = a_rs;
  t.a_cs = a_cs;
  t.ldb = ldb;
  t.c_rs = ldc;
  t.c_cs = 1;
  t.accumulate = accumulate;
  const int mr = kt.gemm_mr, nr = kt.gemm_nr;
  for (int64_t i = 0; i < M; i += mr) {
    t.rows = int(std::min<int64_t>(mr, M - i));
    t.a = a + i * a_rs;
    for (int64_t j = 0; j < N; j += nr) {
      t.cols = int(std::min<int64_t>(nr, N - j));
      t.b = b + j;
      t.c = c + i * ldc + j;
      kt.gemm_tile_f32(t);
    }
  }
}

// dst[p * ld + r] = src[r * rs + p] for r < n, p < e: n rows (rs apart) into the columns of [e, ld].
// In 8 x 8 tiles, each read as 8 row runs and written as 8 column runs (one row at a time, the
// writes went to a new cache line each: 25% slower at 64 x 64).
void transpose_rows(const float* src, int64_t rs, int64_t n, int64_t e, float* dst, int64_t ld) {
  constexpr int64_t T = 8;
  for (int64_t r0 = 0; r0 < n; r0 += T)
    for (int64_t p0 = 0; p0 < e; p0 += T) {
      const int64_t r1 = std::min(n, r0 + T), p1 = std::min(e, p0 + T);
      for (int64_t p = p0; p < p1; ++p)
        for (int64_t r = r0; r < r1; ++r) dst[p * ld + r] = src[r * rs + p];
    }
}

// Element offset of batch index b in an operand with the given batch strides.
int64_t batch_offset(const Shape& batch, const Operand& o, int64_t b) {
  int64_t off = o.offset;
  for (int d = batch.ndim - 1; d >= 0; --d) {
    off += (b % batch.size[d]) * o.stride[d];
    b /= batch.size[d];
  }
  return off;
}

Shape with_dims(const Shape& batch, std::initializer_list<int64_t> dims) {
  Shape s = batch;
  for (int64_t d : dims) s.size[s.ndim++] = d;
  return s;
}

std::string shapes_str(const AttentionArgs& a) {
  return "query " + shape_str(with_dims(a.batch, {a.L, a.E})) + ", key " + shape_str(with_dims(a.batch, {a.S, a.E})) +
         ", value " + shape_str(with_dims(a.batch, {a.S, a.Ev}));
}

// A [batch..., rows, cols] operand read through its strides, with unit columns.
Status check_viewed(const AttentionArgs& a, const char* what, const Operand& o, int64_t rows, int64_t cols) {
  if (o.stride[a.batch.ndim + 1] != 1)
    return Status::range(std::string(kOp) + ": " + what + " must have unit column stride (" + shapes_str(a) + ")");
  return check_operand(kOp, what, with_dims(a.batch, {rows, cols}), o, DType::Float32);
}

Status check_args(const AttentionArgs& a) {
  if (a.batch.ndim < 0 || a.batch.ndim > kMaxDims - 2) return Status::range(std::string(kOp) + ": too many batch dims");
  if (a.L < 0 || a.S < 0 || a.E < 0 || a.Ev < 0) return Status::range(std::string(kOp) + ": negative size");
  for (const Shape& s : {with_dims(a.batch, {a.L, a.E}), with_dims(a.batch, {a.S, a.E}), with_dims(a.batch, {a.S, a.Ev}),
                         with_dims(a.batch, {a.L, a.Ev}), with_dims(a.batch, {a.L, a.S})})
    if (Status st = check_shape(kOp, s); !st) return st;
  // Block indices are ints in the kernels; sizes past 2^31 would not fit a buffer anyway.
  if (a.L > (int64_t{1} << 31) || a.S > (int64_t{1} << 31))
    return Status::range(std::string(kOp) + ": sequence too long (" + shapes_str(a) + ")");
  if (Status st = check_viewed(a, "query", a.q, a.L, a.E); !st) return st;
  if (Status st = check_viewed(a, "key", a.k, a.S, a.E); !st) return st;
  if (Status st = check_viewed(a, "value", a.v, a.S, a.Ev); !st) return st;
  if (a.has_mask) {
    if (a.causal) return Status::range(std::string(kOp) + ": attnMask and isCausal cannot both be set");
    if (a.mask.dtype != DType::Float32 && a.mask.dtype != DType::Bool)
      return Status::type(std::string(kOp) + ": attnMask must be float32 or bool, got " + dtype_name(a.mask.dtype));
    if (Status st = check_operand(kOp, "attnMask", with_dims(a.batch, {a.L, a.S}), a.mask, a.mask.dtype); !st)
      return st;
  }
  return Status::ok();
}

// The operands of one batch index, as pointers (null where an operand has no elements).
struct Head {
  const float* q = nullptr;  // [L, E], rows q_rs apart
  const float* k = nullptr;  // [S, E]
  const float* v = nullptr;  // [S, Ev]
  const float* fmask = nullptr;   // [L, S] through m_rs, m_cs
  const uint8_t* bmask = nullptr;
  int64_t q_rs = 0, k_rs = 0, v_rs = 0, m_rs = 0, m_cs = 0;
};

Head head_of(const AttentionArgs& a, int64_t b) {
  const int nb = a.batch.ndim;
  Head h;
  if (a.L > 0 && a.E > 0) h.q = static_cast<const float*>(a.q.base) + batch_offset(a.batch, a.q, b);
  if (a.S > 0 && a.E > 0) h.k = static_cast<const float*>(a.k.base) + batch_offset(a.batch, a.k, b);
  if (a.S > 0 && a.Ev > 0) h.v = static_cast<const float*>(a.v.base) + batch_offset(a.batch, a.v, b);
  h.q_rs = a.q.stride[nb];
  h.k_rs = a.k.stride[nb];
  h.v_rs = a.v.stride[nb];
  if (a.has_mask && a.L > 0 && a.S > 0) {
    const int64_t off = batch_offset(a.batch, a.mask, b);
    if (a.mask.dtype == DType::Bool) h.bmask = static_cast<const uint8_t*>(a.mask.base) + off;
    else h.fmask = static_cast<const float*>(a.mask.base) + off;
    h.m_rs = a.mask.stride[nb];
    h.m_cs = a.mask.stride[nb + 1];
  }
  return h;
}

// The scaled, masked score of query qi and key kj from its raw product s (an attn mask's).
inline float masked_score(const Head& h, float s, float scale, int64_t qi, int64_t kj) {
  const float x = s * scale;
  if (h.bmask) return h.bmask[qi * h.m_rs + kj * h.m_cs] ? x : -INFINITY;
  return x + h.fmask[qi * h.m_rs + kj * h.m_cs];
}

// The causal offset the kernels take for the block of queries from q0 x keys [j0, j0 + kc):
// q0 - j0 where the block crosses the diagonal, else one that masks nothing.
constexpr int64_t kNoCausal = int64_t{1} << 40;
inline int64_t causal_off(bool causal, int64_t q0, int64_t j0, int64_t kc) {
  return causal && j0 + kc - 1 > q0 ? q0 - j0 : kNoCausal;
}

// An attn mask is applied to a block of scores [rows, cols] (row r at s + r * ld; a row is a key
// when rows_are_keys, else a query), scaled, so the softmax kernel then scales by 1 (exact).
// Returns the scale the kernel is to apply.
float mask_block(const Head& h, float scale, float* s, int64_t ld, int64_t rows, int64_t cols, int64_t q0, int64_t j0,
                 bool rows_are_keys) {
  if (!h.bmask && !h.fmask) return scale;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) {
      float& x = s[r * ld + c];
      x = rows_are_keys ? masked_score(h, x, scale, q0 + c, j0 + r) : masked_score(h, x, scale, q0 + r, j0 + c);
    }
  return 1.0f;
}

void forward_block(const KernelTable& kt, const AttentionArgs& a, int64_t b, int64_t q0, float* out, float* lse,
                   float* qt, float* st, float* stats) {
  const Head h = head_of(a, b);
  const int64_t qr = std::min(kBr, a.L - q0), Ev = a.Ev;
  float* O = out + (b * a.L + q0) * Ev;  // [qr, Ev], dense
  float* m = stats;
  float* l = stats + kBr;
  float* alpha = stats + 2 * kBr;
  for (int64_t r = 0; r < qr; ++r) {
    m[r] = -INFINITY;
    l[r] = 0.0f;
  }
  if (h.q) transpose_rows(h.q + q0 * h.q_rs, h.q_rs, qr, a.E, qt, kBr);
  const int64_t kend = a.causal ? std::min(a.S, q0 + qr) : a.S;
  for (int64_t j0 = 0; j0 < kend; j0 += kBc) {
    const int64_t kc = std::min(kBc, kend - j0);
    // Sᵀ [kc, qr] = K_blk Qᵀ.
    block_gemm(kt, kc, qr, a.E, at(h.k, j0 * h.k_rs), h.k_rs, 1, qt, kBr, st, kBr, false);
    const float scale = mask_block(h, a.scale, st, kBr, kc, qr, q0, j0, true);
    const int64_t off = causal_off(a.causal, q0, j0, kc);
    kt.attn_cols_online_softmax_f32(st, kBr, int(kc), int(qr), scale, off, m, l, alpha);
    if (Ev == 0) continue;
    if (j0 > 0)
      for (int64_t r = 0; r < qr; ++r)
        if (alpha[r] != 1.0f) kt.binary_f32_vs(BinaryOp::Mul, O + r * Ev, alpha[r], O + r * Ev, Ev, 0.0f);
    // O += P V_blk, P [qr, kc] read from Pᵀ: P[r, p] = st[p * kBr + r].
    block_gemm(kt, qr, Ev, kc, st, 1, kBr, h.v + j0 * h.v_rs, h.v_rs, O, Ev, j0 > 0);
  }
  // A query with every key masked has l = 0: its row becomes 0 * inf = NaN, as softmax's.
  for (int64_t r = 0; r < qr; ++r) {
    if (Ev > 0) kt.binary_f32_vs(BinaryOp::Mul, O + r * Ev, 1.0f / l[r], O + r * Ev, Ev, 0.0f);
    lse[b * a.L + q0 + r] = m[r] + std::log(l[r]);
  }
}

void backward_head(const KernelTable& kt, const AttentionArgs& a, int64_t b, const Operand& grad_out, const float* out,
                   const float* lse, float* dq, float* dk, float* dv, float* kt_buf, float* vt_buf, float* s,
                   float* dp, float* D) {
  const Head h = head_of(a, b);
  const int64_t L = a.L, S = a.S, E = a.E, Ev = a.Ev;
  const float* G = nullptr;  // dO [L, Ev], rows g_rs apart
  const int64_t g_rs = grad_out.stride[a.batch.ndim];
  if (L > 0 && Ev > 0) G = static_cast<const float*>(grad_out.base) + batch_offset(a.batch, grad_out, b);
  const float* O = out + b * L * Ev;
  const float* LSE = lse + b * L;
  float* dQ = dq + b * L * E;
  float* dK = dk + b * S * E;
  float* dV = dv + b * S * Ev;
  // Each gradient block is written by its first product and accumulated into after: dQ's at
  // key block 0 (which every query block sees), dK's and dV's at their first query block.
  // Key blocks that no query sees (causal, S > L) and dQ without keys are zeros.
  if (S == 0) std::fill(dQ, dQ + L * E, 0.0f);
  if (L == 0 || S == 0) {
    std::fill(dK, dK + S * E, 0.0f);
    std::fill(dV, dV + S * Ev, 0.0f);
    return;
  }
  // D[i] = dO_i . O_i (= sum_j dP_ij P_ij, softmax's backward term).
  if (Ev > 0) {
    for (int64_t i = 0; i < L; i += kBr)
      kt.attn_rows_dot_f32(G + i * g_rs, g_rs, O + i * Ev, Ev, int(std::min(kBr, L - i)), Ev, D + i);
  } else {
    std::fill(D, D + L, 0.0f);
  }
  for (int64_t j0 = 0; j0 < S; j0 += kBc) {
    const int64_t kc = std::min(kBc, S - j0);
    // Causal: the query blocks with a query at or after key j0.
    const int64_t i0 = a.causal ? j0 / kBr * kBr : 0;
    if (i0 >= L) {
      std::fill(dK + j0 * E, dK + (j0 + kc) * E, 0.0f);
      std::fill(dV + j0 * Ev, dV + (j0 + kc) * Ev, 0.0f);
      continue;
    }
    if (h.k) transpose_rows(h.k + j0 * h.k_rs, h.k_rs, kc, E, kt_buf, kBc);
    if (h.v) transpose_rows(h.v + j0 * h.v_rs, h.v_rs, kc, Ev, vt_buf, kBc);
    for (int64_t q0 = i0; q0 < L; q0 += kBr) {
      const int64_t qr = std::min(kBr, L - q0);
      const float* Qb = at(h.q, q0 * h.q_rs);
      const float* Gb = at(G, q0 * g_rs);
      // S [qr, kc] = Q_blk Kᵀ, then P = exp(x - lse) in place.
      block_gemm(kt, qr, kc, E, Qb, h.q_rs, 1, kt_buf, kBc, s, kBc, false);
      const float scale = mask_block(h, a.scale, s, kBc, qr, kc, q0, j0, false);
      const int64_t off = causal_off(a.causal, q0, j0, kc);
      kt.attn_rows_probs_f32(s, kBc, int(qr), int(kc), scale, off, LSE + q0);
      const bool first_q = q0 == i0;
      // dV_blk += Pᵀ dO_blk: Pᵀ[r, p] = s[p * kBc + r].
      if (Ev > 0) block_gemm(kt, kc, Ev, qr, s, 1, kBc, Gb, g_rs, dV + j0 * Ev, Ev, !first_q);
      // dP [qr, kc] = dO_blk Vᵀ, then dS = P (dP - D) scale in its place (0 past the diagonal).
      block_gemm(kt, qr, kc, Ev, Gb, g_rs, 1, vt_buf, kBc, dp, kBc, false);
      kt.attn_rows_dsoftmax_f32(dp, s, kBc, int(qr), int(kc), off, D + q0, a.scale);
      // A bool mask's masked-off scores get no gradient (the composed path's where), even where
      // dP is not finite.
      if (h.bmask)
        for (int64_t r = 0; r < qr; ++r)
          for (int64_t c = 0; c < kc; ++c)
            if (!h.bmask[(q0 + r) * h.m_rs + (j0 + c) * h.m_cs]) dp[r * kBc + c] = 0.0f;
      if (E > 0) {
        // dQ_blk += dS K_blk; dK_blk += dSᵀ Q_blk (dSᵀ[r, p] = dp[p * kBc + r]).
        block_gemm(kt, qr, E, kc, dp, kBc, 1, h.k + j0 * h.k_rs, h.k_rs, dQ + q0 * E, E, j0 > 0);
        block_gemm(kt, kc, E, qr, dp, 1, kBc, Qb, h.q_rs, dK + j0 * E, E, !first_q);
      }
    }
  }
}

// Tasks of about 64K multiply-adds at least, so a small problem does not wake the pool.
int64_t grain_for(int64_t macs_per_task) { return std::max<int64_t>(1, (int64_t{1} << 16) / std::max<int64_t>(macs_per_task, 1)); }

Status out_of_memory() { return Status::range(std::string(kOp) + ": out of memory for the block buffers"); }

}  // namespace

Status attention_forward_f32(const AttentionArgs& a, const Operand& out, const Operand& lse) {
  if (Status st = check_args(a); !st) return st;
  if (Status st = check_dense(kOp, "output", with_dims(a.batch, {a.L, a.Ev}), out, DType::Float32); !st) return st;
  if (Status st = check_dense(kOp, "logsumexp", with_dims(a.batch, {a.L}), lse, DType::Float32); !st) return st;
  const int64_t B = a.batch.numel();
  if (B == 0 || a.L == 0) return Status::ok();
  float* O = a.Ev > 0 ? static_cast<float*>(out.base) + out.offset : nullptr;
  float* LSE = static_cast<float*>(lse.base) + lse.offset;
  if (a.S == 0) {
    // softmax over no keys, times an empty V: zeros.
    std::fill(O, O + B * a.L * a.Ev, 0.0f);
    std::fill(LSE, LSE + B * a.L, -INFINITY);
    return Status::ok();
  }
  const KernelTable& kt = kernels();
  const int64_t qblocks = (a.L + kBr - 1) / kBr;
  std::atomic<bool> ok{true};
  parallel_for(B * qblocks, grain_for(kBr * a.S * (a.E + a.Ev)), [&](int64_t t0, int64_t t1) {
    Scratch qt(a.E * kBr), st(kBc * kBr), stats(3 * kBr);
    if (!qt.ok(a.E * kBr) || !st.p || !stats.p) {
      ok = false;
      return;
    }
    for (int64_t t = t0; t < t1; ++t) {
      // Query blocks of a head in the order 0, last, 1, last - 1, ...: causal blocks cost in
      // proportion to their index, and a thread's contiguous run of tasks then gets an even share.
      const int64_t i = t % qblocks, ib = i % 2 == 0 ? i / 2 : qblocks - 1 - i / 2;
      forward_block(kt, a, t / qblocks, ib * kBr, O, LSE, qt.p, st.p, stats.p);
    }
  });
  return ok ? Status::ok() : out_of_memory();
}

Status attention_backward_f32(const AttentionArgs& a, const Operand& grad_out, const Operand& out, const Operand& lse,
                              const Operand& dq, const Operand& dk, const Operand& dv) {
  if (Status st = check_args(a); !st) return st;
  if (Status st = check_viewed(a, "grad", grad_out, a.L, a.Ev); !st) return st;
  if (Status st = check_dense(kOp, "output", with_dims(a.batch, {a.L, a.Ev}), out, DType::Float32); !st) return st;
  if (Status st = check_dense(kOp, "logsumexp", with_dims(a.batch, {a.L}), lse, DType::Float32); !st) return st;
  if (Status st = check_dense(kOp, "grad_query", with_dims(a.batch, {a.L, a.E}), dq, DType::Float32); !st) return st;
  if (Status st = check_dense(kOp, "grad_key", with_dims(a.batch, {a.S, a.E}), dk, DType::Float32); !st) return st;
  if (Status st = check_dense(kOp, "grad_value", with_dims(a.batch, {a.S, a.Ev}), dv, DType::Float32); !st) return st;
  const int64_t B = a.batch.numel();
  if (B == 0) return Status::ok();
  // Pointers only into operands with elements (an empty one's offset was not checked).
  auto f = [](const Operand& o, int64_t n) { return n > 0 ? static_cast<float*>(o.base) + o.offset : nullptr; };
  const float* O = f(out, a.L * a.Ev);
  const float* LSE = f(lse, a.L);
  float* dQ = f(dq, a.L * a.E);
  float* dK = f(dk, a.S * a.E);
  float* dV = f(dv, a.S * a.Ev);
  const KernelTable& kt = kernels();
  std::atomic<bool> ok{true};
  parallel_for(B, grain_for(a.L * a.S * (a.E + a.Ev)), [&](int64_t b0, int64_t b1) {
    Scratch ktb(a.E * kBc), vtb(a.Ev * kBc), s(kBr * kBc), dp(kBr * kBc), D(a.L);
    if (!ktb.ok(a.E * kBc) || !vtb.ok(a.Ev * kBc) || !s.p || !dp.p || !D.ok(a.L)) {
      ok = false;
      return;
    }
    for (int64_t b = b0; b < b1; ++b) backward_head(kt, a, b, grad_out, O, LSE, dQ, dK, dV, ktb.p, vtb.p, s.p, dp.p, D.p);
  });
  return ok ? Status::ok() : out_of_memory();
}

}  // namespace tg
