// Chooses the kernel table once, at load: the best the CPU supports, unless TG_SIMD names one
// (so tests can run every path on one machine).
//
// The order of the checks is the whole point of this file: an ISA unit (cpp/isa/*.cpp) is
// compiled with its own -m flags, so none of its code may run, not even the accessor that
// returns its table, before cpu_features() (baseline code) has said the CPU and the OS can run
// it. The tables are constant-initialised data (no constructor, no guard), and
// scripts/check-isa-units.js checks each ISA object exports nothing but its accessor.
#include <atomic>
#include <cstdlib>
#include <cstring>

#include "core/cpu_features.h"
#include "kernels/isa_table.h"
#include "tg.h"

namespace tg {
namespace {

struct TableEntry {
  const char* name;
  bool (*runnable)(const CpuFeatures&);
  const KernelTable* (*table)();
};

// Best first. What each unit was compiled with (CMakeLists.txt) is what it needs here.
constexpr TableEntry kTables[] = {
    {"avx512", [](const CpuFeatures& f) { return f.avx512f && f.avx2 && f.fma; }, avx512_kernels},
    {"avx2", [](const CpuFeatures& f) { return f.avx2 && f.fma; }, avx2_kernels},
    {"sse2", [](const CpuFeatures& f) { return f.sse2; }, sse2_kernels},
    {"neon", [](const CpuFeatures& f) { return f.neon; }, neon_kernels},
    {"scalar", [](const CpuFeatures&) { return true; }, scalar_kernels},
};

const KernelTable* table_named(const char* name) {
  for (const TableEntry& e : kTables) {
    if (std::strcmp(name, e.name) != 0) continue;
    if (!e.runnable(cpu_features())) return nullptr;
    return e.table();  // nullptr where the unit was not compiled for this architecture
  }
  return nullptr;
}

const KernelTable* best() {
  if (const char* forced = std::getenv("TG_SIMD")) {
    if (const KernelTable* t = table_named(forced)) return t;
  }
  for (const TableEntry& e : kTables)
    if (const KernelTable* t = table_named(e.name)) return t;
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

int runnable_simd_names(const char** out, int n) {
  int count = 0;
  for (const TableEntry& e : kTables)
    if (count + 1 < n && table_named(e.name)) out[count++] = e.name;
  if (n > 0) out[count] = nullptr;
  return count;
}

}  // namespace tg
