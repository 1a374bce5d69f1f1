// The per-ISA kernel table: contiguous inner loops only. Strides, broadcasting and
// threading live in the portable drivers (elementwise.cpp, reduce.cpp, matmul.cpp), which
// call these on contiguous runs. One table per ISA translation unit (cpp/isa/*.cpp), each
// compiled with its own -m flags; the table is chosen once at load (dispatch.cpp).
#pragma once
#include <cstdint>

#include "kernels/ops.h"

namespace tg {

struct KernelTable {
  const char* name;  // "avx512" | "avx2" | "neon" | "scalar"

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

  // C[m, n] (+)= sum_k A[m, k] * B[k, n] for row-major contiguous A (lda), packed B (ldb),
  // C (ldc). The GEMM driver (matmul.cpp) packs strided operands into this layout.
  void (*gemm_f32)(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B,
                   int64_t ldb, float* C, int64_t ldc, bool accumulate);
};

// Tables each ISA translation unit provides; nullptr where the ISA was not compiled.
const KernelTable* scalar_kernels();
const KernelTable* avx2_kernels();
const KernelTable* avx512_kernels();
const KernelTable* neon_kernels();

// The table chosen at load: the best the CPU supports, or the one TG_SIMD names.
const KernelTable& kernels();

// Force a table by name ("avx512", "avx2", "neon", "scalar"); false if unsupported here.
bool select_kernels(const char* name);

}  // namespace tg
