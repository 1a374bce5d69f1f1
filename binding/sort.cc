// Scans and sorting along one dim (cpp/kernels/sort.cpp; multinomial in cpp/kernels/random.cpp).
// The caller makes the input contiguous and views it as [outer, n, inner] around the dim
// (outer = product of the sizes before it, inner = product of those after it). Every function
// takes the same meta, a Float64Array of 9 slots:
//
//   [0] outer   [1] n   [2] inner                      sizes (integers >= 0)
//   [3] p0      [4] p1  [5] p2                         parameters, per function below
//   [6] xOffset [7] out0Offset [8] out1Offset          element offsets into the storages
//
// Unused parameter and offset slots are ignored (write 0). Flags must be 0 or 1.
//
//   cumsum(meta, x, out)       p0 = reverse. x Float32Array -> out Float32Array, or
//   cumprod(meta, x, out)      Int32Array -> Int32Array; both [outer, n, inner]; out may be x
//                              at the same offset (in place).
//   cumprodBackward(meta, x, dx, grad)
//                              float32 [outer, n, inner] each: dx = cumprod's gradient at x for
//                              the incoming grad (x from xOffset, dx from out0Offset, grad
//                              from out1Offset); dx must not overlap x or grad.
//   sort(meta, x, values, indices)
//                              p0 = descending. x Float32Array or Int32Array; values (x's type)
//                              and indices (Int32Array) [outer, n, inner]; stable, NaN largest.
//                              values may be x at the same offset.
//   topk(meta, x, values, indices)
//                              p0 = k (0 <= k <= n), p1 = largest, p2 = sorted; values and
//                              indices [outer, k, inner].
//   multinomial(state, meta, probs, out)
//                              state: the generator's Uint32Array(4), advanced in place.
//                              p0 = numSamples, p1 = replacement; probs Float32Array
//                              [outer, n, inner] (a [rows, k] matrix is outer = rows, n = k,
//                              inner = 1), out Int32Array [outer, numSamples, inner].
//
// x / probs are read from xOffset, out / values from out0Offset, indices from out1Offset.
#include "args.h"

namespace tgb {
namespace {

constexpr size_t kLineMeta = 9;

tg::LineShape lines_of(const Meta& m) {
  tg::LineShape s;
  s.outer = m.integer(0);
  s.n = m.integer(1);
  s.inner = m.integer(2);
  m.num(kLineMeta - 1);  // the whole layout is there
  return s;
}

Napi::Value Scan(const Napi::CallbackInfo& info, tg::ScanOp op, const char* name) {
  Meta m(info, 3, name);
  const tg::LineShape s = lines_of(m);
  const bool reverse = m.flag(3, "reverse");
  check(info.Env(), tg::scan(op, s, m.storage_at(info[1], 6, "the input"), m.storage_at(info[2], 7, "the output"), reverse));
  return info.Env().Undefined();
}

Napi::Value Cumsum(const Napi::CallbackInfo& info) { return Scan(info, tg::ScanOp::Sum, "cumsum"); }
Napi::Value Cumprod(const Napi::CallbackInfo& info) { return Scan(info, tg::ScanOp::Prod, "cumprod"); }

Napi::Value CumprodBackward(const Napi::CallbackInfo& info) {
  Meta m(info, 4, "cumprod.backward");
  const tg::LineShape s = lines_of(m);
  check(info.Env(), tg::cumprod_backward(s, m.storage_at(info[1], 6, "the input"), m.storage_at(info[3], 8, "the gradient"),
                                         m.storage_at(info[2], 7, "the output")));
  return info.Env().Undefined();
}

Napi::Value Sort(const Napi::CallbackInfo& info) {
  Meta m(info, 4, "sort");
  const tg::LineShape s = lines_of(m);
  const bool descending = m.flag(3, "descending");
  check(info.Env(), tg::sort_lines(s, m.storage_at(info[1], 6, "the input"), descending,
                                   m.storage_at(info[2], 7, "the values"), m.storage_at(info[3], 8, "the indices")));
  return info.Env().Undefined();
}

Napi::Value Topk(const Napi::CallbackInfo& info) {
  Meta m(info, 4, "topk");
  const tg::LineShape s = lines_of(m);
  const int64_t k = m.integer(3);
  const bool largest = m.flag(4, "largest"), sorted = m.flag(5, "sorted");
  check(info.Env(), tg::topk_lines(s, m.storage_at(info[1], 6, "the input"), k, largest, sorted,
                                   m.storage_at(info[2], 7, "the values"), m.storage_at(info[3], 8, "the indices")));
  return info.Env().Undefined();
}

Napi::Value Multinomial(const Napi::CallbackInfo& info) {
  Meta m(info, 4, "multinomial", 1);
  napi_typedarray_type type = napi_int8_array;
  size_t length = 0;
  void* data = nullptr;
  if (!typed_array(info.Env(), info[0], &type, &length, &data) || type != napi_uint32_array || length < 4 || !data)
    throw_type(info.Env(), "multinomial: bad generator state");
  const tg::LineShape s = lines_of(m);
  const int64_t num_samples = m.integer(3);
  const bool replacement = m.flag(4, "replacement");
  check(info.Env(), tg::multinomial(static_cast<uint32_t*>(data), s, m.storage_at(info[2], 6, "the probabilities"),
                                    num_samples, replacement, m.storage_at(info[3], 7, "the output")));
  return info.Env().Undefined();
}

}  // namespace

void register_sort(Napi::Env env, Napi::Object exports) {
  exports.Set("cumsum", Napi::Function::New(env, Cumsum, "cumsum"));
  exports.Set("cumprod", Napi::Function::New(env, Cumprod, "cumprod"));
  exports.Set("cumprodBackward", Napi::Function::New(env, CumprodBackward, "cumprodBackward"));
  exports.Set("sort", Napi::Function::New(env, Sort, "sort"));
  exports.Set("topk", Napi::Function::New(env, Topk, "topk"));
  exports.Set("multinomial", Napi::Function::New(env, Multinomial, "multinomial"));
}

}  // namespace tgb
