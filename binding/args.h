// Argument conversion shared by the binding files. JS passes each op as:
//   a Float64Array `meta` (op code, ndim, scalar params, shape, then each operand's offset and
//   strides — layouts documented per function and mirrored in src/native.ts), and
//   typed arrays for the operands' storage (Float32Array / Int32Array / Uint8Array).
// Everything is validated here or in the core; a bad value becomes a JS TypeError/RangeError.
#pragma once
#include <napi.h>

#include <algorithm>
#include <memory>
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

// The type tag on every ArrayBuffer a compiled plan replays over from another call or thread (a
// plan handle's static buffers, a planRunAsync's buffers; binding/plan.cc): detachBuffer refuses
// them (binding/runtime.cc), since detaching frees the memory a plan still points into. A tag
// stays for the buffer's life; src/storage.ts's dispose() detaches only a transferred clone.
constexpr napi_type_tag kPlanBufferTag = {0x7a1e5eedb0ffe125ULL, 0x0a11ab1ed0c0ffeeULL};

// Tags value's ArrayBuffer (value: a typed array) with kPlanBufferTag, if not tagged yet.
inline void tag_plan_buffer(napi_env env, napi_value value) {
  napi_value ab = nullptr;
  if (napi_get_typedarray_info(env, value, nullptr, nullptr, nullptr, &ab, nullptr) != napi_ok || !ab) return;
  bool tagged = false;
  if (napi_check_object_type_tag(env, ab, &kPlanBufferTag, &tagged) == napi_ok && !tagged)
    napi_type_tag_object(env, ab, &kPlanBufferTag);  // fails only for one tagged otherwise: left as it is
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

// One operand argument of a call with no JS in it: a typed array's type, data and length,
// absent (undefined, null or left out: an operand the configuration does not use), or something
// else (an error once the call asks for it). Resolved on the JS thread; a recorded plan step
// (binding/plan.cc) holds the same, so a call decodes alike from JS and from a plan.
struct Buffer {
  enum State : uint8_t { Absent, Typed, Invalid } state = Absent;
  napi_typedarray_type type = napi_int8_array;
  void* data = nullptr;
  size_t length = 0;
};

inline Buffer resolve_buffer(napi_env env, napi_value value) {
  Buffer b;
  napi_valuetype t = napi_undefined;
  if (value == nullptr || napi_typeof(env, value, &t) != napi_ok || t == napi_undefined || t == napi_null) return b;
  b.state = typed_array(env, value, &b.type, &b.length, &b.data) ? Buffer::Typed : Buffer::Invalid;
  return b;
}

// A call's arguments as data: the meta header (null when the call had none that is a
// Float64Array) and its operand buffers, in argument order after meta.
struct Args {
  const double* meta = nullptr;
  size_t meta_len = 0;
  const Buffer* bufs = nullptr;
  size_t nbufs = 0;
};

// What Meta over Args throws instead of a JS error (it may run off the JS thread, in a plan
// replay); run_guarded turns it into a Status.
struct DecodeError {
  tg::Status status;
};

// The index of an operand argument in Args (0 = the first after meta); a distinct type so it
// never converts from a napi_value or a literal 0.
struct Arg {
  size_t i;
};

// The meta Float64Array of a call (its first argument) and the operands it describes. Every
// value read is checked to be an integer where one is needed. Two sources: a JS call
// (CallbackInfo; operands are napi_values; errors are thrown as JS errors) and Args (operands are
// Arg indices; errors are thrown as DecodeError, so the same decode runs in a plan replay).
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
  // `operands`: how many operand arguments the call needs after meta.
  Meta(const Args& a, size_t operands, const char* op) : op_(op), args_(&a) {
    if (a.nbufs < operands) fail(tg::Status::Type, "missing arguments");
    if (!a.meta) fail(tg::Status::Type, "bad call metadata");
    p_ = a.meta;
    n_ = a.meta_len;
  }
  const char* op() const { return op_; }
  // Throws "<op>: <message>" as a TypeError / RangeError (JS source) or a DecodeError (Args).
  // (Cold and out of line, as the other failure paths: the checks stay small enough to inline
  // into every decode, which a replayed plan runs once per step.)
  [[noreturn, gnu::cold, gnu::noinline]] void fail(tg::Status::Kind kind, const std::string& message) const {
    const std::string m = std::string(op_) + ": " + message;
    if (env_) {
      if (kind == tg::Status::Type) throw_type(Napi::Env(env_), m);
      throw_range(Napi::Env(env_), m);
    }
    throw DecodeError{kind == tg::Status::Type ? tg::Status::type(m) : tg::Status::range(m)};
  }
  [[noreturn, gnu::cold, gnu::noinline]] void fail_range(const std::string& message) const { fail(tg::Status::Range, message); }
  double num(size_t i) const {
    if (i < n_) [[likely]]
      return p_[i];
    fail_value(i);
  }
  int64_t integer(size_t i) const {
    if (i < n_) [[likely]] {
      const double v = p_[i];
      if (is_integer_in(v, -9007199254740991.0, 9007199254740991.0)) [[likely]]
        return static_cast<int64_t>(v);
    }
    fail_value(i);
  }
  // Slot i is past the meta's end, or not an integer (integer()).
  [[noreturn, gnu::cold, gnu::noinline]] void fail_value(size_t i) const {
    if (i >= n_) fail_range("truncated call metadata");
    fail_range("expected an integer, got " + std::to_string(p_[i]));
  }
  // A 0/1 switch.
  bool flag(size_t i, const char* name) const {
    const double v = num(i);
    if (v != 0 && v != 1) fail_range(std::string(name) + " must be 0 or 1, got " + std::to_string(v));
    return v == 1;
  }
  int ndim(size_t i) const {
    int64_t v = integer(i);
    if (v < 0 || v > tg::kMaxDims) fail_range("bad number of dims " + std::to_string(v));
    return static_cast<int>(v);
  }
  // Reads ndim sizes starting at i; returns the next position.
  size_t shape(size_t i, int ndim, tg::Shape* s) const {
    s->ndim = ndim;
    for (int d = 0; d < ndim; ++d) s->size[d] = integer(i + d);
    return i + ndim;
  }

  // ---- operands of a JS call (napi_values) ----
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

  // ---- operands of an Args call (the same rules) ----
  // (The *_into forms fill an Operand in place: an Operand is 160 bytes, and copying it through
  // return values cost more than the rest of a tiny op's decode in a plan replay.)
  void storage_into(Arg k, tg::Operand* o, const char* role = nullptr) const {
    const Buffer* b = k.i < args_->nbufs ? &args_->bufs[k.i] : nullptr;
    auto bad = [&](const char* what) { fail(tg::Status::Type, std::string(what) + (role ? std::string(" for ") + role : "")); };
    if (!b || b->state != Buffer::Typed) bad("expected tensor storage (a typed array)");
    switch (b->type) {
      case napi_float32_array: o->dtype = tg::DType::Float32; break;
      case napi_int32_array: o->dtype = tg::DType::Int32; break;
      case napi_uint8_array: o->dtype = tg::DType::Bool; break;
      default: bad("unsupported storage type");
    }
    o->base = b->data;
    o->capacity = b->data ? static_cast<int64_t>(b->length) : 0;  // detached (disposed) storage has none
    o->offset = 0;
  }
  // Fills *o with operand k viewed through the offset and ndim strides from slot *pos.
  void viewed_into(Arg k, int ndim, size_t* pos, tg::Operand* o) const {
    storage_into(k, o);
    o->offset = integer(*pos);
    for (int d = 0; d < ndim; ++d) o->stride[d] = integer(*pos + 1 + d);
    *pos += 1 + ndim;
  }
  tg::Operand storage(Arg k, const char* role = nullptr) const {
    tg::Operand o;
    storage_into(k, &o, role);
    return o;
  }
  tg::Operand storage_at(Arg k, size_t i, const char* role = nullptr) const {
    tg::Operand o = storage(k, role);
    o.offset = integer(i);
    return o;
  }
  bool optional_storage(Arg k, tg::Operand* o) const {
    if (k.i >= args_->nbufs || args_->bufs[k.i].state == Buffer::Absent) return false;
    *o = storage(k);
    return true;
  }
  tg::Operand viewed(Arg k, int ndim, size_t* pos) const {
    tg::Operand o = storage_at(k, *pos);
    for (int d = 0; d < ndim; ++d) o.stride[d] = integer(*pos + 1 + d);
    *pos += 1 + ndim;
    return o;
  }
  // Operand k as the generator state of a random kernel: a Uint32Array of at least 4 words (the
  // Philox key and counter), which the kernel reads and advances in place.
  uint32_t* generator_state(Arg k) const {
    const Buffer* b = k.i < args_->nbufs ? &args_->bufs[k.i] : nullptr;
    if (!b || b->state != Buffer::Typed || b->type != napi_uint32_array || b->length < 4 || !b->data)
      fail(tg::Status::Type, "bad generator state");
    return static_cast<uint32_t*>(b->data);
  }

 private:
  napi_env env_ = nullptr;
  const char* op_;
  const Args* args_ = nullptr;
  const double* p_ = nullptr;
  size_t n_ = 0;
};

