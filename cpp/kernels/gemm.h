// One strided GEMM, C (+)= A @ B (then + bias, relu), for the matmul driver (matmul.cpp) and bench/gemm/.
#pragma once
#include <cstdint>

#include "kernels/isa_table.h"

namespace tg {

struct GemmArgs {
  int64_t M = 0, N = 0, K = 0;
  const float* a = nullptr;  // A[i, p] = a[i * a_rs + p * a_cs]   [M, K]
  int64_t a_rs = 0, a_cs = 0;
  const float* b = nullptr;  // B[p, j] = b[p * b_rs + j * b_cs]   [K, N]
  int64_t b_rs = 0, b_cs = 0;
  float* c = nullptr;  // C[i, j] = c[i * c_rs + j * c_cs]         [M, N]
  int64_t c_rs = 0, c_cs = 0;
  bool accumulate = false;
  // Epilogue on C's final value: C = relu(C + bias), bias[j] per column (per row when
  // bias_per_row); no bias if null.
  const float* bias = nullptr;
  bool bias_per_row = false;
  bool relu = false;
};

// Runs on up to `threads` threads of the pool (1: on the caller only). False only when the
// packing scratch could not be allocated; C is then partly written.
bool gemm_f32(const KernelTable& kt, const GemmArgs& g, int threads);

}  // namespace tg
