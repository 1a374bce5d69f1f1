// Per-call scratch for kernels: n floats from operator new, 64-byte aligned (a cache line, one
// AVX-512 vector, the GEMM's loads), freed when the call's scope ends; the core keeps nothing
// between calls. Allocation failure is not an exception: p is null and the caller returns an
// error Status.
#pragma once
#include <cstddef>
#include <cstdint>
#include <new>

namespace tg {

struct Scratch {
  float* p = nullptr;
  explicit Scratch(int64_t n) {
    if (n > 0) p = static_cast<float*>(::operator new[](size_t(n) * sizeof(float), std::align_val_t{64}, std::nothrow));
  }
  ~Scratch() {
    if (p) ::operator delete[](p, std::align_val_t{64});
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  // Whether the n floats asked for are there (always, for n <= 0).
  bool ok(int64_t n) const { return n <= 0 || p != nullptr; }
};

}  // namespace tg