// A binding function's body over Args: decode errors become the Status it returns.
template <class F>
tg::Status run_guarded(F&& body) {
  try {
    return body();
  } catch (DecodeError& e) {
    return std::move(e.status);
  }
}

// A replayable kernel entry: decode + core call over Args (binding/plan.cc lists them).
using RunFn = tg::Status (*)(const Args&);

// A kernel call decoded from Args and kept by a compiled plan's step, to be replayed without
// decoding or validating it again (binding/plan.cc): valid while the step's meta and buffers are
// the very ones it was decoded from.
struct Prepared {
  virtual ~Prepared() = default;
  virtual tg::Status run() const = 0;
  // Points operand argument k at other data of the same type and length (a plan's per-run
  // input or output buffer): what the call validated still holds.
  virtual void rebind(size_t k, void* data) = 0;
};

// Decodes a call and runs it validated, keeping the decoded call in *kept (in place when *kept
// already holds one of this kernel's; reset when the call fails).
using PrepareFn = tg::Status (*)(const Args& a, std::unique_ptr<Prepared>* kept);

// A replayable kernel written as a decoder: Decode(args) returns the call, a value that holds
// copies only (no pointer into Args), runs with `tg::Status operator()(tg::Validate) const` and
// names the Operand it made of operand argument k with `tg::Operand* operand(size_t k)` (null
// for one it has none for).
template <class Call, Call (*Decode)(const Args&)>
struct Decoded {
  struct Kept final : Prepared {
    Call call;
    explicit Kept(Call c) : call(std::move(c)) {}
    tg::Status run() const override { return call(tg::Validate::No); }
    void rebind(size_t k, void* data) override {
      if (tg::Operand* o = call.operand(k)) o->base = data;
    }
  };
  static tg::Status run(const Args& a) {
    return run_guarded([&] { return Decode(a)(tg::Validate::Yes); });
  }
  static tg::Status prepare(const Args& a, std::unique_ptr<Prepared>* kept) {
    tg::Status st = run_guarded([&] {
      // A step's kernel never changes, so a kept call of the step is this kernel's Kept.
      if (*kept) static_cast<Kept&>(**kept).call = Decode(a);
      else *kept = std::make_unique<Kept>(Decode(a));
      return static_cast<Kept&>(**kept).call(tg::Validate::Yes);
    });
    if (!st) kept->reset();
    return st;
  }
};

