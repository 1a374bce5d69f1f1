// Runtime queries and settings: SIMD path, threads, storage placement, N-API version.
#include "args.h"

namespace tgb {
namespace {

Napi::Value Simd(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), tg::simd_name()); }

// For tests: run every SIMD path in one process. Returns false if the CPU lacks it.
Napi::Value SelectSimd(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsString()) throw_type(info.Env(), "selectSimd: expected a name");
  return Napi::Boolean::New(info.Env(), tg::select_simd(info[0].As<Napi::String>().Utf8Value().c_str()));
}

Napi::Array names_array(Napi::Env env, int (*list)(const char**, int)) {
  const char* names[16];
  const int n = list(names, 16);
  Napi::Array out = Napi::Array::New(env, n);
  for (int i = 0; i < n; ++i) out.Set(i, Napi::String::New(env, names[i]));
  return out;
}

// The tables selectSimd accepts here, best first, and the instruction sets behind the choice.
Napi::Value SimdSupported(const Napi::CallbackInfo& info) { return names_array(info.Env(), tg::runnable_simd_names); }
Napi::Value CpuFeatures(const Napi::CallbackInfo& info) { return names_array(info.Env(), tg::cpu_feature_names); }

Napi::Value GetNumThreads(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), tg::num_threads()); }

Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsNumber()) throw_type(info.Env(), "setNumThreads: expected a number");
  const double n = info[0].As<Napi::Number>().DoubleValue();
  if (!is_integer_in(n, 1, 256))
    throw_range(info.Env(), "setNumThreads: expected an integer in [1, 256], got " + std::to_string(n));
  tg::set_num_threads(static_cast<int>(n));
  return info.Env().Undefined();
}

// The storage's bytes in memory (a typed array's capacity is in elements).
size_t byte_size(const tg::Operand& o) { return static_cast<size_t>(o.capacity) * tg::dtype_size(o.dtype); }

// Huge pages under a large, freshly allocated storage (its 2 MiB-aligned interior): see
// cpp/core/placement.cpp for why.
Napi::Value AdviseHugePages(const Napi::CallbackInfo& info) {
  if (info.Length() < 1) throw_type(info.Env(), "adviseHugePages: expected tensor storage");
  const tg::Operand o = operand(info.Env(), info[0], "adviseHugePages");
  tg::advise_huge_pages(o.base, byte_size(o));
  return info.Env().Undefined();
}

// For src/dtype.ts, which starts large storages on a cache line.
Napi::Value AlignmentGap(const Napi::CallbackInfo& info) {
  if (info.Length() < 1) throw_type(info.Env(), "alignmentGap: expected tensor storage");
  const tg::Operand o = operand(info.Env(), info[0], "alignmentGap");
  return Napi::Number::New(info.Env(), static_cast<double>(tg::alignment_gap(o.base)));
}

// Places a large fresh storage on whole huge pages. The caller allocates `bytes` plus
// hugePageBytes, passes that buffer (a Uint8Array over all of it) and puts the storage at the
// offset returned: the buffer's first 2 MiB boundary (tg::align_huge_pages).
Napi::Value AlignHugePages(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[1].IsNumber()) throw_type(env, "alignHugePages: expected a buffer and a byte count");
  const tg::Operand o = operand(env, info[0], "alignHugePages");
  const double bytes = info[1].As<Napi::Number>().DoubleValue();
  if (!is_integer_in(bytes, 0, 9007199254740991.0))
    throw_range(env, "alignHugePages: the buffer must hold the byte count plus hugePageBytes");
  size_t offset = 0;
  check(env, tg::align_huge_pages(o.base, byte_size(o), static_cast<size_t>(bytes), &offset));
  return Napi::Number::New(env, static_cast<double>(offset));
}

// For src/storage.ts's dispose(): detaching frees the backing store now, where a transfer
// (structuredClone's) hands it to a new ArrayBuffer that only the next GC frees. A detached
// buffer is left as it is.
Napi::Value DetachBuffer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsArrayBuffer()) throw_type(env, "detachBuffer: expected an ArrayBuffer");
  Napi::ArrayBuffer buf = info[0].As<Napi::ArrayBuffer>();
  if (buf.CheckTypeTag(&tgb::kPlanBufferTag))
    throw_type(env, "detachBuffer: a compiled plan replays over this buffer (its memory stays until the GC frees it)");
  if (!buf.IsDetached()) buf.Detach();
  return env.Undefined();
}

}  // namespace

void register_runtime(Napi::Env env, Napi::Object exports) {
  exports.Set("simd", Napi::Function::New(env, Simd, "simd"));
  exports.Set("selectSimd", Napi::Function::New(env, SelectSimd, "selectSimd"));
  exports.Set("simdSupported", Napi::Function::New(env, SimdSupported, "simdSupported"));
  exports.Set("cpuFeatures", Napi::Function::New(env, CpuFeatures, "cpuFeatures"));
  exports.Set("getNumThreads", Napi::Function::New(env, GetNumThreads, "getNumThreads"));
  exports.Set("setNumThreads", Napi::Function::New(env, SetNumThreads, "setNumThreads"));
  exports.Set("adviseHugePages", Napi::Function::New(env, AdviseHugePages, "adviseHugePages"));
  exports.Set("alignmentGap", Napi::Function::New(env, AlignmentGap, "alignmentGap"));
  exports.Set("alignHugePages", Napi::Function::New(env, AlignHugePages, "alignHugePages"));
  exports.Set("detachBuffer", Napi::Function::New(env, DetachBuffer, "detachBuffer"));
  exports.Set("hugePageBytes", Napi::Number::New(env, static_cast<double>(tg::huge_page_bytes())));
  exports.Set("napiVersion", Napi::Number::New(env, NAPI_VERSION));
}

}  // namespace tgb
