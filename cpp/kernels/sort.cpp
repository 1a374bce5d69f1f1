// Scans (cumsum, cumprod) and sorting (sort, topk) along one dim, over contiguous operands
// viewed as [outer, n, inner]. A "line" is the n elements x[o, :, i] (stride inner); there are
// outer * inner of them and each is independent, so the work is threaded over lines.
// Semantics are PyTorch 1.13's CPU kernels (aten/src/ATen/native/cpu/ReduceOpsKernel.cpp,
// SortingKernel.cpp, TopKImpl.h).
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <new>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/checks.h"
#include "core/thread_pool.h"
#include "tg.h"

namespace tg {
namespace {

std::string msg(const char* op, const std::string& m) { return std::string(op) + ": " + m; }

// Sizes non-negative and outer * n * inner (and every partial product) within int64.
Status check_lines(const char* op, const LineShape& s) {
  Shape sh;
  sh.ndim = 3;
  sh.size[0] = s.outer;
  sh.size[1] = s.n;
  sh.size[2] = s.inner;
  return check_shape(op, sh);
}

int64_t numel(const LineShape& s) { return s.outer * s.n * s.inner; }

// Whether the `count` elements of a from a.offset share any byte with those of b. Outputs may
// not overlap inputs (or each other) except where a kernel says so: threads over lines would
// otherwise read what another has written.
bool overlap(const Operand& a, int64_t na, const Operand& b, int64_t nb) {
  if (na == 0 || nb == 0 || !a.base || !b.base) return false;
  const auto lo_a = reinterpret_cast<uintptr_t>(a.base) + static_cast<uintptr_t>(a.offset * dtype_size(a.dtype));
  const auto lo_b = reinterpret_cast<uintptr_t>(b.base) + static_cast<uintptr_t>(b.offset * dtype_size(b.dtype));
  const auto hi_a = lo_a + static_cast<uintptr_t>(na * dtype_size(a.dtype));
  const auto hi_b = lo_b + static_cast<uintptr_t>(nb * dtype_size(b.dtype));
  return lo_a < hi_b && lo_b < hi_a;
}

// Exactly the same elements: a line kernel that reads its whole line before writing it may
// then run in place.
bool same_view(const Operand& a, const Operand& b) {
  return a.base == b.base && a.offset == b.offset && a.dtype == b.dtype;
}

Status check_float_or_int(const char* op, const Operand& x) {
  if (x.dtype != DType::Float32 && x.dtype != DType::Int32)
    return Status::type(msg(op, std::string("input must be float32 or int32, got ") + dtype_name(x.dtype)));
  return Status::ok();
}

// Lines per task so that one task touches at least ~32k elements.
int64_t line_grain(int64_t n) { return std::max<int64_t>(1, 32768 / std::max<int64_t>(n, 1)); }

// ---- scans -----------------------------------------------------------------------------
// PyTorch 1.13 accumulates in at::acc_type<scalar_t, /*is_cuda=*/false>: double for float,
// int64 for int32, and rounds the running value to the output type at every step. int32 is
// done modulo 2^32 in uint32 (the same low bits as int64 then a cast, without signed overflow).
// The reversed scan (the backward of cumsum: flip, cumsum, flip) walks each line from n-1 down.
template <class T, class Acc, bool Prod>
void scan_lines(const LineShape& s, const T* x, T* out, bool reverse) {
  // Lines of one outer index are walked together, a block of inner positions at a time, so the
  // loads are contiguous; each line still sees the exact sequential order of PyTorch's loop.
  constexpr int64_t kBlock = 256;
  const int64_t blocks = (s.inner + kBlock - 1) / kBlock;
  parallel_for(s.outer * blocks, std::max<int64_t>(1, 16384 / std::max<int64_t>(s.n * kBlock, 1)),
               [&](int64_t b, int64_t e) {
    Acc acc[kBlock];
    for (int64_t t = b; t < e; ++t) {
      const int64_t o = t / blocks, i0 = (t % blocks) * kBlock, w = std::min(kBlock, s.inner - i0);
      for (int64_t j = 0; j < w; ++j) acc[j] = Prod ? Acc(1) : Acc(0);
      for (int64_t r = 0; r < s.n; ++r) {
        const int64_t row = reverse ? s.n - 1 - r : r;
        const int64_t base = (o * s.n + row) * s.inner + i0;
        for (int64_t j = 0; j < w; ++j) {
          if constexpr (Prod) acc[j] *= static_cast<Acc>(x[base + j]);
          else acc[j] += static_cast<Acc>(x[base + j]);
          out[base + j] = static_cast<T>(acc[j]);
        }
      }
    }
  });
}

// cumprod's backward without division, so exact where x has zeros (PyTorch's
// cumprod_backward gets the same values by masking around the first zero): with
// y_j = prod_{i <= j} x_i, dx_k = sum_{j >= k} g_j prod_{i <= j, i != k} x_i = E_k S_k, where
// E_k = prod_{i < k} x_i and S_k = g_k + x_{k+1} S_{k+1} (S_{n-1} = g_{n-1}). One pass from the
// end writes S (in double, rounded into dx), one from the start multiplies by E (in double).
void cumprod_backward_lines(const LineShape& s, const float* x, const float* g, float* dx) {
  constexpr int64_t kBlock = 256;
  const int64_t blocks = (s.inner + kBlock - 1) / kBlock;
  parallel_for(s.outer * blocks, std::max<int64_t>(1, 8192 / std::max<int64_t>(s.n * kBlock, 1)),
               [&](int64_t b, int64_t e) {
    double acc[kBlock];
    for (int64_t t = b; t < e; ++t) {
      const int64_t o = t / blocks, i0 = (t % blocks) * kBlock, w = std::min(kBlock, s.inner - i0);
      for (int64_t j = 0; j < w; ++j) acc[j] = 0.0;
      for (int64_t r = s.n - 1; r >= 0; --r) {
        const int64_t base = (o * s.n + r) * s.inner + i0, next = base + s.inner;
        for (int64_t j = 0; j < w; ++j) {
          acc[j] = static_cast<double>(g[base + j]) + (r + 1 < s.n ? static_cast<double>(x[next + j]) * acc[j] : 0.0);
          dx[base + j] = static_cast<float>(acc[j]);
        }
      }
      for (int64_t j = 0; j < w; ++j) acc[j] = 1.0;
      for (int64_t r = 0; r < s.n; ++r) {
        const int64_t base = (o * s.n + r) * s.inner + i0;
        for (int64_t j = 0; j < w; ++j) {
          dx[base + j] = static_cast<float>(acc[j] * static_cast<double>(dx[base + j]));
          acc[j] *= static_cast<double>(x[base + j]);
        }
      }
    }
  });
}

// ---- comparisons -----------------------------------------------------------------------
// NaN is the largest value (PyTorch's KeyValueCompAsc / KeyValueCompDesc and topk's lambdas);
// all NaNs are equivalent, as are -0 and +0: a strict weak order, so stable results are unique.
template <class T>
bool is_nan(T v) {
  if constexpr (std::is_floating_point_v<T>) return std::isnan(v);
  else return false;
}
template <class T>
struct Less {
  bool operator()(T a, T b) const { return (!is_nan(a) && is_nan(b)) || a < b; }
};
template <class T>
struct Greater {
  bool operator()(T a, T b) const { return (is_nan(a) && !is_nan(b)) || a > b; }
};

template <class T>
struct Item {
  T v;
  int32_t i;
};

// Runs fn(begin, end, scratch) over the lines in parallel; a task's scratch vector is allocated
// once. An allocation failure is caught (fn must not throw across the pool) and reported.
template <class T, class F>
Status for_lines(const char* op, const LineShape& s, F&& fn) {
  std::atomic<bool> oom{false};
  parallel_for(s.outer * s.inner, line_grain(s.n), [&](int64_t b, int64_t e) {
    try {
      std::vector<Item<T>> scratch(static_cast<size_t>(s.n));
      fn(b, e, scratch);
    } catch (const std::bad_alloc&) {
      oom.store(true, std::memory_order_relaxed);
    }
  });
  if (oom.load()) return Status::range(msg(op, "out of memory for " + std::to_string(s.n) + " elements per line"));
  return Status::ok();
}

template <class T>
Status sort_typed(const LineShape& s, const T* x, bool descending, T* values, int32_t* indices) {
  return for_lines<T>("sort", s, [&](int64_t b, int64_t e, std::vector<Item<T>>& q) {
    for (int64_t line = b; line < e; ++line) {
      const int64_t o = line / s.inner, i = line % s.inner, base = o * s.n * s.inner + i;
      for (int64_t j = 0; j < s.n; ++j) q[j] = {x[base + j * s.inner], static_cast<int32_t>(j)};
      if (descending)
        std::stable_sort(q.begin(), q.end(), [](const Item<T>& a, const Item<T>& c) { return Greater<T>()(a.v, c.v); });
      else
        std::stable_sort(q.begin(), q.end(), [](const Item<T>& a, const Item<T>& c) { return Less<T>()(a.v, c.v); });
      for (int64_t j = 0; j < s.n; ++j) {
        values[base + j * s.inner] = q[j].v;
        indices[base + j * s.inner] = q[j].i;
      }
    }
  });
}

// PyTorch 1.13's topk_impl_loop step for step (the same standard algorithms with the same
// comparators on the same sequence), so that ties come out in the order torch.topk gives on CPU
// with libstdc++: partial_sort when k * 64 <= n, else nth_element at k - 1 and, when sorted,
// a sort of the first k - 1 (the k-th is already in place).
template <class T>
Status topk_typed(const LineShape& s, const T* x, int64_t k, bool largest, bool sorted, T* values, int32_t* indices) {
  if (k == 0) return Status::ok();
  const int64_t out_n = k;
  return for_lines<T>("topk", s, [&](int64_t b, int64_t e, std::vector<Item<T>>& q) {
    auto run = [&](auto cmp) {
      for (int64_t line = b; line < e; ++line) {
        const int64_t o = line / s.inner, i = line % s.inner;
        const int64_t in_base = o * s.n * s.inner + i, out_base = o * out_n * s.inner + i;
        for (int64_t j = 0; j < s.n; ++j) q[j] = {x[in_base + j * s.inner], static_cast<int32_t>(j)};
        if (k * 64 <= s.n) {
          std::partial_sort(q.begin(), q.begin() + k, q.end(), cmp);
        } else {
          std::nth_element(q.begin(), q.begin() + k - 1, q.end(), cmp);
          if (sorted) std::sort(q.begin(), q.begin() + k - 1, cmp);
        }
        for (int64_t j = 0; j < k; ++j) {
          values[out_base + j * s.inner] = q[j].v;
          indices[out_base + j * s.inner] = q[j].i;
        }
      }
    };
    if (largest) run([](const Item<T>& a, const Item<T>& c) { return Greater<T>()(a.v, c.v); });
    else run([](const Item<T>& a, const Item<T>& c) { return Less<T>()(a.v, c.v); });
  });
}

// The checks sort and topk share: input float32/int32 [outer, n, inner]; values (x's dtype) and
// indices (int32) [outer, m, inner] with m = n (sort) or k (topk), disjoint from x and each
// other — except that sort's values may be x itself (each line is read whole before written).
Status check_sorting(const char* op, const LineShape& s, int64_t m, const Operand& x, const Operand& values,
                     const Operand& indices, bool values_may_alias_x) {
  if (Status st = check_lines(op, s); !st) return st;
  if (s.n > INT32_MAX) return Status::range(msg(op, "dim size " + std::to_string(s.n) + " does not fit int32 indices"));
  if (Status st = check_float_or_int(op, x); !st) return st;
  const int64_t in_n = numel(s), out_n = s.outer * m * s.inner;
  if (Status st = check_flat(op, "input", x, in_n, x.dtype); !st) return st;
  if (Status st = check_flat(op, "values", values, out_n, x.dtype); !st) return st;
  if (Status st = check_flat(op, "indices", indices, out_n, DType::Int32); !st) return st;
  if (overlap(values, out_n, x, in_n) && !(values_may_alias_x && same_view(values, x)))
    return Status::range(msg(op, "values must not overlap the input"));
  if (overlap(indices, out_n, x, in_n)) return Status::range(msg(op, "indices must not overlap the input"));
  if (overlap(indices, out_n, values, out_n)) return Status::range(msg(op, "indices must not overlap values"));
  return Status::ok();
}

template <class T>
T* at(const Operand& o) {
  return static_cast<T*>(o.base) + o.offset;
}

}  // namespace

Status scan(ScanOp op, const LineShape& s, const Operand& x, const Operand& out, bool reverse) {
  const char* name = op == ScanOp::Sum ? "cumsum" : "cumprod";
  if (Status st = check_lines(name, s); !st) return st;
  if (Status st = check_float_or_int(name, x); !st) return st;
  const int64_t n = numel(s);
  if (Status st = check_flat(name, "input", x, n, x.dtype); !st) return st;
  if (Status st = check_flat(name, "output", out, n, x.dtype); !st) return st;
  // In place is fine (each element is read once, just before the same position is written);
  // any other overlap is not.
  if (overlap(out, n, x, n) && !same_view(out, x)) return Status::range(msg(name, "output must not overlap the input"));
  if (n == 0) return Status::ok();
  if (x.dtype == DType::Float32) {
    if (op == ScanOp::Sum) scan_lines<float, double, false>(s, at<const float>(x), at<float>(out), reverse);
    else scan_lines<float, double, true>(s, at<const float>(x), at<float>(out), reverse);
  } else {
    // Signed int32 viewed as uint32: the same bits, arithmetic modulo 2^32.
    if (op == ScanOp::Sum) scan_lines<uint32_t, uint32_t, false>(s, at<const uint32_t>(x), at<uint32_t>(out), reverse);
    else scan_lines<uint32_t, uint32_t, true>(s, at<const uint32_t>(x), at<uint32_t>(out), reverse);
  }
  return Status::ok();
}

Status cumprod_backward(const LineShape& s, const Operand& x, const Operand& grad, const Operand& dx) {
  const char* name = "cumprod.backward";
  if (Status st = check_lines(name, s); !st) return st;
  const int64_t n = numel(s);
  if (Status st = check_flat(name, "input", x, n, DType::Float32); !st) return st;
  if (Status st = check_flat(name, "grad", grad, n, DType::Float32); !st) return st;
  if (Status st = check_flat(name, "grad_input", dx, n, DType::Float32); !st) return st;
  if (overlap(dx, n, x, n) || overlap(dx, n, grad, n))
    return Status::range(msg(name, "grad_input must not overlap the input or the gradient"));
  if (n == 0) return Status::ok();
  cumprod_backward_lines(s, at<const float>(x), at<const float>(grad), at<float>(dx));
  return Status::ok();
}

Status sort_lines(const LineShape& s, const Operand& x, bool descending, const Operand& values,
                  const Operand& indices) {
  if (Status st = check_sorting("sort", s, s.n, x, values, indices, true); !st) return st;
  if (numel(s) == 0) return Status::ok();
  if (x.dtype == DType::Float32) return sort_typed(s, at<const float>(x), descending, at<float>(values), at<int32_t>(indices));
  return sort_typed(s, at<const int32_t>(x), descending, at<int32_t>(values), at<int32_t>(indices));
}

Status topk_lines(const LineShape& s, const Operand& x, int64_t k, bool largest, bool sorted, const Operand& values,
                  const Operand& indices) {
  if (Status st = check_lines("topk", s); !st) return st;
  if (k < 0 || k > s.n) return Status::range("topk: selected index k out of range (k = " + std::to_string(k) +
                                             ", dim size " + std::to_string(s.n) + ")");
  if (Status st = check_sorting("topk", s, k, x, values, indices, false); !st) return st;
  if (s.outer * k * s.inner == 0) return Status::ok();
  if (x.dtype == DType::Float32)
    return topk_typed(s, at<const float>(x), k, largest, sorted, at<float>(values), at<int32_t>(indices));
  return topk_typed(s, at<const int32_t>(x), k, largest, sorted, at<int32_t>(values), at<int32_t>(indices));
}

}  // namespace tg
