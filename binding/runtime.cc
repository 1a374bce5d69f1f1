// Runtime queries and settings: SIMD path, threads, N-API version.
#include "args.h"

#ifdef __linux__
#include <sys/mman.h>
#endif

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
  double n = info[0].As<Napi::Number>().DoubleValue();
  if (!(n >= 1 && n <= 256) || n != static_cast<int>(n))
    throw_range(info.Env(), "setNumThreads: expected an integer in [1, 256], got " + std::to_string(n));
  tg::set_num_threads(static_cast<int>(n));
  return info.Env().Undefined();
}

// Asks for transparent huge pages under a large, freshly allocated storage (its 2 MiB-aligned
// interior), where THP is in "madvise" mode, the common default. Left to 4 KiB pages, the
// first writes to a fresh 64 MiB output take 16384 page faults, which cost three times the
// add that writes it (~1.7 us each in a VM); with huge pages they are 32, and the TLB covers
// the whole tensor on later passes. A hint for the storage's own pages only: where THP is
// off, or off Linux, nothing changes.
Napi::Value AdviseHugePages(const Napi::CallbackInfo& info) {
  if (info.Length() < 1) throw_type(info.Env(), "adviseHugePages: expected tensor storage");
  tg::Operand o = operand(info.Env(), info[0], "adviseHugePages");
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  constexpr uintptr_t kHuge = uintptr_t{2} << 20;
  const uintptr_t b = reinterpret_cast<uintptr_t>(o.base);
  const uintptr_t e = b + static_cast<size_t>(o.capacity) * static_cast<size_t>(tg::dtype_size(o.dtype));
  const uintptr_t lo = (b + kHuge - 1) & ~(kHuge - 1), hi = e & ~(kHuge - 1);
  if (o.base && lo < hi) madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_HUGEPAGE);  // failure is harmless
#else
  (void)o;
#endif
  return info.Env().Undefined();
}

// Bytes from the start of a typed array's data to the next 64-byte boundary (0 to 63), for
// src/dtype.ts, which starts large storages there: V8's buffers are only 16-byte aligned, and
// a vector load or store that crosses a cache line costs two (measured: the dot-product GEMM
// of nn.Linear's x @ W^T, 64x784 @ (256x784)^T, 268 us with both operands at 16 mod 64, 238
// with both on a line boundary).
Napi::Value AlignmentGap(const Napi::CallbackInfo& info) {
  if (info.Length() < 1) throw_type(info.Env(), "alignmentGap: expected tensor storage");
  tg::Operand o = operand(info.Env(), info[0], "alignmentGap");
  const uintptr_t b = reinterpret_cast<uintptr_t>(o.base);
  return Napi::Number::New(info.Env(), static_cast<double>((64 - b % 64) % 64));
}

#if defined(__linux__) && defined(MADV_HUGEPAGE)
constexpr uintptr_t kHugePage = uintptr_t{2} << 20;
#else
constexpr uintptr_t kHugePage = 0;  // no huge page hint here: storage is never over-allocated
#endif

// Places a large fresh storage on whole huge pages. The caller allocates `bytes` plus
// hugePageBytes, passes that buffer (a Uint8Array over all of it) and puts the storage at the
// offset returned: the buffer's first 2 MiB boundary. The whole 2 MiB blocks of the `bytes`
// from there are advised as huge pages; the rest, a tail under 2 MiB, stays on small pages
// (a huge page there would be resident beyond the storage). Why: the interior hint of
// adviseHugePages leaves the unaligned head and tail on 4 KiB pages, up to 2 MiB of them,
// and a page fault costs ~1.1 us on this VM: measured, the first writes to 4 MiB at an
// unaligned address take 0.65 ms (1 huge page + 512 small ones), 2 MiB-aligned 0.075 ms. The
// slack before the boundary is never touched, so it costs address space, not memory.
Napi::Value AlignHugePages(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[1].IsNumber()) throw_type(env, "alignHugePages: expected a buffer and a byte count");
  tg::Operand o = operand(env, info[0], "alignHugePages");
  const double bytes = info[1].As<Napi::Number>().DoubleValue();
  const double cap = static_cast<double>(o.capacity) * tg::dtype_size(o.dtype);
  if (!(bytes >= 0 && bytes == static_cast<double>(static_cast<int64_t>(bytes)) && bytes + static_cast<double>(kHugePage) <= cap))
    throw_range(env, "alignHugePages: the buffer must hold the byte count plus hugePageBytes");
  if (kHugePage == 0 || !o.base) return Napi::Number::New(env, 0);
  const uintptr_t b = reinterpret_cast<uintptr_t>(o.base);
  const uintptr_t lo = (b + kHugePage - 1) & ~(kHugePage - 1);
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  const uintptr_t hi = lo + (static_cast<uintptr_t>(bytes) & ~(kHugePage - 1));
  if (lo < hi) madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_HUGEPAGE);  // failure is harmless
#endif
  return Napi::Number::New(env, static_cast<double>(lo - b));
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
  exports.Set("hugePageBytes", Napi::Number::New(env, static_cast<double>(kHugePage)));
  exports.Set("napiVersion", Napi::Number::New(env, NAPI_VERSION));
}

}  // namespace tgb
