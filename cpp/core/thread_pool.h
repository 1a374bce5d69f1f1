// A persistent pool shared by the whole process (all Node environments). No thread is created
// per op. parallel_for is safe to call from several JS threads at once: a caller that finds the
// pool busy runs its work inline, so nothing waits on another environment's op.
#pragma once
#include <cstdint>
#include <functional>

namespace tg {

// Calls fn(begin, end) over [0, n) in chunks of at least `grain` items, on up to
// num_threads() threads (the caller included). fn must not throw.
void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);

int num_threads();
void set_num_threads(int n);  // clamped to [1, 256]
int hardware_threads();

}  // namespace tg
