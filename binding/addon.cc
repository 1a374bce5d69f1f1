// Module entry. The addon keeps no per-process JS state, so it is context-aware as is: every
// worker_threads environment gets its own exports object over the same stateless core.
#include "args.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  tgb::register_elementwise(env, exports);
  tgb::register_reduce(env, exports);
  tgb::register_linalg(env, exports);
  tgb::register_index(env, exports);
  tgb::register_random(env, exports);
  tgb::register_runtime(env, exports);
  tgb::register_io(env, exports);
  tgb::register_optim(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(tensorgrad, Init)
