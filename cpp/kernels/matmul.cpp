// Batched, strided GEMM driver: C[b] (+)= A[b] @ B[b]. Operands whose inner dim is not
// contiguous (a transposed view) are packed into a contiguous scratch panel first, so the
// ISA kernel always sees row-major A and B. Threads split the batch, or the rows of C.
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "core/checks.h"
#include "core/thread_pool.h"
#include "kernels/isa_table.h"
#include "tg.h"

namespace tg {
namespace {

Shape with_matrix(const Shape& batch, int64_t r, int64_t c) {
  Shape s = batch;
  s.size[s.ndim++] = r;
  s.size[s.ndim++] = c;
  return s;
}

Operand with_matrix_strides(const Operand& o, int batch_ndim, int64_t rs, int64_t cs) {
  Operand r = o;
  r.stride[batch_ndim] = rs;
  r.stride[batch_ndim + 1] = cs;
  return r;
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

// Copies a strided rows x cols matrix into a dense row-major buffer.
void pack(const float* src, int64_t rows, int64_t cols, int64_t rs, int64_t cs, float* dst) {
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) dst[i * cols + j] = src[i * rs + j * cs];
}

void one_matmul(const KernelTable& kt, const MatmulArgs& a, const float* A, const float* B, float* C,
                int64_t row_begin, int64_t row_end, std::vector<float>& scratch_a, std::vector<float>& scratch_b) {
  const int64_t M = row_end - row_begin, N = a.N, K = a.K;
  if (M <= 0 || N == 0) return;
  float* c = C + row_begin * N;
  if (K == 0) {
    if (!a.accumulate) std::fill(c, c + M * N, 0.0f);
    return;
  }
  const float* pa = A + row_begin * a.a_row;
  int64_t lda = a.a_row;
  if (a.a_col != 1) {
    scratch_a.resize(M * K);
    pack(pa, M, K, a.a_row, a.a_col, scratch_a.data());
    pa = scratch_a.data();
    lda = K;
  }
  const float* pb = B;
  int64_t ldb = a.b_row;
  if (a.b_col != 1) {
    scratch_b.resize(K * N);
    pack(B, K, N, a.b_row, a.b_col, scratch_b.data());
    pb = scratch_b.data();
    ldb = N;
  }
  kt.gemm_f32(M, N, K, pa, lda, pb, ldb, c, N, a.accumulate);
}

}  // namespace

Status matmul_f32(const MatmulArgs& a) {
  const char* op = "matmul";
  if (a.batch.ndim > kMaxDims - 2) return Status::range("matmul: too many batch dims");
  if (a.M < 0 || a.N < 0 || a.K < 0) return Status::range("matmul: negative matrix size");
  const Shape sa = with_matrix(a.batch, a.M, a.K), sb = with_matrix(a.batch, a.K, a.N),
              sc = with_matrix(a.batch, a.M, a.N);
  for (const Shape* s : {&sa, &sb, &sc})
    if (Status st = check_shape(op, *s); !st) return st;
  const int bn = a.batch.ndim;
  const Operand oa = with_matrix_strides(a.a, bn, a.a_row, a.a_col);
  const Operand ob = with_matrix_strides(a.b, bn, a.b_row, a.b_col);
  if (Status st = check_operand(op, "first input", sa, oa, DType::Float32); !st) return st;
  if (Status st = check_operand(op, "second input", sb, ob, DType::Float32); !st) return st;
  // C is dense row-major [batch..., M, N].
  Operand oc = a.c;
  {
    int64_t st = 1;
    for (int d = sc.ndim - 1; d >= 0; --d) {
      oc.stride[d] = st;
      st *= sc.size[d];
    }
  }
  if (Status st = check_operand(op, "output", sc, oc, DType::Float32); !st) return st;
  const int64_t batches = a.batch.numel();
  if (batches == 0 || a.M == 0 || a.N == 0) return Status::ok();

  float* C = static_cast<float*>(a.c.base) + a.c.offset;
  if (a.K == 0) {
    // A and B are empty, so check_operand accepted any offset and base (null for an empty typed
    // array): forming pointers into them would be undefined. C = 0, or C += 0.
    if (!a.accumulate) std::fill(C, C + batches * a.M * a.N, 0.0f);
    return Status::ok();
  }

  const KernelTable& kt = kernels();
  const float* A = static_cast<const float*>(a.a.base);
  const float* B = static_cast<const float*>(a.b.base);
  const int64_t flops = a.M * a.N * a.K;
  if (batches > 1) {
    const int64_t grain = std::max<int64_t>(1, (1 << 16) / std::max<int64_t>(flops, 1));
    parallel_for(batches, grain, [&](int64_t b0, int64_t b1) {
      std::vector<float> sa_buf, sb_buf;
      for (int64_t b = b0; b < b1; ++b)
        one_matmul(kt, a, A + batch_offset(a.batch, a.a, b), B + batch_offset(a.batch, a.b, b),
                   C + b * a.M * a.N, 0, a.M, sa_buf, sb_buf);
    });
    return Status::ok();
  }
  const float* A0 = A + a.a.offset;
  const float* B0 = B + a.b.offset;
  // Rows per task: enough work to pay for a wake-up, in multiples of the 4-row micro-tile.
  const int64_t rows_grain = std::max<int64_t>(4, ((1 << 17) / std::max<int64_t>(a.N * a.K, 1) + 3) / 4 * 4);
  const int64_t tiles = (a.M + rows_grain - 1) / rows_grain;
  parallel_for(tiles, 1, [&](int64_t t0, int64_t t1) {
    std::vector<float> sa_buf, sb_buf;
    one_matmul(kt, a, A0, B0, C, t0 * rows_grain, std::min(a.M, t1 * rows_grain), sa_buf, sb_buf);
  });
  return Status::ok();
}

}  // namespace tg
