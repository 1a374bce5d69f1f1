// Plain data types shared by every kernel of the core: dtypes, status values, strided operands.
#pragma once
#include <cstdint>
#include <string>

namespace tg {

// Enough for any tensor a user builds; bounds the fixed-size arrays below.
constexpr int kMaxDims = 16;

enum class DType : int32_t { Float32 = 0, Int32 = 1, Bool = 2 };

inline const char* dtype_name(DType d) {
  switch (d) {
    case DType::Float32: return "float32";
    case DType::Int32: return "int32";
    case DType::Bool: return "bool";
  }
  return "?";
}

inline int64_t dtype_size(DType d) { return d == DType::Bool ? 1 : 4; }

// Errors are values: the core never throws across its API and never aborts.
// kind tells the binding which JS error class to raise.
struct Status {
  enum Kind { Ok = 0, Range, Type } kind = Ok;
  std::string message;
  static Status ok() { return {}; }
  static Status range(std::string m) { return {Range, std::move(m)}; }
  static Status type(std::string m) { return {Type, std::move(m)}; }
  explicit operator bool() const { return kind == Ok; }
};

// Whether a core entry validates its arguments. Always Yes, except in a compiled plan's replay of
// a call whose very arguments (meta, buffers and their lengths) passed validation on an earlier
// run (binding/plan.cc). Failures found while computing (out of memory for packing buffers,
// integer division by zero) are reported either way.
enum class Validate : bool { No = false, Yes = true };

// The shape every operand of one elementwise call is iterated over (after broadcasting).
struct Shape {
  int ndim = 0;
  int64_t size[kMaxDims] = {};
  int64_t numel() const {
    int64_t n = 1;
    for (int i = 0; i < ndim; ++i) n *= size[i];
    return n;
  }
};

// One tensor argument: a buffer (`capacity` elements from `base`) viewed through offset and
// strides, in elements. A broadcast dim has stride 0. The buffer belongs to V8; the core only
// borrows it for the duration of one call.
struct Operand {
  void* base = nullptr;
  int64_t capacity = 0;
  DType dtype = DType::Float32;
  int64_t offset = 0;
  int64_t stride[kMaxDims] = {};
};

}  // namespace tg
