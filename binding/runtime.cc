// Runtime queries and settings: SIMD path, threads, N-API version.
#include "args.h"

namespace tgb {
namespace {

Napi::Value Simd(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), tg::simd_name()); }

// For tests: run every SIMD path in one process. Returns false if the CPU lacks it.
Napi::Value SelectSimd(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsString()) throw_type(info.Env(), "selectSimd: expected a name");
  return Napi::Boolean::New(info.Env(), tg::select_simd(info[0].As<Napi::String>().Utf8Value().c_str()));
}

Napi::Value GetNumThreads(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), tg::num_threads()); }

Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsNumber()) throw_type(info.Env(), "setNumThreads: expected a number");
  double n = info[0].As<Napi::Number>().DoubleValue();
  if (!(n >= 1 && n <= 256) || n != static_cast<int>(n))
    throw_range(info.Env(), "setNumThreads: expected an integer in [1, 256], got " + std::to_string(n));
  tg::set_num_threads(static_cast<int>(n));
  return info.Env().Undefined();
}

}  // namespace

void register_runtime(Napi::Env env, Napi::Object exports) {
  exports.Set("simd", Napi::Function::New(env, Simd, "simd"));
  exports.Set("selectSimd", Napi::Function::New(env, SelectSimd, "selectSimd"));
  exports.Set("getNumThreads", Napi::Function::New(env, GetNumThreads, "getNumThreads"));
  exports.Set("setNumThreads", Napi::Function::New(env, SetNumThreads, "setNumThreads"));
  exports.Set("napiVersion", Napi::Number::New(env, NAPI_VERSION));
}

}  // namespace tgb
