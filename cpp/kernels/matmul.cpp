// Batched, strided matmul: C[b] (+)= A[b] @ B[b], each batch index one strided GEMM (gemm.cpp,
// which packs whatever the strides are, so transposed views cost nothing extra). Threads split
// the batch when it has enough matrices, else each GEMM splits its C.
#include <algorithm>
#include <atomic>

#include "core/checks.h"
#include "core/thread_pool.h"
#include "kernels/gemm.h"
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

// The GEMM of batch index b: A and B through their strides, C dense [M, N].
GemmArgs batch_gemm(const MatmulArgs& a, const float* A, const float* B, const float* bias, float* C, int64_t b) {
  GemmArgs g;
  g.M = a.M;
  g.N = a.N;
  g.K = a.K;
  // With K == 0, A and B are empty: check_operand accepted any offset and base (null for an
  // empty typed array), so no pointer is formed into them; the GEMM reads neither.
  if (a.K > 0) {
    g.a = A + batch_offset(a.batch, a.a, b);
    g.b = B + batch_offset(a.batch, a.b, b);
  }
  g.a_rs = a.a_row;
  g.a_cs = a.a_col;
  g.b_rs = a.b_row;
  g.b_cs = a.b_col;
  g.c = C + b * a.M * a.N;
  g.c_rs = a.N;
  g.c_cs = 1;
  g.accumulate = a.accumulate;
  g.bias = bias;
  g.relu = a.relu;
  return g;
}

}  // namespace

namespace {

Status check_matmul(const MatmulArgs& a) {
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
  if (Status st = check_dense(op, "output", sc, a.c, DType::Float32); !st) return st;
  // The bias is contiguous [N]; its own offset and dtype are checked like any operand's.
  if (a.has_bias)
    if (Status st = check_flat(op, "bias", a.bias, a.N, DType::Float32); !st) return st;
  return Status::ok();
}

}  // namespace

Status matmul_f32(const MatmulArgs& a, Validate validate) {
  if (validate == Validate::Yes)
    if (Status st = check_matmul(a); !st) return st;
  const int64_t batches = a.batch.numel();
  if (batches == 0 || a.M == 0 || a.N == 0) return Status::ok();

  float* C = static_cast<float*>(a.c.base) + a.c.offset;
  const float* bias = a.has_bias ? static_cast<const float*>(a.bias.base) + a.bias.offset : nullptr;
  const KernelTable& kt = kernels();
  if (a.K == 0) {
    // C = 0 (or C += 0), then the epilogue, batch by batch.
    for (int64_t b = 0; b < batches; ++b) gemm_f32(kt, batch_gemm(a, nullptr, nullptr, bias, C, b), 1);
    return Status::ok();
  }

  const float* A = static_cast<const float*>(a.a.base);
  const float* B = static_cast<const float*>(a.b.base);
  const int threads = num_threads();
  std::atomic<bool> ok{true};
  if (batches >= threads && batches > 1) {
    // Enough matrices to keep every thread busy: one task per run of batches, each GEMM on
    // one thread (no splitting of C, so no packing is repeated across threads).
    // In double: a broadcast operand's K is not bounded by its buffer, so M * N * K can overflow.
    const double macs = double(a.M) * double(a.N) * double(a.K);
    const int64_t grain = macs >= 65536 ? 1 : int64_t(65536 / std::max(macs, 1.0));
    parallel_for(batches, grain, [&](int64_t b0, int64_t b1) {
      for (int64_t b = b0; b < b1; ++b)
        if (!gemm_f32(kt, batch_gemm(a, A, B, bias, C, b), 1)) ok = false;
    });
  } else {
    for (int64_t b = 0; b < batches; ++b)
      if (!gemm_f32(kt, batch_gemm(a, A, B, bias, C, b), threads)) ok = false;
  }
  if (!ok) return Status::range("matmul: out of memory for the packing buffers");
  return Status::ok();
}

}  // namespace tg
