// The per-ISA kernel table: contiguous inner loops only. Strides, broadcasting and
// threading live in the portable drivers (elementwise.cpp, reduce.cpp, matmul.cpp), which
// call these on contiguous runs. One table per ISA translation unit (cpp/isa/*.cpp), each
// compiled with its own -m flags; the table is chosen once at load (dispatch.cpp).
#pragma once
#include <cstdint>

#include "kernels/ops.h"

namespace tg {

// One register tile of a GEMM. A is read in place through its strides, one of which must be 1:
// a_cs == 1 (rows contiguous along k) or a_rs == 1 (a packed sliver, or a transposed view).
// B must be contiguous along its columns; only the tile's valid columns are read, so B needs
// no padding. C is usually row-major (c_cs == 1); any other c_cs is the transposed C of
// gemm.cpp's swapped orientation, written through a stack row.
struct GemmTile {
  int64_t k = 0;
  const float* a = nullptr;
  int64_t a_rs = 0, a_cs = 0;  // A[r, p] = a[r * a_rs + p * a_cs]
  const float* b = nullptr;
  int64_t ldb = 0;  // B[p, j] = b[p * ldb + j]
  float* c = nullptr;
  int64_t c_rs = 0, c_cs = 0;  // C[r, j] = c[r * c_rs + j * c_cs]
  int rows = 0, cols = 0;  // the valid part of the tile; only it is read or written in C
  bool accumulate = false;  // C += A @ B instead of C = A @ B
  // The epilogue, set on the tile's last block of k only: C = relu(C + bias) with the bias per
  // column (bias[j]), or per row (bias[r]) for gemm.cpp's swapped orientation; no bias if null.
  const float* bias = nullptr;
  bool bias_per_row = false;
  bool relu = false;
  // A is a sliver packed by gemm_pack_a_f32 (a_rs == 1, a_cs == gemm_mr), B one packed by
  // gemm_pack_b_f32 (ldb == gemm_nr, zero past cols): the tile reads them with compile-time
  // strides (and B in whole vectors).
  bool packed_a = false, packed_b = false;
};

// One SGD update over contiguous runs (optim.cpp's sgd_step after its checks), PyTorch 1.13's
// _single_tensor_sgd per element: d = ±g (+ wd * p); with momentum, buf = first ? d :
// mom * buf + damp * d and d = nesterov ? d + mom * buf : buf; then p -= lr * d.
struct SgdUpdate {
  float lr = 0, momentum = 0, damp = 1, weight_decay = 0;
  // Whether the options are non-zero as given (doubles): a momentum of 1e-50 is a momentum,
  // though it rounds to a float 0. Without momentum there is no buffer.
  bool has_momentum = false, has_decay = false;
  bool maximize = false, nesterov = false, first_step = false;
};

struct KernelTable {
  const char* name;  // "avx512" | "avx2" | "sse2" | "neon" | "scalar"

  // y[i] = f(x[i]); x and y may alias exactly.
  void (*unary_f32)(UnaryOp op, const float* x, float* y, int64_t n, float p0, float p1);
  // out[i] = a[i] op b[i]; out may alias a or b exactly.
  void (*binary_f32)(BinaryOp op, const float* a, const float* b, float* out, int64_t n, float p0);
  // out[i] = a[i] op s  (scalar on the right).
  void (*binary_f32_vs)(BinaryOp op, const float* a, float s, float* out, int64_t n, float p0);
  // out[i] = s op b[i]  (scalar on the left).
  void (*binary_f32_sv)(BinaryOp op, float s, const float* b, float* out, int64_t n, float p0);

  // Reductions of a contiguous run.
  float (*sum_f32)(const float* x, int64_t n);
  float (*max_f32)(const float* x, int64_t n);  // NaN propagates, -inf for n == 0
  float (*min_f32)(const float* x, int64_t n);
  // acc[i] += x[i] — the column-wise accumulation used when reducing an outer dim.
  void (*accumulate_f32)(float* acc, const float* x, int64_t n);

  // GEMM register tile (gemm_kernels.h): C[rows, cols] (+)= A[rows, k] @ B[k, cols] with the
  // accumulators in registers, rows <= gemm_mr, cols <= gemm_nr, in vectors of gemm_lanes
  // columns. The blocking, packing and threading around it are portable (gemm.cpp).
  int gemm_mr, gemm_nr, gemm_lanes;
  void (*gemm_tile_f32)(const GemmTile& t);
  // GEMM by dot products, for operands both contiguous along k (gemm.cpp chooses it): the same
  // GemmTile with a_cs == 1 and B[p, j] = b[j * ldb + p]; rows <= gemm_dot_rows, cols <=
  // gemm_dot_cols. Each C element is a vector dot product over k, reduced once at the end.
  int gemm_dot_rows, gemm_dot_cols;
  void (*gemm_dot_f32)(const GemmTile& t);

  // p[i], buf[i] updated from g[i] as SgdUpdate says; buf is unused (may be null) without
  // momentum. One pass over the three arrays.
  void (*sgd_f32)(float* p, const float* g, float* buf, int64_t n, const SgdUpdate& u);

