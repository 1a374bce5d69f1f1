// Argument conversion shared by the binding files. JS passes each op as:
//   a Float64Array `meta` (op code, ndim, scalar params, shape, then each operand's offset and
//   strides — layouts documented per function and mirrored in src/native.ts), and
//   typed arrays for the operands' storage (Float32Array / Int32Array / Uint8Array).
// Everything is validated here or in the core; a bad value becomes a JS TypeError/RangeError.
#pragma once
#include <napi.h>

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

inline void require_args(const Napi::CallbackInfo& info, size_t n, const char* op) {
  if (info.Length() < n) throw_type(info.Env(), std::string(op) + ": missing arguments");
}

// Whether v is an integer in [lo, hi]. The range test comes first (it is false for NaN too), so
// the cast is defined: converting a double outside int64 (an infinity, 1e300) is UB.
inline bool is_integer_in(double v, double lo, double hi) {
  return v >= lo && v <= hi && static_cast<double>(static_cast<int64_t>(v)) == v;
}

// A typed array's type, length and data; false for anything else (an argument left out reads
// as undefined), with no JS exception left pending.
inline bool typed_array(napi_env env, napi_value value, napi_typedarray_type* type, size_t* length, void** data) {
  if (napi_get_typedarray_info(env, value, type, length, data, nullptr, nullptr) == napi_ok) return true;
  napi_value pending;
  napi_get_and_clear_last_exception(env, &pending);
  return false;
}

// A typed array's storage as a core operand (offset and strides still to be filled). `role`,
// when given, names the argument in the errors ("... for the bias").
inline tg::Operand operand(napi_env env, napi_value value, const char* op, const char* role = nullptr) {
  napi_typedarray_type type = napi_int8_array;
  size_t length = 0;
  void* data = nullptr;
  auto fail = [&](const char* what) {
    throw_type(Napi::Env(env), std::string(op) + ": " + what + (role ? std::string(" for ") + role : ""));
  };
  if (!typed_array(env, value, &type, &length, &data)) fail("expected tensor storage (a typed array)");
  tg::Operand o;
  switch (type) {
    case napi_float32_array: o.dtype = tg::DType::Float32; break;
    case napi_int32_array: o.dtype = tg::DType::Int32; break;
    case napi_uint8_array: o.dtype = tg::DType::Bool; break;
    default: fail("unsupported storage type");
  }
  o.base = data;
  o.capacity = data ? static_cast<int64_t>(length) : 0;  // detached (disposed) storage has none
  return o;
}

// The meta Float64Array of a call (its first argument) and the operands it describes. Every
// value read is checked to be an integer where one is needed.
class Meta {
 public:
  // `args`: how many arguments the call needs, meta included; `at`: which one is meta (the
  // first, except after a generator state).
  Meta(const Napi::CallbackInfo& info, size_t args, const char* op, size_t at = 0) : env_(info.Env()), op_(op) {
    require_args(info, args, op);
    napi_typedarray_type type = napi_int8_array;
    size_t length = 0;
    void* data = nullptr;
    if (!typed_array(env_, info[at], &type, &length, &data) || type != napi_float64_array || !data)
      throw_type(Napi::Env(env_), std::string(op) + ": bad call metadata");
    p_ = static_cast<const double*>(data);
    n_ = length;
  }
  double num(size_t i) const {
    if (i >= n_) throw_range(Napi::Env(env_), std::string(op_) + ": truncated call metadata");
    return p_[i];
  }
  int64_t integer(size_t i) const {
    double v = num(i);
    if (!is_integer_in(v, -9007199254740991.0, 9007199254740991.0))
      throw_range(Napi::Env(env_), std::string(op_) + ": expected an integer, got " + std::to_string(v));
    return static_cast<int64_t>(v);
  }
  // A 0/1 switch.
  bool flag(size_t i, const char* name) const {
    const double v = num(i);
    if (v != 0 && v != 1) throw_range(Napi::Env(env_), std::string(op_) + ": " + name + " must be 0 or 1, got " + std::to_string(v));
    return v == 1;
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
  // The storage argument `value` at offset 0 (the layout gives it no view).
  tg::Operand storage(napi_value value, const char* role = nullptr) const { return operand(env_, value, op_, role); }
  // The storage argument `value` from the offset in slot i (a flat operand: no strides in meta).
  tg::Operand storage_at(napi_value value, size_t i, const char* role = nullptr) const {
    tg::Operand o = storage(value, role);
    o.offset = integer(i);
    return o;
  }
  // The storage argument `value` at offset 0, or false for undefined or null (or an argument
  // left out): an operand the call's configuration does not use.
  bool optional_storage(napi_value value, tg::Operand* o) const {
    const Napi::Value v(env_, value);
    if (v.IsUndefined() || v.IsNull()) return false;
    *o = storage(value);
    return true;
  }
  // The storage argument `value` viewed through the offset and ndim strides from slot *pos,
  // which is advanced past them.
  tg::Operand viewed(napi_value value, int ndim, size_t* pos) const {
    tg::Operand o = storage_at(value, *pos);
    for (int d = 0; d < ndim; ++d) o.stride[d] = integer(*pos + 1 + d);
    *pos += 1 + ndim;
    return o;
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
void register_sort(Napi::Env env, Napi::Object exports);
void register_runtime(Napi::Env env, Napi::Object exports);
void register_io(Napi::Env env, Napi::Object exports);
void register_optim(Napi::Env env, Napi::Object exports);
void register_loss(Napi::Env env, Napi::Object exports);
void register_softmax(Napi::Env env, Napi::Object exports);
void register_layernorm(Napi::Env env, Napi::Object exports);
void register_conv(Napi::Env env, Napi::Object exports);
void register_attention(Napi::Env env, Napi::Object exports);
void register_unfold(Napi::Env env, Napi::Object exports);
void register_op_codes(Napi::Env env, Napi::Object exports);

}  // namespace tgb
