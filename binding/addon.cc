// Module entry. The addon keeps no per-process JS state, so it is context-aware as is: every
// worker_threads environment gets its own exports object over the same stateless core.
#include <cstdlib>
#include <cstring>
#include <mutex>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "args.h"

namespace {

// TG_MALLOC_TUNING=1 (opt-in, process-wide; see README): keep freed tensor storage in glibc's
// heap for reuse instead of handing it back to the OS. By default glibc serves a large
// allocation with a fresh mmap, or trims the heap top once more than 2x the mmap threshold is
// free. Tensors are freed by the GC in batches, so each batch is trimmed and the next
// outputs page-fault again: ~1000 faults per 4 MiB, measured at 3-5x the cost of an exp over
// it. Fixing the mmap threshold at glibc's maximum (32 MiB) and the trim threshold at 1 GiB
// keeps that memory mapped, at the price of a resident size that stays at its peak.
void tune_allocator() {
#if defined(__GLIBC__)
  static std::once_flag once;
  std::call_once(once, [] {
    const char* v = std::getenv("TG_MALLOC_TUNING");
    if (!v || std::strcmp(v, "1") != 0) return;
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
  });
#endif
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  tune_allocator();
  tgb::register_elementwise(env, exports);
  tgb::register_reduce(env, exports);
  tgb::register_linalg(env, exports);
  tgb::register_index(env, exports);
  tgb::register_random(env, exports);
  tgb::register_sort(env, exports);
  tgb::register_runtime(env, exports);
  tgb::register_io(env, exports);
  tgb::register_optim(env, exports);
  tgb::register_loss(env, exports);
  tgb::register_softmax(env, exports);
  tgb::register_layernorm(env, exports);
  tgb::register_conv(env, exports);
  tgb::register_op_codes(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(tensorgrad, Init)
