// Chooses the kernel table once, at load: the best the CPU supports, unless TG_SIMD names one
// (so tests can run every path on one machine).
#include <atomic>
#include <cstdlib>
#include <cstring>

#include "kernels/isa_table.h"

namespace tg {
namespace {

bool cpu_has(const char* name) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  if (!std::strcmp(name, "avx512")) return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma");
  if (!std::strcmp(name, "avx2")) return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return false;
#elif defined(__aarch64__)
  return !std::strcmp(name, "neon");  // NEON (AdvSIMD) is baseline on AArch64
#else
  (void)name;
  return false;
#endif
}

const KernelTable* table_named(const char* name) {
  const KernelTable* t = nullptr;
  if (!std::strcmp(name, "avx512")) t = avx512_kernels();
  else if (!std::strcmp(name, "avx2")) t = avx2_kernels();
  else if (!std::strcmp(name, "neon")) t = neon_kernels();
  else if (!std::strcmp(name, "scalar")) return scalar_kernels();
  return t && cpu_has(name) ? t : nullptr;
}

const KernelTable* best() {
  if (const char* forced = std::getenv("TG_SIMD")) {
    if (const KernelTable* t = table_named(forced)) return t;
  }
  for (const char* name : {"avx512", "avx2", "neon"})
    if (const KernelTable* t = table_named(name)) return t;
  return scalar_kernels();
}

std::atomic<const KernelTable*> g_table{best()};

}  // namespace

const KernelTable& kernels() { return *g_table.load(std::memory_order_relaxed); }

bool select_kernels(const char* name) {
  const KernelTable* t = table_named(name);
  if (!t) return false;
  g_table.store(t, std::memory_order_relaxed);
  return true;
}

}  // namespace tg
