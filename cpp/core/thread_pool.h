// A persistent pool shared by the whole process (all Node environments). No thread is created
// per op. parallel_for is safe to call from several JS threads at once: a caller that finds the
// pool busy runs its work inline, so nothing waits on another environment's op.
#pragma once
#include <cstdint>
#include <functional>

namespace tg {

int num_threads();

// The pooled path of parallel_for (type-erased; only taken when the work is worth splitting).
void parallel_for_pooled(int64_t n, int64_t parts, const std::function<void(int64_t, int64_t)>& fn);

// Calls fn(begin, end) over [0, n) in chunks of at least `grain` items, on up to
// num_threads() threads (the caller included). fn must not throw. Small loops run inline with
// no type erasure or allocation: this is on every op's path.
template <class F>
inline void parallel_for(int64_t n, int64_t grain, F&& fn) {
  if (n <= 0) return;
  // One chunk (a small tensor's op) before the division: a 64-bit divide was a tenth of a tiny
  // elementwise op's time.
  if (n <= grain) return fn(int64_t{0}, n);
  if (grain < 1) grain = 1;
  const int64_t chunks = (n + grain - 1) / grain;
  const int64_t threads = num_threads();
  const int64_t parts = chunks < threads ? chunks : threads;
  if (parts <= 1) return fn(int64_t{0}, n);
  parallel_for_pooled(n, parts, fn);
}

void set_num_threads(int n);  // clamped to [1, 256]
int hardware_threads();

}  // namespace tg
