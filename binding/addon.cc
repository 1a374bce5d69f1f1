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

// Freed tensor storage stays in glibc's heap for the next outputs, unless TG_MALLOC_TUNING=0 or
// the user tuned malloc already (MALLOC_*_ variables, glibc.malloc tunables): we do not
// override their choice. Why: tensors are freed by the GC in batches; by default glibc serves
// an allocation of 128 KiB or more with a fresh mmap until its dynamic threshold rises, and
// trims the heap top (all of it but 128 KiB) once more than twice that threshold is free, so
// after each batch the next outputs page-fault again: a [64, 1000] softmax forward + backward
// took 50 faults per 256 KB output, and 3-4x the kernel's time went to them.
//   M_MMAP_THRESHOLD 32 MiB: the value glibc's own dynamic threshold climbs to (its maximum on
//     64-bit) once a program frees a 32 MiB mapping; we start there.
//   M_TRIM_THRESHOLD 128 MiB, M_TOP_PAD 64 MiB: a freed batch at the heap top is kept, and
//     when more than 128 MiB is free there glibc trims it down to 64 MiB, not to 128 KiB.
// The cost, for every allocation in the process: up to 128 MiB of freed memory stays resident
// at the top of each arena, and blocks between 128 KiB and 32 MiB come from the heap (where
// fragmentation can keep them) rather than from their own mappings. V8's own heap is mmapped
// directly and not affected; a block of 32 MiB or more is still its own mapping, freed at once.
#if defined(__GLIBC__)
bool user_tuned_malloc() {
  for (const char* name : {"MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TOP_PAD_"})
    if (std::getenv(name)) return true;
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  return tunables && std::strstr(tunables, "glibc.malloc.");
}
#endif

void tune_allocator() {
#if defined(__GLIBC__)
  static std::once_flag once;
  std::call_once(once, [] {
    const char* v = std::getenv("TG_MALLOC_TUNING");
    if ((v && std::strcmp(v, "0") == 0) || user_tuned_malloc()) return;
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 128 << 20);
    mallopt(M_TOP_PAD, 64 << 20);
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
  tgb::register_attention(env, exports);
  tgb::register_unfold(env, exports);
  tgb::register_op_codes(env, exports);
  tgb::register_plan(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(tensorgrad, Init)
