// The strided, broadcasting iterator every elementwise driver uses. It coalesces dims, then
// hands out inner runs: for run r, a base offset per operand plus the run's length and each
// operand's inner stride. Callers treat stride-1 (and stride-0 broadcast) runs with the
// contiguous kernels, and gather/scatter the rest through a small stack buffer.
#pragma once
#include <cstdint>

#include "core/types.h"

namespace tg {

// Only the first ndim entries of size and stride are set (and ever read): zeroing the rest cost
// more than the whole iteration of a small tensor's op.
template <int N>
struct RunPlan {
  int ndim = 0;                 // coalesced dims, the last is the inner run
  int64_t size[kMaxDims];
  int64_t stride[N][kMaxDims];
  int64_t offset[N] = {};
  int64_t inner() const { return ndim ? size[ndim - 1] : 1; }
  int64_t inner_stride(int k) const { return ndim ? stride[k][ndim - 1] : 0; }
  int64_t runs() const {
    int64_t r = 1;
    for (int i = 0; i + 1 < ndim; ++i) r *= size[i];
    return r;
  }
  // Element offsets of run r for every operand.
  void run_offsets(int64_t r, int64_t* out) const {
    for (int k = 0; k < N; ++k) out[k] = offset[k];
    for (int d = ndim - 2; d >= 0; --d) {
      int64_t i = r % size[d];
      r /= size[d];
      for (int k = 0; k < N; ++k) out[k] += i * stride[k][d];
    }
  }
};

template <int N>
RunPlan<N> plan_runs(const Shape& s, const Operand* const ops[N]) {
  RunPlan<N> p;
  for (int k = 0; k < N; ++k) p.offset[k] = ops[k]->offset;
  for (int d = 0; d < s.ndim; ++d) {
    if (s.size[d] == 1) continue;  // size-1 dims never move the pointer
    bool merge = p.ndim > 0;
    for (int k = 0; k < N && merge; ++k)
      merge = p.stride[k][p.ndim - 1] == ops[k]->stride[d] * s.size[d];
    if (merge) {
      p.size[p.ndim - 1] *= s.size[d];
      for (int k = 0; k < N; ++k) p.stride[k][p.ndim - 1] = ops[k]->stride[d];
    } else {
      p.size[p.ndim] = s.size[d];
      for (int k = 0; k < N; ++k) p.stride[k][p.ndim] = ops[k]->stride[d];
      ++p.ndim;
    }
  }
  return p;
}

// Elements per task before a loop is worth splitting across threads.
constexpr int64_t kParallelGrain = 1 << 15;

}  // namespace tg