// The entries run_<name> and prepare_<name> (declared below) of a Decoded kernel.
#define TGB_DECODED_ENTRIES(name, Kernel)                                                 \
  tg::Status run_##name(const Args& a) { return Kernel::run(a); }                         \
  tg::Status prepare_##name(const Args& a, std::unique_ptr<Prepared>* kept) { return Kernel::prepare(a, kept); }

// The most operands a replayable kernel takes (attentionBackward's 10).
constexpr size_t kMaxOperands = 10;

// The JS entry of a replayable kernel: meta from info[0], operands from info[1...] (at most
// kMaxOperands; more are not read),
// then `run`, whose Status becomes the JS error.
inline Napi::Value js_call(const Napi::CallbackInfo& info, RunFn run) {
  const napi_env env = info.Env();
  Args a;
  Buffer bufs[kMaxOperands];
  if (info.Length() >= 1) {
    napi_typedarray_type type = napi_int8_array;
    size_t length = 0;
    void* data = nullptr;
    if (typed_array(env, info[0], &type, &length, &data) && type == napi_float64_array && data) {
      a.meta = static_cast<const double*>(data);
      a.meta_len = length;
    }
  }
  const size_t n = info.Length() > 1 ? std::min<size_t>(info.Length() - 1, kMaxOperands) : 0;
  for (size_t i = 0; i < n; ++i) bufs[i] = resolve_buffer(env, info[i + 1]);
  a.bufs = bufs;
  a.nbufs = n;
  check(info.Env(), run(a));
  return info.Env().Undefined();
}

