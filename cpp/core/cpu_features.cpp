#include "core/cpu_features.h"

#include "tg.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

#include <cstdint>
#elif defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>
#ifndef HWCAP_ASIMD
#define HWCAP_ASIMD (1 << 1)
#endif
#endif

namespace tg {
namespace {

#if defined(__x86_64__) || defined(__i386__)
// XCR0 bits: 1 SSE state, 2 AVX (upper ymm halves), 5-7 opmask, upper zmm halves, zmm16-31.
constexpr uint64_t kXcr0Ymm = 0x6, kXcr0Zmm = 0xe0;

uint64_t read_xcr0() {
  uint32_t lo = 0, hi = 0;
  // The instruction by its encoding: the intrinsic needs -mxsave, which this unit must not have.
  __asm__ volatile(".byte 0x0f, 0x01, 0xd0" : "=a"(lo), "=d"(hi) : "c"(0));
  return (uint64_t{hi} << 32) | lo;
}

CpuFeatures detect() {
  CpuFeatures f;
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return f;
  f.sse2 = edx & bit_SSE2;
  const bool osxsave = ecx & bit_OSXSAVE;
  const uint64_t xcr0 = osxsave ? read_xcr0() : 0;
  const bool os_ymm = (xcr0 & kXcr0Ymm) == kXcr0Ymm;
  const bool os_zmm = os_ymm && (xcr0 & kXcr0Zmm) == kXcr0Zmm;
  f.avx = os_ymm && (ecx & bit_AVX);
  f.fma = f.avx && (ecx & bit_FMA);
  unsigned max_leaf = __get_cpuid_max(0, nullptr);
  if (max_leaf >= 7) {
    __cpuid_count(7, 0, eax, ebx, ecx, edx);
    f.avx2 = f.avx && (ebx & bit_AVX2);
    f.avx512f = os_zmm && (ebx & bit_AVX512F);
  }
  return f;
}
#elif defined(__aarch64__) && defined(__linux__)
CpuFeatures detect() {
  CpuFeatures f;
  f.neon = getauxval(AT_HWCAP) & HWCAP_ASIMD;
  return f;
}
#elif defined(__aarch64__)
CpuFeatures detect() {
  CpuFeatures f;
  f.neon = true;  // macOS and other AArch64 systems without HWCAP: Advanced SIMD is mandatory there
  return f;
}
#else
CpuFeatures detect() { return {}; }
#endif

}  // namespace

const CpuFeatures& cpu_features() {
  static const CpuFeatures features = detect();
  return features;
}

int cpu_feature_names(const char** out, int n) {
  const CpuFeatures& f = cpu_features();
  const struct {
    bool has;
    const char* name;
  } all[] = {{f.sse2, "sse2"}, {f.avx, "avx"}, {f.fma, "fma"}, {f.avx2, "avx2"}, {f.avx512f, "avx512f"}, {f.neon, "neon"}};
  int count = 0;
  for (const auto& feature : all)
    if (feature.has && count + 1 < n) out[count++] = feature.name;
  if (n > 0) out[count] = nullptr;
  return count;
}

}  // namespace tg
