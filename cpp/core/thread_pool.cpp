#include "core/thread_pool.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace tg {
namespace {

class Pool {
 public:
  ~Pool() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    wake_.notify_all();
    for (auto& t : workers_) t.join();
  }

  // Runs job(part) for part in [0, parts) on the caller plus parts-1 workers.
  void run(int parts, const std::function<void(int)>& job) {
    grow(parts - 1);
    {
      std::lock_guard<std::mutex> lock(mu_);
      job_ = &job;
      parts_ = parts;
      next_part_ = 1;
      remaining_ = parts - 1;
      ++generation_;
    }
    wake_.notify_all();
    job(0);
    std::unique_lock<std::mutex> lock(mu_);
    done_.wait(lock, [&] { return remaining_ == 0; });
    job_ = nullptr;
  }

  std::mutex busy;  // held by the one caller currently using the pool

 private:
  void grow(int want) {
    std::lock_guard<std::mutex> lock(mu_);
    while (static_cast<int>(workers_.size()) < want) workers_.emplace_back([this] { loop(); });
  }

  void loop() {
    uint64_t seen = 0;
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      wake_.wait(lock, [&] { return stopping_ || (generation_ != seen && next_part_ < parts_); });
      if (stopping_) return;
      seen = generation_;
      while (next_part_ < parts_) {
        int part = next_part_++;
        const auto* job = job_;
        lock.unlock();
        (*job)(part);
        lock.lock();
        if (--remaining_ == 0) done_.notify_one();
      }
    }
  }

  std::mutex mu_;
  std::condition_variable wake_, done_;
  std::vector<std::thread> workers_;
  const std::function<void(int)>* job_ = nullptr;
  int parts_ = 0, next_part_ = 0, remaining_ = 0;
  uint64_t generation_ = 0;
  bool stopping_ = false;
};

Pool& pool() {
  // Leaked on purpose: joining threads during static destruction at process exit can deadlock
  // with Node's own teardown.
  static Pool* p = new Pool();
  return *p;
}

std::atomic<int> g_threads{0};

}  // namespace

int hardware_threads() {
  // hardware_concurrency() is a syscall on Linux: ask once.
  static const int cached = [] {
    unsigned h = std::thread::hardware_concurrency();
    return h == 0 ? 1 : static_cast<int>(std::min(h, 256u));
  }();
  return cached;
}

int num_threads() {
  int n = g_threads.load(std::memory_order_relaxed);
  return n > 0 ? n : hardware_threads();
}

void set_num_threads(int n) { g_threads.store(std::clamp(n, 1, 256), std::memory_order_relaxed); }

void parallel_for_pooled(int64_t n, int64_t parts, const std::function<void(int64_t, int64_t)>& fn) {
  Pool& p = pool();
  std::unique_lock<std::mutex> lock(p.busy, std::try_to_lock);
  if (!lock.owns_lock()) return fn(0, n);  // another environment's op holds the pool
  const int64_t chunk = (n + parts - 1) / parts;
  p.run(static_cast<int>(parts), [&](int part) {
    int64_t b = part * chunk, e = std::min(n, b + chunk);
    if (b < e) fn(b, e);
  });
}

}  // namespace tg