// js_call as a plain function, for Napi::Function::New(env, js_entry<run_X>, name).
template <RunFn F>
Napi::Value js_entry(const Napi::CallbackInfo& info) {
  return js_call(info, F);
}

// The replayable kernels (one per JS entry; binding/plan.cc maps kernel ids to them).
tg::Status run_unary(const Args&);
tg::Status run_binary(const Args&);
tg::Status run_binary_scalar(const Args&);
tg::Status run_binary_int(const Args&);
tg::Status run_compare(const Args&);
tg::Status run_compare_scalar(const Args&);
tg::Status run_where(const Args&);
tg::Status run_cast(const Args&);
tg::Status run_fill(const Args&);
tg::Status run_reduce(const Args&);
tg::Status run_matmul(const Args&);
tg::Status run_sgd(const Args&);
tg::Status run_adam(const Args&);
tg::Status run_rmsprop(const Args&);
tg::Status run_adagrad(const Args&);
tg::Status run_adadelta(const Args&);
tg::Status run_index_select(const Args&);
tg::Status run_index_add(const Args&);
tg::Status run_gather(const Args&);
tg::Status run_scatter_add(const Args&);
tg::Status run_scatter(const Args&);
tg::Status run_cross_entropy_forward(const Args&);
tg::Status run_cross_entropy_backward(const Args&);
tg::Status run_softmax(const Args&);
tg::Status run_log_softmax(const Args&);
tg::Status run_softmax_backward(const Args&);
tg::Status run_log_softmax_backward(const Args&);
tg::Status run_layer_norm(const Args&);
tg::Status run_layer_norm_backward(const Args&);
tg::Status run_conv2d(const Args&);
tg::Status run_conv2d_backward(const Args&);
tg::Status run_max_pool2d(const Args&);
tg::Status run_max_pool2d_backward(const Args&);
tg::Status run_avg_pool2d(const Args&);
tg::Status run_avg_pool2d_backward(const Args&);
tg::Status run_adaptive_avg_pool2d(const Args&);
tg::Status run_adaptive_avg_pool2d_backward(const Args&);
tg::Status run_attention(const Args&);
tg::Status run_attention_backward(const Args&);
tg::Status run_random_uniform(const Args&);
tg::Status run_random_normal(const Args&);
tg::Status run_random_dropout_mask(const Args&);
tg::Status run_random_int(const Args&);
tg::Status run_random_permutation(const Args&);
tg::Status run_multinomial(const Args&);
tg::Status run_cumsum(const Args&);
tg::Status run_cumprod(const Args&);
tg::Status run_cumprod_backward(const Args&);
tg::Status run_sort(const Args&);
tg::Status run_topk(const Args&);
tg::Status run_unfold(const Args&);
tg::Status run_fold(const Args&);

// The kernels whose decoded calls a compiled plan keeps (the others decode on every replay).
tg::Status prepare_unary(const Args&, std::unique_ptr<Prepared>*);
tg::Status prepare_binary(const Args&, std::unique_ptr<Prepared>*);
tg::Status prepare_binary_scalar(const Args&, std::unique_ptr<Prepared>*);
tg::Status prepare_cast(const Args&, std::unique_ptr<Prepared>*);
tg::Status prepare_fill(const Args&, std::unique_ptr<Prepared>*);
tg::Status prepare_reduce(const Args&, std::unique_ptr<Prepared>*);
tg::Status prepare_matmul(const Args&, std::unique_ptr<Prepared>*);
tg::Status prepare_sgd(const Args&, std::unique_ptr<Prepared>*);
tg::Status prepare_adam(const Args&, std::unique_ptr<Prepared>*);

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
void register_plan(Napi::Env env, Napi::Object exports);

}  // namespace tgb
