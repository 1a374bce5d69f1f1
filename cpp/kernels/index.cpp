// index_select and its backward, index_add, over contiguous operands viewed as
// [outer, size along dim, inner].
#include <string>

#include "core/checks.h"
#include "core/thread_pool.h"
#include "tg.h"

namespace tg {
namespace {

struct Frame {
  int64_t outer = 1, size = 0, inner = 1;
};

Status frame_of(const char* op, const Shape& s, int dim, Frame* f) {
  if (Status st = check_shape(op, s); !st) return st;
  if (dim < 0 || dim >= s.ndim) return Status::range(std::string(op) + ": dim " + std::to_string(dim) + " out of range");
  for (int d = 0; d < dim; ++d) f->outer *= s.size[d];
  f->size = s.size[dim];
  for (int d = dim + 1; d < s.ndim; ++d) f->inner *= s.size[d];
  return Status::ok();
}

Status check_indices(const char* op, const Operand& idx, int64_t n, int64_t size, int dim) {
  if (Status st = check_flat(op, "index", idx, n, DType::Int32); !st) return st;
  const int32_t* p = static_cast<const int32_t*>(idx.base) + idx.offset;
  // PyTorch's index_select / index_add / embedding take no negative index ("index out of range
  // in self"), unlike advanced indexing.
  for (int64_t i = 0; i < n; ++i)
    if (p[i] < 0 || p[i] >= size)
      return Status::range(std::string(op) + ": index " + std::to_string(p[i]) + " is out of bounds for dimension " +
                           std::to_string(dim) + " with size " + std::to_string(size));
  return Status::ok();
}

template <class T>
void select_rows(const T* x, const int32_t* idx, const Frame& f, int64_t n, T* out) {
  for (int64_t o = 0; o < f.outer; ++o)
    for (int64_t i = 0; i < n; ++i) {
      const T* src = x + (o * f.size + idx[i]) * f.inner;
      T* dst = out + (o * n + i) * f.inner;
      for (int64_t k = 0; k < f.inner; ++k) dst[k] = src[k];
    }
}

}  // namespace

Status index_select(const Shape& s, const Operand& x, int dim, const Operand& indices, int64_t n,
                    const Operand& out) {
  const char* op = "indexSelect";
  Frame f;
  if (Status st = frame_of(op, s, dim, &f); !st) return st;
  if (n < 0) return Status::range("indexSelect: negative index count");
  if (Status st = check_flat(op, "input", x, s.numel(), x.dtype); !st) return st;
  if (Status st = check_flat(op, "output", out, f.outer * n * f.inner, x.dtype); !st) return st;
  if (Status st = check_indices(op, indices, n, f.size, dim); !st) return st;
  const int32_t* idx = static_cast<const int32_t*>(indices.base) + indices.offset;
  if (x.dtype == DType::Bool)
    select_rows(static_cast<const uint8_t*>(x.base) + x.offset, idx, f, n, static_cast<uint8_t*>(out.base) + out.offset);
  else
    select_rows(static_cast<const int32_t*>(x.base) + x.offset, idx, f, n, static_cast<int32_t*>(out.base) + out.offset);
  return Status::ok();
}

Status index_add(const Shape& s, const Operand& out, int dim, const Operand& indices, int64_t n,
                 const Operand& src) {
  const char* op = "indexAdd";
  Frame f;
  if (Status st = frame_of(op, s, dim, &f); !st) return st;
  if (n < 0) return Status::range("indexAdd: negative index count");
  if (Status st = check_flat(op, "output", out, s.numel(), DType::Float32); !st) return st;
  if (Status st = check_flat(op, "source", src, f.outer * n * f.inner, DType::Float32); !st) return st;
  if (Status st = check_indices(op, indices, n, f.size, dim); !st) return st;
  const int32_t* idx = static_cast<const int32_t*>(indices.base) + indices.offset;
  float* po = static_cast<float*>(out.base) + out.offset;
  const float* ps = static_cast<const float*>(src.base) + src.offset;
  // Parallel over outer only: repeated indices add into the same row within one task.
  parallel_for(f.outer, 1, [&](int64_t b, int64_t e) {
    for (int64_t o = b; o < e; ++o)
      for (int64_t i = 0; i < n; ++i) {
        float* dst = po + (o * f.size + idx[i]) * f.inner;
        const float* s_row = ps + (o * n + i) * f.inner;
        for (int64_t k = 0; k < f.inner; ++k) dst[k] += s_row[k];
      }
  });
  return Status::ok();
}

}  // namespace tg