  // Softmax over the dim n of a contiguous [outer, n, inner] block (softmax_kernels.h; the
  // checks and threads are softmax.cpp's); log selects logSoftmax. rows: `rows` contiguous
  // rows of n (inner == 1), row r at x + r * n. cols: `cols` adjacent columns of an [n, ld]
  // slab (inner > 1), element (i, j) at x + i * ld + j. y may alias x exactly.
  void (*softmax_rows_f32)(const float* x, float* y, int64_t rows, int64_t n, bool log);
  void (*softmax_cols_f32)(const float* x, float* y, int64_t n, int64_t cols, int64_t ld, bool log);
  // Their backward from the forward's result y and the incoming gradient g, laid out alike:
  // dx = (g - sum(g * y)) * y, or for logSoftmax dx = g - exp(y) * sum(g). dx may alias g.
  void (*softmax_backward_rows_f32)(const float* g, const float* y, float* dx, int64_t rows, int64_t n, bool log);
  void (*softmax_backward_cols_f32)(const float* g, const float* y, float* dx, int64_t n, int64_t cols, int64_t ld,
                                    bool log);

  // The fused attention's softmax steps between its block products (attention_kernels.h; the
  // blocking, masks and threads are attention.cpp's). Filled in by with_attention<V>(...) in
  // each ISA unit, after the table above. off: the block's causal offset (first query - first
  // key; huge for none), key a of the block masked off for query b when a > b + off.
  // cols_online_softmax: one key block of S^T [rows keys, cols queries] (ld apart), m, l, alpha
  // per query: x = s * scale (-inf where masked), m' = max(m, max x), s = exp(x - m'), alpha =
  // exp(m - m'), l = l * alpha + sum, m = m'. rows_probs: s = exp(s * scale - lse[r]) on [rows,
  // cols]. rows_dsoftmax: dp = p * (dp - d[r]) * scale. rows_dot: out[r] = a[r, :n] . b[r, :n].
  void (*attn_cols_online_softmax_f32)(float* s, int64_t ld, int rows, int cols, float scale, int64_t off, float* m,
                                       float* l, float* alpha) = nullptr;
  void (*attn_rows_probs_f32)(float* s, int64_t ld, int rows, int cols, float scale, int64_t off,
                              const float* lse) = nullptr;
  void (*attn_rows_dsoftmax_f32)(float* dp, const float* p, int64_t ld, int rows, int cols, int64_t off,
                                 const float* d, float scale) = nullptr;
  void (*attn_rows_dot_f32)(const float* a, int64_t lda, const float* b, int64_t ldb, int rows, int64_t n,
                            float* out) = nullptr;
  // LayerNorm over `rows` contiguous rows of d >= 1 floats (layernorm_kernels.h; the checks,
  // threads and the chunks of dw / db are layernorm.cpp's). Forward: y [rows, d], mean and rstd
  // [rows]; w, b [d] or null. Backward from g [rows, d], x, mean, rstd, w (or null): dx [rows, d]
  // (or null: not wanted); dw += sum_rows g * x̂ and db += sum_rows g, both [d] (or both null).
  void (*layer_norm_rows_f32)(const float* x, const float* w, const float* b, float* y, float* mean, float* rstd,
                              int64_t rows, int64_t d, double eps) = nullptr;
  void (*layer_norm_backward_rows_f32)(const float* g, const float* x, const float* mean, const float* rstd,
                                       const float* w, float* dx, float* dw, float* db, int64_t rows, int64_t d) = nullptr;
  // GEMM packing (gemm_kernels.h, filled in by with_gemm_packing<Gemm>(...)): the A slivers of
  // `rows` rows (gemm_mr each; sliver s at dst + s * ld, ld >= kc * gemm_mr + gemm_lanes),
  // dst[s * ld + p * gemm_mr + r] = src[(s * gemm_mr + r) * rs + p * cs]; one B sliver,
  // dst[p * gemm_nr + j] = src[p * rs + j * cs] for j < cols, zero up to gemm_nr.
  void (*gemm_pack_a_f32)(const float* src, int64_t rs, int64_t cs, int rows, int64_t kc, float* dst, int64_t ld) = nullptr;
  void (*gemm_pack_b_f32)(const float* src, int64_t rs, int64_t cs, int cols, int64_t kc, float* dst) = nullptr;
};

// Tables each ISA translation unit provides; nullptr where the ISA was not compiled. Each
// returns the address of constant-initialised data, but is itself compiled with its unit's ISA
// flags: only dispatch.cpp calls them, after checking the CPU.
const KernelTable* scalar_kernels();
const KernelTable* avx2_kernels();
const KernelTable* avx512_kernels();
const KernelTable* sse2_kernels();
const KernelTable* neon_kernels();

// The table chosen at load: the best the CPU supports, or the one TG_SIMD names.
const KernelTable& kernels();

// Force a table by name ("avx512", "avx2", "sse2", "neon", "scalar"); false if unsupported here.
bool select_kernels(const char* name);

}  // namespace tg
