#include "core/checks.h"

namespace tg {

std::string shape_str(const Shape& s) {
  std::string r = "[";
  for (int i = 0; i < s.ndim; ++i) {
    if (i) r += ", ";
    r += std::to_string(s.size[i]);
  }
  return r + "]";
}

Status check_shape(const char* op, const Shape& s) {
  if (s.ndim < 0 || s.ndim > kMaxDims)
    return Status::range(std::string(op) + ": tensors may have at most " + std::to_string(kMaxDims) +
                         " dims, got " + std::to_string(s.ndim));
  // The product of the non-zero sizes must fit, not only numel: kernels take numel of parts of
  // a shape (the kept dims of a reduction, the frame around an index dim, a matmul's [M, N]),
  // and in [0, 2^40, 2^40] numel is 0 while the part [2^40, 2^40] overflows int64.
  int64_t n = 1;
  for (int i = 0; i < s.ndim; ++i) {
    if (s.size[i] < 0) return Status::range(std::string(op) + ": negative size in shape " + shape_str(s));
    if (s.size[i] == 0) continue;
    if (n > INT64_MAX / s.size[i])
      return Status::range(std::string(op) + ": shape " + shape_str(s) + " has too many elements");
    n *= s.size[i];
  }
  return Status::ok();
}

Status check_operand(const char* op, const char* what, const Shape& s, const Operand& o, DType want) {
  if (o.dtype != want)
    return Status::type(std::string(op) + ": " + what + " must be " + dtype_name(want) + ", got " +
                        dtype_name(o.dtype));
  if (s.numel() == 0) return Status::ok();
  if (o.base == nullptr) return Status::range(std::string(op) + ": " + what + " has no storage (disposed?)");
  // Lowest and highest element index reachable; __int128 keeps the arithmetic overflow-free.
  __int128 lo = o.offset, hi = o.offset;
  for (int i = 0; i < s.ndim; ++i) {
    __int128 span = static_cast<__int128>(s.size[i] - 1) * o.stride[i];
    if (span < 0) lo += span; else hi += span;
  }
  if (lo < 0 || hi >= o.capacity)
    return Status::range(std::string(op) + ": " + what + " view of shape " + shape_str(s) +
                         " reaches outside its storage of " + std::to_string(o.capacity) + " elements");
  return Status::ok();
}

Status check_flat(const char* op, const char* what, const Operand& o, int64_t n, DType want) {
  Shape s;
  s.ndim = 1;
  s.size[0] = n;
  Operand flat = o;
  flat.stride[0] = 1;
  return check_operand(op, what, s, flat, want);
}

Status check_dense(const char* op, const char* what, const Shape& s, const Operand& o, DType want) {
  Operand dense = o;
  int64_t stride = 1;
  for (int d = s.ndim - 1; d >= 0; --d) {
    dense.stride[d] = stride;
    stride *= s.size[d] ? s.size[d] : 1;  // no overflow: check_shape bounds the non-zero sizes' product
  }
  return check_operand(op, what, s, dense, want);
}

}  // namespace tg
