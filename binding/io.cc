// safetensors reading (the writer is TypeScript: it only concatenates bytes JS already holds).
//   safetensorsParse(bytes: Uint8Array, op) -> { entries: [{ name, dtype, target, shape, begin, end }],
//                                                metadata: [[key, value], ...] }
//     begin/end are absolute byte offsets into `bytes`; dtype is the file's ("F16"), target the
//     tensorgrad dtype it loads as ("float32").
//   safetensorsConvert(bytes, dtype, begin, end, dst, name, op): fills dst (the V8-owned storage
//     JS allocated for the tensor) from bytes [begin, end).
// The core validates everything again in convert, so a caller that passes other offsets than
// parse returned gets an error, not an out-of-bounds read.
#include <string>

#include "args.h"
#include "io/safetensors.h"

namespace tgb {
namespace {

std::string op_of(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsString()) return "load";
  return info[i].As<Napi::String>().Utf8Value();
}

// The file bytes: any Uint8Array (a Node Buffer is one). A detached buffer reads as empty.
std::pair<const uint8_t*, size_t> bytes_of(const Napi::CallbackInfo& info, const std::string& op) {
  napi_typedarray_type type = napi_int8_array;
  size_t length = 0;
  void* data = nullptr;
  if (!typed_array(info.Env(), info[0], &type, &length, &data) || type != napi_uint8_array)
    throw_type(info.Env(), op + ": expected the file's bytes as a Uint8Array");
  return {static_cast<const uint8_t*>(data), data ? length : 0};
}

uint64_t offset_arg(const Napi::CallbackInfo& info, size_t i, const std::string& op) {
  if (!info[i].IsNumber()) throw_type(info.Env(), op + ": expected a byte offset");
  const double v = info[i].As<Napi::Number>().DoubleValue();
  if (!is_integer_in(v, 0, 9007199254740992.0)) throw_range(info.Env(), op + ": bad byte offset");
  return static_cast<uint64_t>(v);
}

Napi::Value Parse(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string op = op_of(info, 1);
  auto [bytes, size] = bytes_of(info, op);
  tg::SafetensorsHeader h;
  check(env, tg::safetensors_parse(op.c_str(), bytes, size, &h));

  Napi::Array entries = Napi::Array::New(env, h.entries.size());
  for (size_t i = 0; i < h.entries.size(); ++i) {
    const tg::SafetensorsEntry& e = h.entries[i];
    Napi::Object o = Napi::Object::New(env);
    o.Set("name", Napi::String::New(env, e.name));
    o.Set("dtype", Napi::String::New(env, tg::safe_dtype_name(e.dtype)));
    o.Set("target", Napi::String::New(env, tg::dtype_name(tg::safe_dtype_target(e.dtype))));
    Napi::Array shape = Napi::Array::New(env, e.shape.size());
    for (size_t d = 0; d < e.shape.size(); ++d) shape.Set(d, Napi::Number::New(env, static_cast<double>(e.shape[d])));
    o.Set("shape", shape);
    // Exact as doubles: the parser caps offsets at 2^53 and the file fits in memory.
    o.Set("begin", Napi::Number::New(env, static_cast<double>(h.data_start + e.begin)));
    o.Set("end", Napi::Number::New(env, static_cast<double>(h.data_start + e.end)));
    entries.Set(i, o);
  }
  // Pairs, not an object: JS builds the object so that keys like "__proto__" stay plain data.
  Napi::Array metadata = Napi::Array::New(env, h.metadata.size());
  for (size_t i = 0; i < h.metadata.size(); ++i) {
    Napi::Array kv = Napi::Array::New(env, 2);
    kv.Set(uint32_t(0), Napi::String::New(env, h.metadata[i].first));
    kv.Set(uint32_t(1), Napi::String::New(env, h.metadata[i].second));
    metadata.Set(i, kv);
  }
  Napi::Object result = Napi::Object::New(env);
  result.Set("entries", entries);
  result.Set("metadata", metadata);
  return result;
}

Napi::Value Convert(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string op = op_of(info, 6);
  require_args(info, 6, op.c_str());
  auto [bytes, size] = bytes_of(info, op);
  if (!info[1].IsString() || !info[5].IsString()) throw_type(env, op + ": expected a dtype and a tensor name");
  const std::string dtype = info[1].As<Napi::String>().Utf8Value();
  const std::string name = info[5].As<Napi::String>().Utf8Value();
  tg::SafeDType src;
  if (!tg::safe_dtype_parse(dtype, &src)) throw_type(env, op + ": tensor '" + name + "': unsupported dtype " + dtype);
  const uint64_t begin = offset_arg(info, 2, op), end = offset_arg(info, 3, op);
  const tg::Operand dst = operand(env, info[4], op.c_str());
  // The element count is the destination's length: convert fills all of it or fails.
  check(env, tg::safetensors_convert(op.c_str(), name, src, bytes, size, begin, end, dst, dst.capacity));
  return env.Undefined();
}

}  // namespace

void register_io(Napi::Env env, Napi::Object exports) {
  exports.Set("safetensorsParse", Napi::Function::New(env, Parse, "safetensorsParse"));
  exports.Set("safetensorsConvert", Napi::Function::New(env, Convert, "safetensorsConvert"));
}

}  // namespace tgb
