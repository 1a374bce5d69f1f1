// gather and its backward, scatter_add, over strided operands: for every position p of the
// index tensor, the element of x at p with coordinate `dim` replaced by index[p]. scatter
// (torch.scatter, replace / add / multiply) writes the other way round.
#include <cstring>
#include <string>

#include "core/checks.h"
#include "tg.h"

namespace tg {
namespace {

// Checks index.shape fits x.shape outside dim, and every index value lies in [0, size(dim)).
Status check_gather(const char* op, const Shape& is, const Shape& xs, int dim, const Operand& index) {
  if (is.ndim != xs.ndim)
    return Status::range(std::string(op) + ": Index tensor must have the same number of dimensions as input tensor");
  if (dim < 0 || dim >= xs.ndim) return Status::range(std::string(op) + ": dim out of range");
  for (int d = 0; d < xs.ndim; ++d)
    if (d != dim && is.size[d] > xs.size[d])
      return Status::range(std::string(op) + ": Size does not match at dimension " + std::to_string(d) +
                           " expected index " + shape_str(is) + " to be smaller than self " + shape_str(xs) +
                           " apart from dimension " + std::to_string(dim));
  if (Status st = check_operand(op, "index", is, index, DType::Int32); !st) return st;
  return Status::ok();
}

// The element offsets of a strided operand at every position of the index shape: `along_dim`
// false leaves dim's term out (the operand gather reads or scatter writes, whose coordinate
// along dim is the index value).
struct Walk {
  const int64_t* stride;
  int64_t offset;
  bool along_dim = true;
};

// Calls f(index_offset, a_offset, b_offset, position) for every position of the index shape,
// in its row-major order (PyTorch's CPU loop order: of repeated scatter targets, the last wins).
template <class F>
void for_each_position(const Shape& is, int dim, Walk index, Walk a, Walk b, F f) {
  const int64_t n = is.numel();
  int64_t coord[kMaxDims] = {};
  for (int64_t p = 0; p < n; ++p) {
    int64_t ii = index.offset, ia = a.offset, ib = b.offset;
    for (int d = 0; d < is.ndim; ++d) {
      ii += coord[d] * index.stride[d];
      if (d != dim || a.along_dim) ia += coord[d] * a.stride[d];
      if (d != dim || b.along_dim) ib += coord[d] * b.stride[d];
    }
    f(ii, ia, ib, p);
    for (int d = is.ndim - 1; d >= 0; --d) {
      if (++coord[d] < is.size[d]) break;
      coord[d] = 0;
    }
  }
}

// Every index value in [0, size), checked before anything is written.
Status check_index_values(const char* op, const Shape& is, const Operand& index, int dim, int64_t size) {
  const int32_t* pi = static_cast<const int32_t*>(index.base);
  const int64_t none[kMaxDims] = {};
  Status bad = Status::ok();
  for_each_position(is, dim, {index.stride, index.offset}, {none, 0}, {none, 0}, [&](int64_t ii, int64_t, int64_t, int64_t) {
    if (bad && (pi[ii] < 0 || pi[ii] >= size))
      bad = Status::range(std::string(op) + ": index " + std::to_string(pi[ii]) + " is out of bounds for dimension " +
                          std::to_string(dim) + " with size " + std::to_string(size));
  });
  return bad;
}

}  // namespace

Status gather(const Shape& is, const Shape& xs, const Operand& x, int dim, const Operand& index, const Operand& out) {
  const char* op = "gather";
  if (Status st = check_shape(op, is); !st) return st;
  if (Status st = check_shape(op, xs); !st) return st;
  if (Status st = check_gather(op, is, xs, dim, index); !st) return st;
  if (Status st = check_operand(op, "input", xs, x, x.dtype); !st) return st;
  if (Status st = check_flat(op, "output", out, is.numel(), x.dtype); !st) return st;
  if (is.numel() == 0) return Status::ok();
  const int32_t* pi = static_cast<const int32_t*>(index.base);
  const int64_t size = xs.size[dim], es = dtype_size(x.dtype);
  if (Status st = check_index_values(op, is, index, dim, size); !st) return st;
  const char* px = static_cast<const char*>(x.base);
  char* po = static_cast<char*>(out.base) + out.offset * es;
  const int64_t none[kMaxDims] = {};
  for_each_position(is, dim, {index.stride, index.offset}, {x.stride, x.offset, false}, {none, 0},
                    [&](int64_t ii, int64_t xo, int64_t, int64_t p) {
                      std::memcpy(po + p * es, px + (xo + pi[ii] * x.stride[dim]) * es, es);
                    });
  return Status::ok();
}

Status scatter_add(const Shape& is, const Shape& os, const Operand& out, int dim, const Operand& index,
                   const Operand& src) {
  const char* op = "scatterAdd";
  if (Status st = check_shape(op, is); !st) return st;
  if (Status st = check_shape(op, os); !st) return st;
  if (Status st = check_gather(op, is, os, dim, index); !st) return st;
  if (Status st = check_operand(op, "output", os, out, DType::Float32); !st) return st;
  if (Status st = check_operand(op, "source", is, src, DType::Float32); !st) return st;
  if (is.numel() == 0) return Status::ok();
  const int32_t* pi = static_cast<const int32_t*>(index.base);
  const int64_t size = os.size[dim];
  if (Status st = check_index_values(op, is, index, dim, size); !st) return st;
  float* po = static_cast<float*>(out.base);
  const float* ps = static_cast<const float*>(src.base);
  for_each_position(is, dim, {index.stride, index.offset}, {out.stride, out.offset, false}, {src.stride, src.offset},
                    [&](int64_t ii, int64_t io, int64_t is_, int64_t) { po[io + pi[ii] * out.stride[dim]] += ps[is_]; });
  return Status::ok();
}

namespace {

template <class T>
void scatter_typed(ScatterReduce mode, const Shape& is, const Operand& out, int dim, const Operand& index,
                   const Operand& src) {
  T* po = static_cast<T*>(out.base);
  const T* ps = static_cast<const T*>(src.base);
  const int32_t* pi = static_cast<const int32_t*>(index.base);
  for_each_position(is, dim, {index.stride, index.offset}, {out.stride, out.offset, false}, {src.stride, src.offset},
                    [&](int64_t ii, int64_t io, int64_t is_, int64_t) {
                      T& o = po[io + pi[ii] * out.stride[dim]];
                      if (mode == ScatterReduce::Assign) o = ps[is_];
                      else if (mode == ScatterReduce::Add) o = T(o + ps[is_]);
                      else o = T(o * ps[is_]);
                    });
}

}  // namespace

Status scatter(ScatterReduce mode, const Shape& is, const Shape& os, const Operand& out, int dim, const Operand& index,
               const Operand& src) {
  const char* op = "scatter";
  if (mode != ScatterReduce::Assign && mode != ScatterReduce::Add && mode != ScatterReduce::Multiply)
    return Status::range("scatter: reduce argument must be either add or multiply.");
  if (Status st = check_shape(op, is); !st) return st;
  if (Status st = check_shape(op, os); !st) return st;
  if (Status st = check_gather(op, is, os, dim, index); !st) return st;
  if (out.dtype == DType::Bool && mode != ScatterReduce::Assign)
    return Status::type("scatter: reduce is not supported for bool tensors");
  if (Status st = check_operand(op, "output", os, out, out.dtype); !st) return st;
  if (Status st = check_operand(op, "source", is, src, out.dtype); !st) return st;
  if (is.numel() == 0) return Status::ok();
  if (Status st = check_index_values(op, is, index, dim, os.size[dim]); !st) return st;
  if (out.dtype == DType::Float32) scatter_typed<float>(mode, is, out, dim, index, src);
  else if (out.dtype == DType::Int32) scatter_typed<uint32_t>(mode, is, out, dim, index, src);  // modulo 2^32
  else scatter_typed<uint8_t>(mode, is, out, dim, index, src);
  return Status::ok();
}

}  // namespace tg
