// Argument conversion shared by the binding files. JS passes each op as:
//   a Float64Array `meta` (op code, ndim, scalar params, shape, then each operand's offset and
//   strides — layouts documented per function and mirrored in src/native.ts), and
//   typed arrays for the operands' storage (Float32Array / Int32Array / Uint8Array).
// Everything is validated here or in the core; a bad value becomes a JS TypeError/RangeError.
#pragma once
#include <napi.h>

#include <cmath>
#include <string>

#include "tg.h"

namespace tgb {

[[noreturn]] inline void throw_type(Napi::Env env, const std::string& m) { throw Napi::TypeError::New(env, m); }
[[noreturn]] inline void throw_range(Napi::Env env, const std::string& m) { throw Napi::RangeError::New(env, m); }

inline void check(Napi::Env env, const tg::Status& st) {
  if (st) return;
  if (st.kind == tg::Status::Type) throw_type(env, st.message);
  throw_range(env, st.message);
}

// The raw arguments of a call, fetched with one napi call.
template <size_t N>
struct Args {
  napi_value v[N];
  size_t count = N;
  Args(napi_env env, napi_callback_info info) { napi_get_cb_info(env, info, &count, v, nullptr, nullptr); }
};

// A typed array's storage as a core operand (offset and strides still to be filled).
inline tg::Operand operand(napi_env env, napi_value value, const char* op) {
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  // One call both checks the type (it fails on anything but a typed array) and reads it.
  if (napi_get_typedarray_info(env, value, &type, &length, &data, nullptr, nullptr) != napi_ok) {
    napi_value pending;
    napi_get_and_clear_last_exception(env, &pending);
    throw_type(Napi::Env(env), std::string(op) + ": expected tensor storage (a typed array)");
  }
  tg::Operand o;
  switch (type) {
    case napi_float32_array: o.dtype = tg::DType::Float32; break;
    case napi_int32_array: o.dtype = tg::DType::Int32; break;
    case napi_uint8_array: o.dtype = tg::DType::Bool; break;
    default: throw_type(Napi::Env(env), std::string(op) + ": unsupported storage type");
  }
  o.base = data;
  o.capacity = data ? static_cast<int64_t>(length) : 0;  // detached (disposed) storage has none
  return o;
}

// Reads the meta Float64Array; every value read is checked to be an integer where one is needed.
class Meta {
 public:
  Meta(napi_env env, napi_value value, const char* op) : env_(env), op_(op) {
    napi_typedarray_type type = napi_int8_array;
    size_t length = 0;
    void* data = nullptr;
    const bool is_ta = napi_get_typedarray_info(env, value, &type, &length, &data, nullptr, nullptr) == napi_ok;
    if (!is_ta) {
      napi_value pending;
      napi_get_and_clear_last_exception(env, &pending);
    }
    if (!is_ta || type != napi_float64_array || !data) throw_type(Napi::Env(env), std::string(op) + ": bad call metadata");
    p_ = static_cast<const double*>(data);
    n_ = length;
  }
  double num(size_t i) const {
    if (i >= n_) throw_range(Napi::Env(env_), std::string(op_) + ": truncated call metadata");
    return p_[i];
  }
  size_t size() const { return n_; }
  int64_t integer(size_t i) const {
    double v = num(i);
    // The range test comes first (it is false for NaN too), so the cast below is defined.
    if (!(v >= -9007199254740991.0 && v <= 9007199254740991.0) || static_cast<double>(static_cast<int64_t>(v)) != v)
      throw_range(Napi::Env(env_), std::string(op_) + ": expected an integer, got " + std::to_string(v));
    return static_cast<int64_t>(v);
  }
  int ndim(size_t i) const {
    int64_t v = integer(i);
    if (v < 0 || v > tg::kMaxDims) throw_range(Napi::Env(env_), std::string(op_) + ": bad number of dims " + std::to_string(v));
    return static_cast<int>(v);
  }
  // Reads ndim sizes starting at i; returns the next position.
  size_t shape(size_t i, int ndim, tg::Shape* s) const {
    s->ndim = ndim;
    for (int d = 0; d < ndim; ++d) s->size[d] = integer(i + d);
    return i + ndim;
  }
  // Reads an operand's offset and ndim strides starting at i; returns the next position.
  size_t view(size_t i, int ndim, tg::Operand* o) const {
    o->offset = integer(i);
    for (int d = 0; d < ndim; ++d) o->stride[d] = integer(i + 1 + d);
    return i + 1 + ndim;
  }

 private:
  napi_env env_;
  const char* op_;
  const double* p_ = nullptr;
  size_t n_ = 0;
};

// Header slots common to the elementwise layouts: [op, ndim, p0, p1, p2, shape..., views...].
constexpr size_t kHeader = 5;

void register_elementwise(Napi::Env env, Napi::Object exports);
void register_reduce(Napi::Env env, Napi::Object exports);
void register_linalg(Napi::Env env, Napi::Object exports);
void register_index(Napi::Env env, Napi::Object exports);
void register_random(Napi::Env env, Napi::Object exports);
void register_runtime(Napi::Env env, Napi::Object exports);
void register_io(Napi::Env env, Napi::Object exports);
void register_optim(Napi::Env env, Napi::Object exports);
void register_loss(Napi::Env env, Napi::Object exports);
void register_op_codes(Napi::Env env, Napi::Object exports);

}  // namespace tgb
