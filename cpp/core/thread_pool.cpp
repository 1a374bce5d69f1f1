#include "core/thread_pool.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__linux__)
#include <sched.h>
#endif

namespace tg {
namespace {

// Waking a sleeping thread costs ~50 us on a VM (a futex wake plus an IPI to a halted vCPU):
// measured, an add_ of 64K floats took 6 us on one thread and 50 us on two. So both sides spin
// before they sleep. Workers spin for kSpin after each job, so the next op of a loop finds them
// awake; the caller spins for the last part instead of sleeping on it, which would cost a
// second wake-up. Past kSpin they block as before, so an idle pool costs nothing.
constexpr auto kSpin = std::chrono::microseconds(100);

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// The CPUs this process may run on: its affinity mask where the OS has one (taskset, a
// container's cpuset; what Node's os.availableParallelism() counts), else every CPU. Counting
// every CPU of the machine, a server pinned to one CPU ran two pool threads on it, spinning
// for each other, and its event loop waited behind both.
int count_cpus() {
#if defined(__linux__)
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    const int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
#endif
  const unsigned h = std::thread::hardware_concurrency();
  return h == 0 ? 1 : static_cast<int>(h);
}

int hardware_threads_cached() {
  // A syscall: ask once.
  static const int cached = std::min(count_cpus(), 256);
  return cached;
}

// Spins until done() or kSpin has passed; true if done. With more threads than cores a
// spinner would take the core of the very thread it waits for: then it does not spin.
template <class Done>
bool spin_until(Done done, int threads) {
  if (threads > hardware_threads_cached()) return done();
  const auto until = std::chrono::steady_clock::now() + kSpin;
  for (;;) {
    for (int i = 0; i < 64; ++i) {
      if (done()) return true;
      cpu_relax();
    }
    if (std::chrono::steady_clock::now() >= until) return done();
  }
}

class Pool {
 public:
  ~Pool() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_.store(true);
    }
    wake_.notify_all();
    for (auto& t : workers_) t.join();
  }

  // Runs job(part) for part in [0, parts) on the caller plus parts-1 workers.
  void run(int parts, const std::function<void(int)>& job) {
    grow(parts - 1);
    {
      // Published under the lock for the sleepers; the release store of ticket_ publishes the
      // job to the spinners.
      std::lock_guard<std::mutex> lock(mu_);
      job_.store(&job, std::memory_order_relaxed);
      remaining_.store(parts, std::memory_order_relaxed);
      gen_ = (gen_ + 1) & kGenMask;
      ticket_.store(gen_ << 20 | static_cast<uint64_t>(parts) << 10, std::memory_order_release);
    }
    wake_.notify_all();
    // The caller claims parts like a worker: when the workers are asleep or descheduled (on a
    // busy machine), it does their parts itself instead of waiting for them.
    claim(gen_);
    if (spin_until([&] { return remaining_.load(std::memory_order_acquire) == 0; }, parts)) return;
    std::unique_lock<std::mutex> lock(mu_);
    done_.wait(lock, [&] { return remaining_.load(std::memory_order_acquire) == 0; });
  }

  std::mutex busy;  // held by the one caller currently using the pool

 private:
  void grow(int want) {
    std::lock_guard<std::mutex> lock(mu_);
    while (static_cast<int>(workers_.size()) < want) workers_.emplace_back([this] { loop(); });
    threads_.store(want + 1, std::memory_order_relaxed);
  }

  void loop() {
    uint64_t seen = 0;
    for (;;) {
      auto fresh = [&] { return ticket_.load(std::memory_order_acquire) >> 20 != seen; };
      if (!spin_until(fresh, threads_.load(std::memory_order_relaxed))) {
        std::unique_lock<std::mutex> lock(mu_);
        wake_.wait(lock, [&] { return stopping_.load() || fresh(); });
        if (stopping_.load()) return;
      }
      seen = ticket_.load(std::memory_order_acquire) >> 20;
      claim(seen);
    }
  }

  // Runs unclaimed parts of run `gen` until none is left. The ticket carries its generation,
  // so a thread that arrives late, after the run ended or a new one began, claims nothing.
  void claim(uint64_t gen) {
    uint64_t t = ticket_.load(std::memory_order_acquire);
    for (;;) {
      const uint64_t parts = (t >> 10) & 1023, part = t & 1023;
      if (t >> 20 != gen || part >= parts) return;
      if (!ticket_.compare_exchange_weak(t, t + 1, std::memory_order_acq_rel, std::memory_order_acquire)) continue;
      (*job_.load(std::memory_order_relaxed))(static_cast<int>(part));
      if (remaining_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        std::lock_guard<std::mutex> lock(mu_);  // pairs with the caller's check-then-wait
        done_.notify_one();
      }
      t = ticket_.load(std::memory_order_acquire);
    }
  }

  // ticket_ = generation << 20 | parts << 10 | next part to claim (parts <= 256).
  static constexpr uint64_t kGenMask = (uint64_t{1} << 44) - 1;
  std::mutex mu_;
  std::condition_variable wake_, done_;
  std::vector<std::thread> workers_;
  std::atomic<const std::function<void(int)>*> job_{nullptr};
  std::atomic<int> remaining_{0};
  std::atomic<uint64_t> ticket_{0};
  uint64_t gen_ = 0;  // the last generation issued; only the caller holding `busy` touches it
  std::atomic<int> threads_{1};  // threads of the latest run, the caller included
  std::atomic<bool> stopping_{false};
};

Pool& pool() {
  // Leaked on purpose: joining threads during static destruction at process exit can deadlock
  // with Node's own teardown.
  static Pool* p = new Pool();
  return *p;
}

std::atomic<int> g_threads{0};

}  // namespace

int hardware_threads() { return hardware_threads_cached(); }

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
